"""The 区看板's figures read off the UI thread, latest request wins.

The first read of a 100,000-entry district's figures aggregates every entry of the year;
:class:`DashboardLoader` runs ``store.dashboard.ranking`` on a Qt pool thread through a
long-lived read-only connection (:meth:`Store.reader`), so the view shows at once (a
计算中 state) and fills in. The reader keeps its dashboard cache between requests: after
an edit only the changed ledger is read again. Same pattern as
:class:`~.ledger_summary.SummaryWorker`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThreadPool, Signal

from ..store import Store, StoreError
from ..store.dashboard import UnitFigures

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DashboardRequest:
    year: int
    kind: str | None
    as_of: dt.date | None


@dataclass(frozen=True)
class DashboardAnswer:
    request: DashboardRequest
    rows: list[tuple[int | None, UnitFigures]]


class _Relay(QObject):
    """Carries a background answer to the UI thread (lives there, emitted from the pool)."""

    done = Signal(int, object)


class DashboardLoader(QObject):
    """Computes the dashboard's ranked rows on a pool thread; only the latest is delivered."""

    ready = Signal(object)  # DashboardAnswer
    failed = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._reader: Store | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one reader connection, one computation at a time
        self._relay = _Relay()  # no parent: a running computation keeps it alive
        self._relay.done.connect(self._delivered)
        self._wanted = 0
        self._closed = False
        self.computed = 0  # requests computed (not skipped), for tests

    @property
    def reader(self) -> Store | None:
        return self._reader

    def request(self, year: int, kind: str | None, as_of: dt.date | None) -> None:
        if self._closed:
            return
        self._wanted += 1
        number, relay = self._wanted, self._relay
        wanted = DashboardRequest(year, kind, as_of)
        self._pool.start(lambda: self._run(relay, number, wanted))

    def _run(self, relay: _Relay, number: int, wanted: DashboardRequest) -> None:
        if number != self._wanted or self._closed:  # a newer request is queued
            return
        try:
            if self._reader is None:
                self._reader = self.store.reader()
            rows = self._reader.dashboard.ranking(wanted.year, wanted.kind, wanted.as_of)
            result: object = DashboardAnswer(wanted, rows)
            self.computed += 1
        except StoreError as exc:
            result = str(exc)
        except Exception:  # a bug in the background must reach the log, not kill the pool
            log.exception("dashboard figures failed")
            result = "看板数据读取失败（详见日志）"
        relay.done.emit(number, result)

    def _delivered(self, number: int, result: object) -> None:
        if number != self._wanted or self._closed:
            return
        if isinstance(result, DashboardAnswer):
            self.ready.emit(result)
        else:
            self.failed.emit(str(result))

    def close(self) -> None:
        """Wait for the running computation and close the reader."""
        self._closed = True
        self._pool.clear()
        self._pool.waitForDone()
        if self._reader is not None and self._reader is not self.store:
            self._reader.close()
        self._reader = None
