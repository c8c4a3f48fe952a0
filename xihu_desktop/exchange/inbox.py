"""The one door for every file that arrives: :func:`receive`.

Folders expand to their ``*.xlsx`` files (sorted; Excel's ``~$`` lock files skipped).
Each file is handled on its own — its own transaction, one failing never stops the
others — by the importer of its kind (:func:`.arrival.file_kind`): returns with the
district's rules (:mod:`.inbox_returns`), task packages, decomposition tables and
receipts. Every outcome, also 错误, is logged in the inbox (table ``inbox``) unless it
is a dry run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..core.enums import ArrivalStatus
from ..store import Store, StoreError
from . import return_layout as layout
from .arrival import READ_ONLY_KINDS, ArrivalReport, file_kind
from .excel_import import ImportHasProblems, ImportRefused
from .inbox_returns import ReturnOptions, receive_return
from .progress import Cancelled
from .xlsx_safety import UnusableFile

log = logging.getLogger(__name__)

Progress = Callable[..., Any]  # progress(done, total, label)


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, with each folder replaced by its ``*.xlsx`` files (sorted,
    without ``~$`` lock files)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(
                f
                for f in p.iterdir()
                if f.is_file() and f.suffix.lower() == ".xlsx" and not f.name.startswith("~$")
            )
        else:
            out.append(p)
    return out


def receive(
    store: Store,
    paths: Iterable[str | Path],
    *,
    take_file: bool = False,
    dry_run: bool = False,
    cancelled: Callable[[], bool] | None = None,
    progress: Progress | None = None,
    valid_only: bool = False,
    allow_locked: bool = False,
    delete_missing: bool = False,
    new_ledger: bool = False,
) -> list[ArrivalReport]:
    """Take in every file of ``paths`` (files or folders); one report per file.

    ``cancelled()`` is asked before each file (True: stop, raising
    :class:`~.progress.Cancelled`); ``progress(done, total, name)`` is told after each.
    """
    options = ReturnOptions(
        take_file=take_file,
        dry_run=dry_run,
        valid_only=valid_only,
        allow_locked=allow_locked,
        delete_missing=delete_missing,
        new_ledger=new_ledger,
    )
    files = expand(paths)
    reports = []
    for i, path in enumerate(files):
        if cancelled is not None and cancelled():
            raise Cancelled("已取消")
        if progress is not None:
            progress(i, len(files), path.name)
        reports.append(receive_file(store, path, options))
    if progress is not None:
        progress(len(files), len(files), "")
    return reports


def receive_file(store: Store, path: Path, options: ReturnOptions | None = None) -> ArrivalReport:
    """One arriving file: dispatch by kind; a refusal becomes a 错误 report."""
    options = options or ReturnOptions()
    kind: str | None = None
    try:
        kind = file_kind(path)
        report = _dispatch(store, path, kind, options)
    except ImportRefused as exc:
        data: dict[str, Any] = exc.plan.as_json() if exc.plan is not None else {}
        data["fatal"] = str(exc)
        if isinstance(exc, ImportHasProblems):
            data["has_problems"] = True
        report = _error(path, kind, str(exc), data)
        if exc.plan is not None:
            report.unit, report.year = exc.plan.unit_name or None, exc.plan.year
    except (UnusableFile, StoreError) as exc:
        report = _error(path, kind, str(exc), {"fatal": str(exc)})
    if not options.dry_run:
        _log(store, report)
    return report


def _error(path: Path, kind: str | None, message: str, data: dict[str, Any]) -> ArrivalReport:
    return ArrivalReport(
        path.name, kind or layout.KIND_LEDGER, ArrivalStatus.ERROR, lines=[message], data=data
    )


def _dispatch(store: Store, path: Path, kind: str, options: ReturnOptions) -> ArrivalReport:
    dry_run = options.dry_run
    if kind == layout.KIND_LEDGER:
        return receive_return(store, path, options)
    if kind == layout.KIND_RECEIPT:
        from .receipts import import_receipt

        return import_receipt(store, path, dry_run=dry_run)
    if kind == layout.KIND_PACKAGE:
        from .packages import import_package

        return import_package(store, path, dry_run=dry_run)
    if kind == layout.KIND_DECOMPOSITION:
        from .decomposition_xlsx import import_decomposition

        return import_decomposition(
            store, path, dry_run=dry_run, delete_missing=options.delete_missing
        )
    reason = READ_ONLY_KINDS.get(kind, READ_ONLY_KINDS[layout.KIND_SUMMARY])
    raise ImportRefused(f"文件“{path.name}”{reason}。")


def _log(store: Store, report: ArrivalReport) -> None:
    """The inbox row of one outcome (a read-only file or a unit's file may refuse it)."""
    unit_id = None
    if report.unit:
        with suppress(StoreError):
            unit_id = store.units.find(report.unit).id
    reason = report.summary() if report.status is not ArrivalStatus.SAME else ""
    try:
        store.review.log_arrival(
            report.file,
            report.kind,
            report.status,
            reason,
            unit_id=unit_id,
            year=report.year,
            fingerprint=report.data.get("fingerprint"),
        )
    except StoreError as exc:
        log.warning("inbox row of %s not written: %s", report.file, exc)
