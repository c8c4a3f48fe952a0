"""Planning an import: which row of the return is which entry, and what would change.

A return names its unit and year once (:mod:`.return_read` refuses one whose parts
disagree); a row whose 条目标识 belongs to an entry of another ledger of this file is
refused too (the return was relabelled). Then, per category, rows are matched to
entries in this order:
  a. the hidden column 条目标识 (the entry's key, a UUID the same in every file)
     names an entry of this ledger and category: that entry;
  b. a row whose values equal an unmatched entry's values is that entry (so an
     unchanged return, or the same file imported twice, changes nothing);
  c. a row whose name equals an unmatched entry's name updates that entry;
  d. every other row is a new entry, keeping the key it carries.
Entries no row matched are listed as not deleted; they are deleted only when asked
(``delete_missing``), and never in a category where an invalid row names no entry
(it may be one of them). Progress rows refer to entry rows by 条目标识, else by
category and name. With "import only valid rows", an invalid row is skipped and the
entry it refers to is left as it is. The return's own 加减分 are never applied: they
are the administrator's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core.categories import CATEGORY_BY_KEY, Field
from ..store import Entry, Ledger, Store, Unit
from ..store.errors import StoreError
from . import return_layout as layout
from .arrival import KIND_LABELS
from .import_report import EntryChange, ImportPlan
from .return_read import ParsedProgress, ParsedReturn, ParsedRow
from .xlsx_read import ImportProblem


def same(a: Any, b: Any) -> bool:
    """Equal as stored data (numbers within rounding, text ignoring CRLF and edges)."""
    if a == "":
        a = None
    if b == "":
        b = None
    if a is None or b is None:
        return a is None and b is None
    num = (int, float)
    if (
        isinstance(a, num)
        and isinstance(b, num)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()
    return bool(a == b)


def _signature(values: Mapping[str, Any], keys: Sequence[str]) -> tuple[Any, ...]:
    """Exact values of ``keys``: a fast first match; near-equal rows still match by key or
    name and are then compared with :func:`same`."""
    return tuple(map(values.get, keys))


def plan_import(store: Store, parsed: ParsedReturn, *, delete_missing: bool = False) -> ImportPlan:
    """What importing ``parsed`` would change (reads the store only).

    Entries the return lacks are deleted only with ``delete_missing``; otherwise the
    plan lists them as not deleted.
    """
    plan = ImportPlan(
        parsed,
        None,
        parsed.unit_name or parsed.unit_code or "",
        parsed.year,
        None,
        None,
        [],
        {},
        0,
        parsed.all_problems(),
        parsed.fatal,
        delete_missing=delete_missing,
    )
    plan.fatal = plan.fatal or _not_a_return(parsed)
    if plan.fatal:
        return plan
    unit, plan.fatal = _unit_of(store, parsed)
    if unit is None:
        return plan
    bound = store.packages.bound_unit()
    if bound is not None and bound.id != unit.id:
        plan.fatal = (
            f"文件“{parsed.file}”是{unit.name}的报表，本数据文件属于{bound.name}："
            f"不能导入其他单位的报表，未导入。"
        )
        return plan
    plan.unit_id, plan.unit_name = unit.id, unit.name
    try:
        db_plan = store.catalogue.plan_for_year(parsed.year or 0)
    except StoreError as exc:
        plan.fatal = str(exc)
        return plan
    if parsed.plan_code and parsed.plan_code != db_plan.code:
        plan.fatal = f"文件“{parsed.file}”属于规划“{parsed.plan_code}”，与本数据库{parsed.year}年的规划“{db_plan.code}”不一致。"
        return plan
    ledger = store.ledgers.find(unit.id, parsed.year or 0)
    if ledger is not None:
        plan.ledger_id, plan.ledger_status = ledger.id, ledger.status
        plan.header_changes = header_changes(ledger, parsed.header)
    else:
        plan.header_changes = {k: (None, v) for k, v in parsed.header.items() if v is not None}
    owners = store.entries.by_keys(_keys(parsed))
    plan.fatal = _foreign(store, parsed, plan, owners)
    if plan.fatal:
        return plan
    plan.entries = _match(store, plan.ledger_id, parsed, layout.Links.of(store), delete_missing)
    plan.reordered = _reordered(store, plan.ledger_id, parsed, plan.entries)
    plan.problems = parsed.all_problems()  # matching may refuse rows (a key moved sheets)
    plan.progress_changes = len(progress_updates(store, parsed, plan.entries, plan.ledger_id))
    if parsed.adjustments is not None:
        existing = (
            [(a.points, a.reason) for a in store.assessment.adjustments(plan.ledger_id)]
            if plan.ledger_id
            else []
        )
        if not _same_adjustments(existing, parsed.adjustments):
            plan.ignored.append(
                f"“{layout.ADJUSTMENT_SHEET}”工作表的 {len(parsed.adjustments)} 行未导入："
                "加减分由区管理员在本程序中录入，报表中的加减分不会生效"
            )
    return plan


def _not_a_return(parsed: ParsedReturn) -> str | None:
    """A package, decomposition table or receipt is not imported as a return."""
    kind = parsed.meta.get(layout.META_KIND) or layout.KIND_LEDGER
    if kind == layout.KIND_LEDGER:
        return None
    return (
        f"文件“{parsed.file}”是{KIND_LABELS.get(kind, kind)}，不是单位报表：请用“导入文件”"
        "（命令行 xihu import-excel）统一导入，程序会按文件类型处理。"
    )


def _unit_of(store: Store, parsed: ParsedReturn) -> tuple[Unit | None, str | None]:
    """The unit the return names by code and name (both, when given, must be one unit)."""
    units = store.units.list()
    by_code = next((u for u in units if parsed.unit_code and u.code == parsed.unit_code), None)
    by_name = next((u for u in units if parsed.unit_name and u.name == parsed.unit_name), None)
    if by_code and by_name and by_code.id != by_name.id:
        return None, (
            f"文件“{parsed.file}”的单位代码“{parsed.unit_code}”是{by_code.name}，"
            f"单位名称却是“{parsed.unit_name}”：报表可能被改动过，未导入。"
        )
    unit = by_code or by_name
    if unit is None:
        return None, (
            f"文件“{parsed.file}”的责任单位“{parsed.unit_name or parsed.unit_code}”"
            "在本数据库中不存在，请先在单位管理中添加。"
        )
    return unit, None


def _keys(parsed: ParsedReturn) -> list[str]:
    keys = [r.key for rows in parsed.rows.values() for r in rows if r.key]
    keys += [p.key for p in parsed.progress or () if p.key]
    return keys


def _foreign(
    store: Store,
    parsed: ParsedReturn,
    plan: ImportPlan,
    owners: Mapping[str, tuple[int, int]],
) -> str | None:
    """Rows whose entry belongs to another ledger of this file: the return was relabelled."""
    for rows in parsed.rows.values():
        for row in rows:
            owner = owners.get(row.key or "")
            if owner is not None and owner[1] != plan.ledger_id:
                other = store.ledgers.get(owner[1])
                return (
                    f"文件“{parsed.file}”工作表“{row.sheet}”第{row.row}行的条目属于"
                    f"{other.unit_name}{other.year}年台账，不属于{plan.unit_name}{plan.year}年台账："
                    "报表的单位或年度可能被改过，未导入。"
                )
    return None


def header_changes(ledger: Ledger, header: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Key → (old, new) of the cover's header fields that differ from the ledger's."""
    have = layout.header_values(ledger)
    return {k: (have[k], v) for k, v in header.items() if not same(have[k], v)}


