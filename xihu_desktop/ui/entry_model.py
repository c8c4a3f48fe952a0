"""One table model for all six categories, driven by the field declarations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from ..core.categories import Category, Field, FieldType
from ..core.entry_values import suggested_status
from ..core.validate import Problem, normalise_text, validate_row
from ..store import Entry, Ledger, Store, StoreError
from ..store.assigned import locked_fields

Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # raw value, for sorting
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2  # the Entry object
FIELD_ROLE = Qt.ItemDataRole.UserRole + 3  # the Field declaration of the column
ERROR_ROLE = Qt.ItemDataRole.UserRole + 4  # validation message of the cell, or None
COPY_ROLE = Qt.ItemDataRole.UserRole + 5  # plain text that pastes back to the same value

INVALID_BRUSH = QBrush(QColor(255, 205, 205))
LOCKED_BRUSH = QBrush(QColor(245, 245, 245))
SUGGESTION_BRUSH = QBrush(QColor(120, 120, 120))
#: the row header of an entry from a task package
ASSIGNED_MARK = "下达"
ASSIGNED_TIP = "区里下达的条目：不能删除，名称、关联和下达的目标值不能修改；其余由本单位填写"
_ITALIC = QFont()
_ITALIC.setItalic(True)


def lower_is_better(entry: Entry, lookups: Lookups | None) -> bool:
    direction = entry.values.get("direction")
    if direction is not None:
        return bool(direction == "越小越好")
    target = lookups.targets.get(entry.values.get("target_id")) if lookups else None
    return bool(target and target["lower_is_better"])


def suggestion_text(status: str | None, suggested: str) -> str:
    """A status cell showing a suggestion: greyed, italic, never stored by itself."""
    return f"{status} → {suggested}？" if status else f"{suggested}？"


def suggestion_role(role: int, status: str | None, suggested: str) -> Any:
    if role == Qt.ItemDataRole.DisplayRole:
        return suggestion_text(status, suggested)
    if role == Qt.ItemDataRole.ForegroundRole:
        return SUGGESTION_BRUSH
    if role == Qt.ItemDataRole.FontRole:
        return _ITALIC
    if role == Qt.ItemDataRole.ToolTipRole:
        return f"按完成情况建议为“{suggested}”（未保存）：点“采用建议状态”或自行选择"
    return None


SUGGESTION_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.FontRole,
    Qt.ItemDataRole.ToolTipRole,
)


class Lookups:
    """Names of plan targets and catalogue items, loaded once per window."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.reload()

    def reload(self) -> None:
        self.targets = {t["id"]: t for t in self.store.catalogue.targets()}
        self.items = {i["id"]: i for i in self.store.catalogue.items()}

    def target_label(self, target_id: Any) -> str:
        t = self.targets.get(target_id)
        if t is None:
            return "" if target_id is None else f"（编号{target_id}）"
        return f"{t['seq']}{t['sub'] or ''}. {t['name']}"

    def item_label(self, item_id: Any) -> str:
        i = self.items.get(item_id)
        if i is None:
            return "" if item_id is None else f"（编号{item_id}）"
        return str(i["name"])

    def label(self, f: Field, value: Any) -> str:
        if f.type == FieldType.TARGET:
            return self.target_label(value)
        return self.item_label(value)

    def find(self, f: Field, text: str) -> int | None:
        """Id of the target or catalogue item a clerk typed or pasted (name, code or id)."""
        text = normalise_text(text)
        if not text:
            return None
        if f.type == FieldType.TARGET:
            for t in self.targets.values():
                if text in (t["name"], self.target_label(t["id"]), str(t["id"])):
                    return int(t["id"])
            return None
        for i in self.items.values():
            if (not f.link or i["kind"] == f.link) and text in (i["name"], i["code"], str(i["id"])):
                return int(i["id"])
        return None


def format_number(value: float, decimals: int | None = None) -> str:
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def display_text(f: Field, value: Any, lookups: Lookups | None) -> str:
    """How a value is shown in a cell."""
    if value is None or value == "":
        return ""
    t = f.type
    if t in (FieldType.TARGET, FieldType.CATALOGUE):
        return lookups.label(f, value) if lookups else str(value)
    if t == FieldType.MONEY:
        return format_number(float(value), 2)
    if t == FieldType.PERCENT:
        return format_number(float(value)) + "%"
    if t in (FieldType.YEAR,):
        return str(int(value))
    if t in (FieldType.NUMBER, FieldType.INTEGER):
        return format_number(float(value))
    if t == FieldType.LONGTEXT:
        text = str(value)
        first, _, rest = text.partition("\n")
        return first + (" …" if rest else "")
    return str(value)


