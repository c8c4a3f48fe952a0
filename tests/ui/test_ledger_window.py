"""The ledger window driven like a clerk: keys on the table, the clipboard, menus."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window, paste, type_into, type_text
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.store import Store
from xihu_desktop.store.demo import credit_code

YEAR = 2025  # a past year: lights do not depend on today's date


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every QMessageBox shown; questions are answered Yes."""
    shown: list[tuple[str, str]] = []

    def record(kind: str) -> Any:
        def box(_parent: Any, title: str, text: str, *args: Any, **kw: Any) -> Any:
            shown.append((kind, f"{title}\n{text}"))
            return QMessageBox.StandardButton.Yes if kind == "question" else None

        return box

    for kind in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, kind, record(kind))
    return shown


# values typed per category: (field key, typed text, stored value)
TYPED: dict[str, list[tuple[str, str, Any]]] = {
    "indicator": [("name", "研发投入强度", "研发投入强度"), ("goal", "1,234.5", 1234.5)],
    "platform": [
        ("name", "云栖小镇", "云栖小镇"),
        ("annual_goal", "新引进企业50家", "新引进企业50家"),
    ],
    "project": [
        ("name", "之江实验室二期", "之江实验室二期"),
        ("owner_org", "区城投集团", "区城投集团"),
        ("nature", "续建", "续建"),
        ("total_investment", "5000万元", 5000.0),
        ("goal", "1200", 1200.0),
    ],
    "enterprise": [
        ("name", "数智科技有限公司", "数智科技有限公司"),
        ("credit_code", credit_code(random.Random(7)), credit_code(random.Random(7))),
    ],
    "talent": [
        ("name", "海外高层次人才团队", "海外高层次人才团队"),
        ("employer", "西湖大学", "西湖大学"),
    ],
    "resource": [("name", "产业用地出让", "产业用地出让"), ("land", "１２.５亩", 12.5)],
}


