"""The decomposition table (任务分解表) in Excel, both ways, for offices that plan in
spreadsheets.

:func:`export_decomposition` writes the sheets 指标分解 (the plan's target rows:
序号, 指标名称, 计量单位, 区年度目标, 牵头单位, one column per unit with its share,
合计) and 项目分配 (catalogue items with their units joined by “、”) with the hidden
``_元数据`` sheet. :func:`import_decomposition` reads such a file back under the rules
of every arriving file: the file names its year once; a cell problem means nothing is
written; an empty cell where the store has a value deletes nothing unless asked
(``delete_missing``); one transaction; the same file twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.decomposition import fmt
from ..core.enums import ArrivalStatus, UnitKind
from ..store import Store
from ..store.decomposition import DecompositionEdit, target_name
from ..store.errors import BackupFailed, InvalidData, NotFound, PermissionDenied
from . import decomposition_read as read
from . import return_layout as layout
from .arrival import ArrivalReport
from .atomic import atomic_path
from .excel_import import ImportRefused
from .xlsx_read import col_letter
from .xlsx_write import Formats, new_workbook, write_meta

_KINDS = (UnitKind.TOWN, UnitKind.PLATFORM, UnitKind.DEPARTMENT)  # the grid's column order


def default_name(year: int) -> str:
    return f"西湖区{year}年任务分解表.xlsx"


def meta_rows(plan_code: str, year: int, exported: str) -> list[tuple[str, Any]]:
    return [
        (layout.META_FORMAT, layout.FORMAT_NAME),
        (layout.META_KIND, layout.KIND_DECOMPOSITION),
        ("schema_version", read.SCHEMA_VERSION),
        (layout.META_PLAN, plan_code),
        (layout.META_YEAR, year),
        ("exported_at", exported),
        ("app_version", __version__),
    ]


# ---------------------------------------------------------------- export


def export_decomposition(store: Store, year: int, out: str | Path) -> Path:
    """Write the year's decomposition to ``out`` (atomically)."""
    out = Path(out)
    with store.snapshot():
        plan = store.decomposition.plan(year)
        grid = store.decomposition.grid(year)
        items = store.decomposition.item_rows(year)
    names = {u.id: u.name for u in store.units.list()}
    exported = dt.datetime.now().isoformat(timespec="seconds")
    with atomic_path(out) as tmp:
        wb = new_workbook(tmp)
        wb.set_properties(
            {
                "title": read.target_title(year),
                "company": "西湖区",
                "comments": f"xihu-desktop {__version__}",
            }
        )
        formats = Formats(wb)
        _targets_sheet(wb, formats, grid, names)
        _items_sheet(wb, formats, year, items, names)
        write_meta(wb, meta_rows(plan.code, year, exported))
        wb.close()
    return out


