"""A ledger's derived figures (score, lights, counts, needs-reprint), computed off the UI thread.

Scoring a 5,000-entry ledger takes about 65 ms and its fingerprint about 150 ms,
so after an edit the window asks :class:`SummaryWorker` and carries on; the worker
reads through a second, read-only connection (:meth:`Store.reader`) and answers on
the UI thread. Only the answer to the latest request is delivered.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from ..core import scoring
from ..store import Ledger, Store, StoreError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LedgerSummary:
    ledger: Ledger
    score: scoring.LedgerScore
    counts: dict[str, int]
    needs_reprint: bool


def needs_reprint(store: Store, ledger_id: int) -> bool:
    """The printed sheet no longer matches the data (False when the check cannot run)."""
    try:
        from . import pdf_actions  # the sheet's code: not needed at start-up
    except ImportError:
        return False
    try:
        return bool(pdf_actions.needs_reprint(store, ledger_id))
    except Exception:  # a broken check must not break the window
        log.exception("needs_reprint failed")
        return False


def summarise(store: Store, ledger_id: int, as_of: dt.date | None = None) -> LedgerSummary:
    """Every derived figure of one ledger, read in one snapshot."""
    with store.snapshot():
        ledger = store.ledgers.get(ledger_id)
        score = store.assessment.score(ledger_id, as_of)
        counts = store.entries.counts(ledger_id)
    return LedgerSummary(ledger, score, counts, needs_reprint(store, ledger_id))


class SummaryWorker(QObject):
    """Computes :class:`LedgerSummary` on one background thread, latest request wins."""

    ready = Signal(object)  # LedgerSummary
    failed = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._reader: Store | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-summary")
        self._wanted = 0  # number of the latest request
        self._lock = threading.Lock()
        self.as_of: dt.date | None = None

    def request(self, ledger_id: int) -> None:
        with self._lock:
            self._wanted += 1
            number = self._wanted
        future = self._pool.submit(self._compute, number, ledger_id, self.as_of)
        future.add_done_callback(self._done)

    def _compute(self, number: int, ledger_id: int, as_of: dt.date | None) -> tuple[int, object]:
        if number != self._wanted:  # a newer request is queued: skip this one
            return number, None
        if self._reader is None:
            self._reader = self.store.reader()
        try:
            return number, summarise(self._reader, ledger_id, as_of)
        except StoreError as exc:
            return number, str(exc)

    def _done(self, future: Future[tuple[int, object]]) -> None:
        try:
            number, result = future.result()
        except Exception:
            log.exception("ledger summary failed")
            return
        if number != self._wanted or result is None:
            return
        if isinstance(result, LedgerSummary):
            self.ready.emit(result)
        else:
            self.failed.emit(str(result))

    def close(self) -> None:
        """Wait for the running computation and close the reader."""
        with self._lock:
            self._wanted += 1  # nothing computed from now on is delivered
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._reader is not None and self._reader is not self.store:
            self._reader.close()
        self._reader = None
