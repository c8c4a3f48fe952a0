"""The ledger window at district scale: work that grows with the rows touched, not the ledger."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window, type_into

from xihu_desktop.exchange import fingerprint, verify
from xihu_desktop.store import Store
from xihu_desktop.store.assessment import AssessmentManager
from xihu_desktop.store.entries import EntryManager
from xihu_desktop.ui.entry_model import EntryTableModel

YEAR = 2025


def _fill(store: Store, ledger_id: int, category: str, n: int) -> None:
    rows = [{"name": f"条目{i}", "goal": 100 + i} for i in range(n)]
    store.entries.add_many(ledger_id, category, rows, validate=False)


def _rows_walked_by_paste(
    qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int
) -> int:
    """Rows the count label walks while ``n`` pasted rows land on an ``n``-row tab."""
    unit = store.units.list()[n % 3]
    ledger_id = store.ledgers.create(unit.id, YEAR).id
    _fill(store, ledger_id, "indicator", n)
    window = make_window(qtbot, store, tmp_path / str(n), unit.id, YEAR)
    tab = window.category_tabs["indicator"]
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.model.rowCount() == n)
    qtbot.wait(10)
    walked = [0]
    original = EntryTableModel.count_invalid

    def counting(self: EntryTableModel) -> int:
        walked[0] += self.rowCount()
        return original(self)

    monkeypatch.setattr(EntryTableModel, "count_invalid", counting)
    column = tab.model.column("name")
    tab._paste_cells([(r, column, f"粘贴{r}") for r in range(n)])
    qtbot.waitUntil(lambda: tab.model.entry(n - 1).name == f"粘贴{n - 1}")
    qtbot.wait(10)  # the coalesced recount runs
    monkeypatch.setattr(EntryTableModel, "count_invalid", original)
    assert [tab.model.entry(r).name for r in (0, n - 1)] == ["粘贴0", f"粘贴{n - 1}"]
    assert walked[0] >= n  # the count label was recounted at least once
    window.close()
    return walked[0]


def test_paste_work_grows_linearly_with_the_rows_pasted(
    qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifty = _rows_walked_by_paste(qtbot, store, tmp_path, monkeypatch, 50)
    hundred = _rows_walked_by_paste(qtbot, store, tmp_path, monkeypatch, 100)
    assert hundred <= 2.2 * fifty, (fifty, hundred)


def test_switching_ledgers_reads_only_the_tab_on_screen(
    qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = store.units.list()[:2]
    a = store.ledgers.create(first.id, YEAR).id
    b = store.ledgers.create(second.id, YEAR).id
    for ledger_id in (a, b):
        _fill(store, ledger_id, "indicator", 5)
        _fill(store, ledger_id, "project", 4)
    window = make_window(qtbot, store, tmp_path, first.id, YEAR)
    window.tabs.setCurrentWidget(window.category_tabs["project"])
    calls: list[tuple[int, str | None]] = []
    original = EntryManager.list

    def counting(self: EntryManager, ledger_id: int, category_key: str | None = None) -> Any:
        if threading.current_thread() is threading.main_thread():  # the worker scores
            calls.append((ledger_id, category_key))
        return original(self, ledger_id, category_key)

    monkeypatch.setattr(EntryManager, "list", counting)
    window.select(second.id, YEAR)
    assert calls == [(b, "project")]
    assert window.category_tabs["project"]._model.rowCount() == 4
    assert window.category_tabs["indicator"]._model.rowCount() == 0  # not read yet
    assert not window.category_tabs["indicator"].loaded
    window.tabs.setCurrentWidget(window.category_tabs["indicator"])  # read on first show
    assert calls == [(b, "project"), (b, "indicator")]
    assert window.category_tabs["indicator"].model.entry(0).ledger_id == b
    window.tabs.setCurrentWidget(window.progress_tab)
    assert calls[-1] == (b, None) and len(calls) == 3
    assert window.progress_tab.model.rowCount() == 9
    # back and forth: a tab already read is not read again
    window.tabs.setCurrentWidget(window.category_tabs["project"])
    assert len(calls) == 3
    # switching back reads the shown tab of the first ledger only
    window.select(first.id, YEAR)
    assert calls[3:] == [(a, "project")]


def test_a_cell_edit_leaves_score_and_fingerprint_to_the_worker(
    qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = store.units.list()[0]
    ledger_id = store.ledgers.create(unit.id, YEAR).id
    _fill(store, ledger_id, "indicator", 20)
    store.prints.record(ledger_id, fingerprint.ledger_fingerprint(store, ledger_id), "T-1")
    window = make_window(qtbot, store, tmp_path, unit.id, YEAR)
    tab = window.category_tabs["indicator"]
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: window.overview.last_score is not None, timeout=3000)

    threads: list[tuple[str, bool]] = []
    score, reprint = AssessmentManager.score, verify.needs_reprint

    def scoring(self: AssessmentManager, *args: Any, **kw: Any) -> Any:
        threads.append(("score", threading.current_thread() is threading.main_thread()))
        return score(self, *args, **kw)

    def checking(*args: Any, **kw: Any) -> Any:
        threads.append(("fingerprint", threading.current_thread() is threading.main_thread()))
        return reprint(*args, **kw)

    monkeypatch.setattr(AssessmentManager, "score", scoring)
    monkeypatch.setattr(verify, "needs_reprint", checking)
    with qtbot.waitSignal(window.summary_worker.ready, timeout=5000):
        type_into(qtbot, tab, 0, "actual", "77")
    assert store.entries.get(tab.model.entry(0).id).values["actual"] == 77
    qtbot.waitUntil(lambda: window.header.reprint_label.text() != "", timeout=3000)
    assert {name for name, _ in threads} == {"score", "fingerprint"}
    assert not any(on_ui for _, on_ui in threads), threads


def test_the_window_first_paints_then_computes_its_summary_and_overlays(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    """Built, not shown: no summary asked of the worker thread (it would take the GIL from
    the first paint) and no frozen-column overlay built for the six hidden grids. Shown:
    the summary arrives, and a grid gets its overlay when it is first shown."""
    from PySide6.QtCore import QSettings

    from xihu_desktop.ui.main_window import MainWindow

    _fill(store, ledger_id, "project", 3)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, settings=settings)
    qtbot.addWidget(window)
    asked: list[int] = []
    real = window.summary_worker.request
    window.summary_worker.request = lambda lid: (asked.append(lid), real(lid))  # type: ignore[method-assign]
    window.select(unit_id, YEAR)
    qtbot.wait(20)
    assert window.ledger is not None and window.ledger.id == ledger_id
    assert asked == []
    grids = [tab.view for tab in window.category_tabs.values()] + [window.progress_tab.view]
    assert all(grid.frozen is None for grid in grids)
    with qtbot.waitSignal(window.summary_worker.ready, timeout=5000):
        window.show()
    assert asked == [ledger_id]
    assert window.overview.shown_id == ledger_id
    tab = window.category_tabs["project"]
    assert tab.view.frozen is None  # the overview is on screen, not this grid
    window.tabs.setCurrentWidget(tab)
    assert tab.view.frozen is not None and tab.view.frozen.isVisible()
    assert tab.view.frozen.frozen() == [tab.model.column("name")]
    assert window.category_tabs["indicator"].view.frozen is None
    window.close()
