"""Importing an Excel return: read, plan, then write everything in one transaction.

Three steps, so that the window can parse off the UI thread and show a preview:

1. :func:`.return_read.read_return` (no database access; give it
   :class:`.return_read.Lookups` built on the main thread) reads and validates the file.
2. :func:`.import_plan.plan_import` compares the return with the ledger in the
   database (how rows are matched to entries is described there).
3. :func:`apply_import` re-plans and writes inside ONE ``store.bulk_write()`` transaction
   (with ``store.admin_override()`` for a submitted or locked ledger, which the
   caller must confirm explicitly).

:func:`import_file` does all three for the command line.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

from ..store import Store
from ..store.errors import BackupFailed, PermissionDenied, StoreError
from .import_plan import (
    header_changes,
    plan_import,
    progress_updates,
    row_order,
    same,
    unmatched_progress,
)
from .import_report import EntryChange, ImportPlan
from .return_read import Lookups, ParsedReturn, read_return


class ImportRefused(StoreError):
    """The return was not imported (no permission, no confirmation); nothing was written."""

    def __init__(self, message: str, plan: ImportPlan | None = None) -> None:
        super().__init__(message)
        self.plan = plan  # what the import would have done, for the report


class ImportHasProblems(ImportRefused):
    """The return has invalid cells and "import only valid rows" was not chosen."""


class NeedsNewLedger(ImportRefused):
    """The return's ledger does not exist in this file: creating it needs a confirmation."""


def _check(plan: ImportPlan, valid_only: bool, allow_locked: bool, new_ledger: bool) -> None:
    """Raise :class:`ImportRefused` for a plan that may not be written as it is."""
    if plan.fatal:
        raise ImportRefused(plan.fatal, plan)
    plan.problems.extend(unmatched_progress(plan.parsed, plan.entries))
    if plan.problems and not valid_only:
        first = "；".join(str(p) for p in plan.problems[:5])
        more = f"等 {len(plan.problems)} 处" if len(plan.problems) > 5 else ""
        raise ImportHasProblems(f"报表有问题，未导入任何数据：{first}{more}", plan)
    if plan.new_ledger and not new_ledger:
        raise NeedsNewLedger(
            f"本数据文件中没有{plan.unit_name}{plan.year}年台账，导入“{plan.parsed.file}”"
            "将新建这本台账。请核对报表的单位和年度；确认无误后再导入"
            "（命令行加 --new-ledger）。未导入任何数据。",
            plan,
        )
    if plan.has_changes and plan.needs_admin and not allow_locked:
        raise ImportRefused(
            f"{plan.unit_name}{plan.year}年台账{plan.ledger_status}，导入将覆盖已提交的数据，需区管理员确认。",
            plan,
        )


def apply_import(
    store: Store,
    parsed: ParsedReturn,
    valid_only: bool = False,
    allow_locked: bool = False,
    *,
    delete_missing: bool = False,
    new_ledger: bool = False,
) -> ImportPlan:
    """Write the return in ONE transaction; raise :class:`ImportRefused` and write nothing
    when it has problems (unless ``valid_only``) or needs a confirmation it did not get.

    A first plan (read only) refuses early and skips the backup when nothing would
    change. Inside the write transaction the plan is made again when another connection
    committed anything since the first one was made (``store.data_version``), so an
    import that ran meanwhile (the same file from another computer) is seen: the second
    of two imports of one file finds everything the same and writes nothing.
    """
    options = {"delete_missing": delete_missing}
    seen = store.data_version()
    plan = plan_import(store, parsed, **options)
    _check(plan, valid_only, allow_locked, new_ledger)
    if not plan.has_changes:
        return plan
    guard = store.admin_override() if plan.needs_admin else nullcontext()
    try:
        with guard, store.bulk_write("import"):
            if store.data_version() != seen:  # another program wrote since: plan again
                plan = plan_import(store, parsed, **options)
                _check(plan, valid_only, allow_locked, new_ledger)
            if plan.has_changes:
                _write(store, plan)
    except BackupFailed as exc:
        raise ImportRefused(f"导入前备份数据库失败，未导入任何数据：{exc.__cause__}") from exc
    except PermissionDenied as exc:
        raise ImportRefused(str(exc)) from exc
    return plan


