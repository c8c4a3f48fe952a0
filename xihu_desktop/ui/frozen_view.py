"""The first columns of a grid kept in view while it scrolls sideways.

Qt's "frozen column" example: a second table view over the left edge of the grid,
sharing its model and selection (it paints, the grid edits), showing only the first columns (in visual
order) and scrolling up and down with it. It takes no focus: keys go to the grid; a
click selects in both (one selection model), a double click edits in the grid.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QTableView


class FrozenColumns(QTableView):
    """The overlay; ``grid`` is the table view it freezes ``count`` visual columns of."""

    def __init__(self, grid: QTableView, count: int) -> None:
        super().__init__(grid)
        self.grid = grid
        self.count = count
        self.setObjectName("frozenColumns")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollMode(grid.horizontalScrollMode())
        self.setVerticalScrollMode(grid.verticalScrollMode())
        self.setAlternatingRowColors(grid.alternatingRowColors())
        self.setWordWrap(grid.wordWrap())
        self.setSelectionBehavior(grid.selectionBehavior())
        self.setSelectionMode(grid.selectionMode())
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(grid.verticalHeader().defaultSectionSize())
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setSectionsClickable(True)
        self.horizontalHeader().sectionClicked.connect(self._sort)
        self.setStyleSheet("QTableView#frozenColumns { border-right: 2px solid #9aa7b5; }")
        grid.viewport().stackUnder(self)

        self.setModel(grid.model())
        self.setSelectionModel(grid.selectionModel())
        self.doubleClicked.connect(self._edit_in_grid)
        self.clicked.connect(lambda index: grid.setFocus())
        grid.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(grid.verticalScrollBar().setValue)
        header = grid.horizontalHeader()
        header.sectionResized.connect(lambda *_: self.sync())
        header.sectionMoved.connect(lambda *_: self.sync())
        header.sortIndicatorChanged.connect(self._show_sort)
        model = grid.model()
        if model is not None:
            model.modelReset.connect(self.sync)
            model.layoutChanged.connect(self.sync)
        self.sync()
        self.show()

    def frozen(self) -> list[int]:
        """Logical columns now frozen: the first ``count`` in the grid's visual order."""
        header = self.grid.horizontalHeader()
        visible = [
            header.logicalIndex(v)
            for v in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(v))
        ]
        return visible[: self.count]

    def width_needed(self) -> int:
        return sum(self.grid.columnWidth(c) for c in self.frozen())

    def sync(self) -> None:
        """Show the frozen columns only, at the grid's widths and place."""
        model = self.model()
        if model is None:
            return
        frozen = self.frozen()
        header = self.horizontalHeader()
        for c in range(model.columnCount()):
            self.setColumnHidden(c, c not in frozen)
        for v, c in enumerate(frozen):  # same visual order as in the grid
            header.moveSection(header.visualIndex(c), v)
            self.setColumnWidth(c, self.grid.columnWidth(c))
        self.place()

    def place(self) -> None:
        grid = self.grid
        frame = grid.frameWidth()
        self.setGeometry(
            grid.verticalHeader().width() + frame,
            frame,
            self.width_needed(),
            grid.viewport().height() + grid.horizontalHeader().height(),
        )
        self.horizontalHeader().setFixedHeight(grid.horizontalHeader().height())
        self.verticalScrollBar().setValue(grid.verticalScrollBar().value())

    def _edit_in_grid(self, index: QModelIndex) -> None:
        self.grid.setCurrentIndex(index)
        self.grid.edit(index)

    def _sort(self, column: int) -> None:
        grid = self.grid
        if not grid.isSortingEnabled():
            return
        header = grid.horizontalHeader()
        ascending = Qt.SortOrder.AscendingOrder
        order = ascending
        if header.sortIndicatorSection() == column and header.sortIndicatorOrder() == ascending:
            order = Qt.SortOrder.DescendingOrder
        grid.sortByColumn(column, order)

    def _show_sort(self, column: int, order: Qt.SortOrder) -> None:
        self.horizontalHeader().setSortIndicatorShown(column in self.frozen())
        self.horizontalHeader().setSortIndicator(column, order)
