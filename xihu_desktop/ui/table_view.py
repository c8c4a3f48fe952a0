"""The ledger's table view: spreadsheet keys, and the clipboard's rectangle of cells."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from .entry_model import COPY_ROLE
from .frozen_view import FrozenColumns
from .tsv import format_tsv

#: a cell to paste: view row (may be beyond the last row), logical column, text
PasteCell = tuple[int, int, str]


def _title_key(text: str) -> str:
    """A column title compared loosely: no spaces, no required marker, ASCII brackets."""
    return "".join(text.split()).rstrip("*").replace("(", "（").replace(")", "）")


def drop_header_rows(block: list[list[str]], titles: set[str]) -> tuple[list[list[str]], int]:
    """The block without its copied header rows, and how many were dropped.

    A header row is one whose filled cells are all column titles (with or without the unit);
    a single title alone is taken as a header only above other rows."""
    known = {_title_key(t) for t in titles if t}
    kept = []
    for line in block:
        filled = [_title_key(t) for t in line if t.strip()]
        if filled and all(t in known for t in filled) and (len(filled) > 1 or len(block) > 1):
            continue
        kept.append(line)
    return kept, len(block) - len(kept)


def read_only_banner(parent: QWidget) -> QLabel:
    """The line above a table that says why it cannot be edited (hidden while editable)."""
    banner = QLabel(parent)
    banner.setObjectName("readOnlyBanner")
    banner.setWordWrap(True)
    banner.setStyleSheet(
        "QLabel#readOnlyBanner { background: #fff4ce; border: 1px solid #e0c36c;"
        " padding: 4px 8px; }"
    )
    banner.hide()
    return banner


def show_read_only(banner: QLabel, reason: str | None) -> None:
    banner.setText(reason or "")
    banner.setVisible(bool(reason))


class LedgerTableView(QTableView):
    """A table that behaves like a spreadsheet: Enter moves down, Delete clears."""

    copyRequested = Signal()
    pasteRequested = Signal()
    clearRequested = Signal()

    frozen: FrozenColumns | None = None  # set by freeze_columns, once the grid is shown
    _freeze_count = 0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(True)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)

    # ------------------------------------------------------------ frozen columns

    def freeze_columns(self, count: int) -> None:
        """Keep the first ``count`` columns (in visual order) in view when scrolling sideways.

        A grid not shown yet gets its overlay when first shown: the window starts with
        seven hidden grids, and the overlay is a whole second table view."""
        if self.frozen is not None:
            self.frozen.deleteLater()
            self.frozen = None
        self._freeze_count = count
        if self.isVisible():
            self._build_frozen()

    def _build_frozen(self) -> None:
        if self._freeze_count > 0 and self.frozen is None:
            self.frozen = FrozenColumns(self, self._freeze_count)

    def showEvent(self, event: QShowEvent) -> None:
        self._build_frozen()
        super().showEvent(event)

    def _is_frozen(self, column: int) -> bool:
        return self.frozen is not None and column in self.frozen.frozen()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.frozen is not None:
            self.frozen.place()

    def updateGeometries(self) -> None:
        super().updateGeometries()
        if self.frozen is not None:
            self.frozen.place()

    def edit(  # type: ignore[override]
        self,
        index: QModelIndex | QPersistentModelIndex,
        trigger: QAbstractItemView.EditTrigger = QAbstractItemView.EditTrigger.AllEditTriggers,
        event: QEvent | None = None,
    ) -> bool:
        """A frozen cell is edited in the grid itself, the overlay stepping aside meanwhile."""
        frozen = self.frozen is not None and self._is_frozen(index.column())
        if frozen and self.frozen is not None:
            self.horizontalScrollBar().setValue(0)
            self.frozen.hide()
        done = bool(super().edit(index, trigger, event))  # type: ignore[arg-type]
        if frozen and not done and self.frozen is not None:
            self.frozen.show()
        return done

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        """Also keep the current cell out from under the frozen columns."""
        super().scrollTo(index, hint)
        if self.frozen is None or not self.frozen.isVisible() or self._is_frozen(index.column()):
            return
        hidden = self.frozen.width_needed() - self.visualRect(index).left()
        if hidden > 0:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - hidden)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.state() != QAbstractItemView.State.EditingState:
            if event.matches(QKeySequence.StandardKey.Copy):
                self.copyRequested.emit()
                return
            if event.matches(QKeySequence.StandardKey.Paste):
                self.pasteRequested.emit()
                return
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.clearRequested.emit()
                return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                up = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                self.move_vertically(-1 if up else 1)
                return
        super().keyPressEvent(event)

    def move_vertically(self, step: int) -> None:
        current = self.currentIndex()
        model = self.model()
        if not current.isValid() or model is None:
            return
        row = min(max(current.row() + step, 0), model.rowCount() - 1)
        self.setCurrentIndex(model.index(row, current.column()))

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
            self.move_vertically(1)  # Enter commits and moves down, as in Excel
        else:
            super().closeEditor(editor, hint)
        if self.frozen is not None and self.state() != QAbstractItemView.State.EditingState:
            self.frozen.show()

    # ------------------------------------------------------------ clipboard

    def selection_block(self) -> tuple[list[int], list[int]] | None:
        """View rows and visual columns of the selection's bounding box."""
        indexes = self.selectionModel().selectedIndexes()
        if not indexes and self.currentIndex().isValid():
            indexes = [self.currentIndex()]
        if not indexes:
            return None
        header = self.horizontalHeader()
        rows = sorted({i.row() for i in indexes})
        cols = sorted({header.visualIndex(i.column()) for i in indexes})
        return list(range(rows[0], rows[-1] + 1)), list(range(cols[0], cols[-1] + 1))

    def copy_selection(self) -> tuple[int, int] | None:
        """Put the selected cells on the clipboard as TSV (gaps stay empty); (rows, columns)."""
        block = self.selection_block()
        model = self.model()
        if block is None or model is None:
            return None
        rows, visuals = block
        header = self.horizontalHeader()
        current = self.currentIndex()
        selected = {(i.row(), i.column()) for i in self.selectionModel().selectedIndexes()} or {
            (current.row(), current.column())
        }
        out = []
        for r in rows:
            line = []
            for v in visuals:
                c = header.logicalIndex(v)
                text = model.index(r, c).data(COPY_ROLE) if (r, c) in selected else ""
                line.append(text or "")
            out.append(line)
        QApplication.clipboard().setText(format_tsv(out))
        return len(rows), len(visuals)

    def paste_targets(self, block: list[list[str]]) -> list[PasteCell]:
        """Where each pasted text goes: from the current cell on, in visual column order;
        one value copied and several cells selected fills the selection (as Excel does)."""
        model = self.model()
        ncols = model.columnCount() if model is not None else 0
        header = self.horizontalHeader()
        current = self.currentIndex()
        start_row = current.row() if current.isValid() else (model.rowCount() if model else 0)
        start_visual = header.visualIndex(current.column()) if current.isValid() else 0
        selected = self.selectionModel().selectedIndexes()
        if len(block) == 1 and len(block[0]) == 1 and len(selected) > 1:
            return [(i.row(), i.column(), block[0][0]) for i in selected]
        cells: list[PasteCell] = []
        for r, line in enumerate(block):
            for c, text in enumerate(line):
                visual = start_visual + c
                if visual < ncols:
                    cells.append((start_row + r, header.logicalIndex(visual), text))
        return cells

    def select_block(self, view_rows: list[int], columns: list[int]) -> None:
        """Select the rectangle of ``view_rows`` × logical ``columns`` (after a paste)."""
        model = self.model()
        if not columns or not view_rows or model is None:
            return
        header = self.horizontalHeader()
        visuals = sorted(header.visualIndex(c) for c in columns)
        top = model.index(min(view_rows), header.logicalIndex(visuals[0]))
        bottom = model.index(
            min(max(view_rows), model.rowCount() - 1), header.logicalIndex(visuals[-1])
        )
        if top.isValid() and bottom.isValid():
            self.selectionModel().setCurrentIndex(top, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.selectionModel().select(
                QItemSelection(top, bottom), QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
