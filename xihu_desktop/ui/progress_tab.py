"""The 进度 tab: per entry and quarter, value, status, problems, next steps, comment, flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QShowEvent, QUndoStack
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
from ..core.categories import CATEGORIES, CATEGORY_BY_KEY, Field
from ..core.entry_values import is_draft, suggested_status
from ..core.progress_fields import PROGRESS_BY_KEY as P
from ..core.progress_fields import after_quarter
from ..core.validate import Invalid, is_empty, parse_number
from ..store import Entry, Ledger, Progress, Store, StoreError
from .delegates import FieldDelegate
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
from .operations import push_undo
from .progress_filter import ProgressProxy, current_quarter
from .table_view import LedgerTableView, read_only_banner, show_read_only
from .tsv import format_tsv

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