def _same_adjustments(a: Sequence[tuple[float, str]], b: Sequence[tuple[float, str]]) -> bool:
    return len(a) == len(b) and all(
        same(x[0], y[0]) and same(x[1], y[1]) for x, y in zip(a, b, strict=True)
    )


def _match(
    store: Store,
    ledger_id: int | None,
    parsed: ParsedReturn,
    links: layout.Links,
    delete_missing: bool,
) -> list[EntryChange]:
    out: list[EntryChange] = []
    existing_all = store.entries.list(ledger_id) if ledger_id else []
    category_of = {e.key: e.category for e in existing_all}
    for cat_key, rows in parsed.rows.items():
        # Linked items compare by their readable name: two catalogue items may share one.
        link_fields = [f for f in CATEGORY_BY_KEY[cat_key].fields if layout.is_link(f)]

        def comparable(
            values: dict[str, Any], link_fields: list[Field] = link_fields
        ) -> Mapping[str, Any]:
            return links.displayed(link_fields, values) if link_fields else values

        existing = [e for e in existing_all if e.category == cat_key]
        keys = sorted(parsed.columns[cat_key])
        _refuse_moved_keys(parsed.file, rows, cat_key, category_of)
        out += _match_category(cat_key, rows, existing, keys, comparable, delete_missing)
    return out


