"""The progress table's model: all entries of a ledger against one quarter's progress."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from ..core import scoring
from ..core.categories import CATEGORIES, CATEGORY_BY_KEY, Field
from ..core.entry_values import is_draft, suggested_status
from ..core.progress_fields import PROGRESS_BY_KEY as P
from ..core.progress_fields import after_quarter
from ..store import Entry, Ledger, Progress, Store, StoreError
from .entry_model import (
    ENTRY_ROLE,
    ERROR_ROLE,
    FIELD_ROLE,
    INVALID_BRUSH,
    SORT_ROLE,
    SUGGESTION_ROLES,
    Lookups,
    format_number,
    lower_is_better,
    suggestion_role,
)

Index = QModelIndex | QPersistentModelIndex

LIGHT_COLOURS = {
    scoring.GREEN: QColor(46, 160, 67),
    scoring.YELLOW: QColor(230, 170, 0),
    scoring.RED: QColor(215, 58, 73),
}
LIGHT_SYMBOL = {scoring.GREEN: "● 绿", scoring.YELLOW: "● 黄", scoring.RED: "● 红", None: "—"}

# (key, header, editable field declaration or None); the progress fields' labels and
# declarations are core.progress_fields.PROGRESS (one vocabulary with Excel and PDF)
COLUMNS: tuple[tuple[str, str, Field | None], ...] = (
    ("category", "类别", None),
    ("name", "名称", None),
    ("goal", "年度目标", None),
    ("last_year", "上年完成", None),
    ("previous", "上季度", None),
    *((k, P[k].label, P[k]) for k in ("value", "status")),
    ("completion", "完成率", None),
    ("light", "灯", None),
    *((k, P[k].label, P[k]) for k in ("problems", "next_steps", "comment")),
    ("follow_up", P["follow_up"].label, None),
)
COLUMN = {key: i for i, (key, _, _) in enumerate(COLUMNS)}
_CAT_ORDER = {c.key: i for i, c in enumerate(CATEGORIES)}


class ProgressModel(QAbstractTableModel):
    """All entries of a ledger against one quarter's progress."""

    def __init__(self, store: Store, lookups: Lookups | None = None) -> None:
        super().__init__()
        self.store = store
        self.lookups = lookups
        self.ledger: Ledger | None = None
        self.writable = False
        self.quarter = 1
        self.as_of: dt.date | None = None  # tests pin the date; None is today
        self.settings = scoring.ScoringSettings()
        self._rows: list[Entry] = []
        self._row_of: dict[int, int] = {}
        self._progress: dict[int, dict[int, Progress]] = {}
        self._last_year: dict[tuple[str, str], float | None] = {}
        self._lights: dict[int, str | None] = {}  # computed once per row, updated per write
        self._today = dt.date.today()
        self.edit_handler: Callable[[int, dict[str, Any]], bool] | None = None
        # typed text the store refused, kept in its cell until corrected:
        # (entry id, quarter, key) -> (text, reason)
        self._rejected: dict[tuple[int, int, str], tuple[str, str]] = {}

    # ------------------------------------------------------------ loading

    def load(self, ledger: Ledger | None, entries: list[Entry] | None = None) -> None:
        self.beginResetModel()
        if ledger is None or self.ledger is None or ledger.id != self.ledger.id:
            self._rejected = {}
        self.ledger = ledger
        self.writable = bool(ledger and self.store.can_write(ledger))
        if ledger is None:
            self._rows, self._progress, self._last_year = [], {}, {}
        else:
            rows = entries if entries is not None else self.store.entries.list(ledger.id)
            self._rows = sorted(rows, key=lambda e: (_CAT_ORDER.get(e.category, 9), e.position))
            self._progress = self.store.progress.of_ledger(ledger.id)
            self.settings = self.store.assessment.scoring_settings(ledger.year)
            self._last_year = {}
            previous = self.store.ledgers.find(ledger.unit_id, ledger.year - 1)
            if previous is not None:
                for e in self.store.entries.list(previous.id):
                    self._last_year.setdefault((e.category, e.name), e.values.get("actual"))
        self._row_of = {e.id: r for r, e in enumerate(self._rows)}
        self._today = dt.date.today()
        self._lights = {e.id: self._compute_light(e) for e in self._rows}
        self.endResetModel()

    def light_counts(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {scoring.GREEN: 0, scoring.YELLOW: 0, scoring.RED: 0}
        for lamp in self._lights.values():
            counts[lamp] = counts.get(lamp, 0) + 1
        return counts

    def set_quarter(self, quarter: int) -> None:
        self.quarter = quarter
        self._lights = {e.id: self._compute_light(e) for e in self._rows}
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            )

    def set_writable(self, writable: bool) -> None:
        if writable != self.writable:
            self.writable = writable
            self.set_quarter(self.quarter)

    def refresh_entry(self, entry_id: int) -> None:
        row = self._row_of.get(entry_id)
        if row is None:
            return
        try:
            self._rows[row] = self.store.entries.get(entry_id)
        except StoreError:
            return
        self._progress[entry_id] = {p.quarter: p for p in self.store.progress.of_entry(entry_id)}
        self._lights[entry_id] = self._compute_light(self._rows[row])
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    # ------------------------------------------------------------ values

    def entry(self, row: int) -> Entry:
        return self._rows[row]

    def row_of(self, entry_id: int) -> int | None:
        return self._row_of.get(entry_id)

    def progress(self, entry_id: int, quarter: int) -> Progress | None:
        return self._progress.get(entry_id, {}).get(quarter)

    def last_year(self, entry: Entry) -> float | None:
        return self._last_year.get((entry.category, entry.name))

    def previous_value(self, entry: Entry, quarter: int | None = None) -> float | None:
        q = self.quarter if quarter is None else quarter
        for earlier in range(q - 1, 0, -1):
            p = self.progress(entry.id, earlier)
            if p is not None and p.value is not None:
                return p.value
        return None

    def as_of_quarter(self, entry: Entry) -> tuple[Any, Any]:
        """(value, status) as of the selected quarter: the latest reported up to it.

        An entry with no progress at all keeps its own actual and status."""
        reported = self._progress.get(entry.id, {})
        if not reported:
            return entry.values.get("actual"), entry.values.get("status")
        upto = [reported[q] for q in sorted(reported, reverse=True) if q <= self.quarter]
        value = next((p.value for p in upto if p.value is not None), None)
        any_status = any(p.status for p in reported.values())
        status = next((p.status for p in upto if p.status), None)
        return value, status if any_status else entry.values.get("status")

    def completion(self, entry: Entry) -> float | None:
        actual, status = self.as_of_quarter(entry)
        item = scoring.ScoreInput(
            id=entry.id,
            category=entry.category,
            goal=entry.values.get("goal"),
            actual=actual,
            status=status,
            lower_is_better=lower_is_better(entry, self.lookups),
        )
        return scoring.entry_completion(item, self.settings)[1]

    def light_date(self) -> dt.date:
        """Today, or the end of the selected quarter when that lies earlier."""
        today = self.as_of or self._today
        if self.ledger is None:
            return today
        return min(today, after_quarter(self.ledger.year, self.quarter))

    def suggested_status(self, entry: Entry) -> str | None:
        """The status the selected quarter's value suggests, while the quarter has none."""
        p = self.progress(entry.id, self.quarter)
        if p is None or p.value is None or p.status:
            return None
        lower = lower_is_better(entry, self.lookups)
        return suggested_status(None, entry.values.get("goal"), p.value, lower)

    def light(self, entry: Entry) -> str | None:
        if entry.id in self._lights:
            return self._lights[entry.id]
        return self._compute_light(entry)

    def _compute_light(self, entry: Entry) -> str | None:
        if self.ledger is None or is_draft(entry.name):
            return None
        return scoring.light(
            self.completion(entry),
            self.ledger.year,
            self.light_date(),
            self.settings.yellow_margin,
            self.as_of_quarter(entry)[1],
        )

    def _raw(self, entry: Entry, key: str) -> Any:
        p = self.progress(entry.id, self.quarter)
        if key == "category":
            return CATEGORY_BY_KEY[entry.category].short
        if key == "name":
            return entry.name
        if key == "goal":
            return entry.values.get("goal")
        if key == "last_year":
            return self.last_year(entry)
        if key == "previous":
            return self.previous_value(entry)
        if key == "completion":
            return self.completion(entry)
        if key == "light":
            return self.light(entry)
        if key == "follow_up":
            return bool(p and p.follow_up)
        return getattr(p, key) if p is not None else None

    def reject(self, entry_id: int, key: str, text: str, reason: str) -> None:
        """Keep refused text in its cell, marked invalid with the reason."""
        self._rejected[(entry_id, self.quarter, key)] = (text, reason)
        self._cell_changed(entry_id, key)

    def accepted(self, entry_id: int, keys: Any) -> None:
        for key in keys:
            if self._rejected.pop((entry_id, self.quarter, key), None) is not None:
                self._cell_changed(entry_id, key)

    def rejected(self, entry: Entry, key: str) -> tuple[str, str] | None:
        return self._rejected.get((entry.id, self.quarter, key))

    def _cell_changed(self, entry_id: int, key: str) -> None:
        row = self._row_of.get(entry_id)
        if row is not None:
            index = self.index(row, COLUMN[key])
            self.dataChanged.emit(index, index)

    # ------------------------------------------------------------ Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        key, _, f = COLUMNS[index.column()]
        value = self._raw(entry, key)
        if key == "status" and role in SUGGESTION_ROLES and self.writable:
            suggested = self.suggested_status(entry)
            if suggested is not None:
                return suggestion_role(role, value, suggested)
        refused = self.rejected(entry, key) if f is not None else None
        if refused is not None:
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, ERROR_ROLE):
                return refused[1] if role == ERROR_ROLE else refused[0]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"未保存：{refused[1]}"
            if role == Qt.ItemDataRole.BackgroundRole:
                return INVALID_BRUSH
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "follow_up":
                return None
            if key == "completion":
                return "" if value is None else f"{value * 100:.1f}%"
            if key == "light":
                return LIGHT_SYMBOL.get(value, "—")
            if isinstance(value, float):
                return format_number(value)
            if isinstance(value, str) and "\n" in value:
                return value.split("\n", 1)[0] + " …"
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == SORT_ROLE:
            if key == "light":
                return {scoring.RED: 0, scoring.YELLOW: 1, scoring.GREEN: 2}.get(value)
            return value
        if role == ENTRY_ROLE:
            return entry
        if role == FIELD_ROLE:
            return f
        if role == Qt.ItemDataRole.CheckStateRole and key == "follow_up":
            return Qt.CheckState.Checked if value else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.ForegroundRole and key == "light" and value:
            return QBrush(LIGHT_COLOURS[value])
        if role == Qt.ItemDataRole.BackgroundRole and f is None and key not in ("follow_up",):
            return QBrush(QColor(246, 246, 246))
        if role == Qt.ItemDataRole.TextAlignmentRole and key in (
            "goal",
            "last_year",
            "previous",
            "value",
            "completion",
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if isinstance(value, str) and len(value) > 20:
                return value
            if key == "last_year":
                return "上一年度同名条目的完成值"
            if key == "light":
                return "对照全年时间进度：绿灯按进度，黄灯落后15个百分点以内，红灯落后更多或逾期"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(COLUMNS):
                return None
            key, header, _ = COLUMNS[section]
            if key == "value":
                return f"Q{self.quarter}{header}"
            if key == "previous" and self.quarter > 1:
                return f"Q{self.quarter - 1}{P['value'].label}"
            return header
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        key, _, f = COLUMNS[index.column()]
        if self.writable and f is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        if key == "follow_up" and self.writable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or not self.writable:
            return False
        entry = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if key == "follow_up" and role == Qt.ItemDataRole.CheckStateRole:
            checked = Qt.CheckState(value) == Qt.CheckState.Checked
            return self._write(entry.id, {"follow_up": checked})
        if role != Qt.ItemDataRole.EditRole or COLUMNS[index.column()][2] is None:
            return False
        current = self._raw(entry, key)
        if value in ("", None) and self.rejected(entry, key) is not None:
            self.accepted(entry.id, [key])  # the refused text is cleared
        if value == current or (value in ("", None) and current in ("", None)):
            return True
        return self._write(entry.id, {key: value})

    def _write(self, entry_id: int, values: dict[str, Any]) -> bool:
        if self.edit_handler is not None:
            return self.edit_handler(entry_id, values)
        self.store.progress.set(entry_id, self.quarter, values)
        self.refresh_entry(entry_id)
        return True
