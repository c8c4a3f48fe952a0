"""Closing the window does not wait for a ledger summary nobody will see: the reader's
query is interrupted and the slow reprint check skipped (startup/idle figure of issue 15)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from xihu_desktop.store import Store, StoreError
from xihu_desktop.ui import ledger_summary
from xihu_desktop.ui.ledger_summary import SummaryWorker, summarise


def _ledger(store: Store) -> int:
    return store.ledgers.create(store.units.list()[0].id, 2025).id


def test_a_cancelled_summary_skips_the_reprint_check(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(ledger_summary, "needs_reprint", lambda s, i: calls.append(i) or True)
    ledger_id = _ledger(store)
    assert summarise(store, ledger_id).needs_reprint is True
    assert calls == [ledger_id]
    summary = summarise(store, ledger_id, cancelled=lambda: True)
    assert summary.needs_reprint is False and calls == [ledger_id]
    assert summary.ledger.id == ledger_id  # the rest is still read


def test_interrupt_aborts_a_running_query_from_another_thread(store: Store) -> None:
    reader = store.reader()
    started = threading.Event()

    def slow(_: object) -> int:
        started.set()
        return 0

    reader.conn.create_function("slow", 1, slow)  # type: ignore[union-attr]
    timer = threading.Timer(0.05, reader.interrupt)
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
        "SELECT count(*) FROM n WHERE slow(i) = 1"
    )
    timer.start()
    try:
        with pytest.raises((sqlite3.OperationalError, StoreError)):
            reader.conn.execute(endless).fetchone()  # type: ignore[union-attr]
    finally:
        timer.cancel()
        reader.close()
    assert started.is_set()


def test_closing_the_worker_drops_the_running_summary(
    qtbot, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """close() while the pool computes: the computation stops early, nothing is emitted,
    nothing is logged as a failure."""
    ledger_id = _ledger(store)
    inside, release = threading.Event(), threading.Event()
    checks: list[int] = []
    real_counts = store.entries.counts

    def counts_then_wait(self: object, lid: int) -> dict[str, int]:
        inside.set()
        release.wait(10)
        return real_counts(lid)

    monkeypatch.setattr(type(store.entries), "counts", counts_then_wait)
    monkeypatch.setattr(ledger_summary, "needs_reprint", lambda s, i: checks.append(i) or False)
    worker = SummaryWorker(store)
    ready: list[object] = []
    worker.ready.connect(ready.append)
    worker.failed.connect(ready.append)
    worker.request(ledger_id)
    assert inside.wait(10)
    threading.Timer(0.05, release.set).start()
    worker.close()  # waits for the pool: returns once the computation has stopped
    qtbot.wait(20)
    assert checks == [] and ready == []
