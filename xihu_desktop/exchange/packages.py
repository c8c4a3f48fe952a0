"""Task packages (下发): the district writes each unit's assigned items and goals as a
return (kind ``package``); the unit's own data file imports it.

Export (the district's file): the unit's tasks of the year (its shares of plan
targets and its assigned catalogue items, :meth:`store.decomposition.for_unit`) are
first put into the district's own ledger of that unit, marked 下达 and keyed by the
share's or assignment's key; then the package's revision is recorded and the return
layout (:func:`.excel_export.export_ledger`) is written restricted to those entries.

Import (a unit's file): the file is read by the return reader
(:func:`.return_read.read_return`); it must be for this file's unit, for a year of
its plan, not older than the revision already imported, and unchanged since it was
written (its fingerprint). Then, in one transaction, an empty file is bound to the
unit and the unit's ledger of that year is created or updated: the district's fields
of the assigned entries (name, goal, link) are written, everything the unit wrote is
kept, and entries an older revision assigned but this one does not are unassigned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.enums import ArrivalStatus
from ..store import Store, StoreError, Unit
from ..store.errors import BackupFailed, NotFound
from ..store.packages import AssignedItem, AssignOutcome
from . import return_layout as layout
from .arrival import ArrivalReport
from .excel_export import export_ledger
from .excel_import import ImportRefused
from .fingerprint import _number, canonical_bytes
from .return_read import Lookups, ParsedReturn, read_return

#: metadata key of the time the district issued the package
META_ISSUED = "issued_at"
META_FINGERPRINT = "fingerprint"

#: catalogue item kind → the category of its entry
_ITEM_CATEGORY = {"platform": "platform", "project": "project", "talent_programme": "talent"}


# ---------------------------------------------------------------- the unit's items


def unit_items(store: Store, year: int, unit_id: int) -> list[AssignedItem]:
    """The unit's tasks of the year as the entries a package makes."""
    tasks = store.decomposition.for_unit(year, unit_id)
    items = []
    for share in tasks.shares:
        t = share.target
        name = f"{t.name}（{t.sub}）" if t.sub else t.name
        defaults = {"measure_unit": t.unit} if t.unit else {}
        items.append(
            AssignedItem(share.key, "indicator", name, share.goal, share.target_id, None, defaults)
        )
    for a in tasks.assignments:
        cat = _ITEM_CATEGORY.get(a.item.kind)
        if cat is None:
            continue
        defaults = (
            {"annual_goal": a.item.goal_text} if cat == "platform" and a.item.goal_text else {}
        )
        items.append(AssignedItem(a.key, cat, a.item.name, None, None, a.catalogue_id, defaults))
    return items


def content_fingerprint(store: Store, unit: Unit, year: int, items: list[AssignedItem]) -> str:
    """SHA-256 of what a package assigns, naming links by content (the same in any file)."""
    targets = {t.id: f"{t.seq}{t.sub or ''}:{t.name}" for t in store.catalogue.targets()}
    kinds = {i.id: f"{i.kind}:{i.name}" for i in store.catalogue.items()}
    rows = []
    for item in sorted(items, key=lambda i: i.key):
        values: dict[str, Any] = {"key": item.key, "category": item.category}
        for k, v in item.values().items():
            if k == "target_id":
                v = targets.get(v) if v is not None else None
            elif k == "catalogue_id":
                v = kinds.get(v) if v is not None else None
            elif isinstance(v, str):
                v = v.strip()
            values[k] = _number(v)
        rows.append(values)
    data = {"unit": unit.code, "year": year, "items": rows}
    return hashlib.sha256(canonical_bytes(data)).hexdigest()


def signed(content: str, revision: int) -> str:
    """The fingerprint a package file carries: its content and its revision."""
    return hashlib.sha256(f"{content}:{revision}".encode()).hexdigest()


# ---------------------------------------------------------------- export (district)


def default_package_name(unit: Unit, year: int) -> str:
    return f"{unit.name}_{year}年任务包.xlsx"


