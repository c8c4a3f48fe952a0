"""A unit's return arriving through the one door (:mod:`.inbox`), with the district's rules.

At the district (a data file bound to no unit) a return for a ledger not yet accepted
(review 未报, 已报, 退回) is applied whatever the ledger's 草稿/已提交 flag — receiving
returns is the administrator's job — and the review goes to 已报 with the time, file
name and fingerprint. A new ledger is created without a confirmation when the district
expects the unit's return (a review row, a package issued, tasks of the year). A return
that differs from a ledger already accepted (已审) is a 冲突: nothing is written unless
the file's values are taken (``take_file``, or per field: :func:`apply_chosen`).

In a unit's own file a return is imported with the ordinary rules of
:mod:`.excel_import` (a submitted ledger and a new ledger need a confirmation).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.enums import ArrivalStatus
from ..core.settings import BOUND_UNIT
from ..store import Store
from . import return_layout as layout
from .arrival import ArrivalReport
from .conflicts import differences, keep_stored
from .excel_import import ImportHasProblems, ImportRefused, apply_import
from .fingerprint import ledger_fingerprint
from .import_plan import plan_import, unmatched_progress
from .import_report import ImportPlan
from .return_read import Lookups, ParsedReturn, read_return


@dataclass(frozen=True)
class ReturnOptions:
    """The options of ``xihu import-excel`` that concern returns."""

    take_file: bool = False
    dry_run: bool = False
    valid_only: bool = False
    allow_locked: bool = False
    delete_missing: bool = False
    new_ledger: bool = False


def is_district(store: Store) -> bool:
    """The data file is the district's (bound to no unit)."""
    return not store.settings.get(BOUND_UNIT)


def _status(plan: ImportPlan, created: bool) -> ArrivalStatus:
    if created or (plan.ledger_id is None and plan.unit_id is not None):
        return ArrivalStatus.NEW
    return ArrivalStatus.UPDATED if plan.has_changes else ArrivalStatus.SAME


def _report(
    parsed: ParsedReturn, plan: ImportPlan, status: ArrivalStatus, **data: Any
) -> ArrivalReport:
    return ArrivalReport(
        parsed.file,
        layout.KIND_LEDGER,
        status,
        plan.unit_name or None,
        plan.year,
        plan.report(),
        {**plan.as_json(), **data},
    )


def _fingerprint(store: Store, parsed: ParsedReturn, ledger_id: int | None) -> str | None:
    """The return's fingerprint: its metadata's, else the imported ledger's."""
    stated = parsed.meta.get("fingerprint")
    if stated:
        return stated
    return ledger_fingerprint(store, ledger_id) if ledger_id else None


def _refuse_problems(plan: ImportPlan, valid_only: bool) -> None:
    if plan.problems and not valid_only:
        first = "；".join(str(p) for p in plan.problems[:5])
        more = f"等 {len(plan.problems)} 处" if len(plan.problems) > 5 else ""
        raise ImportHasProblems(f"报表有问题，未导入任何数据：{first}{more}", plan)


def receive_return(store: Store, path: Path, options: ReturnOptions) -> ArrivalReport:
    """Read, check and (unless a dry run) import one return. Raises ImportRefused or
    UnusableFile having written nothing."""
    parsed = read_return(path, Lookups.of(store))
    with store.snapshot():
        plan = plan_import(store, parsed, delete_missing=options.delete_missing)
    if plan.fatal:
        raise ImportRefused(plan.fatal, plan)
    assert plan.unit_id is not None and plan.year is not None
    district = is_district(store)
    if district and store.review.state(plan.year, plan.unit_id).accepted and not options.take_file:
        conflict = _conflict(store, parsed, plan)
        if conflict is not None:
            return conflict
    if options.dry_run:
        plan.problems.extend(unmatched_progress(parsed, plan.entries))
        if plan.problems and not options.valid_only:
            return _report(parsed, plan, ArrivalStatus.ERROR, has_problems=True)
        return _report(parsed, plan, _status(plan, False))
    if not district:
        plan = apply_import(
            store,
            parsed,
            options.valid_only,
            options.allow_locked,
            delete_missing=options.delete_missing,
            new_ledger=options.new_ledger,
        )
        return _report(parsed, plan, _status(plan, plan.created_ledger))
    return _apply_at_district(store, parsed, plan, options)