def _reordered(
    store: Store, ledger_id: int | None, parsed: ParsedReturn, matched: Sequence[EntryChange]
) -> list[str]:
    """Keys of the categories whose entries the return lists in another order.

    Only the relative order of the entries the return holds counts: an entry the file
    lacks (kept, not deleted) stays where it is when the others keep their order.
    """
    if ledger_id is None:
        return []
    out = []
    for cat_key in parsed.rows:
        kept = row_order(cat_key, matched)
        if kept is None:
            continue
        wanted = set(kept)
        if [e for e in store.entries.ids(ledger_id, cat_key) if e in wanted] != kept:
            out.append(cat_key)
    return out


def row_order(cat_key: str, matched: Sequence[EntryChange]) -> list[int] | None:
    """The category's entries in the order of the return's rows; None when a skipped
    (invalid) row's place cannot be known, so the order is left as it is."""
    changes = [c for c in matched if c.category == cat_key]
    if any(c.kind == "skipped" for c in changes):
        return None
    return [c.entry_id for c in changes if c.entry_id and c.kind not in ("removed", "missing")]


def _refuse_moved_keys(
    file: str, rows: Sequence[ParsedRow], cat_key: str, category_of: Mapping[str, str]
) -> None:
    """A row carrying the key of an entry of another category was moved between sheets."""
    for row in rows:
        other = category_of.get(row.key or "")
        if other is not None and other != cat_key:
            row.refuse_key(file, f"这是“{CATEGORY_BY_KEY[other].label}”的条目，不能移到本工作表")