def _targets_sheet(wb: Any, formats: Formats, grid: Any, names: dict[int, str]) -> None:
    ws = wb.add_worksheet(read.TARGET_SHEET)
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    number = wb.add_format({**base, "num_format": "General"})
    lead = wb.add_format({**base, "num_format": "General", "bg_color": "#FFF2CC", "bold": True})
    total_fmt = wb.add_format({**base, "num_format": "General", "bg_color": "#F2F2F2"})
    wrong = wb.add_format({**base, "num_format": "General", "bg_color": "#F8CBAD"})
    units = grid.units
    first_unit = len(read.FIXED)
    total_col = first_unit + len(units)
    ws.merge_range(0, 0, 0, total_col, read.target_title(grid.year), formats.title)
    ws.set_row(0, 28)
    for c, head in enumerate(read.FIXED):
        ws.merge_range(1, c, 2, c, head, formats.header)
    c = first_unit
    for kind in _KINDS:
        span = [u for u in units if u.kind == kind]
        if not span:
            continue
        label = f"{kind.label}分解目标"
        if len(span) > 1:
            ws.merge_range(1, c, 1, c + len(span) - 1, label, formats.group)
        else:
            ws.write_string(1, c, label, formats.group)
        c += len(span)
    ws.merge_range(1, total_col, 2, total_col, read.TOTAL, formats.header)
    ordered = [u for kind in _KINDS for u in units if u.kind == kind]
    for i, u in enumerate(ordered):
        ws.write_string(2, first_unit + i, u.name, formats.header)
    ws.set_row(2, 42)
    r = layout.FIRST_DATA_ROW
    for row in grid.rows:
        t = row.target
        ws.write_number(r, 0, t.seq, formats.text)
        ws.write_string(r, 1, target_name(t), formats.text)
        ws.write_string(r, 2, t.unit or "", formats.text)
        _num(ws, r, 3, row.goal, number)
        ws.write_string(
            r, 4, names.get(row.lead_unit_id, "") if row.lead_unit_id else "", formats.text
        )
        for i, u in enumerate(ordered):
            fmt_ = lead if u.id == row.lead_unit_id else number
            if u.id in row.shares:
                value = row.shares[u.id]
                if value is None:
                    ws.write_string(r, first_unit + i, read.CARRIED, fmt_)
                else:
                    ws.write_number(r, first_unit + i, value, fmt_)
            else:
                ws.write_blank(r, first_unit + i, None, fmt_)
        cells = f"{col_letter(first_unit)}{r + 1}:{col_letter(total_col - 1)}{r + 1}"
        value = round(row.total, 6) if row.total is not None else 0
        ws.write_formula(
            r, total_col, f"=SUM({cells})", wrong if row.mismatch else total_fmt, value
        )
        if row.mismatch:
            ws.write_comment(r, total_col, row.mismatch.message())
        r += 1
    ws.set_column(0, 0, 5)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 9)
    ws.set_column(3, 3, 10)
    ws.set_column(4, 4, 22)
    ws.set_column(first_unit, total_col - 1, 10)
    ws.set_column(total_col, total_col, 11)
    ws.freeze_panes(layout.FIRST_DATA_ROW, first_unit)
    ws.set_landscape()
    ws.set_paper(9)
    ws.repeat_rows(0, layout.FIRST_DATA_ROW - 1)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.fit_to_pages(1, 0)


def _num(ws: Any, r: int, c: int, value: float | None, fmt_: Any) -> None:
    if value is None:
        ws.write_blank(r, c, None, fmt_)
    else:
        ws.write_number(r, c, value, fmt_)


def _items_sheet(wb: Any, formats: Formats, year: int, items: list, names: dict[int, str]) -> None:
    ws = wb.add_worksheet(read.ITEM_SHEET)
    ws.merge_range(0, 0, 0, 3, read.item_title(year), formats.title)
    ws.set_row(0, 28)
    for c, head in enumerate(read.ITEM_HEADERS):
        ws.merge_range(1, c, 2, c, head, formats.header)
    wrap = wb.add_format(
        {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1, "text_wrap": True}
    )
    r = layout.FIRST_DATA_ROW
    for row in items:
        item = row.item
        ws.write_string(r, 0, read.KIND_LABELS.get(item.kind, item.kind), formats.text)
        ws.write_string(r, 1, read.column_text(item.column_no), formats.text)
        ws.write_string(r, 2, item.name, wrap)
        ws.write_string(r, 3, "、".join(names[u] for u in row.unit_ids if u in names), wrap)
        r += 1
    for c, width in enumerate((10, 9, 44, 60)):
        ws.set_column(c, c, width)
    ws.freeze_panes(layout.FIRST_DATA_ROW, 3)
    ws.autofilter(2, 0, max(r - 1, 2), 3)
    ws.set_paper(9)
    ws.repeat_rows(0, layout.FIRST_DATA_ROW - 1)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.fit_to_pages(1, 0)


# ---------------------------------------------------------------- import


@dataclass
class Comparison:
    """What importing the file would change: the edit and the counts of the report."""

    edit: DecompositionEdit = field(default_factory=DecompositionEdit)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept: list[str] = field(default_factory=list)  # 未删除: empty in the file, kept
    deleted: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return not self.edit.empty