def _conflict(store: Store, parsed: ParsedReturn, plan: ImportPlan) -> ArrivalReport | None:
    """A 冲突 report for a return that differs from the accepted ledger (None: it does not)."""
    if not plan.has_changes:
        return None
    diffs = differences(store, plan)
    report = _report(
        parsed,
        plan,
        ArrivalStatus.CONFLICT,
        differences=[d.__dict__ for d in diffs],
    )
    report.lines = [
        f"{plan.unit_name}{plan.year}年台账已审核通过，文件与本库不同（{len(diffs)} 处），"
        "未写入：保留本库数据（采用文件值请加 --take-file，或在窗口中逐项处理冲突）",
        *(f"{d.category} {d.entry} {d.field}：本库“{d.stored}” 文件“{d.file}”" for d in diffs),
    ]
    return report


def _write_guard(store: Store, plan: ImportPlan) -> AbstractContextManager[Any]:
    """A backup and the import's transaction when something will change (the review is
    recorded in it); else nothing to hold: the import finds nothing to write (or takes
    its own transaction if another import changed the ledger meanwhile)."""
    return store.bulk_write("import") if plan.has_changes else nullcontext()


def _apply_at_district(
    store: Store, parsed: ParsedReturn, plan: ImportPlan, options: ReturnOptions
) -> ArrivalReport:
    assert plan.unit_id is not None and plan.year is not None
    unit_id, year = plan.unit_id, plan.year
    expected = store.review.expects(year, unit_id)
    with _write_guard(store, plan):
        review = store.review.state(year, unit_id)  # again, under the write lock
        if review.accepted and not options.take_file:
            again = plan_import(store, parsed, delete_missing=options.delete_missing)
            conflict = _conflict(store, parsed, again)
            if conflict is not None:
                return conflict
        plan = apply_import(
            store,
            parsed,
            options.valid_only,
            allow_locked=True,
            delete_missing=options.delete_missing,
            new_ledger=options.new_ledger or expected,
        )
        status = _status(plan, plan.created_ledger)
        fingerprint = _fingerprint(store, parsed, plan.ledger_id)
        if status is not ArrivalStatus.SAME or (
            not review.accepted and review.fingerprint != fingerprint
        ):
            store.review.record_return(year, unit_id, parsed.file, fingerprint)
    return _report(parsed, plan, status, fingerprint=fingerprint)


def apply_chosen(
    store: Store, path: str | Path, chosen: list[str] | set[str] | frozenset[str]
) -> ArrivalReport:
    """Import a return taking the file's value only for the ``chosen`` differences
    (ids of :func:`.conflicts.differences`); the rest stays as stored. One transaction."""
    parsed = read_return(path, Lookups.of(store))
    with store.bulk_write("import"):
        deleted = keep_stored(store, parsed, chosen)
        plan = plan_import(store, parsed)
        if plan.fatal:
            raise ImportRefused(plan.fatal, plan)
        plan.problems.extend(unmatched_progress(parsed, plan.entries))
        _refuse_problems(plan, valid_only=False)
        plan = apply_import(store, parsed, allow_locked=True, new_ledger=True)
        assert plan.unit_id is not None and plan.year is not None
        if deleted:
            with store.admin_override():
                store.entries.delete(deleted)
        fingerprint = _fingerprint(store, parsed, plan.ledger_id)
        store.review.record_return(plan.year, plan.unit_id, parsed.file, fingerprint)
        taken = len(set(chosen))
        reason = f"处理冲突：采用文件值 {taken} 处，其余保留本库值"
        store.review.log_arrival(
            parsed.file,
            layout.KIND_LEDGER,
            ArrivalStatus.UPDATED,
            reason,
            unit_id=plan.unit_id,
            year=plan.year,
            fingerprint=fingerprint,
        )
    report = _report(parsed, plan, ArrivalStatus.UPDATED, fingerprint=fingerprint)
    report.lines.insert(0, reason)
    return report
