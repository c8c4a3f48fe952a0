"""The 区看板's two bar charts (QtCharts): scores by unit, and red/yellow/green counts by unit.

Imported only when the dashboard opens (QtCharts is not loaded at start-up). Each chart
shows one bar per unit with a ledger, best first from the top; a chart is rebuilt on
every reload (a district has about 70 units).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QHorizontalStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QWidget

from ..core import scoring
from ..store.dashboard import UnitFigures

LIGHT_COLOURS = {
    scoring.GREEN: QColor("#2ea043"),
    scoring.YELLOW: QColor("#e6aa00"),
    scoring.RED: QColor("#d73a49"),
}
SCORE_COLOUR = QColor("#1565c0")
BAR_HEIGHT = 26  # pixels per unit: the names stay readable with 70 units
LABEL_CHARS = 12


def short_name(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…"


class _BarChart(QChartView):
    """A horizontal bar chart over units; its height grows with the number of units."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.units: list[str] = []  # the category axis, bottom to top
        self.setChart(self._new_chart())

    def _new_chart(self) -> QChart:
        chart = QChart()
        chart.setTitle(self.title)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        return chart

    def _install(self, chart: QChart, units: list[str]) -> None:
        old = self.chart()
        self.setChart(chart)
        if old is not None and old is not chart:
            old.deleteLater()
        self.units = units
        self.setMinimumHeight(max(240, BAR_HEIGHT * len(units) + 110))

    def _axes(self, chart: QChart, series: object, units: list[str], maximum: float) -> None:
        names = QBarCategoryAxis()
        names.append([short_name(u) for u in units])
        # QtCharts elides a category label taller than its band: a compact font keeps
        # every unit's name whole at BAR_HEIGHT pixels a unit
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        names.setLabelsFont(font)
        names.setTruncateLabels(False)
        values = QValueAxis()
        values.setRange(0, maximum)
        values.setLabelFormat("%d")
        chart.addAxis(names, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(names)  # type: ignore[attr-defined]
        series.attachAxis(values)  # type: ignore[attr-defined]

    @property
    def bar_count(self) -> int:
        """Bars (units) the chart shows."""
        return len(self.units)


class ScoreChart(_BarChart):
    """总分 by unit, sorted: the best at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("各单位总分", parent)

    def set_rows(self, rows: Sequence[UnitFigures]) -> None:
        scored = sorted(
            (f for f in rows if f.total is not None), key=lambda f: (f.total or 0.0, f.unit_code)
        )
        chart = self._new_chart()
        bars = QBarSet("总分")
        bars.setColor(SCORE_COLOUR)
        bars.append([round(f.total or 0.0, 2) for f in scored])
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsInsideEnd)
        chart.addSeries(series)
        chart.legend().setVisible(False)
        units = [f.unit_name for f in scored]
        top = max([100.0, *((f.total or 0.0) for f in scored)])
        self._axes(chart, series, units, top)
        self._install(chart, units)


class LightsChart(_BarChart):
    """绿灯/黄灯/红灯 counts by unit, stacked; the units with most red at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("各单位红黄绿灯数", parent)

    def set_rows(self, rows: Sequence[UnitFigures]) -> None:
        lit = sorted(
            (f for f in rows if f.ledger_id is not None),
            key=lambda f: (f.lights.get(scoring.RED, 0), f.lights.get(scoring.YELLOW, 0)),
        )
        chart = self._new_chart()
        series = QHorizontalStackedBarSeries()
        for key in (scoring.GREEN, scoring.YELLOW, scoring.RED):
            bars = QBarSet(scoring.LIGHT_LABELS[key])
            bars.setColor(LIGHT_COLOURS[key])
            bars.append([f.lights.get(key, 0) for f in lit])
            series.append(bars)
        chart.addSeries(series)
        units = [f.unit_name for f in lit]
        top = max([1, *(sum(f.lights.values()) for f in lit)])
        self._axes(chart, series, units, float(top))
        self._install(chart, units)

    def counts(self, light: str) -> list[float]:
        """The bar values of one light, bottom to top (for tests)."""
        for series in self.chart().series():
            for bars in series.barSets():  # type: ignore[attr-defined]
                if bars.label() == scoring.LIGHT_LABELS[light]:
                    return [bars.at(i) for i in range(bars.count())]
        return []