def compare(store: Store, parsed: read.ParsedDecomposition, delete_missing: bool) -> Comparison:
    """The file against the store (read inside the caller's snapshot or transaction)."""
    year = parsed.year
    out = Comparison()
    names = {u.id: u.name for u in store.units.list()}
    goals = {g.target_id: g for g in store.decomposition.goals(year)}
    labels = {t: target_name(g.target) for t, g in goals.items()}
    stored = {(s.target_id, s.unit_id): s.goal for s in store.decomposition.shares(year)}
    in_file: set[tuple[int, int]] = set()
    rows = {row.target_id: row for row in parsed.targets}

    for t, g in goals.items():
        row = rows.get(t)
        label = labels[t]
        goal = _compare(
            out, f"{label}·区年度目标", row.goal if row else None, g.goal, fmt, delete_missing
        )
        if goal is not _KEEP:
            out.edit.goals[t] = goal  # type: ignore[assignment]
        lead = _compare(
            out,
            f"{label}·牵头单位",
            row.lead if row else None,
            g.lead_unit_id,
            lambda v: names.get(v, "") if isinstance(v, int) else "",
            delete_missing,
        )
        if lead is not _KEEP:
            out.edit.leads[t] = lead  # type: ignore[assignment]
    for row in parsed.targets:
        for u, new in row.shares.items():
            pair = (row.target_id, u)
            in_file.add(pair)
            label = f"{labels[row.target_id]}·{names.get(u, u)}"
            if pair not in stored:
                out.edit.shares[pair] = new
                out.added.append(f"{label}：{fmt(new) or read.CARRIED}")
            elif (new is None) != (stored[pair] is None) or (
                new is not None and abs(new - stored[pair]) > 1e-9  # type: ignore[operator]
            ):
                out.edit.shares[pair] = new
                out.changed.append(
                    f"{label}：{fmt(stored[pair]) or read.CARRIED} → {fmt(new) or read.CARRIED}",
                )
            else:
                out.unchanged += 1
    for pair, old in stored.items():
        if pair in in_file:
            continue
        label = f"{labels.get(pair[0], pair[0])}·{names.get(pair[1], pair[1])}"
        if delete_missing:
            out.edit.cleared.add(pair)
            out.deleted.append(f"{label}：{fmt(old) or read.CARRIED}")
        else:
            out.kept.append(f"{label}：{fmt(old) or read.CARRIED}")
    _compare_items(store, parsed, delete_missing, out, names)
    return out


_KEEP = object()


def _compare(
    out: Comparison,
    label: str,
    new: float | int | None,
    old: float | int | None,
    show: Callable[[Any], str],
    delete_missing: bool,
) -> object:
    """One district value of the file against the store: the value to write, or _KEEP."""
    if new is None and old is None:
        return _KEEP
    if new is None:
        if delete_missing:
            out.deleted.append(f"{label}：{show(old)}")
            return None
        out.kept.append(f"{label}：{show(old)}")
        return _KEEP
    if old is None:
        out.added.append(f"{label}：{show(new)}")
        return new
    if abs(new - old) > 1e-9:
        out.changed.append(f"{label}：{show(old)} → {show(new)}")
        return new
    out.unchanged += 1
    return _KEEP


def _compare_items(
    store: Store,
    parsed: read.ParsedDecomposition,
    delete_missing: bool,
    out: Comparison,
    names: dict[int, str],
) -> None:
    assigned: dict[int, set[int]] = {}
    items = {}
    for a in store.decomposition.assignments(parsed.year):
        assigned.setdefault(a.catalogue_id, set()).add(a.unit_id)
        items[a.catalogue_id] = a.item.name
    for item_id, units in parsed.items.items():
        have = assigned.get(item_id, set())
        for u in sorted(units - have):
            out.edit.assign.add((item_id, u))
            out.added.append(f"{_item_name(store, item_id, items)}·{names.get(u, u)}")
        out.unchanged += len(units & have)
    for item_id, have in assigned.items():
        missing = have - parsed.items.get(item_id, set())
        for u in sorted(missing):
            label = f"{items[item_id]}·{names.get(u, u)}"
            if delete_missing:
                out.edit.unassign.add((item_id, u))
                out.deleted.append(label)
            else:
                out.kept.append(label)


def _item_name(store: Store, item_id: int, cache: dict[int, str]) -> str:
    if item_id not in cache:
        item = store.catalogue.item(item_id)
        cache[item_id] = item.name if item else str(item_id)
    return cache[item_id]


