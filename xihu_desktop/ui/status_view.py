"""报送情况: every unit's ledger status, review, last return, deadline and overdue days.

:class:`StatusView` is a non-modal dialog over ``store.reporting.status`` for one year:
overdue rows highlighted, a filter by kind, a summary line, and a double-click that
asks the window to open the unit's ledger (:attr:`StatusView.unitActivated`). The
administrator sets the year's deadlines in :class:`DeadlineDialog`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.enums import ReviewState, UnitKind
from ..store import Changes, Store, StoreError
from ..store.reporting import UnitStatus
from .list_model import Index, RecordListModel
from .operations import ChangeHub

OVERDUE_BACKGROUND = QColor("#fde2e2")  # light red: the whole row of an overdue unit
OVERDUE_TEXT = QColor("#c62828")  # the overdue days, in bold
RETURNED_TEXT = QColor("#e67e22")  # 退回: orange
ACCEPTED_TEXT = QColor("#2e7d32")  # 已审: green
REVIEW_TEXT = {ReviewState.RETURNED.value: RETURNED_TEXT, ReviewState.ACCEPTED.value: ACCEPTED_TEXT}

#: filter combo: label → unit kind (None: all)
KIND_FILTERS: tuple[tuple[str, str | None], ...] = (
    ("全部", None),
    *((k.label, k.value) for k in (UnitKind.TOWN, UnitKind.DEPARTMENT, UnitKind.PLATFORM)),
)
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")


class StatusModel(RecordListModel):
    """Rows of :class:`UnitStatus`; read-only."""

    HEADERS = (
        "代码",
        "单位",
        "类型",
        "台账状态",
        "审核",
        "理由",
        "最近报送",
        "截止日期",
        "逾期天数",
    )
    REVIEW, OVERDUE = 4, 8

    def values(self, record: UnitStatus) -> tuple[Any, ...]:
        return (
            record.code,
            record.unit,
            record.kind_label,
            record.ledger_status,
            record.review,
            record.reason or "",
            (record.last_return or "").replace("T", " ")[:16],
            record.deadline or "",
            record.overdue_days,
        )

    def status(self, row: int) -> UnitStatus:
        record: UnitStatus = self.rows[row]
        return record

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.status(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole and column == self.OVERDUE:
            return str(record.overdue_days) if record.overdue else ""
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(OVERDUE_BACKGROUND) if record.overdue else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.OVERDUE and record.overdue:
                return QBrush(OVERDUE_TEXT)
            if column == self.REVIEW:
                colour = REVIEW_TEXT.get(record.review)
                return QBrush(colour) if colour is not None else None
            return None
        if role == Qt.ItemDataRole.FontRole and column == self.OVERDUE and record.overdue:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.OVERDUE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return super().data(index, role)


class StatusProxy(QSortFilterProxyModel):
    """Sorts by raw values and keeps the rows of one unit kind (None: all)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(StatusModel.SortRole)
        self.kind: str | None = None

    def set_kind(self, kind: str | None) -> None:
        self.beginFilterChange()
        self.kind = kind
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if self.kind is None or not isinstance(model, StatusModel):
            return True
        return model.status(source_row).kind == self.kind


def summary(rows: list[UnitStatus]) -> str:
    """应报 (units listed), 已报 (a return received, whatever its review), 已审, 退回, 逾期."""
    reported = sum(1 for r in rows if r.last_return or r.review != ReviewState.NOT_REPORTED)
    accepted = sum(1 for r in rows if r.review == ReviewState.ACCEPTED)
    returned = sum(1 for r in rows if r.review == ReviewState.RETURNED)
    overdue = sum(1 for r in rows if r.overdue)
    return f"应报 {len(rows)}，已报 {reported}，已审 {accepted}，退回 {returned}，逾期 {overdue}"