def test_typed_values_of_every_category_are_in_the_database_after_reopening(
    qtbot: Any, store: Store, db_path: Path, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    for cat in CATEGORIES:
        tab = window.category_tabs[cat.key]
        window.tabs.setCurrentWidget(tab)
        tab.actions_["add"].trigger()
        assert tab.model.rowCount() == 1
        for key, text, _ in TYPED[cat.key]:
            type_into(qtbot, tab, 0, key, text)
        assert tab.model.entry(0).values["name"] == TYPED[cat.key][0][2]
    window.close()
    store.close()

    reopened = Store.open(db_path)
    try:
        for cat in CATEGORIES:
            (entry,) = reopened.entries.list(ledger_id, cat.key)
            for key, _, stored in TYPED[cat.key]:
                assert entry.values[key] == stored, (cat.key, key)
    finally:
        reopened.close()


def test_enter_moves_down_and_invalid_typing_is_rejected_with_a_message(
    qtbot: Any,
    store: Store,
    tmp_path: Path,
    unit_id: int,
    ledger_id: int,
    messages: list[tuple[str, str]],
) -> None:
    store.entries.add(ledger_id, "indicator", {"name": "甲", "goal": 10})
    store.entries.add(ledger_id, "indicator", {"name": "乙", "goal": 20, "baseline": 7})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["indicator"]
    view = tab.view
    goal = tab.proxy.index(0, tab.model.column("goal"))
    view.setCurrentIndex(goal)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(goal)
    editor.clear()
    qtbot.keyClicks(editor, "abc")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # rejected: the value stays, the message says why, the cell is edited again with "abc"
    qtbot.waitUntil(
        lambda: view.indexWidget(goal) is not None and view.indexWidget(goal) is not editor
    )
    assert view.indexWidget(goal).text() == "abc"
    assert tab.model.entry(0).values["goal"] == 10
    assert "不是有效的数字" in window.statusBar().currentMessage()
    qtbot.keyClick(view.indexWidget(goal), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.indexWidget(goal) is None)
    type_into(qtbot, tab, 0, "goal", "12")
    assert tab.view.currentIndex().row() == 1
    assert store.entries.list(ledger_id, "indicator")[0].values["goal"] == 12
    # Delete clears the selected cell; undo brings it back
    tab.view.setCurrentIndex(tab.proxy.index(1, tab.model.column("baseline")))
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert store.entries.list(ledger_id, "indicator")[1].values.get("baseline") is None
    window.menu_actions["undo"].trigger()
    assert store.entries.list(ledger_id, "indicator")[1].values["baseline"] == 7
    window.menu_actions["undo"].trigger()
    assert store.entries.list(ledger_id, "indicator")[0].values["goal"] == 10
    # clearing a required cell is refused and explained
    tab.view.setCurrentIndex(tab.proxy.index(1, tab.model.column("goal")))
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert store.entries.list(ledger_id, "indicator")[1].values["goal"] == 20
    assert "必填项不能为空" in messages[-1][1]


def test_paste_block_with_one_invalid_cell_stores_14_and_reports_1(
    qtbot: Any,
    store: Store,
    tmp_path: Path,
    unit_id: int,
    ledger_id: int,
    messages: list[tuple[str, str]],
) -> None:
    store.entries.add(ledger_id, "indicator", {"name": "已有指标"})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["indicator"]
    window.tabs.setCurrentWidget(tab)
    keys = ("baseline", "goal", "actual", "q1", "q2")
    block = (
        "1.5\t2\t1\t启动\t推进\r\n"
        '3\t4\t不是数字\t"第一行\r\n第二行"\t推进\r\n'
        "5\t6\t7\t启动\t完成\r\n"
    )
    paste(qtbot, tab, 0, "baseline", block)
    entries = store.entries.list(ledger_id, "indicator")
    assert len(entries) == 3  # rows extended
    stored = sum(1 for e in entries for k in keys if e.values.get(k) is not None)
    assert stored == 14
    assert entries[1].values["q1"] == "第一行\n第二行"
    assert entries[0].values["baseline"] == 1.5
    warnings = [text for kind, text in messages if kind == "warning"]
    assert len(warnings) == 1
    assert "1 个单元格未保存" in warnings[0]
    assert "第2行 “完成值”" in warnings[0]

    assert entries[0].name == "已有指标"

    # undo removes the added rows and empties the first; redo brings all back
    window.menu_actions["undo"].trigger()
    (left,) = store.entries.list(ledger_id, "indicator")
    assert left.name == "已有指标"
    assert all(left.values.get(k) is None for k in keys)
    assert tab.model.rowCount() == 1
    window.menu_actions["redo"].trigger()
    again = store.entries.list(ledger_id, "indicator")
    assert [e.id for e in again] == [e.id for e in entries]
    assert sum(1 for e in again for k in keys if e.values.get(k) is not None) == 14
    assert tab.model.rowCount() == 3


def test_paste_over_existing_rows_undo_restores_old_values(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    a = store.entries.get(
        store.entries.add(
            ledger_id, "project", {"name": "甲项目", "owner_org": "甲", "nature": "新建"}
        ).id
    )
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["project"]
    paste(qtbot, tab, 0, "name", "乙项目\t\t乙公司\t续建\n")
    assert store.entries.get(a.id).values["name"] == "乙项目"
    assert store.entries.get(a.id).values["nature"] == "续建"
    window.menu_actions["undo"].trigger()
    assert store.entries.get(a.id).values["name"] == "甲项目"
    assert store.entries.get(a.id).values["owner_org"] == "甲"
    window.menu_actions["redo"].trigger()
    assert store.entries.get(a.id).values["owner_org"] == "乙公司"


def test_copy_puts_an_excel_block_on_the_clipboard(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    from PySide6.QtCore import QItemSelection, QItemSelectionModel
    from PySide6.QtWidgets import QApplication

    store.entries.add(ledger_id, "indicator", {"name": "甲", "goal": 10, "q1": "一\n二"})
    store.entries.add(ledger_id, "indicator", {"name": "乙", "goal": 2.5})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["indicator"]
    top = tab.proxy.index(0, tab.model.column("goal"))
    bottom = tab.proxy.index(1, tab.model.column("q1"))
    tab.view.setCurrentIndex(top)
    tab.view.selectionModel().select(
        QItemSelection(top, bottom), QItemSelectionModel.SelectionFlag.ClearAndSelect
    )
    qtbot.keyClick(tab.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    text = QApplication.clipboard().text()
    assert text == '10\t\t"一\n二"\n2.5\t\t\n'


def test_delete_row_and_undo(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    first = store.entries.get(
        store.entries.add(ledger_id, "talent", {"name": "甲", "employer": "甲单位"}).id
    )
    second = store.entries.get(
        store.entries.add(ledger_id, "talent", {"name": "乙", "employer": "乙单位"}).id
    )
    third = store.entries.get(
        store.entries.add(ledger_id, "talent", {"name": "丙", "employer": "丙单位"}).id
    )
    store.progress.set(second.id, 1, {"value": 1, "problems": "进度慢"})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["talent"]
    tab.view.setCurrentIndex(tab.proxy.index(1, 0))
    tab.actions_["delete"].trigger()
    assert [e.id for e in store.entries.list(ledger_id, "talent")] == [first.id, third.id]
    assert tab.model.rowCount() == 2
    window.menu_actions["undo"].trigger()
    assert [e.id for e in store.entries.list(ledger_id, "talent")] == [
        first.id,
        second.id,
        third.id,
    ]
    assert store.progress.of_entry(second.id)[0].problems == "进度慢"
    assert tab.model.rowCount() == 3
    window.menu_actions["redo"].trigger()
    assert len(store.entries.list(ledger_id, "talent")) == 2


def test_row_tools_insert_duplicate_move(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    a = store.entries.get(
        store.entries.add(ledger_id, "resource", {"name": "甲", "resource_kind": "土地"}).id
    )
    b = store.entries.get(
        store.entries.add(ledger_id, "resource", {"name": "乙", "resource_kind": "资金"}).id
    )
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["resource"]
    tab.view.setCurrentIndex(tab.proxy.index(0, 0))
    tab.actions_["duplicate"].trigger()
    names = [e.name for e in store.entries.list(ledger_id, "resource")]
    assert names == ["甲", "甲", "乙"]
    window.menu_actions["undo"].trigger()
    tab.view.setCurrentIndex(tab.proxy.index(1, 0))
    tab.actions_["up"].trigger()
    assert [e.id for e in store.entries.list(ledger_id, "resource")] == [b.id, a.id]
    window.menu_actions["undo"].trigger()
    assert [e.id for e in store.entries.list(ledger_id, "resource")] == [a.id, b.id]
    tab.view.setCurrentIndex(tab.proxy.index(1, 0))
    tab.actions_["insert"].trigger()
    entries = store.entries.list(ledger_id, "resource")
    assert [e.name for e in entries] == ["甲", "", "乙"]
    assert tab.model.rowCount() == 3


def test_search_filters_and_sorting_uses_raw_values(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    for name, goal in (("甲指标", 9), ("乙指标", 10), ("丙", None)):
        store.entries.add(ledger_id, "indicator", {"name": name, "goal": goal})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["indicator"]
    tab.proxy.sort(tab.model.column("goal"), Qt.SortOrder.DescendingOrder)
    assert [tab.proxy.index(r, 0).data() for r in range(3)][:2] == ["乙指标", "甲指标"]
    tab.proxy.sort(tab.model.column("goal"), Qt.SortOrder.AscendingOrder)
    assert [tab.proxy.index(r, 0).data() for r in range(3)] == ["甲指标", "乙指标", "丙"]
    type_text(qtbot, tab.search, "指标")
    qtbot.waitUntil(lambda: tab.proxy.rowCount() == 2, timeout=2000)
    assert "显示 2 / 3 条" in tab.count_label.text()


def test_submit_lists_problems_then_locks_editing(
    qtbot: Any,
    store: Store,
    tmp_path: Path,
    unit_id: int,
    ledger_id: int,
    messages: list[tuple[str, str]],
) -> None:
    bad = store.entries.get(store.entries.add(ledger_id, "project", {"name": "缺业主的项目"}).id)
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    window.menu_actions["submit"].trigger()
    dialog = window.ledger_actions.problems_dialog
    assert dialog is not None and dialog.tree.topLevelItemCount() >= 2
    assert store.ledgers.get(ledger_id).status == "草稿"
    labels = [dialog.tree.topLevelItem(i).text(3) for i in range(dialog.tree.topLevelItemCount())]
    item = dialog.tree.topLevelItem(labels.index("业主单位"))
    dialog.tree.itemDoubleClicked.emit(item, 0)
    project_tab = window.category_tabs["project"]
    assert window.tabs.currentWidget() is project_tab
    assert project_tab.view.currentIndex().column() == project_tab.model.column("owner_org")
    dialog.close()

    store.entries.update(bad.id, {"owner_org": "区城投", "nature": "新建", "goal": 100})
    window.load_ledger()
    window.menu_actions["submit"].trigger()
    assert store.ledgers.get(ledger_id).status == "已提交"
    assert "已提交" in window.header.status_label.text()
    index = project_tab.proxy.index(0, project_tab.model.column("name"))
    assert not (project_tab.proxy.flags(index) & Qt.ItemFlag.ItemIsEditable)
    project_tab.view.setCurrentIndex(index)
    qtbot.keyClick(project_tab.view, Qt.Key.Key_F2)
    assert project_tab.view.indexWidget(index) is None  # no editor opens
    paste(qtbot, project_tab, 0, "name", "改名")
    assert store.entries.get(bad.id).name == "缺业主的项目"
    assert not project_tab.actions_["add"].isEnabled()
    assert not window.menu_actions["submit"].isEnabled()

    # the administrator unlocks; the audit log records it
    assert window.menu_actions["unlock"].isEnabled()
    window.menu_actions["unlock"].trigger()
    assert store.ledgers.get(ledger_id).status == "草稿"
    assert any(r["action"] == "解锁台账" for r in store.audit.log(ledger_id))
    assert project_tab.proxy.flags(index) & Qt.ItemFlag.ItemIsEditable


def test_operator_cannot_unlock(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    store.ledgers.set_status(ledger_id, "已提交")
    store.act_as("填报员", "operator", unit_id)
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    assert not window.menu_actions["unlock"].isEnabled()
    assert not window.category_tabs["indicator"].model.writable


def test_carry_over_copies_entries_without_actuals(
    qtbot: Any, store: Store, tmp_path: Path, messages: list[tuple[str, str]]
) -> None:
    unit_id = store.units.list()[1].id
    target = store.catalogue.targets()[0]
    source = store.ledgers.get(store.ledgers.create(unit_id, YEAR - 1).id)
    src = store.entries.get(
        store.entries.add(
            source.id,
            "indicator",
            {"name": "地区生产总值", "target_id": target["id"], "goal": 100, "actual": 90},
        ).id
    )
    store.progress.set(src.id, 4, {"value": 90, "status": "基本完成", "comment": "好"})
    store.entries.add(
        source.id, "project", {"name": "项目", "owner_org": "甲", "nature": "续建", "actual": 5}
    )
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    assert window.stack.currentWidget() is window.empty_page
    assert window.carry_button.isEnabled()
    qtbot.mouseClick(window.carry_button, Qt.MouseButton.LeftButton)
    new = store.ledgers.find(unit_id, YEAR)
    assert new is not None and window.ledger is not None and window.ledger.id == new.id
    assert window.stack.currentWidget() is window.tabs
    copied = store.entries.list(new.id)
    assert [e.name for e in copied] == ["地区生产总值", "项目"]
    indicator = copied[0]
    assert indicator.values["target_id"] == target["id"]
    assert indicator.values["goal"] == 100
    assert indicator.values["actual"] is None
    assert indicator.values["baseline"] == 90  # last year's actual
    assert indicator.values["status"] == "未启动"
    assert copied[1].values["actual"] is None
    assert copied[1].values["owner_org"] == "甲"
    assert store.progress.of_ledger(new.id) == {}
    assert store.entries.list(source.id)[0].values["actual"] == 90  # the source is untouched
    assert window.category_tabs["indicator"].model.rowCount() == 1
    assert any(r["action"] == "结转台账" for r in store.audit.log(new.id))
    # last year's value stands beside this year's in the progress tab
    progress = window.progress_tab.model
    assert progress.last_year(progress.entry(0)) == 90


def test_light_changes_when_an_actual_value_changes(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    store.entries.add(ledger_id, "indicator", {"name": "甲", "goal": 100, "actual": 50})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    # the score and lights are computed in the background
    qtbot.waitUntil(lambda: "红灯 1" in window.header.lights_label.text(), timeout=3000)
    tab = window.category_tabs["indicator"]
    type_into(qtbot, tab, 0, "actual", "100")
    qtbot.waitUntil(lambda: "绿灯 1" in window.header.lights_label.text(), timeout=3000)
    assert "红灯 0" in window.header.lights_label.text()
    assert window.progress_tab.model.light(window.progress_tab.model.entry(0)) == "green"
    window.menu_actions["undo"].trigger()
    qtbot.waitUntil(lambda: "红灯 1" in window.header.lights_label.text(), timeout=3000)


def test_a_store_error_in_a_feature_shows_a_message(
    qtbot: Any,
    store: Store,
    tmp_path: Path,
    unit_id: int,
    ledger_id: int,
    messages: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from xihu_desktop.store import StoreError
    from xihu_desktop.ui import excel_actions

    def refuse(*_args: Any) -> None:
        raise StoreError("数据文件只读")

    monkeypatch.setattr(excel_actions, "export_return", refuse)
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    window.menu_actions["export_return"].trigger()
    assert messages[-1] == ("warning", "操作失败\n数据文件只读")


def test_unit_and_year_are_remembered(
    qtbot: Any, store: Store, tmp_path: Path, ledger_id: int
) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QTextBrowser

    from xihu_desktop.ui.main_window import MainWindow

    unit = store.units.list()[2]
    store.ledgers.create(unit.id, 2024)
    window = make_window(qtbot, store, tmp_path, unit.id, 2024)
    window.close()
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    again = MainWindow(store, settings=settings)
    qtbot.addWidget(again)
    assert again.header.unit_combo.currentData() == unit.id
    assert again.header.year_combo.currentData() == 2024
    assert again.ledger is not None and again.ledger.unit_id == unit.id
    assert QTextBrowser  # imported for the guide test below


def test_about_and_guide(
    qtbot: Any, store: Store, tmp_path: Path, ledger_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QTextBrowser

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _p, _t, text: shown.append(text))
    window = make_window(qtbot, store, tmp_path, store.units.list()[0].id, YEAR)
    window.menu_actions["show_about"].trigger()
    assert str(store.path) in shown[0]
    window.menu_actions["show_guide"].trigger()
    browser = window.guide_dialog.findChild(QTextBrowser)
    assert "六个一批" in browser.toPlainText()
    window.guide_dialog.close()


def test_column_widths_and_order_are_remembered(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    header = window.category_tabs["project"].view.horizontalHeader()
    header.moveSection(3, 0)
    header.resizeSection(1, 333)
    window.close()
    again = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    header = again.category_tabs["project"].view.horizontalHeader()
    assert header.logicalIndex(0) == 3
    assert header.sectionSize(1) == 333
    assert again.category_tabs["project"].proxy.sortColumn() == -1  # source order kept


def test_viewer_sees_but_cannot_edit(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    store.entries.add(ledger_id, "indicator", {"name": "甲", "goal": 1})
    store.act_as("查看员", "viewer")
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["indicator"]
    assert tab.model.rowCount() == 1
    index = tab.proxy.index(0, 0)
    assert not (tab.proxy.flags(index) & Qt.ItemFlag.ItemIsEditable)
    assert not window.menu_actions["submit"].isEnabled()
    assert not window.progress_tab.model.writable


def _snapshot(store: Store, ledger_id: int) -> list[tuple[int, int, str, dict]]:
    return [(e.id, e.position, e.category, e.values) for e in store.entries.list(ledger_id)]


def _click_cell(tab: Any, row: int) -> None:
    index = tab.proxy.index(row, 0)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
    tab.view.selectionModel().setCurrentIndex(index, flags)


def test_every_undo_and_redo_in_the_window_restores_the_data_exactly(
    qtbot: Any, store: Store, tmp_path: Path, unit_id: int, ledger_id: int
) -> None:
    """新增行 → type → paste rows → delete → move: Ctrl+Z back to the start, Ctrl+Y forward."""
    store.entries.add(ledger_id, "indicator", {"name": "已有指标", "goal": 10})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.category_tabs["indicator"]
    undo, redo = window.menu_actions["undo"], window.menu_actions["redo"]
    states = [_snapshot(store, ledger_id)]
    tab.add_row()
    states.append(_snapshot(store, ledger_id))
    type_into(qtbot, tab, 1, "name", "新指标")
    states.append(_snapshot(store, ledger_id))
    paste(qtbot, tab, 1, "name", "粘贴甲\t5\n粘贴乙\t6")  # over row 2 and one new row
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=2000)
    states.append(_snapshot(store, ledger_id))
    _click_cell(tab, 0)
    tab.delete_rows()
    states.append(_snapshot(store, ledger_id))
    _click_cell(tab, 0)
    tab.move_row(1)
    states.append(_snapshot(store, ledger_id))
    assert len({str(s) for s in states}) == len(states)  # every step changed something
    for expected in reversed(states[:-1]):
        undo.trigger()
        assert _snapshot(store, ledger_id) == expected
        assert [tab.model.entry(r).id for r in range(tab.model.rowCount())] == [
            e[0] for e in expected
        ]
    for expected in states[1:]:
        redo.trigger()
        assert _snapshot(store, ledger_id) == expected