def _refuse_problems(parsed: read.ParsedDecomposition) -> None:
    if parsed.problems:
        first = "；".join(str(p) for p in parsed.problems[:8])
        more = f"等 {len(parsed.problems)} 处" if len(parsed.problems) > 8 else ""
        raise ImportRefused(f"任务分解表有问题，未导入任何数据：{first}{more}")


def import_decomposition(
    store: Store,
    path: str | Path,
    *,
    dry_run: bool = False,
    delete_missing: bool = False,
    year: int | None = None,
) -> ArrivalReport:
    """Import a decomposition table; raises ImportRefused / UnusableFile having written
    nothing. ``year``: the year the caller expects (another year is refused)."""
    path = Path(path)
    if not dry_run and not store.is_admin:
        raise ImportRefused("导入任务分解表需要区管理员权限，未导入任何数据。")

    def lookups_for(file_year: int) -> read.Lookups:
        try:
            plan = store.decomposition.plan(file_year)
        except NotFound as exc:
            raise read.Refused(
                f"文件“{path.name}”的年度{file_year}年不在任何规划期内：{exc}"
            ) from exc
        return read.Lookups.of(store, plan.id)

    try:
        parsed = read.read_decomposition(path, lookups_for, year)
        plan = store.decomposition.plan(parsed.year)
    except read.Refused as exc:
        raise ImportRefused(str(exc)) from exc
    if parsed.plan_code and parsed.plan_code != plan.code:
        raise ImportRefused(
            f"文件“{path.name}”属于规划“{parsed.plan_code}”，本数据文件{parsed.year}年的规划是"
            f"“{plan.code}”，未导入。"
        )
    _refuse_problems(parsed)
    with store.snapshot():
        existed = store.decomposition.has_any(parsed.year)
        comparison = compare(store, parsed, delete_missing)
    if comparison.has_changes and not dry_run:
        try:
            with store.bulk_write("import"):
                # compared again inside the write: a second import of the same file that
                # ran meanwhile leaves nothing to do
                existed = store.decomposition.has_any(parsed.year)
                comparison = compare(store, parsed, delete_missing)
                if comparison.has_changes:
                    store.decomposition.apply(parsed.year, comparison.edit)
                    store.audit.record(
                        "导入任务分解表", field_key=f"{parsed.year}年", new=path.name
                    )
        except BackupFailed as exc:
            raise ImportRefused(f"导入前备份数据库失败，未导入任何数据：{exc.__cause__}") from exc
        except (PermissionDenied, InvalidData) as exc:
            raise ImportRefused(f"任务分解表未导入：{exc}") from exc
    return _report(path, parsed.year, comparison, existed, dry_run, delete_missing)


def _report(
    path: Path, year: int, c: Comparison, existed: bool, dry_run: bool, delete_missing: bool
) -> ArrivalReport:
    if not c.has_changes:
        status = ArrivalStatus.SAME
    else:
        status = ArrivalStatus.UPDATED if existed else ArrivalStatus.NEW
    counts = {
        "新增": len(c.added),
        "修改": len(c.changed),
        "未变": c.unchanged,
        "未删除": len(c.kept),
    }
    if delete_missing:
        counts["删除"] = len(c.deleted)
    head = "（检查，未写入）" if dry_run else ""
    summary = f"{year}年任务分解{head}：" + "，".join(f"{k} {v}" for k, v in counts.items())
    lines = [summary]
    lines += [f"新增 {t}" for t in c.added[:50]]
    lines += [f"修改 {t}" for t in c.changed[:50]]
    lines += [f"删除 {t}" for t in c.deleted[:50]]
    if c.kept:
        lines.append(
            f"未删除 {len(c.kept)} 项（文件中为空，数据库中保留；如需删除请选择“删除文件中没有的分解”"
            "或加 --delete-missing）"
        )
        lines += [f"未删除 {t}" for t in c.kept[:20]]
    return ArrivalReport(
        file=path.name,
        kind=layout.KIND_DECOMPOSITION,
        status=status,
        unit=None,
        year=year,
        lines=lines,
        data={"counts": counts, "dry_run": dry_run},
    )
