"""The row above the tabs: unit and year selectors, ledger status, lights, score."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from ..core import scoring
from ..core.categories import UNIT_KINDS
from ..core.enums import LedgerStatus, ReviewState
from ..store import Ledger, Unit

STATUS_COLOURS: dict[str, str] = {
    LedgerStatus.DRAFT: "#2463a5",
    LedgerStatus.SUBMITTED: "#b36b00",
    LedgerStatus.LOCKED: "#6b6b6b",
}


def read_only_reason(ledger: Ledger | None) -> str | None:
    """Why a ledger's tabs are read-only (its status), and who can unlock it."""
    if ledger is None or LedgerStatus(ledger.status).editable:
        return None
    return f"本台账{ledger.status}，不能修改。如需修改，请联系区管理员解锁。"


class LedgerHeader(QWidget):
    """Chooses the ledger (unit × year) and shows its state; emits ``selectionChanged``."""

    selectionChanged = Signal()  # the user picked another unit or year

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.unit_combo = QComboBox(self)
        self.unit_combo.setToolTip("责任单位")
        self.unit_combo.setMinimumContentsLength(10)
        self.year_combo = QComboBox(self)
        self.year_combo.setToolTip("台账年度")
        self.status_label = QLabel(self)
        self.status_label.setToolTip("台账状态：草稿可编辑；已提交、已锁定只读")
        self.review_label = QLabel(self)
        self.review_label.setToolTip("区里对本台账报表的审核结果（导入回执后显示）")
        self.lights_label = QLabel(self)
        self.lights_label.setToolTip("按全年时间进度的红黄绿灯")
        self.score_label = QLabel(self)
        self.reprint_label = QLabel(self)
        self.reprint_label.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.reprint_label.setToolTip("考核表打印后台账又有修改，请重新打印并签章")
        row.addWidget(QLabel("责任单位：", self))
        row.addWidget(self.unit_combo)
        row.addSpacing(12)
        row.addWidget(QLabel("年度：", self))
        row.addWidget(self.year_combo)
        for label in (self.status_label, self.review_label, self.lights_label, self.score_label):
            row.addSpacing(18)
            row.addWidget(label)
        row.addStretch(1)
        row.addWidget(self.reprint_label)
        self.unit_combo.currentIndexChanged.connect(self.selectionChanged)
        self.year_combo.currentIndexChanged.connect(self.selectionChanged)

    # ------------------------------------------------------------ unit and year

    def selected(self) -> tuple[int, int] | None:
        """The chosen (unit id, year), or None while either list is empty."""
        unit_id, year = self.unit_combo.currentData(), self.year_combo.currentData()
        if unit_id is None or year is None:
            return None
        return int(unit_id), int(year)

    def unit_text(self) -> str:
        return self.unit_combo.currentText()

    def year(self) -> int | None:
        year = self.year_combo.currentData()
        return int(year) if year is not None else None

    def fill(
        self, units: Iterable[Unit], years: Iterable[int], unit_id: int | None, year: int
    ) -> None:
        """Refill both lists without signals; keep ``unit_id`` and ``year`` when listed."""
        self._block(True)
        self.unit_combo.clear()
        for u in units:
            self.unit_combo.addItem(f"{u.name}（{UNIT_KINDS.get(u.kind, u.kind)}）", u.id)
        self._set_years(years)
        if unit_id is not None and self.unit_combo.findData(unit_id) >= 0:
            self.unit_combo.setCurrentIndex(self.unit_combo.findData(unit_id))
        if self.year_combo.findData(year) >= 0:
            self.year_combo.setCurrentIndex(self.year_combo.findData(year))
        self._block(False)

    def select(self, unit_id: int, year: int) -> None:
        """Choose a unit's ledger of a year (adds the year to the list if needed)."""
        self._block(True)
        if self.year_combo.findData(year) < 0:
            listed = {int(self.year_combo.itemData(i)) for i in range(self.year_combo.count())}
            self._set_years(listed | {year})
        self.unit_combo.setCurrentIndex(self.unit_combo.findData(unit_id))
        self.year_combo.setCurrentIndex(self.year_combo.findData(year))
        self._block(False)
        self.selectionChanged.emit()

    def _set_years(self, years: Iterable[int]) -> None:
        self.year_combo.clear()
        for y in sorted(years):
            self.year_combo.addItem(f"{y}年", y)

    def _block(self, on: bool) -> None:
        self.unit_combo.blockSignals(on)
        self.year_combo.blockSignals(on)

    # ------------------------------------------------------------ state

    def show_status(self, ledger: Ledger | None, writable: bool) -> None:
        if ledger is None:
            self.status_label.setText("未建立")
            self.status_label.setStyleSheet("color: #6b6b6b;")
            return
        colour = STATUS_COLOURS.get(ledger.status, "#000")
        text = f"状态：{ledger.status}"
        if not writable:
            text += "（只读）"
        self.status_label.setText(text)
        self.status_label.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def show_review(self, state: str | None, reason: str | None = None) -> None:
        """The district's review: 已审 in green, 退回 in red with the reason (else nothing)."""
        if state == ReviewState.RETURNED:
            self.review_label.setText(f"退回：{reason or ''}")
            self.review_label.setStyleSheet("color: #c0392b; font-weight: bold;")
            self.review_label.setToolTip(f"区里退回了本台账：{reason or ''}")
        elif state == ReviewState.ACCEPTED:
            self.review_label.setText("已审")
            self.review_label.setStyleSheet("color: #2e7d32; font-weight: bold;")
            self.review_label.setToolTip("区里已审核通过本台账的报表")
        else:
            self.review_label.setText("")

    def show_score(self, score: scoring.LedgerScore | None) -> None:
        lights = score.lights if score else {}
        self.lights_label.setText(
            f"<span style='color:#2ea043'>●</span> 绿灯 {lights.get(scoring.GREEN, 0)}　"
            f"<span style='color:#e6aa00'>●</span> 黄灯 {lights.get(scoring.YELLOW, 0)}　"
            f"<span style='color:#d73a49'>●</span> 红灯 {lights.get(scoring.RED, 0)}"
        )
        if score:
            self.score_label.setText(f"得分 {score.total:.1f}（{score.grade}）")

    def clear_summary(self) -> None:
        """No ledger: no lights, score or reprint notice."""
        for label in (self.lights_label, self.score_label, self.reprint_label):
            label.setText("")

    def show_reprint(self, needed: bool) -> None:
        self.reprint_label.setText("已修改，需重新打印" if needed else "")
