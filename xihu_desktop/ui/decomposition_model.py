"""Table models of the 任务分解 window: the targets × units grid and the item list.

Both read the store's decomposition manager and write through it (one transaction
per cell, audited); the window refreshes them when ``Changes.district`` names their
year.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from ..core.decomposition import fmt
from ..store import Store, StoreError, Unit
from ..store.decomposition import Grid, ItemRow, target_name

Index = QModelIndex | QPersistentModelIndex

SEQ, NAME, MEASURE, GOAL, LEAD, TOTAL = range(6)
FIXED_HEADERS = ("序号", "指标", "单位", "区年度目标", "牵头单位", "合计")
FIRST_UNIT = len(FIXED_HEADERS)
LEAD_MARK = "★"
CARRIED = "√"
LEAD_BACKGROUND = QColor("#fff2cc")
MISMATCH_BACKGROUND = QColor("#f8cbad")
FIXED_BACKGROUND = QColor("#f3f6fa")
KIND_LABELS = {"platform": "重点平台", "project": "重大项目", "talent_programme": "人才计划"}


class GridModel(QAbstractTableModel):
    """Targets (rows) × units (columns after the fixed ones) of one year."""

    failed = Signal(str)  # a write was refused: the message for the user
    UnitRole = Qt.ItemDataRole.UserRole  # the unit id of a unit column (header data)

    def __init__(self, store: Store, year: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.year = year
        self.grid = Grid(year, [], [])
        self.names: dict[int, str] = {}
        self.reload()

    # ------------------------------------------------------------ loading

    def reload(self) -> None:
        """Read the grid again; a grid of the same shape only repaints."""
        grid = self.store.decomposition.grid(self.year)
        self.names = {u.id: u.name for u in self.store.units.list()}
        same_shape = [u.id for u in grid.units] == [u.id for u in self.grid.units] and len(
            grid.rows
        ) == len(self.grid.rows)
        if same_shape and self.grid.rows:
            self.grid = grid
            last = self.index(self.rowCount() - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)
        else:
            self.beginResetModel()
            self.grid = grid
            self.endResetModel()

    def set_year(self, year: int) -> None:
        self.year = year
        self.beginResetModel()
        self.grid = Grid(year, [], [])
        self.endResetModel()
        self.reload()

    def unit_at(self, column: int) -> Unit | None:
        i = column - FIRST_UNIT
        return self.grid.units[i] if 0 <= i < len(self.grid.units) else None

    def column_of(self, unit_id: int) -> int:
        for i, u in enumerate(self.grid.units):
            if u.id == unit_id:
                return FIRST_UNIT + i
        return -1

    def mismatches(self) -> int:
        return sum(1 for r in self.grid.rows if r.mismatch is not None)

    # ------------------------------------------------------------ Qt

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.grid.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else FIRST_UNIT + len(self.grid.units)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        unit = self.unit_at(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return FIXED_HEADERS[section] if unit is None else unit.name
        if role == Qt.ItemDataRole.ToolTipRole and unit is not None:
            return f"{unit.name}的分解目标（空：不承担）"
        if role == self.UnitRole and unit is not None:
            return unit.id
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        c = index.column()
        if self.store.is_admin and (c in (GOAL, LEAD) or c >= FIRST_UNIT):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.grid.rows[index.row()]
        c = index.column()
        unit = self.unit_at(c)
        is_lead = unit is not None and unit.id == row.lead_unit_id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, c, unit, is_lead)
        if role == Qt.ItemDataRole.EditRole:
            if c == GOAL:
                return fmt(row.goal)
            if c == LEAD:
                return row.lead_unit_id
            if unit is not None and unit.id in row.shares:
                return fmt(row.shares[unit.id]) or CARRIED
            return ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, c, unit, is_lead)
        if role == Qt.ItemDataRole.BackgroundRole:
            if c == TOTAL and row.mismatch is not None:
                return QBrush(MISMATCH_BACKGROUND)
            if is_lead:
                return QBrush(LEAD_BACKGROUND)
            if c < FIRST_UNIT:
                return QBrush(FIXED_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and (is_lead or c == LEAD):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and (c in (SEQ, GOAL, TOTAL) or unit):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, row: Any, c: int, unit: Unit | None, is_lead: bool) -> str:
        t = row.target
        if c == SEQ:
            return str(t.seq)
        if c == NAME:
            return target_name(t)
        if c == MEASURE:
            return t.unit or ""
        if c == GOAL:
            return fmt(row.goal)
        if c == LEAD:
            return f"{LEAD_MARK} {self.names.get(row.lead_unit_id, '')}" if row.lead_unit_id else ""
        if c == TOTAL:
            if not row.count:
                return ""
            return fmt(row.total) if row.additive else "—"
        assert unit is not None
        value = fmt(row.shares[unit.id]) or CARRIED if unit.id in row.shares else ""
        return f"{LEAD_MARK} {value}".strip() if is_lead else value

    def _tooltip(self, row: Any, c: int, unit: Unit | None, is_lead: bool) -> str | None:
        if c == TOTAL:
            if row.mismatch is not None:
                return str(row.mismatch.message())
            if not row.additive:
                return "比率、人均等指标不按单位加总，以牵头单位的数值为准"
            return f"{row.count} 个单位分解合计"
        if c == NAME:
            attribute = f"（{row.target.attribute}）" if row.target.attribute else ""
            return f"{target_name(row.target)}{attribute}，2025年规划目标 {row.target.goal_text or '—'}"
        if is_lead and unit is not None:
            return f"牵头单位：{unit.name}"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = self.grid.rows[index.row()]
        c = index.column()
        t = row.target.id
        dec = self.store.decomposition
        try:
            if c == GOAL:
                dec.set_goal(self.year, t, _text(value))
            elif c == LEAD:
                dec.set_lead(self.year, t, int(value) if value not in (None, "") else None)
            elif (unit := self.unit_at(c)) is not None:
                text = _text(value)
                if text is None:
                    if unit.id not in row.shares:
                        return True
                    dec.clear_share(self.year, t, unit.id)
                else:
                    dec.set_share(self.year, t, unit.id, None if text in (CARRIED, "✓") else text)
            else:
                return False
        except StoreError as exc:
            self.failed.emit(str(exc))
            return False
        self.reload()
        return True


def _text(value: Any) -> str | None:
    text = "" if value is None else str(value).replace(LEAD_MARK, "").strip()
    return text or None


class ItemsModel(QAbstractTableModel):
    """Catalogue items (rows) with the units they are assigned to in one year."""

    HEADERS = ("类别", "专栏", "名称", "责任单位")
    RowRole = Qt.ItemDataRole.UserRole

    def __init__(self, store: Store, year: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.year = year
        self.rows: list[ItemRow] = []
        self.names: dict[int, str] = {}
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = self.store.decomposition.item_rows(self.year)
        self.names = {u.id: u.name for u in self.store.units.list()}
        self.endResetModel()

    def set_year(self, year: int) -> None:
        self.year = year
        self.reload()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == self.RowRole:
            return row
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            item = row.item
            return (
                KIND_LABELS.get(item.kind, item.kind),
                f"专栏{item.column_no}" if item.column_no else "",
                item.name,
                "、".join(self.names.get(u, str(u)) for u in row.unit_ids),
            )[index.column()]
        return None
