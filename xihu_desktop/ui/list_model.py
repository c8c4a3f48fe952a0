"""The one way to show a read-only list of records in a table view.

A subclass names its ``HEADERS`` and turns one record into a row of cell values
(``values``); the base answers Qt: display and tooltip text, the record itself
(``RowRole``), a raw value for sorting (``SortRole``), and no editing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex


class RecordListModel(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()
    RowRole = Qt.ItemDataRole.UserRole
    SortRole = Qt.ItemDataRole.UserRole + 1
    MAX_DISPLAY = 200  # characters shown in a cell; the tooltip has the whole text

    def __init__(self, rows: Sequence[Any] = ()) -> None:
        super().__init__()
        self.rows: list[Any] = list(rows)

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def values(self, record: Any) -> tuple[Any, ...]:
        """The cells of one record, in HEADERS order."""
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.rows[index.row()]
        if role == self.RowRole:
            return record
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, self.SortRole):
            value = self.values(record)[index.column()]
            if (
                role == Qt.ItemDataRole.DisplayRole
                and isinstance(value, str)
                and len(value) > self.MAX_DISPLAY
            ):
                return value[: self.MAX_DISPLAY] + "…"
            return value
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None