class DeadlineDialog(QDialog):
    """The year's four deadlines; 未设置 where none is set. Saved in one transaction."""

    def __init__(self, store: Store, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store, self.year = store, year
        self.setWindowTitle(f"设置{year}年报送截止日期")
        self.unset = QDate(year - 1, 12, 31)  # the minimum date, shown as 未设置
        current = store.reporting.deadlines(year)
        form = QFormLayout()
        self.edits: list[QDateEdit] = []
        for quarter, label in enumerate(QUARTERS, start=1):
            edit = QDateEdit(self)
            edit.setObjectName(f"deadlineQ{quarter}")
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setCalendarPopup(True)
            edit.setMinimumDate(self.unset)
            edit.setMaximumDate(QDate(year + 1, 12, 31))
            edit.setSpecialValueText("未设置")
            due = current.get(quarter)
            edit.setDate(QDate(due.year, due.month, due.day) if due else self.unset)
            clear = QPushButton("清除", self)
            clear.clicked.connect(lambda _c=False, e=edit: e.setDate(self.unset))
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(clear)
            form.addRow(f"{label}截止日期：", row)
            self.edits.append(edit)
        self.error = QLabel(self)
        self.error.setObjectName("deadlineError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("单位在截止日期当天及以前报送为按时；未设置的季度不计逾期。", self))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def dues(self) -> dict[int, dt.date | None]:
        found: dict[int, dt.date | None] = {}
        for quarter, edit in enumerate(self.edits, start=1):
            date = edit.date()
            found[quarter] = (
                None if date == self.unset else dt.date(date.year(), date.month(), date.day())
            )
        return found

    def save(self) -> None:
        """Write the four dates in one transaction; a refusal stays in the dialog."""
        try:
            self.store.reporting.set_deadlines(self.year, self.dues())
        except StoreError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class StatusView(QDialog):
    """The 报送情况 view of one year (non-modal)."""

    unitActivated = Signal(int, int)  # unit id, year: open that unit's ledger

    def __init__(
        self,
        store: Store,
        year: int,
        hub: ChangeHub | None = None,
        parent: QWidget | None = None,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.year, self.today = store, year, today
        self.setModal(False)
        self._stale = True
        self.model = StatusModel()
        self.proxy = StatusProxy(self)
        self.proxy.setSourceModel(self.model)

        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("statusKind")
        for label, kind in KIND_FILTERS:
            self.kind_box.addItem(label, kind)
        self.kind_box.currentIndexChanged.connect(self._kind_changed)
        self.deadline_button = QPushButton("设置截止日期…", self)
        self.deadline_button.setObjectName("statusDeadlines")
        self.deadline_button.clicked.connect(self.edit_deadlines)
        self.deadline_button.setVisible(store.is_admin)
        self.deadlines_label = QLabel(self)
        top = QHBoxLayout()
        top.addWidget(QLabel("单位类型：", self))
        top.addWidget(self.kind_box)
        top.addSpacing(12)
        top.addWidget(self.deadlines_label, 1)
        top.addWidget(self.deadline_button)

        self.table = QTableView(self)
        self.table.setObjectName("statusTable")
        self.table.setModel(self.proxy)
        # unsorted at first: the store's unit order (towns, platforms, departments)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(False)  # the highlight must read at a glance
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(self._activated)
        self.table.setToolTip("双击打开该单位的台账")
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("statusSummary")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary_label)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 80, em * 40)
        if hub is not None:
            hub.changed.connect(self.on_changes)
        self.set_year(year)

    # ------------------------------------------------------------ loading

    def set_year(self, year: int) -> None:
        self.year = year
        self.setWindowTitle(f"报送情况 — {year}年")
        self.reload()

    def reload(self) -> None:
        """Read the year's overview from the store (a handful of queries)."""
        if self.store.closed:
            return
        self.model.set_rows(self.store.reporting.status(self.year, self.today))
        deadlines = self.store.reporting.deadlines(self.year)
        self.deadlines_label.setText(
            "截止日期：" + "，".join(f"Q{q} {d.isoformat()}" for q, d in sorted(deadlines.items()))
            if deadlines
            else "尚未设置截止日期"
        )
        self._stale = False
        self._update_summary()

    def on_changes(self, changes: Changes) -> None:
        """Refresh when the year's district records, any ledger or the units changed."""
        if self.year in changes.district or changes.ledgers or changes.units:
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self.reload()
        super().showEvent(event)

    # ------------------------------------------------------------ filter, summary, actions

    def _kind_changed(self) -> None:
        self.proxy.set_kind(self.kind_box.currentData())
        self._update_summary()

    def shown(self) -> list[UnitStatus]:
        """The rows the filter lets through, in the order shown."""
        return [
            self.model.status(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
            for row in range(self.proxy.rowCount())
        ]

    def _update_summary(self) -> None:
        self.summary_label.setText(summary(self.shown()))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            status = self.model.status(self.proxy.mapToSource(index).row())
            self.unitActivated.emit(status.unit_id, self.year)

    def edit_deadlines(self) -> bool:
        """The administrator's deadline dialog; True when saved."""
        dialog = DeadlineDialog(self.store, self.year, self)
        saved = dialog.exec() == QDialog.DialogCode.Accepted
        if saved:
            self.reload()
        return saved
