"""The 概览 tab: the ledger at a glance, with a small bar chart painted by hand."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core import scoring
from ..core.categories import CATEGORIES
from ..store import Ledger, Store
from .progress_tab import LIGHT_COLOURS


class ScoreChart(QWidget):
    """Bars: each category's score against its points; sized from the font (DPI-safe)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bars: list[tuple[str, float, float]] = []  # label, score, points
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("各类别得分（深色）与分值（浅色）")

    def set_bars(self, bars: list[tuple[str, float, float]]) -> None:
        self.bars = bars
        self.update()

    def sizeHint(self) -> QSize:
        em = self.fontMetrics().height()
        return QSize(em * 24, em * 14)

    def minimumSizeHint(self) -> QSize:
        em = self.fontMetrics().height()
        return QSize(em * 16, em * 10)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        line = fm.height()
        rect = QRectF(self.rect()).adjusted(line * 2.5, line, -line, -line * 2)
        painter.setPen(QPen(self.palette().color(self.foregroundRole())))
        if not self.bars or rect.width() <= 0 or rect.height() <= 0:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "暂无条目")
            return
        top = max(p for _, _, p in self.bars) or 1.0
        painter.drawLine(rect.bottomLeft(), rect.bottomRight())
        for frac in (0.0, 0.5, 1.0):
            y = rect.bottom() - rect.height() * frac
            painter.drawText(
                QRectF(0, y - line / 2, rect.left() - 4, line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{top * frac:.0f}",
            )
        slot = rect.width() / len(self.bars)
        width = slot * 0.55
        for i, (label, value, points) in enumerate(self.bars):
            x = rect.left() + slot * i + (slot - width) / 2
            h_points = rect.height() * points / top
            h_score = rect.height() * min(value, points) / top
            painter.fillRect(
                QRectF(x, rect.bottom() - h_points, width, h_points), QColor(200, 220, 240)
            )
            painter.fillRect(
                QRectF(x, rect.bottom() - h_score, width, h_score), QColor(36, 99, 165)
            )
            painter.drawText(
                QRectF(x - slot * 0.2, rect.bottom() - h_points - line, width + slot * 0.4, line),
                Qt.AlignmentFlag.AlignCenter,
                f"{value:.1f}",
            )
            painter.drawText(
                QRectF(rect.left() + slot * i, rect.bottom() + 2, slot, line * 1.5),
                Qt.AlignmentFlag.AlignCenter,
                label,
            )


class OverviewTab(QWidget):
    HEADERS = ("类别", "条目数", "分值", "得分", "平均完成率", "绿灯", "黄灯", "红灯")

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.as_of: dt.date | None = None
        self.last_score: scoring.LedgerScore | None = None
        self.shown_id: int | None = None  # the ledger whose figures are on screen
        self.title = QLabel(self)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.total = QLabel(self)
        big = self.total.font()
        big.setPointSizeF(big.pointSizeF() * 1.25)
        self.total.setFont(big)
        self.details = QLabel(self)
        self.details.setWordWrap(True)

        self.table = QTableWidget(len(CATEGORIES) + 1, len(self.HEADERS), self)
        self.table.setHorizontalHeaderLabels(list(self.HEADERS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.chart = ScoreChart(self)

        box = QGroupBox("各类别得分", self)
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.chart)
        summary = QGroupBox("考核概况", self)
        grid = QGridLayout(summary)
        grid.addWidget(self.total, 0, 0)
        grid.addWidget(self.details, 1, 0)
        grid.setRowStretch(2, 1)

        upper = QHBoxLayout()
        upper.addWidget(summary, 1)
        upper.addWidget(box, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(upper, 3)
        layout.addWidget(self.table, 2)

    def refresh(self, ledger: Ledger | None) -> None:
        self.last_score = None
        self.shown_id = None
        if ledger is None:
            self.title.setText("尚未建立台账")
            self.total.setText("")
            self.details.setText("请在上方选择单位和年度，或通过“台账”菜单新建台账、从上年结转。")
            self.chart.set_bars([])
            self.table.clearContents()
            return
        self.display(
            ledger,
            self.store.assessment.score(ledger.id, self.as_of),
            self.store.entries.counts(ledger.id),
        )

    def pending(self, ledger: Ledger) -> None:
        """The figures of ``ledger`` are being computed (kept as they are for the same ledger)."""
        if self.shown_id == ledger.id:
            return
        self.last_score = None
        self.shown_id = ledger.id
        self.title.setText(f"{ledger.unit_name} {ledger.year}年度任务台账（{ledger.status}）")
        self.total.setText("正在计算得分…")
        self.details.setText("")
        self.chart.set_bars([])
        self.table.clearContents()

    def display(self, ledger: Ledger, score: scoring.LedgerScore, counts: dict[str, int]) -> None:
        """Show figures computed elsewhere (the window's background summary)."""
        self.last_score = score
        self.shown_id = ledger.id
        self.title.setText(f"{ledger.unit_name} {ledger.year}年度任务台账（{ledger.status}）")
        lights = score.lights
        self.total.setText(f"总分 {score.total:.1f}　等次：{score.grade}")
        lines = [
            f"基础分 {score.base:.1f}，加分 {score.bonus:.1f}，扣分 {score.deduction:.1f}",
            f"条目 {sum(counts.values())} 条："
            f"绿灯 {lights.get(scoring.GREEN, 0)}，黄灯 {lights.get(scoring.YELLOW, 0)}，"
            f"红灯 {lights.get(scoring.RED, 0)}",
        ]
        if score.vetoed:
            lines.append("一票否决：" + "、".join(score.vetoed))
        if ledger.submitted_at:
            lines.append(f"提交时间：{ledger.submitted_at.replace('T', ' ')}")
        self.details.setText("\n".join(lines))
        bars = []
        for r, cat in enumerate(CATEGORIES):
            items = [e for e in score.entries if e.category == cat.key]
            done = [e.completion for e in items if e.completion is not None]
            avg = sum(min(c, 1.0) for c in done) / len(done) if done else None
            points = score.category_points.get(cat.key, 0.0)
            value = score.category_scores.get(cat.key, 0.0)
            cells = [
                cat.short,
                str(counts.get(cat.key, 0)),
                f"{points:.1f}",
                f"{value:.1f}",
                "" if avg is None else f"{avg * 100:.1f}%",
                str(sum(1 for e in items if e.light == scoring.GREEN)),
                str(sum(1 for e in items if e.light == scoring.YELLOW)),
                str(sum(1 for e in items if e.light == scoring.RED)),
            ]
            self._fill_row(r, cells)
            bars.append((cat.short, value, points))
        self._fill_row(
            len(CATEGORIES),
            [
                "合计",
                str(sum(counts.values())),
                f"{sum(score.category_points.values()):.1f}",
                f"{score.base:.1f}",
                "",
                str(lights.get(scoring.GREEN, 0)),
                str(lights.get(scoring.YELLOW, 0)),
                str(lights.get(scoring.RED, 0)),
            ],
        )
        self.chart.set_bars(bars)

    def _fill_row(self, row: int, cells: list[str]) -> None:
        colours = {5: scoring.GREEN, 6: scoring.YELLOW, 7: scoring.RED}
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            align = Qt.AlignmentFlag.AlignLeft if col == 0 else Qt.AlignmentFlag.AlignRight
            item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
            if col in colours and text not in ("", "0"):
                item.setForeground(LIGHT_COLOURS[colours[col]])
            self.table.setItem(row, col, item)