def _match_category(
    cat_key: str,
    rows: Sequence[ParsedRow],
    existing: Sequence[Entry],
    keys: Sequence[str],
    comparable: Callable[[dict[str, Any]], Mapping[str, Any]],
    delete_missing: bool = False,
) -> list[EntryChange]:
    """The rows of one category sheet matched to the category's entries (see the module).

    Dictionaries all the way: matching is linear in the rows, however they are sorted.
    """
    unmatched = {e.id: e for e in existing}
    by_key = {e.key: e for e in existing}
    assigned: dict[int, Entry] = {}
    for i, row in enumerate(rows):  # a. the entry key
        entry = by_key.get(row.key or "")
        if entry is not None and entry.id in unmatched:
            assigned[i] = unmatched.pop(entry.id)
    identical: set[int] = set()
    by_sig: dict[tuple[Any, ...], list[Entry]] = {}
    by_name: dict[str, list[Entry]] = {}
    for e in existing:
        if e.id in unmatched:
            by_sig.setdefault(_signature(comparable(e.values), keys), []).append(e)
            by_name.setdefault(e.name, []).append(e)
    for i, row in enumerate(rows):  # b. same content (rows without a known key)
        if i not in assigned and row.valid:
            for e in by_sig.get(_signature(comparable(row.values), keys), ()):
                if e.id in unmatched:
                    assigned[i] = unmatched.pop(e.id)
                    identical.add(i)
                    break
    for i, row in enumerate(rows):  # c. the name
        if i not in assigned and row.name:
            found = next((e for e in by_name.get(row.name, ()) if e.id in unmatched), None)
            if found is not None:
                assigned[i] = unmatched.pop(found.id)
    out: list[EntryChange] = []
    unknown_invalid = False  # an invalid row naming no entry: it may be a missing one
    for i, row in enumerate(rows):
        entry = assigned.get(i)
        if not row.valid:
            unknown_invalid = unknown_invalid or entry is None
            out.append(EntryChange("skipped", cat_key, row.name, entry.id if entry else None, row))
        elif entry is None:
            out.append(EntryChange("new", cat_key, row.name, None, row))
        else:
            old, new = comparable(entry.values), comparable(row.values)
            changes = {
                k: (entry.values.get(k), v)
                for k, v in row.values.items()
                if not same(old.get(k), new.get(k))
            }
            kind = "changed" if changes and i not in identical else "unchanged"
            out.append(EntryChange(kind, cat_key, row.name, entry.id, row, changes))
    gone = "removed" if delete_missing and not unknown_invalid else "missing"
    out += [EntryChange(gone, cat_key, e.name, e.id) for e in existing if e.id in unmatched]
    return out


class _RowIndex:
    """Entry rows of the return by (category, key) and (category, name), for progress rows."""

    def __init__(self, matched: Sequence[EntryChange]) -> None:
        self.by_key: dict[tuple[str, str], EntryChange] = {}
        self.by_name: dict[tuple[str, str], EntryChange] = {}
        for c in matched:
            if c.row is None:
                continue
            if c.row.key is not None:
                self.by_key.setdefault((c.category, c.row.key), c)
            self.by_name.setdefault((c.category, c.name), c)

    def find(self, item: ParsedProgress) -> EntryChange | None:
        if item.key is not None:
            found = self.by_key.get((item.category, item.key))
            if found is not None:
                return found
        return self.by_name.get((item.category, item.name))


def progress_updates(
    store: Store,
    parsed: ParsedReturn,
    matched: Sequence[EntryChange],
    ledger_id: int | None,
) -> list[tuple[EntryChange, int, dict[str, Any]]]:
    """(entry change, quarter, values) for every quarter whose progress differs."""
    if parsed.progress is None:
        return []
    out = []
    current = store.progress.of_ledger(ledger_id) if ledger_id else {}
    index = _RowIndex(matched)
    for item in parsed.progress:
        if item.problems:
            continue
        target = index.find(item)
        if target is None or target.kind in ("skipped", "missing", "removed") or target.row is None:
            continue
        have = current.get(target.entry_id or -1, {})
        for q, values in item.quarters.items():
            old = have.get(q)
            if values is None:
                if old is None or all(
                    getattr(old, k) in (None, False)
                    for k in ("value", "status", "problems", "next_steps", "comment", "follow_up")
                ):
                    continue
                values = {
                    "value": None,
                    "status": None,
                    "problems": None,
                    "next_steps": None,
                    "comment": None,
                    "follow_up": False,
                }
            if old is not None and (
                all(getattr(old, k) == v for k, v in values.items())
                or all(same(getattr(old, k), v) for k, v in values.items())
            ):
                continue
            out.append((target, q, values))
    return out


def unmatched_progress(parsed: ParsedReturn, matched: Sequence[EntryChange]) -> list[ImportProblem]:
    out = []
    index = _RowIndex(matched)
    for item in parsed.progress or ():
        if not item.problems and index.find(item) is None:
            out.append(
                ImportProblem(
                    parsed.file,
                    layout.PROGRESS_SHEET,
                    f"第{item.row}行",
                    "条目名称",
                    f"条目“{item.name}”在“{item.category and CATEGORY_BY_KEY[item.category].label}”工作表中不存在",
                )
            )
    return out