def copy_text(f: Field, value: Any, lookups: Lookups | None) -> str:
    """Plain text of a value that parses back to the same value (clipboard)."""
    if value is None:
        return ""
    if f.type in (FieldType.TARGET, FieldType.CATALOGUE):
        return lookups.label(f, value) if lookups else str(value)
    if f.type == FieldType.YEAR:
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if f.type == FieldType.PERCENT:
        return f"{value}%"
    return str(value)


class EntryTableModel(QAbstractTableModel):
    """The entries of one category of one ledger; columns are the category's fields.

    Rows are loaded once (:meth:`load`); after an edit only the touched rows are
    re-read (:meth:`refresh_entries`). Writes go through the store, one
    transaction each; the model itself never writes SQL.
    """

    def __init__(self, store: Store, cat: Category, lookups: Lookups | None = None) -> None:
        super().__init__()
        self.store = store
        self.category = cat
        self.fields: tuple[Field, ...] = cat.fields
        self.lookups = lookups
        self.ledger: Ledger | None = None
        self.writable = False
        self.unit_file = False  # a unit's own file: assigned entries keep the district's fields
        self._rows: list[Entry] = []
        self._row_of: dict[int, int] = {}
        self._errors: dict[int, dict[str, str]] = {}
        #: called instead of setData writing directly (the window's undo stack)
        self.edit_handler: Callable[[list[tuple[int, dict[str, Any]]]], list[Problem]] | None = None

    # ------------------------------------------------------------ columns

    def column(self, key: str) -> int:
        """Column number of a field key."""
        for i, f in enumerate(self.fields):
            if f.key == key:
                return i
        raise KeyError(key)

    def field(self, column: int) -> Field:
        return self.fields[column]

    # ------------------------------------------------------------ loading

    def load(self, ledger: Ledger | None, entries: Iterable[Entry] | None = None) -> None:
        """Show a ledger's entries of this category (read once from the store)."""
        self.beginResetModel()
        self.ledger = ledger
        self.writable = bool(ledger and self.store.can_write(ledger))
        self.unit_file = self.store.packages.bound_unit() is not None
        if ledger is None:
            self._rows = []
        elif entries is None:
            self._rows = self.store.entries.list(ledger.id, self.category.key)
        else:
            self._rows = sorted(
                (e for e in entries if e.category == self.category.key),
                key=lambda e: (e.position, e.id),
            )
        self._row_of = {e.id: r for r, e in enumerate(self._rows)}
        self._errors = {}  # validated lazily: only rows that are painted or asked for
        self.endResetModel()

    def reload(self) -> None:
        self.load(self.ledger and self.store.ledgers.get(self.ledger.id))

    def set_writable(self, writable: bool) -> None:
        if writable != self.writable:
            self.writable = writable
            if self._rows:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(len(self._rows) - 1, len(self.fields) - 1)
                )

    def _check(self, entry: Entry) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in validate_row(self.category, entry.values):
            out.setdefault(p.key, p.message)
        return out

    def refresh_entries(self, entry_ids: Iterable[int]) -> None:
        """Re-read some entries after a write and repaint only their rows."""
        for entry_id in entry_ids:
            row = self._row_of.get(entry_id)
            if row is None:
                continue
            try:
                entry = self.store.entries.get(entry_id)
            except StoreError:
                continue
            self._rows[row] = entry
            self._errors.pop(entry_id, None)
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.fields) - 1))

    # ------------------------------------------------------------ access

    @property
    def entries(self) -> list[Entry]:
        return list(self._rows)

    def entry(self, row: int) -> Entry:
        return self._rows[row]

    def row_of(self, entry_id: int) -> int | None:
        return self._row_of.get(entry_id)

    def suggested_status(self, entry: Entry) -> str | None:
        """The status its progress suggests for an entry (shown, not stored)."""
        if not self.writable:
            return None
        v = entry.values
        return suggested_status(
            v.get("status"), v.get("goal"), v.get("actual"), lower_is_better(entry, self.lookups)
        )

    def count_invalid(self) -> int:
        """How many rows fail validation (validated once each, kept until the row changes)."""
        return sum(1 for e in self._rows if self.errors(e.id))

    def errors(self, entry_id: int) -> Mapping[str, str]:
        """Validation messages of an entry by field key (computed on first use)."""
        found = self._errors.get(entry_id)
        if found is None:
            row = self._row_of.get(entry_id)
            if row is None:
                return {}
            found = self._errors[entry_id] = self._check(self._rows[row])
        return found

    # ------------------------------------------------------------ Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.fields)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        f = self.fields[index.column()]
        value = entry.values.get(f.key)
        if f.key == "status" and role in SUGGESTION_ROLES:
            suggested = self.suggested_status(entry)
            if suggested is not None and not self.errors(entry.id).get(f.key):
                return suggestion_role(role, value, suggested)
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(f, value, self.lookups)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == SORT_ROLE:
            if f.type in (FieldType.TARGET, FieldType.CATALOGUE):
                return display_text(f, value, self.lookups) or None
            return value
        if role == ENTRY_ROLE:
            return entry
        if role == FIELD_ROLE:
            return f
        if role == ERROR_ROLE:
            return self.errors(entry.id).get(f.key)
        if role == COPY_ROLE:
            return copy_text(f, value, self.lookups)
        if role == Qt.ItemDataRole.ToolTipRole:
            error = self.errors(entry.id).get(f.key)
            if error:
                return f"{f.label}：{error}"
            if self.locked(entry, f):
                return f"{f.label}：由区里下达，不能修改"
            if f.type == FieldType.LONGTEXT and value:
                return str(value)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if self.errors(entry.id).get(f.key):
                return INVALID_BRUSH
            if not self.writable or self.locked(entry, f):
                return LOCKED_BRUSH
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if f.is_numeric:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self.fields):
                return None
            f = self.fields[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return f.header + (" *" if f.required else "")
            if role == Qt.ItemDataRole.ToolTipRole:
                tip = f"{f.group} · {f.label}"
                if f.required:
                    tip += "（必填）"
                if f.help:
                    tip += f"\n{f.help}"
                if f.choices:
                    tip += "\n可选：" + "、".join(f.choices)
                return tip
            return None
        assigned = 0 <= section < len(self._rows) and self._rows[section].assigned
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{section + 1} {ASSIGNED_MARK}" if assigned else str(section + 1)
        if role == Qt.ItemDataRole.ToolTipRole and assigned:
            return ASSIGNED_TIP if self.unit_file else "已下达给单位的条目（任务包）"
        return None

    def locked(self, entry: Entry, f: Field) -> bool:
        """A district field of an assigned entry in a unit's own file (not editable)."""
        return self.unit_file and entry.assigned and f.key in locked_fields(entry.category)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.writable and not self.locked(self._rows[index.row()], self.fields[index.column()]):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Commit one cell through the store (via the undo stack when one is set)."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or not self.writable:
            return False
        entry = self._rows[index.row()]
        f = self.fields[index.column()]
        if value == entry.values.get(f.key) or (value == "" and entry.values.get(f.key) is None):
            return True
        changes = [(entry.id, {f.key: value})]
        problems = self.edit_handler(changes) if self.edit_handler else self.apply_changes(changes)
        return not problems

    def apply_changes(self, changes: Sequence[tuple[int, Mapping[str, Any]]]) -> list[Problem]:
        """Write raw values of several entries in one transaction; refresh their rows.

        Invalid cells are not written; they come back as problems whose ``row`` is
        the index of the change.
        """
        done = self.store.entries.update_many([(eid, dict(v)) for eid, v in changes])
        self.refresh_entries(done.entries)  # a model on its own: no window refreshes it
        return list(done.problems)


class EntryFilterProxy(QSortFilterProxyModel):
    """Search over every column; sorts on raw values with empty cells last."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterKeyColumn(-1)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._needle = ""

    def set_search(self, text: str) -> None:
        self.beginFilterChange()
        self._needle = normalise_text(text).lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._needle:
            return True
        model = self.sourceModel()
        if not isinstance(model, EntryTableModel):
            return True
        entry = model.entry(source_row)
        for col, f in enumerate(model.fields):
            if entry.values.get(f.key) is None:
                continue
            text = display_text(f, entry.values.get(f.key), model.lookups)
            if col == 0 or f.type == FieldType.LONGTEXT:
                text = str(entry.values.get(f.key))
            if self._needle in text.lower():
                return True
        return False

    def lessThan(self, left: Index, right: Index) -> bool:
        a = left.data(SORT_ROLE)
        b = right.data(SORT_ROLE)
        descending = self.sortOrder() == Qt.SortOrder.DescendingOrder
        if a is None or a == "":  # empty cells go last in either order, as in Excel
            return descending and not (b is None or b == "")
        if b is None or b == "":
            return not descending
        try:
            return bool(a < b)
        except TypeError:
            return str(a) < str(b)
