"""The 进度 tab: per entry and quarter, value, status, problems, next steps, comment, flag."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ..core import scoring
from ..core.validate import Invalid, is_empty, parse_number
from ..store import Entry, Ledger, Store, StoreError
from .delegates import FieldDelegate
from .entry_model import (
    Lookups,
    format_number,
)
from .operations import push_undo
from .progress_filter import ProgressProxy, current_quarter
from .progress_model import COLUMN, COLUMNS, LIGHT_COLOURS, ProgressModel
from .table_view import LedgerTableView, read_only_banner, show_read_only
from .tsv import format_tsv

__all__ = ["COLUMN", "COLUMNS", "LIGHT_COLOURS", "ProgressModel", "ProgressTab"]


class ProgressTab(QWidget):
    message = Signal(str)

    def __init__(
        self,
        store: Store,
        lookups: Lookups,
        undo_stack: QUndoStack,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.undo_stack = undo_stack
        self._model = ProgressModel(store, lookups)
        self._model.edit_handler = self._edit
        self._pending: tuple[Ledger | None] | None = None  # shown when the tab is first shown
        self._proxy = ProgressProxy(self)
        self._proxy.setSourceModel(self._model)
        self._view = LedgerTableView(self)
        self._view.setModel(self._proxy)
        self._view.setItemDelegate(FieldDelegate(lookups, self._view))
        self._view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self._view.horizontalHeader().setSortIndicatorClearable(True)
        self._view.setSortingEnabled(True)
        self._view.clearRequested.connect(self.clear_cells)
        self._view.copyRequested.connect(self.copy)
        em = self._view.fontMetrics().horizontalAdvance("中")
        for col, chars in enumerate((5, 18, 7, 7, 7, 8, 6, 6, 4, 16, 16, 12, 4)):
            self._view.horizontalHeader().resizeSection(col, int(chars * em * 1.05) + em)
        self._view.horizontalHeader().setSectionResizeMode(
            COLUMN["problems"], QHeaderView.ResizeMode.Interactive
        )
        self._view.freeze_columns(2)  # 类别 and 名称 stay in view

        self.quarter = QComboBox(self)
        for q in (1, 2, 3, 4):
            self.quarter.addItem(f"第{q}季度", q)
        self.quarter.setToolTip("选择填报的季度")
        self.quarter.currentIndexChanged.connect(self._quarter_changed)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("按名称搜索…")
        self.search.setClearButtonEnabled(True)
        self.follow = QCheckBox("只看需跟踪", self)
        self.search.textChanged.connect(self._filter)
        self.follow.toggled.connect(self._filter)
        self.summary = QLabel(self)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("季度：", self))
        top.addWidget(self.quarter)
        top.addWidget(self.follow)
        top.addStretch(1)
        top.addWidget(self.summary)
        top.addWidget(self.search, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        self.banner = read_only_banner(self)
        layout.addWidget(self.banner)
        layout.addWidget(self._view, 1)

    @property
    def proxy(self) -> ProgressProxy:
        """The sorted, filtered rows (the tab's rows are read first if still pending)."""
        self.ensure_loaded()
        return self._proxy

    @property
    def view(self) -> LedgerTableView:
        self.ensure_loaded()
        return self._view

    @property
    def model(self) -> ProgressModel:
        """The table's rows, read now if the tab has not been shown since the ledger changed."""
        self.ensure_loaded()
        return self._model

    def load(self, ledger: Ledger | None, entries: list[Entry] | None = None) -> None:
        """Show a ledger: read at once when the tab is on screen, else when first shown."""
        if entries is None and not self.isVisible():
            self._pending = (ledger,)
            self._model.load(None)
            return
        self._read(ledger, entries)

    def _read(self, ledger: Ledger | None, entries: list[Entry] | None) -> None:
        self._pending = None
        model = self._model
        if ledger is not None:
            q = current_quarter(ledger.year)
            self.quarter.blockSignals(True)
            self.quarter.setCurrentIndex(q - 1)
            self.quarter.blockSignals(False)
            model.quarter = q  # the lights are computed once, by load
        model.load(ledger, entries)
        if ledger is not None:
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self._update_summary()

    @property
    def loaded(self) -> bool:
        return self._pending is None

    def ensure_loaded(self) -> None:
        if self._pending is not None:
            self._read(self._pending[0], None)

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_loaded()
        super().showEvent(event)

    def set_writable(self, writable: bool, reason: str | None = None) -> None:
        self._model.set_writable(writable)
        show_read_only(self.banner, None if writable else reason)

    def reload(self) -> None:
        """Read the ledger again (rows were added, deleted or moved), keeping the quarter."""
        if self._pending is not None:
            return
        self._model.load(self._model.ledger)
        self._update_summary()

    def refresh_entries(self, entry_ids: list[int]) -> None:
        if self._pending is not None:
            return
        for eid in entry_ids:
            self._model.refresh_entry(eid)
        self._update_summary()

    def _quarter_changed(self) -> None:
        self.model.set_quarter(int(self.quarter.currentData()))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        self._filter()
        self._update_summary()

    def _filter(self) -> None:
        self.proxy.set_filter(self.search.text(), self.follow.isChecked())

    def _update_summary(self) -> None:
        counts = self._model.light_counts()
        self.summary.setText(
            f"绿灯 {counts[scoring.GREEN]}　黄灯 {counts[scoring.YELLOW]}　红灯 {counts[scoring.RED]}"
        )

    def clear_cells(self) -> None:
        """Delete: empty the selected editable cells (each one undoable)."""
        for index in self.view.selectionModel().selectedIndexes():
            if self.proxy.flags(index) & Qt.ItemFlag.ItemIsEditable and index.data(
                Qt.ItemDataRole.EditRole
            ) not in (None, ""):
                self.proxy.setData(index, "", Qt.ItemDataRole.EditRole)

    def copy(self) -> None:
        indexes = sorted(
            self.view.selectionModel().selectedIndexes(), key=lambda i: (i.row(), i.column())
        )
        if not indexes:
            return
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        chosen = {(i.row(), i.column()) for i in indexes}
        block = [
            [
                str(self.proxy.index(r, c).data(Qt.ItemDataRole.EditRole) or "")
                if (r, c) in chosen
                else ""
                for c in cols
            ]
            for r in rows
        ]
        QApplication.clipboard().setText(format_tsv(block))
        self.message.emit(f"已复制 {len(rows)} 行 × {len(cols)} 列")

    def select_entry(self, entry_id: int) -> None:
        row = self.model.row_of(entry_id)
        if row is not None:
            index = self.proxy.mapFromSource(self.model.index(row, COLUMN["value"]))
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    # ------------------------------------------------------------ writes

    def _confirm(self, entry: Entry, raw: Any) -> bool:
        """Ask before storing a value far outside last year's or going down."""
        if is_empty(raw):
            return True
        try:
            value = parse_number(raw)
        except Invalid:
            return True  # the store explains
        doubts = []
        last = self.model.last_year(entry)
        if last is not None and last > 0 and value > 3 * last:
            doubts.append(f"超过上年完成值（{format_number(last)}）的3倍")
        previous = self.model.previous_value(entry)
        if previous is not None and value < previous:
            doubts.append(f"低于上季度累计值（{format_number(previous)}）")
        if not doubts:
            return True
        answer = QMessageBox.question(
            self,
            "请确认数值",
            f"“{entry.name}”第{self.model.quarter}季度完成值 {format_number(value)} "
            + "，".join(doubts)
            + "。\n\n确定要保存吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _edit(self, entry_id: int, values: dict[str, Any]) -> bool:
        row = self.model.row_of(entry_id)
        if row is None:
            return False
        entry = self.model.entry(row)
        quarter = self.model.quarter
        values = {  # an emptied text is no text
            k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()
        }
        if "value" in values and not self._confirm(entry, values["value"]):
            self.message.emit("未保存：已取消")
            return False
        try:
            done = self.store.progress.set(entry_id, quarter, values)
        except StoreError as exc:
            self.message.emit(f"未保存：{exc}")
            typed = [(k, v) for k, v in values.items() if isinstance(v, str)]
            if len(typed) == 1:  # one typed cell: keep its text, marked, until corrected
                self.model.reject(entry_id, typed[0][0], typed[0][1], str(exc))
            QApplication.beep()
            return False
        self.model.accepted(entry_id, values)
        push_undo(self.undo_stack, self.store, "填报进度", done, self.message.emit)
        self.message.emit(f"已保存：{entry.name} 第{quarter}季度进度")
        return True