def _write(store: Store, plan: ImportPlan) -> None:
    parsed = plan.parsed
    assert plan.unit_id is not None and parsed.year is not None
    ledger_id = plan.ledger_id
    if ledger_id is None:
        ledger_id = store.ledgers.create(plan.unit_id, parsed.year).id
        created = store.ledgers.get(ledger_id)
        plan.ledger_status, plan.created_ledger = created.status, True
        plan.header_changes = header_changes(created, parsed.header)
    if plan.header_changes:
        store.ledgers.update(ledger_id, {k: new for k, (_, new) in plan.header_changes.items()})
    _write_entries(store, ledger_id, plan)
    _write_progress(store, ledger_id, plan)
    plan.ledger_id = ledger_id


def _write_entries(store: Store, ledger_id: int, plan: ImportPlan) -> None:
    """Remove, update, add (one bulk insert per category), then order as the rows are."""
    removed = [c.entry_id for c in plan.entries if c.kind == "removed" and c.entry_id]
    if removed:
        store.entries.delete(removed)
    new_rows: dict[str, list[EntryChange]] = {}
    for c in plan.entries:
        if c.kind == "changed" and c.entry_id:
            store.entries.update(c.entry_id, {k: new for k, (_, new) in c.changes.items()})
        elif c.kind == "new" and c.row is not None:
            new_rows.setdefault(c.category, []).append(c)
    for cat_key, changes in new_rows.items():
        rows = [c.row for c in changes if c.row is not None]
        added = store.entries.add_many(
            ledger_id, cat_key, [r.values for r in rows], validate=True, keys=[r.key for r in rows]
        )
        for c, entry_id in zip(changes, added.created, strict=True):
            c.entry_id = entry_id
    for cat_key in plan.reordered:  # the rows' order; entries the file lacks go last
        wanted = row_order(cat_key, plan.entries)
        if wanted is not None:
            store.entries.reorder(ledger_id, cat_key, wanted)


_ROW_STATE = ("actual", "status")  # entry fields that progress also moves


def _write_progress(store: Store, ledger_id: int, plan: ImportPlan) -> None:
    """The quarters' progress; where a row of the return states actual/status, it wins."""
    # Progress normally moves actual/status to the latest quarter; a row of the return
    # that states them wins, so the sync leaves those keys alone (``keep``).
    rows = [
        (c.entry_id, c.row)
        for c in plan.entries
        if c.row is not None and c.entry_id and c.kind != "skipped"
    ]
    updates = [
        (target.entry_id, q, values)
        for target, q, values in progress_updates(store, plan.parsed, plan.entries, ledger_id)
        if target.entry_id is not None
    ]
    reported = {entry_id for entry_id, _, _ in updates}  # only they can follow progress
    keep = {
        entry_id: [k for k in _ROW_STATE if k in row.values]
        for entry_id, row in rows
        if entry_id in reported
    }
    store.progress.set_many(updates, keep=keep)
    states = store.entries.states(ledger_id)
    for entry_id, row in rows:  # the row wins (a safety net: normally nothing to fix)
        values = row.values
        if "actual" not in values and "status" not in values:
            continue
        have = dict(zip(_ROW_STATE, states.get(entry_id, (None, None)), strict=True))
        fix: dict[str, Any] = {
            k: values[k] for k in _ROW_STATE if k in values and not same(have[k], values[k])
        }
        if fix:
            store.entries.update(entry_id, fix)


def import_file(
    store: Store,
    path: str | Path,
    dry_run: bool = False,
    valid_only: bool = False,
    allow_locked: bool = False,
    *,
    delete_missing: bool = False,
    new_ledger: bool = False,
) -> ImportPlan:
    """Read and (unless ``dry_run``) import one return. Raises UnusableFile / ImportRefused."""
    parsed = read_return(path, Lookups.of(store))
    if dry_run:
        with store.snapshot():
            plan = plan_import(store, parsed, delete_missing=delete_missing)
        if not plan.fatal:
            plan.problems.extend(unmatched_progress(parsed, plan.entries))
        return plan
    return apply_import(
        store,
        parsed,
        valid_only=valid_only,
        allow_locked=allow_locked,
        delete_missing=delete_missing,
        new_ledger=new_ledger,
    )
