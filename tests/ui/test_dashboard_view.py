"""The 区看板 window: heat-map colours, kind filter, double-click, charts, search, refresh."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window, type_text
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from xihu_desktop.exchange import search as fts
from xihu_desktop.exchange.search import SearchHit
from xihu_desktop.store import Store
from xihu_desktop.ui.dashboard_view import (
    HEAT_EMPTY,
    HEAT_GREEN,
    HEAT_RED,
    HEAT_YELLOW,
    DashboardModel,
    DashboardView,
    heat_colour,
)
from xihu_desktop.ui.menus import MENUS
from xihu_desktop.ui.operations import ChangeHub

YEAR = 2025
AUG1 = dt.date(2025, 8, 1)


def make_view(qtbot: Any, store: Store, hub: ChangeHub | None = None) -> DashboardView:
    view = DashboardView(store, YEAR, hub, as_of=AUG1)
    qtbot.addWidget(view)
    view.show()
    return view


def row_of(view: DashboardView, code: str) -> int:
    return next(i for i, (_, f) in enumerate(view.model.rows) if f.unit_code == code)


def test_heat_colours() -> None:
    assert heat_colour(None) == HEAT_EMPTY
    assert heat_colour(100.0) == heat_colour(90.0) == HEAT_GREEN
    assert heat_colour(89.99) == heat_colour(60.0) == HEAT_YELLOW
    assert heat_colour(59.99) == heat_colour(0.0) == HEAT_RED


def test_the_model_passes_qt_checks_and_colours_cells(
    qtbot: Any, qtmodeltester: Any, demo_store: Store
) -> None:
    view = make_view(qtbot, demo_store)
    qtmodeltester.check(view.model)
    model = view.model
    column = DashboardModel.FIRST_CATEGORY + 1  # 重点平台
    assert model.headerData(column, Qt.Orientation.Horizontal) == "重点平台"
    seen = set()
    for row, (_, f) in enumerate(model.rows):
        index = model.index(row, column)
        brush = model.data(index, Qt.ItemDataRole.BackgroundRole)
        assert isinstance(brush, QBrush)
        value = f.completion("platform")
        assert brush.color() == heat_colour(value)
        assert model.data(index) == ("" if value is None else f"{value:.1f}%")
        assert model.data(index, DashboardModel.SortRole) == (-1.0 if value is None else value)
        seen.add(brush.color().name())
    # the demo has green, yellow, red and empty (units without a ledger) platform cells
    assert seen == {c.name() for c in (HEAT_GREEN, HEAT_YELLOW, HEAT_RED, HEAT_EMPTY)}
    assert model.data(model.index(0, DashboardModel.UNIT), Qt.ItemDataRole.BackgroundRole) is None
    assert model.data(model.index(0, DashboardModel.RANK)) == "1"


def test_rows_are_ranked_and_sort_by_score(qtbot: Any, demo_store: Store) -> None:
    view = make_view(qtbot, demo_store)
    figures = demo_store.dashboard.ranking(YEAR, as_of=AUG1)
    assert [f.unit_id for f in view.shown()] == [f.unit_id for _, f in figures]
    view.table.sortByColumn(DashboardModel.TOTAL, Qt.SortOrder.AscendingOrder)
    totals = [f.total for f in view.shown()]
    scored = [t for t in totals if t is not None]
    assert totals[: totals.count(None)] == [None] * totals.count(None)  # no ledger first
    assert scored == sorted(scored)


def test_the_kind_filter_reduces_rows_and_bars(qtbot: Any, demo_store: Store) -> None:
    view = make_view(qtbot, demo_store)
    everyone = view.proxy.rowCount()
    assert everyone == len(demo_store.units.list(active_only=True))
    with_ledger = sum(1 for f in view.shown() if f.ledger_id is not None)
    assert view.score_chart.bar_count == view.lights_chart.bar_count == with_ledger > 10
    view.kind_box.setCurrentIndex(view.kind_box.findText("平台"))
    platforms = len(demo_store.units.list(kind="platform", active_only=True))
    assert 0 < view.proxy.rowCount() == platforms < everyone
    assert {f.unit_kind for f in view.shown()} == {"platform"}
    assert [r for r, _ in view.model.rows] == list(range(1, platforms + 1))  # ranked in kind
    assert view.score_chart.bar_count == platforms
    lit = [f for f in view.shown() if f.ledger_id is not None]
    assert sorted(view.lights_chart.counts("red")) == sorted(f.lights["red"] for f in lit)
    assert view.score_chart.units[-1] == view.shown()[0].unit_name  # the best at the top
    view.kind_box.setCurrentIndex(view.kind_box.findText("全部"))
    assert view.proxy.rowCount() == everyone


def test_double_click_asks_for_the_ledger_and_category(qtbot: Any, demo_store: Store) -> None:
    view = make_view(qtbot, demo_store)
    row = row_of(view, "T03")
    index = view.proxy.mapFromSource(view.model.index(row, DashboardModel.FIRST_CATEGORY + 2))
    view.table.scrollTo(index)
    centre = view.table.visualRect(index).center()
    with (
        qtbot.waitSignal(view.unitActivated) as unit_signal,
        qtbot.waitSignal(view.categoryActivated) as category_signal,
    ):
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    assert unit_signal.args == [demo_store.units.find("T03").id, YEAR]
    assert category_signal.args == ["project"]


def hits(store: Store) -> list[SearchHit]:
    ledger = store.ledgers.list(year=2024)[0]
    entry = store.entries.list(ledger.id, "project")[0]
    return [
        SearchHit(
            entry.id,
            ledger.id,
            ledger.unit_id,
            ledger.unit_name,
            2024,
            "project",
            entry.name,
            f"……{entry.name}……",
        ),
    ]


def test_the_search_box_shows_hits_and_opens_one(
    qtbot: Any, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, Any]] = []
    found = hits(demo_store)

    def fake(store: Store, text: str, *, year: int | None = None, limit: int = 200) -> Any:
        calls.append((text, year))
        return found

    monkeypatch.setattr(fts, "search", fake)
    view = make_view(qtbot, demo_store)
    view.search_box.setFocus()
    type_text(qtbot, view.search_box, "数字经济")
    qtbot.keyClick(view.search_box, Qt.Key.Key_Return)
    assert calls == [("数字经济", None)]
    assert view.hits.rowCount() == 1 and view.side.currentWidget() is view.hit_table
    hit = found[0]
    assert [view.hits.data(view.hits.index(0, c)) for c in range(5)] == [
        hit.unit_name, 2024, "重大项目", hit.name, hit.snippet,
    ]  # fmt: skip
    assert "找到 1 条" in view.summary_label.text()
    with (
        qtbot.waitSignal(view.unitActivated) as unit_signal,
        qtbot.waitSignal(view.entryActivated) as entry_signal,
    ):
        view.hit_table.activated.emit(view.hits.index(0, 3))
    assert unit_signal.args == [hit.unit_id, 2024]
    assert entry_signal.args == [hit.entry_id, "project"]
    monkeypatch.setattr(fts, "search", lambda *a, **k: [])
    view.search_box.setText("没有的东西")
    qtbot.keyClick(view.search_box, Qt.Key.Key_Return)
    assert view.hits.rowCount() == 0 and "没有找到" in view.summary_label.text()


def test_the_search_box_finds_text_across_units_with_the_real_index(
    qtbot: Any, demo_store: Store
) -> None:
    view = make_view(qtbot, demo_store)
    view.search_box.setText("民生综合体")
    qtbot.keyClick(view.search_box, Qt.Key.Key_Return)
    hits = fts.search(demo_store, "民生综合体")
    assert len({h.unit_id for h in hits}) > 1  # several units' projects
    assert view.hits.rowCount() == len(hits)


def test_store_changes_refresh_the_view(qtbot: Any, demo_store: Store) -> None:
    hub = ChangeHub(demo_store)
    view = make_view(qtbot, demo_store, hub)
    ledger = next(lg for lg in demo_store.ledgers.list(year=YEAR) if lg.status == "草稿")
    before = next(f for f in view.shown() if f.ledger_id == ledger.id).total
    demo_store.assessment.add_adjustment(ledger.id, -20, "重大失误")
    qtbot.waitUntil(
        lambda: (
            next(f for f in view.shown() if f.ledger_id == ledger.id).total
            == pytest.approx((before or 0) - 20)
        ),
        timeout=3000,
    )
    hub.close()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen platform only
def test_the_window_opens_it_and_a_cell_opens_the_ledger(
    qtbot: Any, demo_store: Store, tmp_path: Path
) -> None:
    assert any(title == "区级(&D)" and "show_dashboard" in keys for title, keys in MENUS)
    t01 = demo_store.units.find("T01")
    window = make_window(qtbot, demo_store, tmp_path, t01.id, YEAR)
    assert window.menu_actions["show_dashboard"].isEnabled()
    window.menu_actions["show_dashboard"].trigger()
    view = window.dashboard_view
    assert isinstance(view, DashboardView) and view.isVisible() and view.year == YEAR
    qtbot.waitUntil(lambda: not view.loading and bool(view.model.rows))  # read in the background
    t05 = demo_store.units.find("T05")
    row = view.proxy.mapFromSource(view.model.index(row_of(view, "T05"), 4)).row()
    view.table.doubleClicked.emit(view.proxy.index(row, DashboardModel.FIRST_CATEGORY + 3))
    assert window.header.selected() == (t05.id, YEAR)
    assert window.ledger is not None and window.ledger.unit_id == t05.id
    assert window.tabs.currentWidget() is window.category_tabs["enterprise"]
    window.menu_actions["show_dashboard"].trigger()
    assert window.dashboard_view is view  # one view, raised again


def test_operators_and_unit_files_do_not_get_it(qtbot: Any, store: Store, tmp_path: Path) -> None:
    unit = store.units.find("T01")
    window = make_window(qtbot, store, tmp_path, unit.id, YEAR)
    store.act_as("clerk", "operator", unit.id)
    window.user_changed()
    assert not window.menu_actions["show_dashboard"].isEnabled()


def test_the_figures_load_off_the_ui_thread_then_fill_in(
    qtbot: Any, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view shows at once saying 正在计算; the rows come from a pool thread through the
    loader's own reader; an edit then re-reads only the edited ledger there."""
    import threading

    from xihu_desktop.store.dashboard import DashboardManager

    main = threading.get_ident()
    threads: list[int] = []
    gate = threading.Event()
    real = DashboardManager.ranking

    def spy(self: DashboardManager, *args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        gate.wait(5)  # hold the answer until the test has seen the loading state
        return real(self, *args, **kwargs)

    monkeypatch.setattr(DashboardManager, "ranking", spy)
    hub = ChangeHub(demo_store)
    view = DashboardView(demo_store, YEAR, hub, as_of=AUG1, background=True)
    qtbot.addWidget(view)
    view.show()
    assert view.loading and view.model.rowCount() == 0
    assert "正在计算" in view.summary_label.text()
    with qtbot.waitSignal(view.loaded, timeout=5000):
        gate.set()
    assert not view.loading and threads and main not in threads
    assert view.loader is not None and view.loader.reader is not None
    assert view.loader.reader is not demo_store  # its own read-only connection
    expected = real(demo_store.dashboard, YEAR, None, AUG1)
    assert [(r, f.unit_code, f.total) for r, f in view.model.rows] == [
        (r, f.unit_code, f.total) for r, f in expected
    ]
    assert "个单位" in view.summary_label.text()

    reader = view.loader.reader
    counted = reader.dashboard.recomputed
    ledger = next(lg for lg in demo_store.ledgers.list(year=YEAR) if lg.status == "草稿")
    before = next(f for f in view.shown() if f.ledger_id == ledger.id).total
    demo_store.assessment.add_adjustment(ledger.id, -20, "重大失误")
    qtbot.waitUntil(
        lambda: (
            not view.loading
            and next(f for f in view.shown() if f.ledger_id == ledger.id).total
            == pytest.approx((before or 0) - 20)
        ),
        timeout=5000,
    )
    assert reader.dashboard.recomputed - counted == 1  # the others came from its cache
    view.close_loader()
    hub.close()
