"""The 报送情况 view: highlight, filter, summary, double-click, deadlines dialog, refresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QFont
from reporting_helpers import add_arrival, add_review

from xihu_desktop.store import Store
from xihu_desktop.ui.menus import MENUS
from xihu_desktop.ui.operations import ChangeHub
from xihu_desktop.ui.status_view import (
    ACCEPTED_TEXT,
    OVERDUE_BACKGROUND,
    OVERDUE_TEXT,
    RETURNED_TEXT,
    DeadlineDialog,
    StatusModel,
    StatusView,
)

YEAR = 2025
AUG1 = dt.date(2025, 8, 1)


@pytest.fixture
def reporting(store: Store) -> Store:
    """Deadlines 10 Apr / 10 Jul; T01 on time (accepted), T02 sent back, the rest silent."""
    store.reporting.set_deadlines(YEAR, {1: dt.date(2025, 4, 10), 2: dt.date(2025, 7, 10)})
    t01, t02 = store.units.find("T01").id, store.units.find("T02").id
    add_arrival(store, YEAR, t01, "2025-07-08T10:00:00")
    add_review(store, YEAR, t01, "已审", last_return_at="2025-07-08T10:00:00")
    add_review(store, YEAR, t02, "退回", reason="缺少签章",
               last_return_at="2025-07-01T10:00:00", reviewed_at="2025-07-03T10:00:00")  # fmt: skip
    return store


def make_view(qtbot: Any, store: Store, hub: ChangeHub | None = None) -> StatusView:
    view = StatusView(store, YEAR, hub, today=AUG1)
    qtbot.addWidget(view)
    view.show()
    return view


def row_of(view: StatusView, code: str) -> int:
    return next(i for i, r in enumerate(view.model.rows) if r.code == code)


def test_the_model_passes_qt_checks(qtbot: Any, qtmodeltester: Any, reporting: Store) -> None:
    view = make_view(qtbot, reporting)
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.proxy)
    assert view.model.HEADERS == (
        "代码", "单位", "类型", "台账状态", "审核", "理由", "最近报送", "截止日期", "逾期天数",
    )  # fmt: skip


def test_overdue_rows_are_highlighted(qtbot: Any, reporting: Store) -> None:
    view = make_view(qtbot, reporting)
    model = view.model
    late, ok = row_of(view, "T03"), row_of(view, "T01")
    days = model.index(late, StatusModel.OVERDUE)
    assert model.data(days) == "113"  # nothing received: 1 Aug − 10 Apr
    assert model.data(days, StatusModel.SortRole) == 113
    for column in range(model.columnCount()):
        brush = model.data(model.index(late, column), Qt.ItemDataRole.BackgroundRole)
        assert isinstance(brush, QBrush) and brush.color() == OVERDUE_BACKGROUND
        assert model.data(model.index(ok, column), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(days, Qt.ItemDataRole.ForegroundRole).color() == OVERDUE_TEXT
    font = model.data(days, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert model.data(model.index(ok, StatusModel.OVERDUE)) == ""
    assert model.data(model.index(ok, StatusModel.OVERDUE), Qt.ItemDataRole.FontRole) is None


def test_review_colours(qtbot: Any, reporting: Store) -> None:
    view = make_view(qtbot, reporting)
    model = view.model

    def colour(code: str) -> Any:
        brush = model.data(model.index(row_of(view, code), 4), Qt.ItemDataRole.ForegroundRole)
        return brush.color() if brush is not None else None

    assert (colour("T01"), colour("T02"), colour("T03")) == (ACCEPTED_TEXT, RETURNED_TEXT, None)
    assert model.data(model.index(row_of(view, "T02"), 5)) == "缺少签章"


def test_the_kind_filter_reduces_rows_and_the_summary(qtbot: Any, reporting: Store) -> None:
    view = make_view(qtbot, reporting)
    everyone = view.proxy.rowCount()
    assert everyone == len(reporting.units.list(active_only=True))
    assert (
        view.summary_label.text() == f"应报 {everyone}，已报 2，已审 1，退回 1，逾期 {everyone - 1}"
    )
    view.kind_box.setCurrentIndex(view.kind_box.findText("平台"))
    platforms = len(reporting.units.list(kind="platform", active_only=True))
    assert 0 < view.proxy.rowCount() == platforms < everyone
    assert {r.kind for r in view.shown()} == {"platform"}
    assert (
        view.summary_label.text() == f"应报 {platforms}，已报 0，已审 0，退回 0，逾期 {platforms}"
    )
    view.kind_box.setCurrentIndex(view.kind_box.findText("全部"))
    assert view.proxy.rowCount() == everyone


def test_sorting_by_overdue_days_uses_numbers(qtbot: Any, reporting: Store) -> None:
    t04 = reporting.units.find("T04").id
    add_arrival(reporting, YEAR, t04, "2025-04-01T10:00:00")  # owes 10 Jul: 22 days
    reporting.units.add("D99", "测试部门", "department")
    view = make_view(qtbot, reporting)
    assert view.proxy.rowCount() > 10
    view.table.sortByColumn(StatusModel.OVERDUE, Qt.SortOrder.DescendingOrder)
    days = [r.overdue_days for r in view.shown()]
    assert days == sorted(days, reverse=True) and days[0] == 113 and days[-1] == 0


def test_double_click_emits_the_unit(qtbot: Any, reporting: Store) -> None:
    view = make_view(qtbot, reporting)
    view.kind_box.setCurrentIndex(view.kind_box.findText("平台"))
    index = view.proxy.index(1, 1)
    expected = view.shown()[1].unit_id
    rect = view.table.visualRect(index)
    with qtbot.waitSignal(view.unitActivated) as blocker:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [expected, YEAR]


def test_the_view_refreshes_on_store_changes(qtbot: Any, reporting: Store) -> None:
    hub = ChangeHub(reporting)
    try:
        view = make_view(qtbot, reporting, hub)
        t01 = row_of(view, "T01")
        assert view.model.rows[t01].deadline is None  # both deadlines met
        reporting.reporting.set_deadline(YEAR, 3, dt.date(2025, 7, 20))
        assert view.model.rows[t01].deadline == "2025-07-20"
        assert "Q3 2025-07-20" in view.deadlines_label.text()
        view.hide()
        reporting.reporting.clear_deadline(YEAR, 3)
        assert view.model.rows[t01].deadline == "2025-07-20"  # hidden: reloads when shown
        view.show()
        assert view.model.rows[t01].deadline is None
        ledger = reporting.ledgers.create(reporting.units.find("T01").id, YEAR).id
        assert view.model.rows[t01].ledger_status == "草稿"
        reporting.ledgers.set_status(ledger, "已提交")
        assert view.model.rows[t01].ledger_status == "已提交"
    finally:
        hub.close()


def test_the_deadline_dialog_saves_four_dates_in_one_go(qtbot: Any, reporting: Store) -> None:
    dialog = DeadlineDialog(reporting, YEAR)
    qtbot.addWidget(dialog)
    edits = dialog.edits
    assert edits[0].date() == QDate(2025, 4, 10) and edits[2].text() == "未设置"
    # move Q1 past the old Q2 while Q2 moves later too: legal as a whole
    edits[0].setDate(QDate(2025, 7, 15))
    edits[1].setDate(QDate(2025, 8, 15))
    edits[3].setDate(QDate(2026, 1, 20))
    dialog.save()
    assert dialog.result() == DeadlineDialog.DialogCode.Accepted
    assert reporting.reporting.deadlines(YEAR) == {
        1: dt.date(2025, 7, 15),
        2: dt.date(2025, 8, 15),
        4: dt.date(2026, 1, 20),
    }


def test_the_deadline_dialog_shows_a_refusal_and_writes_nothing(
    qtbot: Any, reporting: Store
) -> None:
    dialog = DeadlineDialog(reporting, YEAR)
    qtbot.addWidget(dialog)
    dialog.edits[1].setDate(QDate(2025, 3, 1))  # before Q1
    dialog.save()
    assert "须晚于第1季度" in dialog.error.text()
    assert dialog.result() != DeadlineDialog.DialogCode.Accepted
    assert reporting.reporting.deadlines(YEAR)[2] == dt.date(2025, 7, 10)
    dialog.edits[1].setDate(dialog.unset)  # cleared
    dialog.save()
    assert reporting.reporting.deadlines(YEAR) == {1: dt.date(2025, 4, 10)}


def test_only_the_administrator_sees_the_deadline_button(qtbot: Any, reporting: Store) -> None:
    assert make_view(qtbot, reporting).deadline_button.isVisible()
    reporting.act_as("clerk", "operator", reporting.units.find("T01").id)
    assert not make_view(qtbot, reporting).deadline_button.isVisible()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen platform only
def test_the_window_opens_the_view_and_jumps_to_the_unit(
    qtbot: Any, reporting: Store, tmp_path: Path
) -> None:
    assert any(title == "区级(&D)" and "show_status" in keys for title, keys in MENUS)
    t05 = reporting.units.find("T05")
    reporting.ledgers.create(t05.id, YEAR)
    window = make_window(qtbot, reporting, tmp_path, reporting.units.find("T01").id, YEAR)
    window.menu_actions["show_status"].trigger()
    view = window.status_view
    assert view is not None and view.isVisible() and view.year == YEAR
    view.unitActivated.emit(t05.id, YEAR)
    assert window.header.selected() == (t05.id, YEAR)
    assert window.ledger is not None and window.ledger.unit_id == t05.id
    window.menu_actions["show_status"].trigger()
    assert window.status_view is view  # one view, raised again
