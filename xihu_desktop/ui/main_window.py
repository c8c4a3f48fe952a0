"""Main window (placeholder until the ledger window lands): the ledgers in a table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QMainWindow, QTableView

from .. import APP_TITLE
from ..core.categories import UNIT_KINDS
from ..store import Ledger, Store

Index = QModelIndex | QPersistentModelIndex


class LedgerListModel(QAbstractTableModel):
    HEADERS = ("年度", "责任单位", "类型", "状态", "条目数", "更新时间")

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._rows: list[tuple[Ledger, int]] = [
            (ledger, sum(store.entry_counts(ledger.id).values())) for ledger in store.ledgers()
        ]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        ledger, count = self._rows[index.row()]
        return (
            ledger.year,
            ledger.unit_name,
            UNIT_KINDS[ledger.unit_kind],
            ledger.status,
            count,
            ledger.updated_at,
        )[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.setWindowTitle(f"{APP_TITLE} — {store.path}")
        self.table = QTableView()
        self.table.setModel(LedgerListModel(store))
        self.setCentralWidget(self.table)
        self.resize(1100, 700)
