"""A ledger's derived figures (score, lights, counts, needs-reprint), computed off the UI thread.

Scoring a 5,000-entry ledger takes about 65 ms and its fingerprint about 150 ms,
so after an edit the window asks :class:`SummaryWorker` and carries on; the worker
reads through a second, read-only connection (:meth:`Store.reader`) on a Qt pool
thread and answers on the UI thread. Only the answer to the latest request is delivered.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThreadPool, Signal

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
    """The printed sheet no longer matches the data (False when the check cannot run).

    This runs on a pool thread: it may import plain Python (the exchange layer), never a
    Qt module (importing PySide6 modules off the main thread crashed the program at exit).
    """
    from ..exchange import verify  # not needed at start-up

    try:
        return bool(verify.needs_reprint(store, ledger_id))
    except Exception:  # a broken check must not break the window
        log.exception("needs_reprint failed")
        return False


def summarise(
    store: Store,
    ledger_id: int,
    as_of: dt.date | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LedgerSummary:
    """Every derived figure of one ledger, read in one snapshot.

    ``cancelled``: asked before the reprint check (the slow half); once it says yes the
    answer will be thrown away, so the check is skipped (False).
    """
    with store.snapshot():
        ledger = store.ledgers.get(ledger_id)
        score = store.assessment.score(ledger_id, as_of)
        counts = store.entries.counts(ledger_id)
    stale = False if cancelled is not None and cancelled() else needs_reprint(store, ledger_id)
    return LedgerSummary(ledger, score, counts, stale)


class _Relay(QObject):
    """Carries a background answer to the UI thread (lives there, emitted from the pool)."""

    done = Signal(int, object)


class SummaryWorker(QObject):
    """Computes :class:`LedgerSummary` on a Qt pool thread, latest request wins."""

    ready = Signal(object)  # LedgerSummary
    failed = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._reader: Store | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one reader connection, one computation at a time
        self._relay = _Relay()  # no parent: a running computation keeps it alive
        self._relay.done.connect(self._delivered)
        self._wanted = 0  # number of the latest request
        self._closed = False
        self.as_of: dt.date | None = None

    def request(self, ledger_id: int) -> None:
        if self._closed:
            return
        self._wanted += 1
        number, as_of, relay = self._wanted, self.as_of, self._relay
        self._pool.start(lambda: self._run(relay, number, ledger_id, as_of))

    def _run(self, relay: _Relay, number: int, ledger_id: int, as_of: dt.date | None) -> None:
        if number != self._wanted or self._closed:  # a newer request is queued: skip this one
            return
        try:
            if self._reader is None:
                self._reader = self.store.reader()
            result: object = summarise(self._reader, ledger_id, as_of, self._stale(number))
        except StoreError as exc:
            result = str(exc)
        except Exception:  # a bug in the background must reach the log, not kill the pool
            if not self._closed:  # closing interrupts the reader's query: not a bug
                log.exception("ledger summary failed")
            return
        relay.done.emit(number, result)

    def _stale(self, number: int) -> Callable[[], bool]:
        """Whether request ``number`` is no longer wanted (a newer one, or closed)."""
        return lambda: number != self._wanted or self._closed

    def _delivered(self, number: int, result: object) -> None:
        if number != self._wanted or self._closed:
            return
        if isinstance(result, LedgerSummary):
            self.ready.emit(result)
        else:
            self.failed.emit(str(result))

    def close(self) -> None:
        """Stop the running computation (its answer is no longer wanted: the reader's
        query is interrupted and the reprint check skipped), then close the reader."""
        self._closed = True
        self._pool.clear()
        reader = self._reader
        if reader is not None and reader is not self.store:
            reader.interrupt()
        self._pool.waitForDone()
        if self._reader is not None and self._reader is not self.store:
            self._reader.close()
        self._reader = None