def export_package(store: Store, year: int, unit_id: int, out: str | Path) -> Path:
    """Materialise the unit's tasks in the district's ledger, record the revision and
    write the package to ``out`` (administrator, district file)."""
    store.require_admin("下发任务包")
    bound = store.packages.bound_unit()
    if bound is not None:
        raise ImportRefused(f"本数据文件属于{bound.name}：任务包只能从区级数据文件下发。")
    unit = store.units.get(unit_id)
    items = unit_items(store, year, unit_id)
    if not items:
        raise ImportRefused(f"{unit.name}{year}年没有分解下达的任务，未生成任务包。")
    content = content_fingerprint(store, unit, year, items)
    outcome, record = store.packages.issue_package(unit_id, year, items, content)
    assert outcome.ledger_id is not None
    keys = {i.key for i in items}
    meta = {
        layout.META_KIND: layout.KIND_PACKAGE,
        layout.META_REVISION: record.revision,
        META_ISSUED: record.issued_at,
    }
    return export_ledger(
        store,
        outcome.ledger_id,
        out,
        only=lambda e: e.key in keys,
        fingerprint=signed(content, record.revision),
        meta=meta,
    )


def export_packages(
    store: Store,
    year: int,
    folder: str | Path,
    *,
    progress: Callable[[int, int, str], object] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> list[Path]:
    """One package per unit with tasks in ``year``, into ``folder``.

    Each package is its own transaction and its own file, written whole or not at all;
    ``cancelled`` stops between two units (the packages written so far stay valid).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    units = store.decomposition.units_with_tasks(year)
    for i, unit_id in enumerate(units):
        if cancelled is not None and cancelled():
            break
        unit = store.units.get(unit_id)
        if progress is not None:
            progress(i, len(units), unit.name)
        out.append(export_package(store, year, unit_id, folder / default_package_name(unit, year)))
    return out


# ---------------------------------------------------------------- import (unit's file)


def _refuse(parsed: ParsedReturn, text: str) -> ImportRefused:
    return ImportRefused(f"任务包“{parsed.file}”未导入：{text}")


def _unit(store: Store, parsed: ParsedReturn) -> Unit:
    units = store.units.list()
    by_code = next((u for u in units if parsed.unit_code and u.code == parsed.unit_code), None)
    by_name = next((u for u in units if parsed.unit_name and u.name == parsed.unit_name), None)
    if by_code and by_name and by_code.id != by_name.id:
        raise _refuse(parsed, f"单位代码“{parsed.unit_code}”与单位名称“{parsed.unit_name}”不符。")
    unit = by_code or by_name
    if unit is None:
        raise _refuse(
            parsed, f"责任单位“{parsed.unit_name or parsed.unit_code}”在本数据文件中不存在。"
        )
    return unit


def _items(parsed: ParsedReturn) -> list[AssignedItem]:
    """The package's assigned items as the file states them."""
    items = []
    for cat_key, rows in parsed.rows.items():
        for row in rows:
            if row.key is None:
                raise _refuse(
                    parsed,
                    f"工作表“{row.sheet}”第{row.row}行没有条目标识：任务包被改动过，"
                    "请向区里重新索取任务包。",
                )
            v = row.values
            items.append(
                AssignedItem(
                    row.key,
                    cat_key,
                    str(v.get("name") or row.name),
                    v.get("goal"),
                    v.get("target_id"),
                    v.get("catalogue_id"),
                    {k: v[k] for k in ("measure_unit", "annual_goal") if v.get(k) is not None},
                )
            )
    return items


def _check_file(store: Store, parsed: ParsedReturn, unit: Unit) -> None:
    """Refuse a package for another unit, for a district file or for another plan."""
    bound = store.packages.bound_unit()
    if bound is not None and bound.id != unit.id:
        raise _refuse(
            parsed,
            f"这是{unit.name}的任务包，本数据文件属于{bound.name}，不能导入其他单位的任务包。",
        )
    if bound is None and any(ledger.unit_id != unit.id for ledger in store.ledgers.list()):
        raise _refuse(
            parsed,
            "本数据文件中有其他单位的台账，是区级数据文件：任务包应导入单位自己的数据文件"
            f"（用“xihu init --unit {unit.name}”新建，或在空白数据文件中导入）。",
        )
    year = parsed.year or 0
    try:
        plan = store.catalogue.plan_for_year(year)
    except NotFound:
        raise _refuse(parsed, f"任务包是{year}年的，本数据文件的规划期不含{year}年。") from None
    if parsed.plan_code and parsed.plan_code != plan.code:
        raise _refuse(
            parsed, f"任务包属于规划“{parsed.plan_code}”，本数据文件{year}年的规划是“{plan.code}”。"
        )


def _report(
    parsed: ParsedReturn, unit: Unit, revision: int, status: ArrivalStatus, o: AssignOutcome
) -> ArrivalReport:
    year = parsed.year
    counts = (
        f"新增 {len(o.added)} 条，更新 {len(o.updated)} 条，取消下达 {len(o.unassigned)} 条，"
        f"未变 {o.unchanged} 条"
    )
    what = {
        ArrivalStatus.NEW: f"新建{year}年台账",
        ArrivalStatus.UPDATED: "已更新台账",
        ArrivalStatus.SAME: "与已导入的相同，未写入",
    }.get(status, str(status))
    lines = [f"{unit.name}{year}年任务包第{revision}版：{status}，{what}（{counts}）。"]
    lines += [f"新增下达条目：{name}" for name in o.added]
    lines += [f"更新下达条目：{name}（{'、'.join(fields)}）" for name, fields in o.updated]
    lines += [f"不再下达（条目保留，可删除）：{name}" for name in o.unassigned]
    data = {
        "revision": revision,
        "added": list(o.added),
        "updated": [name for name, _ in o.updated],
        "unassigned": list(o.unassigned),
    }
    return ArrivalReport(parsed.file, layout.KIND_PACKAGE, status, unit.name, year, lines, data)


def import_package(store: Store, path: str | Path, *, dry_run: bool = False) -> ArrivalReport:
    """Import a task package into this unit's data file (see the module's docstring).

    Raises :class:`ImportRefused` (naming why) or ``UnusableFile`` having written nothing.
    """
    parsed = read_return(Path(path), Lookups.of(store))
    if (parsed.meta.get(layout.META_KIND) or "") != layout.KIND_PACKAGE:
        raise ImportRefused(f"文件“{parsed.file}”不是任务包（元数据中没有任务包标记），未导入。")
    if parsed.fatal:
        raise _refuse(parsed, parsed.fatal)
    try:
        revision = int(parsed.meta.get(layout.META_REVISION) or "")
    except ValueError:
        raise _refuse(parsed, "元数据中没有有效的版次：任务包被改动过。") from None
    unit = _unit(store, parsed)
    year = parsed.year or 0
    _check_file(store, parsed, unit)
    items = _items(parsed)
    content = content_fingerprint(store, unit, year, items)
    if parsed.meta.get(META_FINGERPRINT) != signed(content, revision):
        raise _refuse(
            parsed,
            "任务包被改动过（内容与其数据校验码不符，如目标值被手工修改），"
            "请向区里重新索取任务包，不要手工修改任务包。",
        )
    issued = parsed.meta.get(META_ISSUED) or ""

    def same_or_older() -> ArrivalReport | None:
        previous = store.packages.received(year, unit.id)
        if previous is None or revision > previous.revision:
            return None
        if revision < previous.revision:
            raise _refuse(
                parsed,
                f"这是{unit.name}{year}年任务包第{revision}版，本数据文件已导入第"
                f"{previous.revision}版，不能导入较旧的版本。",
            )
        if previous.fingerprint != content:
            raise _refuse(parsed, f"第{revision}版与已导入的第{revision}版内容不同，请向区里核实。")
        outcome = AssignOutcome(None, unchanged=len(items))
        return _report(parsed, unit, revision, ArrivalStatus.SAME, outcome)

    with store.snapshot():
        done = same_or_older()
        if done is None and dry_run:
            outcome = store.packages.compare(unit.id, year, items)
            status = ArrivalStatus.NEW if outcome.new_ledger else ArrivalStatus.UPDATED
            done = _report(parsed, unit, revision, status, outcome)
    if done is not None:
        return done
    try:
        with store.bulk_write("package"):
            store.packages.forget()  # another process may have bound the file meanwhile
            _check_file(store, parsed, unit)
            done = same_or_older()  # the same package imported meanwhile
            if done is not None:
                return done
            if store.packages.bound_unit() is None:
                store.packages.bind(unit.id)
            outcome = store.packages.assign(unit.id, year, items, "导入任务包")
            store.packages.receive(year, unit.id, revision, issued, content)
    except BackupFailed as exc:
        raise ImportRefused(f"导入前备份数据库失败，未导入任何数据：{exc.__cause__}") from exc
    except ImportRefused:
        raise
    except StoreError as exc:
        raise _refuse(parsed, str(exc)) from exc
    status = ArrivalStatus.NEW if outcome.new_ledger else ArrivalStatus.UPDATED
    return _report(parsed, unit, revision, status, outcome)
