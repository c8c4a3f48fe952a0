"""The window on a unit's own data file: its unit only, no district actions, assigned rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window
from package_helpers import YEAR, decompose, unit_file
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from xihu_desktop.exchange.packages import export_package, import_package
from xihu_desktop.store import Store
from xihu_desktop.ui.entry_model import ASSIGNED_MARK
from xihu_desktop.ui.menus import ACTIONS

DISTRICT_ONLY = {s.key for s in ACTIONS if s.district_only}


@pytest.fixture
def unit(store: Store, tmp_path: Path) -> Any:
    decompose(store, "三墩镇", {1: 8.5}, ("西湖大学(产学研配套基地)",))
    path = export_package(store, YEAR, store.units.find("三墩镇").id, tmp_path / "p.xlsx")
    own = unit_file(tmp_path / "sandun.db")
    import_package(own, path)
    yield own
    own.close()


def _menu_titles(window: Any) -> list[str]:
    return [a.text() for a in window.menuBar().actions() if a.isVisible()]


def test_a_unit_file_shows_only_its_unit_and_no_district_actions(
    qtbot: Any, unit: Store, tmp_path: Path
) -> None:
    sandun = unit.units.find("三墩镇")
    window = make_window(qtbot, unit, tmp_path, sandun.id, YEAR)
    assert "三墩镇的数据文件" in window.windowTitle()
    combo = window.header.unit_combo
    assert [combo.itemData(i) for i in range(combo.count())] == [sandun.id]
    assert combo.itemText(0).startswith("三墩镇")
    assert {"open_inbox", "export_summary", "show_units", "show_catalogue"} <= DISTRICT_ONLY
    # one door for the unit too: packages and receipts arrive through 导入文件…
    assert "import_returns" not in DISTRICT_ONLY
    assert window.menu_actions["import_returns"].isVisible()
    assert window.menu_actions["import_returns"].isEnabled()
    for key in DISTRICT_ONLY:
        assert not window.menu_actions[key].isVisible(), key
    assert "区级(&D)" not in _menu_titles(window)
    assert window.menu_actions["export_return"].isVisible()
    assert window.ledger is not None and window.ledger.unit_id == sandun.id


def test_the_district_file_keeps_its_district_actions(
    qtbot: Any, store: Store, tmp_path: Path
) -> None:
    unit_id = store.units.list()[0].id
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    for key in DISTRICT_ONLY:
        assert window.menu_actions[key].isVisible(), key
    assert window.header.unit_combo.count() > 10
    assert "的数据文件" not in window.windowTitle()


def test_assigned_rows_are_marked_and_their_goal_is_not_editable(
    qtbot: Any, unit: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandun = unit.units.find("三墩镇")
    window = make_window(qtbot, unit, tmp_path, sandun.id, YEAR)
    tab = window.category_tabs["indicator"]
    window.tabs.setCurrentWidget(tab)
    model = tab.model
    assert ASSIGNED_MARK in model.headerData(0, Qt.Orientation.Vertical)
    assert "区里下达" in model.headerData(0, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    editable = Qt.ItemFlag.ItemIsEditable
    for key in ("goal", "name", "target_id"):
        assert not model.flags(model.index(0, model.column(key))) & editable, key
    assert model.flags(model.index(0, model.column("roadmap"))) & editable
    assert model.flags(model.index(0, model.column("actual"))) & editable
    # an edit forced through the model is refused by the store too
    assert not model.setData(model.index(0, model.column("goal")), "1")
    assert unit.entries.get(model.entry(0).id).values["goal"] == 8.5

    messages: list[str] = []
    tab.message.connect(messages.append)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    tab.select_cell(model.entry(0).id, "name")
    tab.delete_rows()
    assert any("该条目由区里下达，不能删除" in m for m in messages)
    assert model.rowCount() == 1 and unit.entries.get(model.entry(0).id).assigned


def test_screenshot_of_a_unit_file(qtbot: Any, unit: Store, tmp_path: Path) -> None:
    window = make_window(qtbot, unit, tmp_path, unit.units.find("三墩镇").id, YEAR)
    window.resize(1400, 800)
    window.tabs.setCurrentWidget(window.category_tabs["indicator"])
    qtbot.wait(10)
    out = tmp_path / "unit-file.png"
    assert window.grab().save(str(out))
    assert out.stat().st_size > 10_000
