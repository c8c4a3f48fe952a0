"""One category tab: the entry table with Excel habits, a search box and row tools."""

from __future__ import annotations

import zlib
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.categories import Category, FieldType
from ..core.settings import COLUMN_STATE
from ..core.validate import Problem
from ..store import Changes, Entry, Ledger, Store, StoreError
from . import user_settings
from .delegates import FieldDelegate
from .entry_model import EntryFilterProxy, EntryTableModel, Lookups
from .operations import push_undo
from .table_view import (
    LedgerTableView,
    PasteCell,
    drop_header_rows,
    read_only_banner,
    show_read_only,
)
from .tsv import parse_tsv

#: at most this many rejected cells are listed in one message
MAX_LISTED = 30


class CategoryTab(QWidget):
    """The entries of one category: table, search, row tools; every edit undoable."""

    message = Signal(str)  # status bar text

    def __init__(
        self,
        store: Store,
        cat: Category,
        lookups: Lookups,
        undo_stack: QUndoStack,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.category = cat
        self.undo_stack = undo_stack
        self.settings = settings
        self._model = EntryTableModel(store, cat, lookups)
        self._model.edit_handler = self._edit_cells
        #: the ledger this tab shows but has not read yet (read when the tab is first shown)
        self._pending: tuple[Ledger | None] | None = None
        self._proxy = EntryFilterProxy(self)
        self._proxy.setSourceModel(self._model)
        # the count label is recounted once per burst of changes (a paste changes many rows)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(0)
        self._count_timer.timeout.connect(self._update_count)
        for signal in (
            self._proxy.modelReset,
            self._proxy.rowsInserted,
            self._proxy.rowsRemoved,
            self._proxy.layoutChanged,
        ):
            signal.connect(self._update_count)
        self._model.dataChanged.connect(self._count_later)  # once per row of a paste

        self._view = LedgerTableView(self)
        self._view.setModel(self._proxy)
        self.delegate = FieldDelegate(lookups, self._view)
        self._view.setItemDelegate(self.delegate)
        header = self._view.horizontalHeader()
        header.setSectionsMovable(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorClearable(True)
        self._view.setSortingEnabled(True)
        self._set_default_widths()
        self._restore_header()
        self._view.freeze_columns(1)  # the name stays in view when scrolling sideways
        self._view.copyRequested.connect(self.copy)
        self._view.pasteRequested.connect(self.paste)
        self._view.clearRequested.connect(self.clear_cells)

        self.search = QLineEdit(self)
        self.search.setPlaceholderText(f"搜索{cat.short}…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("在本表所有列中查找（不区分大小写）")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(lambda: self._proxy.set_search(self.search.text()))
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.count_label = QLabel(self)

        self.actions_: dict[str, QAction] = {}
        tools = QHBoxLayout()
        tools.setContentsMargins(0, 0, 0, 0)
        for key, text, tip, shortcut, slot in (
            ("add", "新增行", "在末尾新增一行（Ctrl+N）", "Ctrl+N", self.add_row),
            ("insert", "插入行", "在当前行上方插入一行（Ctrl+I）", "Ctrl+I", self.insert_row),
            ("duplicate", "复制行", "复制当前行到其下方（Ctrl+D）", "Ctrl+D", self.duplicate_row),
            ("delete", "删除行", "删除所选行（Ctrl+-，可撤销）", "Ctrl+-", self.delete_rows),
            ("up", "上移", "当前行上移（Alt+↑）", "Alt+Up", lambda: self.move_row(-1)),
            ("down", "下移", "当前行下移（Alt+↓）", "Alt+Down", lambda: self.move_row(1)),
            (
                "suggest",
                "采用建议状态",
                "把所选行（未选时为全部行）的推进状态改为按完成情况建议的状态（灰色斜体所示，可撤销）",
                "Ctrl+Shift+S",
                self.apply_suggested_status,
            ),
        ):
            if key == "suggest" and not cat.has("status"):
                continue
            action = QAction(text, self)
            action.setToolTip(tip)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            button = QToolButton(self)
            button.setDefaultAction(action)
            tools.addWidget(button)
            self.actions_[key] = action
        tools.addStretch(1)
        tools.addWidget(self.count_label)
        tools.addWidget(self.search, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(tools)
        self.banner = read_only_banner(self)
        layout.addWidget(self.banner)
        layout.addWidget(self._view, 1)
        self._update_actions()

    # ------------------------------------------------------------ loading

    @property
    def proxy(self) -> EntryFilterProxy:
        """The sorted, filtered rows (the tab's rows are read first if still pending)."""
        self.ensure_loaded()
        return self._proxy

    @property
    def view(self) -> LedgerTableView:
        self.ensure_loaded()
        return self._view

    @property
    def model(self) -> EntryTableModel:
        """The table's rows, read now if the tab has not been shown since the ledger changed."""
        self.ensure_loaded()
        return self._model

    def load(self, ledger: Ledger | None, entries: list[Entry] | None = None) -> None:
        """Show a ledger: read at once when the tab is on screen, else when first shown."""
        self.delegate.plan_id = ledger.plan_id if ledger else None
        if entries is None and not self.isVisible():
            self._pending = (ledger,)
            self._model.load(None)  # nothing of the previous ledger is kept meanwhile
        else:
            self._pending = None
            self._model.load(ledger, entries)
        self._update_actions()

    @property
    def loaded(self) -> bool:
        return self._pending is None

    def ensure_loaded(self) -> None:
        if self._pending is not None:
            (ledger,) = self._pending
            self._pending = None
            self._model.load(ledger)
            self._update_actions()

    def refresh_entries(self, entry_ids: Any) -> None:
        """Re-read written entries (a tab not read yet reads them when shown)."""
        if self._pending is None:
            self._model.refresh_entries(entry_ids)

    def reload(self) -> None:
        if self._pending is None:
            self._model.reload()

    def set_writable(self, writable: bool, reason: str | None = None) -> None:
        """``reason``: why the ledger is read-only, shown above the table."""
        self._model.set_writable(writable)
        show_read_only(self.banner, None if writable else reason)
        self._update_actions()

    def _update_actions(self) -> None:
        for action in self.actions_.values():
            action.setEnabled(self._model.writable)

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_loaded()
        super().showEvent(event)
        self._update_count()

    def _count_later(self, *_args: Any) -> None:
        self._count_timer.start()

    def _update_count(self, *_args: Any) -> None:
        self._count_timer.stop()
        model = self._model
        total, shown = model.rowCount(), self._proxy.rowCount()
        text = f"共 {total} 条" if shown == total else f"显示 {shown} / {total} 条"
        # validating every row is only worth it for the tab on screen
        errors = model.count_invalid() if self.isVisible() else 0
        if errors:
            text += f"，{errors} 条待完善"
        self.count_label.setText(text)

    # ------------------------------------------------------------ header state

    def _set_default_widths(self) -> None:
        em = self._view.fontMetrics().horizontalAdvance("中")
        header = self._view.horizontalHeader()
        for col, f in enumerate(self.category.fields):
            label = str(self._model.headerData(col, Qt.Orientation.Horizontal))
            title = header.fontMetrics().horizontalAdvance(label) + em
            header.resizeSection(col, max(int(f.width * em * 0.9), title, 4 * em))

    def _settings_key(self) -> dict[str, str]:
        # the field list is part of the key: a saved layout never applies to other columns
        signature = zlib.crc32(",".join(self.category.keys).encode())
        return {"category": self.category.key, "fields": f"{signature:08x}"}

    def _restore_header(self) -> None:
        if self.settings is None:
            return
        state = user_settings.read(self.settings, COLUMN_STATE, **self._settings_key())
        if state:
            self._view.horizontalHeader().restoreState(state)
            header = self._view.horizontalHeader()
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)

    def save_header(self) -> None:
        if self.settings is not None:
            user_settings.write(
                self.settings,
                COLUMN_STATE,
                self._view.horizontalHeader().saveState(),
                **self._settings_key(),
            )

    # ------------------------------------------------------------ helpers

    def _error(self, text: str) -> None:
        self.message.emit(text)

    def source_index(self, index: QModelIndex | QPersistentModelIndex) -> QModelIndex:
        return self.proxy.mapToSource(index)

    def select_cell(self, entry_id: int, key: str | None = None) -> bool:
        """Make a cell current (used by the validation list)."""
        row = self.model.row_of(entry_id)
        if row is None:
            return False
        if self.proxy.mapFromSource(self.model.index(row, 0)).isValid() is False:
            self.search.clear()
            self.proxy.set_search("")
        col = self.model.column(key) if key and self.category.has(key) else 0
        index = self.proxy.mapFromSource(self.model.index(row, col))
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index)
        self.view.setFocus()
        return True

    def _current_entry(self) -> Entry | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.entry(self.source_index(index).row())

    def _selected_rows(self) -> list[int]:
        """Source rows touched by the selection (or the current cell), in order."""
        rows = {self.source_index(i).row() for i in self.view.selectionModel().selectedIndexes()}
        if not rows and self.view.currentIndex().isValid():
            rows.add(self.source_index(self.view.currentIndex()).row())
        return sorted(rows)

    def _require_writable(self) -> bool:
        if not self.model.writable:
            self._error("台账已提交或无编辑权限，不能修改。")
            return False
        return True

    # ------------------------------------------------------------ cell edits

    def _edit_cells(self, changes: list[tuple[int, dict[str, Any]]]) -> list[Problem]:
        """Write one typed cell (the model's edit handler); push it on the undo stack."""
        try:
            done = self.store.entries.update_many(changes)
        except StoreError as exc:
            self._show_rejected(str(exc))
            return [Problem("", "", str(exc))]
        if done.problems:
            self._show_rejected("；".join(str(p) for p in done.problems))
            self._reopen_later(*changes[0])
            return list(done.problems)
        key = next(iter(changes[0][1]))
        label = self.category.field(key).label
        self._push(f"修改“{label}”", done)
        self.message.emit(f"已保存：{label}")
        return []

    def _push(self, text: str, done: Changes) -> None:
        push_undo(self.undo_stack, self.store, text, done, self._error)

    def _show_rejected(self, text: str) -> None:
        self._error(f"未保存：{text}")
        QApplication.beep()

    def _reopen_later(self, entry_id: int, values: dict[str, Any]) -> None:
        """After a rejected entry, go back to the cell with the typed text (as Excel does)."""
        key, raw = next(iter(values.items()))
        if isinstance(raw, str):
            QTimer.singleShot(0, lambda: self._reopen(entry_id, key, raw))

    def _reopen(self, entry_id: int, key: str, text: str) -> None:
        if not self.select_cell(entry_id, key):
            return
        index = self.view.currentIndex()
        self.view.edit(index)
        editor = self.view.indexWidget(index)
        if isinstance(editor, QLineEdit):
            editor.setText(text)
            editor.selectAll()

    def clear_cells(self) -> None:
        if not self._require_writable():
            return
        cells: dict[int, dict[str, Any]] = {}
        for index in self.view.selectionModel().selectedIndexes() or [self.view.currentIndex()]:
            if not index.isValid():
                continue
            src = self.source_index(index)
            entry = self.model.entry(src.row())
            f = self.model.field(src.column())
            if entry.values.get(f.key) is not None:
                cells.setdefault(entry.id, {})[f.key] = None
        if cells:
            self._write_cells(list(cells.items()), "清除内容")

    # ------------------------------------------------------------ clipboard

    def copy(self) -> None:
        size = self.view.copy_selection()
        if size is not None:
            self.message.emit(f"已复制 {size[0]} 行 × {size[1]} 列")

    def paste(self) -> None:
        if not self._require_writable():
            return
        block = parse_tsv(QApplication.clipboard().text())
        if not block:
            self.message.emit("剪贴板中没有可粘贴的内容")
            return
        titles = {t for f in self.category.fields for t in (f.label, f.header)}
        block, headers = drop_header_rows(block, titles)
        if headers:
            note = f"已跳过 {headers} 行标题（与列名相同，不作为条目）"
            self.message.emit(note)
            if not block:
                QMessageBox.information(self, "粘贴", note + "，没有其他内容可粘贴。")
                return
        cells = self.view.paste_targets(block)
        self._paste_cells(cells)
        if headers:
            self.message.emit(note)

    def _paste_cells(self, cells: list[PasteCell]) -> None:
        ledger = self.model.ledger
        if ledger is None or not cells:
            return
        existing = self.proxy.rowCount()
        local: list[tuple[int, str, str]] = []  # (view row, label, message)
        by_row: dict[int, dict[str, Any]] = {}
        for r, c, text in cells:
            f = self.model.field(c)
            value: Any = text
            if f.type in (FieldType.TARGET, FieldType.CATALOGUE) and text.strip():
                found = self.model.lookups.find(f, text) if self.model.lookups else None
                if found is None:
                    what = "规划指标" if f.type == FieldType.TARGET else "规划目录项"
                    local.append((r + 1, f.label, f"找不到{what}“{text.strip()}”"))
                    continue
                value = found
            by_row.setdefault(r, {})[f.key] = value
        view_rows = sorted(by_row)
        changes: list[tuple[int | None, dict[str, Any]]] = [
            (self._entry_at(r).id if r < existing else None, by_row[r]) for r in view_rows
        ]
        try:
            done = self.store.entries.paste(ledger.id, self.category.key, changes)
        except StoreError as exc:
            QMessageBox.warning(self, "粘贴失败", f"粘贴的内容均未保存：{exc}")
            return
        fresh = iter(done.created)
        written = [(eid if eid is not None else next(fresh), v) for eid, v in changes]
        self._finish_block("粘贴", len(cells), written, done, view_rows, local)

    def _entry_at(self, view_row: int) -> Entry:
        return self.model.entry(self.source_index(self.proxy.index(view_row, 0)).row())

    def _write_cells(self, changes: list[tuple[int, dict[str, Any]]], what: str) -> None:
        try:
            done = self.store.entries.update_many(changes)
        except StoreError as exc:
            self._error(str(exc))
            return
        ncells = sum(len(v) for _, v in changes)
        self._finish_block(what, ncells, changes, done, None, [])

    def _finish_block(
        self,
        what: str,
        ncells: int,
        changes: list[tuple[int, dict[str, Any]]],
        done: Changes,
        view_rows: list[int] | None,
        local: list[tuple[int, str, str]],
    ) -> None:
        """After a block write: push one undo command, list the rejected cells."""
        stored = sum(len(v) for _, v in changes) - len(done.problems)
        self._push(what, done)
        lines = list(local)
        for p in done.problems:
            if view_rows is not None and p.row is not None:
                row = view_rows[p.row] + 1
            else:
                src = self.model.row_of(changes[p.row or 0][0])
                row = self.proxy.mapFromSource(self.model.index(src or 0, 0)).row() + 1
            lines.append((row, p.label, p.message))
        self.message.emit(
            f"{what}：已保存 {stored} 个单元格" + (f"，{len(lines)} 个未通过校验" if lines else "")
        )
        if lines:
            lines.sort()
            text = "\n".join(f"第{r}行 “{label}”：{msg}" for r, label, msg in lines[:MAX_LISTED])
            if len(lines) > MAX_LISTED:
                text += f"\n……另有{len(lines) - MAX_LISTED}处"
            QMessageBox.warning(
                self,
                f"{what}：{len(lines)} 个单元格未保存",
                f"共 {ncells} 个单元格，已保存 {stored} 个；以下 {len(lines)} 个未通过校验，"
                f"保持原值：\n\n{text}",
            )
        if view_rows:
            keys = {k for _, v in changes for k in v}
            self.view.select_block(view_rows, [self.model.column(k) for k in keys])

    def apply_suggested_status(self) -> None:
        """One click: the suggested 推进状态 of the selected rows (else all rows), undoable."""
        if not self._require_writable():
            return

        def suggested(rows: Any) -> list[tuple[int, dict[str, Any]]]:
            entries = (self.model.entry(r) for r in rows)
            return [
                (e.id, {"status": s})
                for e in entries
                if (s := self.model.suggested_status(e)) is not None
            ]

        changes = suggested(self._selected_rows()) or suggested(range(self.model.rowCount()))
        if not changes:
            self.message.emit("没有需要采用的建议状态")
            return
        self._write_cells(changes, "采用建议状态")

    # ------------------------------------------------------------ rows

    def _add(
        self, text: str, values: dict[str, Any] | None = None, position: int | None = None
    ) -> None:
        """A new row (at ``position``, else at the end); undoable; its first cell selected."""
        if not self._require_writable() or self.model.ledger is None:
            return
        try:
            done = self.store.entries.add(
                self.model.ledger.id, self.category.key, values, position=position
            )
        except StoreError as exc:
            self._error(str(exc))
            return
        self._push(text, done)
        if position is None:
            self.search.clear()
        self.select_cell(done.id, self.category.fields[0].key)
        self.message.emit(f"{text}（可撤销 Ctrl+Z）")

    def add_row(self) -> None:
        self._add("新增行")

    def insert_row(self) -> None:
        current = self._current_entry()
        if current is None:
            self.add_row()
            return
        self._add("插入行", position=current.position)

    def duplicate_row(self) -> None:
        current = self._current_entry()
        if current is None:
            return
        values = {k: v for k, v in current.values.items() if v is not None and self.category.has(k)}
        self._add("复制行", values, position=current.position + 1)

    def delete_rows(self) -> None:
        if not self._require_writable():
            return
        rows = self._selected_rows()
        if not rows:
            return
        entries = sorted((self.model.entry(r) for r in rows), key=lambda e: (e.position, e.id))
        try:
            done = self.store.entries.delete([e.id for e in entries])
        except StoreError as exc:
            self._error(str(exc))
            return
        self._push(f"删除{len(entries)}行", done)
        self.message.emit(f"已删除 {len(entries)} 行（可撤销 Ctrl+Z）")

    def move_row(self, step: int) -> None:
        if not self._require_writable():
            return
        if (
            self.view.horizontalHeader().sortIndicatorSection() >= 0
            and self.proxy.sortColumn() >= 0
        ):
            self._error("表格已按列排序，请先点击列标题取消排序再调整顺序。")
            return
        current = self._current_entry()
        if current is None:
            return
        row = self.model.row_of(current.id) or 0
        new_row = row + step
        if not 0 <= new_row < self.model.rowCount():
            return
        column = self.view.currentIndex().column()
        try:
            done = self.store.entries.move(current.id, new_row + 1)
        except StoreError as exc:
            self._error(str(exc))
            return
        self._push("调整顺序", done)
        self.select_cell(current.id, self.category.fields[max(column, 0)].key)
