"""The 冲突 resolver: a return that differs from a ledger already accepted, shown field by
field (条目 | 字段 | 本库值 | 文件值 | 采用文件值); the ticked fields take the file's value,
the rest keep the stored one, in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..exchange.arrival import ArrivalReport
from ..exchange.conflicts import Difference
from ..store import Store, StoreError
from .jobs import Report, run_job

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("条目", "字段", "本库值", "文件值", "采用文件值")
TAKE = 4


class DifferenceModel(QAbstractTableModel):
    """The differences with a checkbox each (ticked: take the file's value)."""

    def __init__(self, diffs: list[Difference], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diffs = diffs
        self.taken = [False] * len(diffs)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.diffs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == TAKE:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        d, col = self.diffs[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) and col < TAKE:
            entry = f"{d.category}：{d.entry}" if d.entry else d.category
            return (entry, d.field, d.stored, d.file)[col]
        if role == Qt.ItemDataRole.CheckStateRole and col == TAKE:
            return Qt.CheckState.Checked if self.taken[index.row()] else Qt.CheckState.Unchecked
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != TAKE:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self.taken[index.row()] = bool(checked)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def set_all(self, taken: bool) -> None:
        self.taken = [taken] * len(self.diffs)
        if self.diffs:
            self.dataChanged.emit(self.index(0, TAKE), self.index(len(self.diffs) - 1, TAKE))

    def chosen(self) -> set[str]:
        return {d.id for d, t in zip(self.diffs, self.taken, strict=True) if t}


class ConflictDialog(QDialog):
    """Side by side: what is stored and what the file says; apply the ticked fields."""

    def __init__(
        self, store: Store, path: Path, report: ArrivalReport, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.path = path
        self.result_report: ArrivalReport | None = None
        self.setWindowTitle(f"处理冲突：{path.name}")
        self.resize(860, 440)
        diffs = [Difference(**d) for d in report.data.get("differences", [])]
        self.model = DifferenceModel(diffs, self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        for col in (2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        # the entry and field names are read first: wide enough to read them whole
        self.view.resizeColumnsToContents()
        em = self.fontMetrics().horizontalAdvance("中")
        header.resizeSection(0, min(max(header.sectionSize(0), em * 12), em * 24))
        take_all = QPushButton("全部采用文件值", self)
        take_all.clicked.connect(lambda: self.model.set_all(True))
        keep_all = QPushButton("全部保留", self)
        keep_all.clicked.connect(lambda: self.model.set_all(False))
        row = QHBoxLayout()
        row.addWidget(take_all)
        row.addWidget(keep_all)
        row.addStretch(1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("应用")
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        unit = f"{report.unit or ''}{report.year or ''}年台账"
        layout.addWidget(
            QLabel(
                f"{unit}已审核通过，收到的文件与本库有 {len(diffs)} 处不同。"
                "勾选的字段采用文件值，其余保留本库值。",
                self,
            )
        )
        layout.addLayout(row)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

    def apply(self) -> None:
        """Write the chosen fields (one transaction, off the UI thread); stay open on error."""
        from ..exchange.inbox_returns import apply_chosen
        from ..exchange.xlsx_safety import UnusableFile

        chosen = self.model.chosen()
        store, path = self.store, self.path

        def work(report: Report) -> ArrivalReport:
            report(0, 1, path.name)
            return apply_chosen(store, path, chosen)

        result = run_job(self, "处理冲突", "正在写入…", work, expected=(StoreError, UnusableFile))
        if not result.ok:
            if result.error:
                QMessageBox.warning(self, "处理冲突", result.error)
            return
        self.result_report = result.value
        self.accept()
