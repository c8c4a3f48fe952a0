"""The 进度 tab's filter (name search, follow-up flag) and sorting, and the default quarter."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, cast

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from ..store import Entry, Progress
from .entry_model import SORT_ROLE

Index = QModelIndex | QPersistentModelIndex


class _Rows(Protocol):
    quarter: int

    def entry(self, row: int) -> Entry: ...

    def progress(self, entry_id: int, quarter: int) -> Progress | None: ...


def current_quarter(year: int, today: dt.date | None = None) -> int:
    today = today or dt.date.today()
    if today.year > year:
        return 4
    if today.year < year:
        return 1
    return (today.month - 1) // 3 + 1


class ProgressProxy(QSortFilterProxyModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.needle = ""
        self.follow_up_only = False

    def set_filter(self, needle: str, follow_up_only: bool) -> None:
        self.beginFilterChange()
        self.needle, self.follow_up_only = needle.strip().lower(), follow_up_only
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not hasattr(model, "progress"):
            return True
        rows = cast(_Rows, model)  # the ProgressModel
        entry = rows.entry(source_row)
        if self.follow_up_only:
            p = rows.progress(entry.id, rows.quarter)
            if not (p and p.follow_up):
                return False
        return not self.needle or self.needle in entry.name.lower()

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
        if a is None:
            return descending and b is not None
        if b is None:
            return not descending
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)
