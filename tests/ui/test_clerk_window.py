"""Issue 12, the window: what a clerk sees and keeps while typing, pasting and exporting."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ledger_helpers import make_window, paste, type_into
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from xihu_desktop.exchange.excel_export import export_ledger
from xihu_desktop.exchange.sheet_data import collect_sheet
from xihu_desktop.store import Store
from xihu_desktop.ui.entry_model import INVALID_BRUSH
from xihu_desktop.ui.progress_tab import COLUMN

YEAR = 2025  # a past year: lights do not depend on today's date


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Texts of the static message boxes (the export's own message is a window of its own)."""
    shown: list[str] = []
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
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


def test_an_empty_new_row_is_a_draft_not_scored_exported_or_printed(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    store.entries.add(ledger_id, "indicator", {"name": "研发投入强度", "goal": 10, "actual": 10})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    qtbot.waitUntil(lambda: "得分" in window.header.score_label.text(), timeout=3000)
    score, lights = window.header.score_label.text(), window.header.lights_label.text()
    tab = window.category_tabs["indicator"]
    window.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(window.summary_worker.ready, timeout=3000):
        tab.actions_["add"].trigger()  # 新增行, nothing typed yet
    assert tab.model.rowCount() == 2
    draft = tab.model.entry(1).id
    assert window.header.score_label.text() == score
    assert window.header.lights_label.text() == lights
    assert window.progress_tab.model.light(window.progress_tab.model.entry(1)) is None

    out = export_ledger(store, ledger_id, tmp_path / "return.xlsx")
    sheet = openpyxl.load_workbook(out)["一批重点指标"]
    numbered = [row for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert [row[1] for row in numbered] == ["研发投入强度"]
    data = collect_sheet(store, ledger_id)
    assert [r.entry_score.name for r in data.rows["indicator"]] == ["研发投入强度"]

    window.menu_actions["submit"].trigger()  # the draft is listed by submit's validation
    problems = store.assessment.validate(ledger_id)
    assert next(p.message for e, p in problems if e.id == draft).startswith("草稿行")
    dialog = window.ledger_actions.problems_dialog
    assert dialog is not None and dialog.tree.topLevelItemCount() == 1
    assert store.ledgers.get(ledger_id).status == "草稿"


def test_tabbing_through_an_enumeration_cell_saves_nothing(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    entry = store.entries.add(ledger_id, "project", {"name": "之江实验室二期"}).id
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["project"]
    window.tabs.setCurrentWidget(tab)
    view = tab.view
    index = tab.proxy.index(0, tab.model.column("nature"))
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(index)
    assert editor is not None and editor.currentText() == ""  # no choice made for the clerk
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)
    assert store.entries.get(entry).values.get("nature") is None
    assert window.undo_stack.count() == 0
    # choosing still saves
    type_into(qtbot, tab, 0, "nature", "续建")
    assert store.entries.get(entry).values["nature"] == "续建"


def test_years_typed_or_pasted_as_months_are_taken_as_the_year(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int, messages: list[str]
) -> None:
    entry = store.entries.add(ledger_id, "project", {"name": "之江实验室二期"}).id
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["project"]
    window.tabs.setCurrentWidget(tab)
    type_into(qtbot, tab, 0, "start_year", "2025年3月")
    assert store.entries.get(entry).values["start_year"] == 2025
    paste(qtbot, tab, 0, "start_year", "2024年10月\t2026年6月底")
    values = store.entries.get(entry).values
    assert (values["start_year"], values["end_year"]) == (2024, 2026)
    assert messages == []


def _type_progress(qtbot: Any, tab: Any, row: int, key: str, text: str) -> None:
    view = tab.view
    index = tab.proxy.index(row, COLUMN[key])
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(index)
    assert editor is not None
    editor.clear()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)


@pytest.mark.parametrize("typed", ["30%", "abc"])
def test_bad_progress_input_stays_in_the_cell_marked_invalid_until_corrected(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int, typed: str
) -> None:
    entry = store.entries.add(ledger_id, "indicator", {"name": "研发投入强度", "goal": 100}).id
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.progress_tab
    window.tabs.setCurrentWidget(tab)
    tab.quarter.setCurrentIndex(1)
    _type_progress(qtbot, tab, 0, "value", typed)
    cell = tab.proxy.index(0, COLUMN["value"])
    assert cell.data() == typed  # the typed text stays
    assert "不是有效的数字" in cell.data(Qt.ItemDataRole.ToolTipRole)
    assert cell.data(Qt.ItemDataRole.BackgroundRole) == INVALID_BRUSH
    assert store.progress.of_entry(entry) == []
    tab.quarter.setCurrentIndex(0)  # another quarter's cell is not marked
    assert tab.proxy.index(0, COLUMN["value"]).data() == ""
    tab.quarter.setCurrentIndex(1)
    assert tab.proxy.index(0, COLUMN["value"]).data() == typed
    _type_progress(qtbot, tab, 0, "value", "30")  # corrected
    cell = tab.proxy.index(0, COLUMN["value"])
    assert cell.data() == "30"
    assert cell.data(Qt.ItemDataRole.BackgroundRole) != INVALID_BRUSH
    assert store.progress.of_entry(entry)[0].value == 30


def test_a_submitted_ledger_says_on_each_tab_why_it_is_read_only(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    store.entries.add(ledger_id, "indicator", {"name": "研发投入强度", "goal": 10})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tabs = [*window.category_tabs.values(), window.progress_tab]
    assert not any(tab.banner.isVisible() for tab in tabs)
    window.menu_actions["submit"].trigger()
    assert store.ledgers.get(ledger_id).status == "已提交"
    for tab in tabs:
        window.tabs.setCurrentWidget(tab)
        assert tab.banner.isVisible()
        assert tab.banner.text() == "本台账已提交，不能修改。如需修改，请联系区管理员解锁。"
    window.menu_actions["unlock"].trigger()
    assert not window.progress_tab.banner.isVisible()


def test_export_confirms_with_open_buttons_remembers_the_folder_and_keeps_normal_permissions(
    qtbot: Any,
    store: Store,
    tmp_path: Path,
    unit_id: int,
    ledger_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store.entries.add(ledger_id, "indicator", {"name": "研发投入强度", "goal": 10})
    folder = tmp_path / "交给区里"
    folder.mkdir()
    asked: list[str] = []

    def save_as(_parent: Any, _title: str, default: str, *_a: Any, **_k: Any) -> tuple[str, str]:
        asked.append(default)
        return str(folder / Path(default).name), ""

    opened: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save_as))
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile()))
    )
    old_mask = os.umask(0o022)
    try:
        window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
        window.menu_actions["export_return"].trigger()
        qtbot.waitUntil(lambda: window.findChild(QMessageBox) is not None, timeout=5000)
        box = window.findChild(QMessageBox)
        (path,) = folder.glob("*.xlsx")
        assert str(path) in box.text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not 0600
        buttons = {b.text(): b for b in box.buttons()}
        qtbot.mouseClick(buttons["打开文件"], Qt.MouseButton.LeftButton)
        assert opened == [str(path)]
        window.close()

        # a new window: the PDF dialog starts where the Excel one ended
        again = make_window(qtbot, store, tmp_path, unit_id, YEAR)
        again.menu_actions["export_summary_pdf"].trigger()
        assert Path(asked[-1]).parent == folder
        box = again.findChild(QMessageBox)
        assert box is not None
        qtbot.mouseClick(
            {b.text(): b for b in box.buttons()}["打开所在文件夹"], Qt.MouseButton.LeftButton
        )
        assert opened[-1] == str(folder)
    finally:
        os.umask(old_mask)
    assert Path(asked[0]).parent == Path.home()


