"""规划监测: the plan targets of a year against their path, with a chart of the selected one.

:class:`MonitoringView` is a non-modal dialog: a year combo over the plan years, the
table of :class:`~xihu_desktop.core.monitoring.MonitorRow` s (binding targets off
their path first and bold, the status coloured), a QtCharts line chart of the selected
target's actuals against its dashed path, the counts, and 导出 Excel… / 导出 PDF…,
which write the evaluation report (:func:`~xihu_desktop.exchange.evaluation.write_report`)
off the UI thread. QtCharts is imported by this module only: the window imports it when
the view is first opened, so start-up stays free of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.monitoring import MonitorRow
from ..exchange import evaluation
from ..exchange.evaluation import NO_DATA, OFF_TRACK, ON_TRACK, Evaluation
from ..store import Changes, Store, StoreError
from . import file_places
from .jobs import run_job
from .list_model import Index, RecordListModel
from .operations import ChangeHub

STATUS_TEXT = {
    ON_TRACK: QColor("#1e7e34"),
    OFF_TRACK: QColor("#c62828"),
    NO_DATA: QColor("#7a7a7a"),
}
STATUS_BACKGROUND = {
    ON_TRACK: QColor("#e3f4e6"),
    OFF_TRACK: QColor("#fde2e2"),
    NO_DATA: QColor("#efefef"),
}
ACTUAL_COLOR = QColor("#1565c0")
PATH_COLOR = QColor("#e67e22")
FILTERS = {".xlsx": "Excel 工作簿 (*.xlsx)", ".pdf": "PDF 文件 (*.pdf)"}


def plan_years(store: Store) -> list[int]:
    return sorted({y for p in store.catalogue.plans() for y in range(p.start_year, p.end_year + 1)})


def view_order(rows: Sequence[MonitorRow]) -> list[MonitorRow]:
    """Binding targets off their path first, then every target in plan order."""
    return sorted(rows, key=lambda r: (not (r.binding and r.on_track is False), r.seq, r.sub))


class MonitorModel(RecordListModel):
    """Read-only rows of :class:`MonitorRow`; headers name the report's years."""

    HEADERS = (
        "序号",
        "类别",
        "指标",
        "单位",
        "属性",
        "基期",
        "目标",
        "规划路径值",
        "实际值",
        "状态",
    )
    NAME, STATUS = 2, 9
    NUMBERS = (5, 6, 7, 8)

    def __init__(self) -> None:
        super().__init__()
        self.headers = list(self.HEADERS)

    def set_report(self, report: Evaluation) -> None:
        self.headers[5] = f"{report.base_year}基期"
        self.headers[6] = f"{report.plan.end_year}目标"
        self.headers[7] = f"规划路径值({report.year})"
        self.set_rows(view_order(report.rows))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.headers) - 1)

    def values(self, record: MonitorRow) -> tuple[Any, ...]:
        return (
            record.seq,
            record.category,
            evaluation.label(record),
            record.unit,
            record.attribute,
            record.baseline,
            record.goal,
            record.expected,
            record.actual,
            record.status,
        )

    def row_at(self, row: int) -> MonitorRow:
        record: MonitorRow = self.rows[row]
        return record

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.row_at(index.row())
        column = index.column()
        status = evaluation.status_of(record)
        if role == Qt.ItemDataRole.DisplayRole and column in self.NUMBERS:
            if column == 6:
                return evaluation.goal_text(record)
            return evaluation.number(self.values(record)[column])
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATUS:
            return QBrush(STATUS_TEXT[status])
        if role == Qt.ItemDataRole.BackgroundRole and column == self.STATUS:
            return QBrush(STATUS_BACKGROUND[status])
        if role == Qt.ItemDataRole.FontRole and record.binding and record.on_track is False:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers[section]
        return None


