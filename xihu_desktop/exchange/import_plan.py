"""Planning an import: which row of the return is which entry, and what would change.

How rows are matched to existing entries, per category, in this order:
  a. a row whose values equal an existing entry's values is that entry (so an
     unchanged return, or the same file imported twice, changes nothing);
  b. the hidden column 条目标识 (``E<entry id>``, written by the export) names an
     entry of this ledger and category: that entry is updated in place;
  c. a row whose name equals an unmatched entry's name updates that entry;
  d. every other row is a new entry.
Entries of the ledger that no row matched are removed (only for categories whose
sheet is in the return; a missing sheet leaves its category untouched), and the
category's entries are put in the order of the rows. Progress rows refer to entry
rows by 条目标识, else by category and name. With "import only valid rows", an
invalid row is skipped and the entry it refers to is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core.categories import CATEGORY_BY_KEY, Field
from ..store import Entry, Ledger, Store
from ..store.errors import StoreError
from . import return_layout as layout
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


def plan_import(store: Store, parsed: ParsedReturn) -> ImportPlan:
    """What importing ``parsed`` would change (reads the store only)."""
    problems = parsed.all_problems()
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
        False,
        problems,
        parsed.fatal,
    )
    if parsed.fatal:
        return plan
    unit = None
    for u in store.units.list():
        if parsed.unit_code and u.code == parsed.unit_code:
            unit = u
            break
    if unit is None and parsed.unit_name:
        unit = next((u for u in store.units.list() if u.name == parsed.unit_name), None)
    if unit is None:
        plan.fatal = f"文件“{parsed.file}”的责任单位“{parsed.unit_name or parsed.unit_code}”在本数据库中不存在，请先在单位管理中添加。"
        return plan
    plan.unit_id, plan.unit_name = unit.id, unit.name
    try:
        db_plan = store.catalogue.plan_for_year(parsed.year or 0)
    except StoreError as exc:
        plan.fatal = str(exc)
        return plan
    if parsed.plan_code and parsed.plan_code != db_plan["code"]:
        plan.fatal = f"文件“{parsed.file}”属于规划“{parsed.plan_code}”，与本数据库{parsed.year}年的规划“{db_plan['code']}”不一致。"
        return plan
    ledger = store.ledgers.find(unit.id, parsed.year or 0)
    if ledger is not None:
        plan.ledger_id, plan.ledger_status = ledger.id, ledger.status
        plan.header_changes = header_changes(ledger, parsed.header)
    else:
        plan.header_changes = {k: (None, v) for k, v in parsed.header.items() if v is not None}
    matched = _match(store, plan.ledger_id, parsed, layout.Links.of(store))
    plan.entries = matched
    plan.progress_changes = len(progress_updates(store, parsed, matched))
    if parsed.adjustments is not None:
        existing = (
            [(a["points"], a["reason"]) for a in store.assessment.adjustments(plan.ledger_id)]
            if plan.ledger_id
            else []
        )
        plan.adjustments_change = not _same_adjustments(existing, parsed.adjustments)
    return plan


def header_changes(ledger: Ledger, header: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Key → (old, new) of the cover's header fields that differ from the ledger's."""
    have = layout.header_values(ledger)
    return {k: (have[k], v) for k, v in header.items() if not same(have[k], v)}


def _same_adjustments(a: Sequence[tuple[float, str]], b: Sequence[tuple[float, str]]) -> bool:
    return len(a) == len(b) and all(
        same(x[0], y[0]) and same(x[1], y[1]) for x, y in zip(a, b, strict=True)
    )


def _match(
    store: Store, ledger_id: int | None, parsed: ParsedReturn, links: layout.Links
) -> list[EntryChange]:
    out: list[EntryChange] = []
    for cat_key, rows in parsed.rows.items():
        # Linked items compare by their readable name: two catalogue items may share one.
        link_fields = [f for f in CATEGORY_BY_KEY[cat_key].fields if layout.is_link(f)]

        def comparable(
            values: dict[str, Any], link_fields: list[Field] = link_fields
        ) -> Mapping[str, Any]:
            return links.displayed(link_fields, values) if link_fields else values

        existing = store.entries.list(ledger_id, cat_key) if ledger_id else []
        keys = sorted(parsed.columns[cat_key])
        out += _match_category(cat_key, rows, existing, keys, comparable)
    return out


def _match_category(
    cat_key: str,
    rows: Sequence[ParsedRow],
    existing: Sequence[Entry],
    keys: Sequence[str],
    comparable: Callable[[dict[str, Any]], Mapping[str, Any]],
) -> list[EntryChange]:
    """The rows of one category sheet matched to the category's entries (see the module)."""
    unmatched = {e.id: e for e in existing}
    assigned: dict[int, Entry] = {}
    identical: set[int] = set()
    by_sig: dict[tuple[Any, ...], list[Entry]] = {}
    by_name: dict[str, list[Entry]] = {}
    for e in existing:
        by_sig.setdefault(_signature(comparable(e.values), keys), []).append(e)
        by_name.setdefault(e.name, []).append(e)
    for i, row in enumerate(rows):  # a. same content
        if row.valid:
            for e in by_sig.get(_signature(comparable(row.values), keys), ()):
                if e.id in unmatched:
                    assigned[i] = unmatched.pop(e.id)
                    identical.add(i)
                    break
    for i, row in enumerate(rows):  # b. the entry key
        if i not in assigned and row.key is not None and row.key in unmatched:
            assigned[i] = unmatched.pop(row.key)
    for i, row in enumerate(rows):  # c. the name
        if i not in assigned and row.name:
            found = next((e for e in by_name.get(row.name, ()) if e.id in unmatched), None)
            if found is not None:
                assigned[i] = unmatched.pop(found.id)
    out: list[EntryChange] = []
    for i, row in enumerate(rows):
        entry = assigned.get(i)
        if not row.valid:
            out.append(EntryChange("skipped", cat_key, row.name, entry.id if entry else None, row))
        elif entry is None:
            out.append(EntryChange("new", cat_key, row.name, None, row))
        elif i in identical:
            out.append(EntryChange("unchanged", cat_key, row.name, entry.id, row))
        else:
            old, new = comparable(entry.values), comparable(row.values)
            changes = {
                k: (entry.values.get(k), v)
                for k, v in row.values.items()
                if not same(old.get(k), new.get(k))
            }
            kind = "changed" if changes else "unchanged"
            out.append(EntryChange(kind, cat_key, row.name, entry.id, row, changes))
    out += [EntryChange("removed", cat_key, e.name, e.id) for e in existing if e.id in unmatched]
    return out


class _RowIndex:
    """Entry rows of the return by (category, key) and (category, name), for progress rows."""

    def __init__(self, matched: Sequence[EntryChange]) -> None:
        self.by_key: dict[tuple[str, int], EntryChange] = {}
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
    store: Store, parsed: ParsedReturn, matched: Sequence[EntryChange]
) -> list[tuple[EntryChange, int, dict[str, Any]]]:
    """(entry change, quarter, values) for every quarter whose progress differs."""
    if parsed.progress is None:
        return []
    out = []
    current: dict[int, dict[int, Any]] = {}
    entry_ids = {c.entry_id for c in matched if c.entry_id}
    if entry_ids:
        ledger_id = store.entries.get(next(iter(entry_ids))).ledger_id
        current = store.progress.of_ledger(ledger_id)
    index = _RowIndex(matched)
    for item in parsed.progress:
        if item.problems:
            continue
        target = index.find(item)
        if target is None or target.kind == "skipped" or target.row is None:
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