def test_status_is_suggested_from_progress_never_written_by_itself(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    chosen = store.entries.add(ledger_id, "project", {"name": "乙", "goal": 100, "status": "滞后"})
    entry = store.entries.add(ledger_id, "project", {"name": "甲", "goal": 100}).id
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    progress = window.progress_tab
    window.tabs.setCurrentWidget(progress)
    progress.quarter.setCurrentIndex(1)
    row = progress.model.row_of(entry)
    value = progress.proxy.mapFromSource(progress.model.index(row, COLUMN["value"]))
    progress.model.setData(progress.proxy.mapToSource(value), "35.7")
    status_cell = progress.proxy.mapFromSource(progress.model.index(row, COLUMN["status"]))
    assert status_cell.data() == "推进中？"  # shown as a suggestion, greyed and italic
    assert status_cell.data(Qt.ItemDataRole.FontRole).italic()
    assert store.progress.of_entry(entry)[0].status is None
    assert store.entries.get(entry).values["status"] == "未启动"  # nothing written

    tab = window.category_tabs["project"]
    window.tabs.setCurrentWidget(tab)
    column = tab.model.column("status")
    shown = {tab.proxy.index(r, 0).data(): tab.proxy.index(r, column).data() for r in range(2)}
    assert shown == {"甲": "未启动 → 推进中？", "乙": "滞后"}  # a chosen status stays
    tab.actions_["suggest"].trigger()  # the one-click fix
    assert store.entries.get(entry).values["status"] == "推进中"
    assert store.entries.get(chosen.id).values["status"] == "滞后"
    assert tab.proxy.index(tab.model.row_of(entry), column).data() == "推进中"
    window.menu_actions["undo"].trigger()
    assert store.entries.get(entry).values["status"] == "未启动"


def test_the_name_column_stays_in_view_when_scrolling_sideways(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    store.entries.add(ledger_id, "project", {"name": "之江实验室二期"})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    window.resize(700, 500)
    for tab in [*window.category_tabs.values(), window.progress_tab]:
        window.tabs.setCurrentWidget(tab)
        frozen = tab.view.frozen
        assert frozen is not None and frozen.isVisible()
        assert len(frozen.frozen()) == (2 if tab is window.progress_tab else 1)
    tab = window.category_tabs["project"]
    window.tabs.setCurrentWidget(tab)
    view, frozen = tab.view, tab.view.frozen
    assert frozen is not None
    name = tab.proxy.index(0, tab.model.column("name"))
    last = tab.proxy.index(0, tab.model.columnCount() - 1)
    view.setCurrentIndex(last)  # the clerk goes to the far right of the row
    QApplication.processEvents()
    bar = view.horizontalScrollBar()
    assert bar.value() > 0 and bar.value() == bar.maximum()
    assert view.visualRect(name).right() < 0  # the grid's own name cell scrolled away …
    cell = frozen.visualRect(name)  # … the frozen one is where it was
    assert cell.left() == 0 and frozen.columnWidth(name.column()) == view.columnWidth(name.column())
    assert (
        frozen.isVisible()
        and frozen.geometry().left() == view.verticalHeader().width() + view.frameWidth()
    )
    assert frozen.viewport().rect().contains(cell.center())
    # the current cell is never under the frozen column
    middle = tab.proxy.index(0, tab.model.column("nature"))
    view.setCurrentIndex(middle)
    QApplication.processEvents()
    assert view.visualRect(middle).left() >= frozen.width_needed()
    # a click on the frozen name selects the row's name; typing edits it in the grid
    qtbot.mouseClick(frozen.viewport(), Qt.MouseButton.LeftButton, pos=cell.center())
    assert view.currentIndex() == name
    type_into(qtbot, tab, 0, "name", "之江实验室三期")
    assert tab.model.entry(0).name == "之江实验室三期"
    assert frozen.isVisible()