class TargetChartView(QChartView):
    """One target's actual values by year (solid, points) against its path (dashed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        chart = QChart()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        super().__init__(chart, parent)
        # one pair of axes, kept: an axis removed from a chart leaves its labels behind
        self.x_axis = QValueAxis()
        self.x_axis.setLabelFormat("%d")
        self.y_axis = QValueAxis()
        self.y_axis.setLabelFormat("%g")
        chart.addAxis(self.x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(320, 260)
        self.note = ""

    def show_row(self, row: MonitorRow | None, base_year: int) -> None:
        chart = self.chart()
        chart.removeAllSeries()
        if row is None:
            chart.setTitle("")
            self.note = ""
            return
        series = evaluation.chart_series(row, base_year)
        unit = f"（{row.unit}）" if row.unit else ""
        self.note = (
            "" if series.actual else ("暂无实际值" if series.path else "无规划路径，暂无实际值")
        )
        title = f"{row.seq} {evaluation.label(row)}{unit}"
        chart.setTitle(
            title + (f"　<span style='color:#888'>{self.note}</span>" if self.note else "")
        )
        x_axis, y_axis = self.x_axis, self.y_axis
        x_axis.setRange(series.years[0], series.years[-1])
        x_axis.setTickCount(len(series.years))
        values = series.values() or [0.0]
        lo, hi = min(values), max(values)
        pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
        y_axis.setRange(lo - pad, hi + pad)
        y_axis.applyNiceNumbers()
        for name, points, color, dashed in (
            ("实际", series.actual, ACTUAL_COLOR, False),
            ("路径", series.path, PATH_COLOR, True),
        ):
            line = QLineSeries()
            line.setName(name)
            for year, value in points:
                line.append(QPointF(year, value))
            pen = QPen(color)
            pen.setWidthF(1.5 if dashed else 2.2)
            if dashed:
                pen.setStyle(Qt.PenStyle.DashLine)
            line.setPen(pen)
            line.setPointsVisible(not dashed or len(points) == 1)
            chart.addSeries(line)
            line.attachAxis(x_axis)
            line.attachAxis(y_axis)

    def series_points(self) -> dict[str, list[tuple[float, float]]]:
        """Series name → its points (for tests and the curious)."""
        return {
            s.name(): [(p.x(), p.y()) for p in s.points()]
            for s in self.chart().series()
            if isinstance(s, QLineSeries)
        }


class MonitoringView(QDialog):
    """The 规划监测 view of one year (non-modal)."""

    def __init__(
        self,
        store: Store,
        year: int,
        parent: QWidget | None = None,
        hub: ChangeHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.setModal(False)
        # Entries, ledgers, lead units or rules changed: read again, once a burst of
        # edits has settled (a cell edit in the window must not recompute every time).
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(300)
        self._reload.timeout.connect(self.load)
        if hub is not None:
            hub.changed.connect(self.on_changes)
        self.setWindowTitle("规划监测")
        self.report: Evaluation | None = None
        self.exported: QMessageBox | None = None
        years = plan_years(store)
        if years and year not in years:
            year = max((y for y in years if y <= year), default=years[0])
        self.year = year

        self.year_box = QComboBox(self)
        self.year_box.setObjectName("monitoringYear")
        for y in years or [year]:
            self.year_box.addItem(f"{y}年", y)
        self.year_box.setCurrentIndex(max(self.year_box.findData(year), 0))
        self.year_box.currentIndexChanged.connect(self._year_changed)
        self.title_label = QLabel(self)
        self.title_label.setObjectName("monitoringTitle")
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度：", self))
        top.addWidget(self.year_box)
        top.addSpacing(16)
        top.addWidget(self.title_label, 1)

        self.model = MonitorModel()
        self.table = QTableView(self)
        self.table.setObjectName("monitoringTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MonitorModel.NAME, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.chart = TargetChartView(self)
        self.chart.setObjectName("monitoringChart")
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("monitoringSummary")
        self.excel_button = QPushButton("导出 Excel…", self)
        self.excel_button.setObjectName("monitoringExcel")
        self.excel_button.clicked.connect(lambda: self.export(".xlsx"))
        self.pdf_button = QPushButton("导出 PDF…", self)
        self.pdf_button.setObjectName("monitoringPdf")
        self.pdf_button.clicked.connect(lambda: self.export(".pdf"))
        close = QPushButton("关闭", self)
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary_label, 1)
        bottom.addWidget(self.excel_button)
        bottom.addWidget(self.pdf_button)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        self.resize(1280, 720)
        self.load()

    # ------------------------------------------------------------ data

    def load(self) -> None:
        """(Re)read the rows of the year; a store refusal is shown in the title line."""
        try:
            self.report = evaluation.evaluation(self.store, self.year)
        except StoreError as exc:
            self.report = None
            self.model.set_rows([])
            self.title_label.setText(str(exc))
            self.summary_label.setText("")
            self.chart.show_row(None, self.year)
            return
        self.model.set_report(self.report)
        self.title_label.setText(f"西湖区{self.report.title}")
        self.summary_label.setText(evaluation.summary_line(self.report.rows))
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.chart.show_row(None, self.year)

    def on_changes(self, changes: Changes) -> None:
        """The monitored figures come from entries, lead units (district records) and
        rules (catalogue): any of them changed, the rows are read again."""
        if changes.entries or changes.rows or changes.catalogue or changes.district:
            self._reload.start()

    def set_year(self, year: int) -> None:
        index = self.year_box.findData(year)
        if index >= 0 and index != self.year_box.currentIndex():
            self.year_box.setCurrentIndex(index)  # loads through _year_changed
        elif year != self.year or self.report is None:
            self.year = year
            self.load()

    def _year_changed(self, index: int) -> None:
        self.year = int(self.year_box.itemData(index))
        self.load()

    def _row_changed(self, current: Index, _previous: Index) -> None:
        row = self.model.row_at(current.row()) if current.isValid() else None
        base = self.report.base_year if self.report is not None else self.year - 1
        self.chart.show_row(row, base)

    def selected(self) -> MonitorRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    # ------------------------------------------------------------ export

    def export(self, suffix: str) -> Path | None:
        """Ask where, then write the report off the UI thread; offer to open it."""
        if self.report is None:
            return None
        what = "Excel" if suffix == ".xlsx" else "PDF"
        title = f"导出{what}评估报告"
        name = evaluation.default_report_name(self.report.plan, self.year, suffix)
        chosen, _ = QFileDialog.getSaveFileName(
            self, title, file_places.start_path(self, name), FILTERS[suffix]
        )
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        file_places.remember(self, path)
        store, year = self.store, self.year
        result = run_job(
            self,
            title,
            f"正在生成{self.report.title}…",
            lambda report: evaluation.write_report(store, year, path, report),
            expected=(StoreError, ValueError),
        )
        if result.error:
            QMessageBox.warning(self, title, result.error)
            return None
        if not result.ok:
            return None
        done = Path(result.value)
        self.exported = file_places.show_exported(self, title, done, self.report.title)
        return done


def show_monitoring(
    parent: QWidget, store: Store, year: int, hub: ChangeHub | None = None
) -> MonitoringView:
    """Open (non-modal) the 规划监测 view of ``year`` (the district administrator's)."""
    store.require_admin("规划监测")
    view = MonitoringView(store, year, parent, hub)
    view.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    view.show()
    return view
