"""Dialogs of the ledger window: validation problems, new ledger, about."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.categories import CATEGORY_BY_KEY
from ..core.validate import Problem
from ..store import Entry


class ProblemsDialog(QDialog):
    """Every validation problem of a ledger; double-click jumps to the cell."""

    jump = Signal(int, str, str)  # entry id, category key, field key

    def __init__(
        self,
        problems: Sequence[tuple[Entry, Problem]],
        rows: dict[int, int],
        parent: QWidget | None = None,
        title: str = "提交前校验",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        layout = QVBoxLayout(self)
        label = QLabel(
            f"发现 {len(problems)} 个问题，台账未提交。请逐项修改后再提交（双击可定位到单元格）。",
            self,
        )
        label.setWordWrap(True)
        layout.addWidget(label)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["类别", "行", "名称", "字段", "问题"])
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for entry, problem in problems:
            item = QTreeWidgetItem(
                [
                    CATEGORY_BY_KEY[entry.category].short,
                    str(rows.get(entry.id, entry.position)),
                    entry.name or "（未填名称）",
                    problem.label,
                    problem.message,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, (entry.id, entry.category, problem.key))
            self.tree.addTopLevelItem(item)
        for col in range(4):
            self.tree.resizeColumnToContents(col)
        self.tree.itemDoubleClicked.connect(self._jump)
        layout.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 60, em * 30)

    def _jump(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        entry_id, cat, key = item.data(0, Qt.ItemDataRole.UserRole)
        self.jump.emit(int(entry_id), str(cat), str(key))
