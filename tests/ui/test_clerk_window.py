"""Issue 12, the window: what a clerk sees and keeps while typing, pasting and exporting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window, paste
from PySide6.QtWidgets import QMessageBox

from xihu_desktop.store import Store
from xihu_desktop.ui.progress_tab import COLUMN

YEAR = 2025  # a past year: lights do not depend on today's date


@pytest.fixture
def unit_id(store: Store) -> int:
    return store.units.list()[0].id


@pytest.fixture
def ledger_id(store: Store, unit_id: int) -> int:
    return store.ledgers.create(unit_id, YEAR).id


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every QMessageBox text shown; questions are answered Yes."""
    shown: list[str] = []

    def record(kind: str) -> Any:
        def box(_parent: Any, title: str, text: str, *args: Any, **kw: Any) -> Any:
            shown.append(f"{title}\n{text}")
            return QMessageBox.StandardButton.Yes if kind == "question" else None

        return box

    for kind in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    return shown


def test_progress_completion_and_light_follow_the_selected_quarter(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    entry = store.entries.add(ledger_id, "project", {"name": "之江实验室二期", "goal": 8420}).id
    for quarter, value in ((1, 1200), (2, 3900), (3, 6570), (4, 9094)):
        store.progress.set(entry, quarter, {"value": value})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.progress_tab
    window.tabs.setCurrentWidget(tab)
    tab.quarter.setCurrentIndex(2)  # 第3季度, as the clerk picks it
    completion = tab.proxy.index(0, COLUMN["completion"])
    assert completion.data() == "78.0%"
    assert tab.proxy.index(0, COLUMN["light"]).data() == "● 绿"  # 78 % by the end of Q3
    assert "绿灯 1" in tab.summary.text()
    tab.quarter.setCurrentIndex(0)  # Q1: 1,200 of 8,420 is 14 %, within 15 points of Q1
    assert completion.data() == "14.3%"
    assert tab.proxy.index(0, COLUMN["light"]).data() == "● 黄"
    tab.quarter.setCurrentIndex(3)
    assert completion.data() == "108.0%"


def test_a_pasted_header_row_is_skipped_with_a_note(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["project"]
    window.tabs.setCurrentWidget(tab)
    tab.view.setFocus()
    header = "项目名称\t业主单位\t建设性质"
    paste(qtbot, tab, 0, "name", f"{header}\n之江实验室二期\t区城投集团\t续建\n")
    names = [e.name for e in store.entries.list(ledger_id, "project")]
    assert names == ["之江实验室二期"]
    assert "标题" in window.statusBar().currentMessage()
    # the header alone: nothing is created, the clerk is told why
    paste(qtbot, tab, 1, "name", header)
    assert [e.name for e in store.entries.list(ledger_id, "project")] == names
    assert "标题" in window.statusBar().currentMessage()
