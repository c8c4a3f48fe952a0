"""The 任务分解 window: edit a share and see the total, the lead unit, the flag, items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox

from xihu_desktop.store import Store
from xihu_desktop.ui import decomposition_view as view_module
from xihu_desktop.ui.decomposition_model import FIRST_UNIT, GOAL, TOTAL, GridModel
from xihu_desktop.ui.decomposition_view import DecompositionDialog

YEAR = 2025


@pytest.fixture
def dialog(qtbot: Any, store: Store) -> DecompositionDialog:
    d = DecompositionDialog(store, YEAR)
    qtbot.addWidget(d)
    d.show()
    return d


def _row(model: GridModel, name: str) -> int:
    return next(i for i, r in enumerate(model.grid.rows) if r.target.name == name)


def test_model_passes_qt_checks(qtmodeltester: Any, store: Store) -> None:
    qtmodeltester.check(GridModel(store, YEAR))


def test_typing_a_share_changes_the_total_and_the_flag(
    qtbot: Any, dialog: DecompositionDialog, store: Store
) -> None:
    model, view = dialog.grid_model, dialog.grid_view
    row = _row(model, "地区生产总值")
    assert model.setData(model.index(row, GOAL), "100")
    sandun = model.column_of(store.units.find("三墩镇").id)
    index = model.index(row, sandun)
    view.scrollTo(index)
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "60")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)  # commit is queued
    total = model.index(row, TOTAL)
    assert total.data() == "60"
    assert total.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert total.data(Qt.ItemDataRole.ToolTipRole) == "各单位分解合计 60，与区年度目标 100 不一致"
    assert "1 项指标" in dialog.status.text()
    shuangpu = model.column_of(store.units.find("双浦镇").id)
    assert model.setData(model.index(row, shuangpu), "40")
    assert total.data() == "100"
    assert total.data(Qt.ItemDataRole.ToolTipRole) == "2 个单位分解合计"
    assert "不一致" not in dialog.status.text()
    assert [s.goal for s in store.decomposition.shares(YEAR)] == [60, 40]


def test_the_lead_unit_is_marked(dialog: DecompositionDialog, store: Store) -> None:
    model = dialog.grid_model
    row = _row(model, "优质义务教育覆盖率")
    edu = store.units.find("区教育局").id
    assert dialog.set_lead(row, edu)
    cell = model.index(row, model.column_of(edu))
    assert cell.data().startswith("★")
    assert cell.data(Qt.ItemDataRole.FontRole).bold()
    assert cell.data(Qt.ItemDataRole.ToolTipRole) == "牵头单位：区教育局"
    assert store.decomposition.goals(YEAR)[row].lead_unit_id == edu


def test_a_bad_cell_shows_the_message_and_writes_nothing(
    dialog: DecompositionDialog, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    model = dialog.grid_model
    assert not model.setData(model.index(0, FIRST_UNIT), "很多")
    assert shown and "不是有效的数字" in shown[0]
    assert store.decomposition.shares(YEAR) == []


def test_a_write_elsewhere_refreshes_the_window(dialog: DecompositionDialog, store: Store) -> None:
    model = dialog.grid_model
    gdp = model.grid.rows[0].target.id
    store.decomposition.set_goal(YEAR, gdp, 2000)
    QApplication.processEvents()
    assert model.index(0, GOAL).data() == "2000"


def test_items_are_assigned_in_a_checklist(
    dialog: DecompositionDialog, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandun = store.units.find("三墩镇").id

    def tick(self: view_module.UnitChecklist) -> int:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == sandun:
                item.setCheckState(Qt.CheckState.Checked)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(view_module.UnitChecklist, "exec", tick)
    dialog.tabs.setCurrentIndex(1)
    dialog.edit_item_units(dialog.items_model.index(0, 0))
    QApplication.processEvents()
    item = dialog.items_model.rows[0].item
    assert [a.unit_id for a in store.decomposition.assignments(YEAR)] == [sandun]
    assert dialog.items_model.index(0, 3).data() == "三墩镇"
    assert item.kind == "platform"


def test_export_and_import_from_the_window(
    dialog: DecompositionDialog, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QFileDialog

    store.decomposition.set_goal(YEAR, dialog.grid_model.grid.rows[0].target.id, 2000)
    out = tmp_path / "分解.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda *a: QMessageBox.StandardButton.Ok)
    assert dialog.export_excel() == out
    report = dialog.import_excel()
    assert report is not None and report.status == "相同"


def test_menu_opens_the_window_for_the_administrator_only(
    qtbot: Any, store: Store, tmp_path: Path
) -> None:
    from xihu_desktop.ui.main_window import MainWindow

    window = MainWindow(
        store, settings=QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    )
    qtbot.addWidget(window)
    action = window.menu_actions["show_decomposition"]
    assert action.isEnabled()
    menus = [a.text() for a in window.menuBar().actions()]
    assert "区级(&D)" in menus
    window.show_decomposition()
    assert isinstance(window.decomposition_dialog, DecompositionDialog)
    window.decomposition_dialog.close()
    store.act_as("填报员", "operator", store.units.list()[0].id)
    window.reload_all()
    assert not action.isEnabled()
