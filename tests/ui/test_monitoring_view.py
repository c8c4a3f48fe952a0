"""The 规划监测 view: table, chart of the selected target, year, exports, the window's menu."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ledger_helpers import make_window
from monitoring_rows import LONG_NAME, sample_rows
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import QFileDialog, QMessageBox

from xihu_desktop.exchange import monitoring
from xihu_desktop.store import Store
from xihu_desktop.store.errors import PermissionDenied
from xihu_desktop.ui import monitoring_view
from xihu_desktop.ui.menus import ACTIONS, MENUS
from xihu_desktop.ui.monitoring_view import STATUS_BACKGROUND, MonitoringView

YEAR = 2024
REAL_MONITOR = monitoring.monitor  # before the autouse fixture puts the sample rows in


@pytest.fixture(autouse=True)
def sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitoring, "monitor", lambda store, year: sample_rows(year))


def make_view(qtbot: Any, store: Store, year: int = YEAR) -> MonitoringView:
    view = MonitoringView(store, year)
    qtbot.addWidget(view)
    view.show()
    return view


def cell(
    view: MonitoringView, row: int, column: int, role: int = Qt.ItemDataRole.DisplayRole
) -> Any:
    return view.model.data(view.model.index(row, column), role)


def row_of(view: MonitoringView, seq: int, sub: str = "") -> int:
    return next(i for i, r in enumerate(view.model.rows) if (r.seq, r.sub) == (seq, sub))


def test_the_table(qtbot: Any, qtmodeltester: Any, store: Store) -> None:
    view = make_view(qtbot, store)
    qtmodeltester.check(view.model)
    assert view.model.rowCount() == 9
    headers = [view.model.headerData(c, Qt.Orientation.Horizontal) for c in range(10)]
    assert headers[5:8] == ["2020基期", "2025目标", f"规划路径值({YEAR})"]
    # the binding target off its path first and bold, then plan order
    assert [r.seq for r in view.model.rows] == [41, 1, 2, 10, 19, 38, 38, 39, 40]
    font = cell(view, 0, 2, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    assert cell(view, row_of(view, 2), 2, Qt.ItemDataRole.FontRole) is None  # off, not binding
    assert cell(view, 0, 9) == "未达路径（约束性）"
    # figures as the plan writes them: PM2.5's 2024 path 30.4 + 1.6 × 4/5
    assert [cell(view, 0, c) for c in (5, 6, 7, 8)] == ["30.4", "32", "31.68", "35"]
    assert cell(view, row_of(view, 10), 6) == "[10000]"
    colours = {
        cell(view, r, 9): cell(view, r, 9, Qt.ItemDataRole.BackgroundRole)
        for r in range(view.model.rowCount())
    }
    assert isinstance(colours["达到路径"], QBrush)
    assert colours["达到路径"].color() == STATUS_BACKGROUND["达到路径"]
    assert colours["未达路径"].color() == STATUS_BACKGROUND["未达路径"]
    assert colours["无数据"].color() == STATUS_BACKGROUND["无数据"]
    assert view.summary_label.text() == "达到路径 4，未达路径 3（其中约束性 1），无数据 2"
    assert view.title_label.text() == "西湖区2024年度规划监测"


def test_selecting_a_row_draws_its_chart(qtbot: Any, store: Store) -> None:
    view = make_view(qtbot, store)
    view.table.selectRow(row_of(view, 2))
    points = view.chart.series_points()
    years = [2020.0, 2021.0, 2022.0, 2023.0, 2024.0]
    assert [x for x, _ in points["实际"]] == years
    assert [x for x, _ in points["路径"]] == years
    assert points["实际"][-1] == (2024.0, 290.0) and points["路径"][-1] == (2024.0, 540.0)
    assert view.chart.x_axis.min() == 2020 and view.chart.x_axis.max() == 2024
    assert view.chart.chart().title().startswith("2 财政总收入")
    # a gap in the actuals: the line joins the years that have one
    view.table.selectRow(row_of(view, 38, "食品"))
    assert [x for x, _ in view.chart.series_points()["实际"]] == [2020.0, 2021.0, 2024.0]
    # no actual at all: the path alone, and a note
    view.table.selectRow(row_of(view, 19))
    points = view.chart.series_points()
    assert points["实际"] == [] and len(points["路径"]) == 5
    assert view.chart.note == "暂无实际值" and LONG_NAME[:10] in view.chart.chart().title()
    # neither path nor actual: an empty chart that says so
    view.table.selectRow(row_of(view, 39))
    assert view.chart.series_points() == {"实际": [], "路径": []}
    assert "无规划路径" in view.chart.note
    assert len(view.chart.chart().axes()) == 2  # the axes are reused, never piled up


def test_the_year(qtbot: Any, store: Store) -> None:
    view = make_view(qtbot, store, 2031)  # after the plan: its last year
    assert view.year == 2025 and view.title_label.text() == "西湖区“十四五”规划总结评估"
    assert [view.year_box.itemData(i) for i in range(view.year_box.count())] == list(
        range(2021, 2026)
    )
    view.year_box.setCurrentIndex(view.year_box.findData(2023))
    assert view.title_label.text() == "西湖区“十四五”规划中期评估"
    assert {r.year for r in view.model.rows} == {2023}
    view.table.selectRow(row_of(view, 1))
    assert view.chart.series_points()["路径"][-1][0] == 2023.0


@pytest.mark.parametrize(("suffix", "typed"), [(".xlsx", "报告.xlsx"), (".pdf", "报告")])
def test_export_writes_the_report_off_the_ui_thread(
    qtbot: Any,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
    typed: str,
) -> None:
    asked: list[tuple[str, str]] = []

    def save_name(parent: Any, title: str, start: str, filters: str) -> tuple[str, str]:
        asked.append((Path(start).name, filters))
        return str(tmp_path / typed), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    view = make_view(qtbot, store, 2023)
    button = view.excel_button if suffix == ".xlsx" else view.pdf_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    out = tmp_path / f"报告{suffix}"
    assert out.is_file()
    assert asked[0][0] == f"西湖区十四五规划中期评估（2023年）{suffix}"
    box = view.exported
    assert box is not None and str(out) in box.text()
    assert "打开文件" in [b.text() for b in box.buttons()]
    box.close()
    if suffix == ".xlsx":
        meta = dict(openpyxl.load_workbook(out)["_元数据"].iter_rows(values_only=True))
        assert meta["kind"] == "evaluation" and meta["year"] == "2023"
    else:
        text = "".join(p.extract_text() or "" for p in PdfReader(str(out)).pages)
        assert "中期评估" in text and "PM2.5平均浓度" in text


def test_a_failed_export_is_a_message(
    qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(blocker / "r.pdf"), ""))
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    view = make_view(qtbot, store)
    assert view.export(".pdf") is None
    assert len(warnings) == 1 and "无法读写文件" in warnings[0]
    assert view.exported is None


def test_cancelling_the_file_dialog_writes_nothing(
    qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    view = make_view(qtbot, store)
    assert view.export(".xlsx") is None


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen platform only
def test_the_window_opens_the_view_for_the_administrator(
    qtbot: Any, store: Store, tmp_path: Path
) -> None:
    assert any(title == "区级(&D)" and "show_monitoring" in keys for title, keys in MENUS)
    spec = next(s for s in ACTIONS if s.key == "show_monitoring")
    assert spec.text == "规划监测…" and spec.district_only
    unit = store.units.list()[0].id
    window = make_window(qtbot, store, tmp_path, unit, 2023)
    action = window.menu_actions["show_monitoring"]
    assert action.isEnabled() and action.isVisible()
    action.trigger()
    view = window.monitoring_view
    assert isinstance(view, MonitoringView) and view.isVisible() and view.year == 2023
    view.close()


def test_a_clerk_may_not_open_it(qtbot: Any, store: Store, parent: Any) -> None:
    store.act_as("clerk", "operator", store.units.list()[0].id)
    with pytest.raises(PermissionDenied, match="规划监测需要区管理员权限"):
        monitoring_view.show_monitoring(parent, store, YEAR)


def test_an_edit_elsewhere_refreshes_the_view(
    qtbot: Any, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A linked indicator's actual typed in the ledger reaches 规划监测 (the real figures)."""
    from xihu_desktop.ui.operations import ChangeHub

    monkeypatch.setattr(monitoring, "monitor", REAL_MONITOR)
    hub = ChangeHub(demo_store)
    view = MonitoringView(demo_store, 2025, None, hub)
    qtbot.addWidget(view)
    view.show()
    gdp = next(r for r in view.model.rows if r.name == "地区生产总值")
    entries = [
        e
        for lg in demo_store.ledgers.list(year=2025)
        for e in demo_store.entries.list(lg.id, "indicator")
        if e.values.get("target_id") == gdp.target_id and e.values.get("actual") is not None
    ]
    assert entries, "the demo reports GDP"
    demo_store.entries.update(entries[0].id, {"actual": entries[0].values["actual"] + 100})

    def raised() -> None:
        now = next(r for r in view.model.rows if r.name == "地区生产总值")
        assert now.actual == pytest.approx((gdp.actual or 0) + 100)

    qtbot.waitUntil(raised, timeout=3000)
