"""Dialogs of the ledger window: validation problems, user guide, about."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import APP_TITLE, __version__
from ..core.categories import CATEGORY_BY_KEY
from ..core.enums import Role
from ..core.validate import Problem
from ..paths import resource_path
from ..store import Entry, Store


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


def guide_dialog(parent: QWidget) -> QDialog:
    """The user guide (HTML shipped in resources/docs), non-modal; the caller shows it."""
    dialog = QDialog(parent)
    dialog.setWindowTitle("用户指南")
    browser = QTextBrowser(dialog)
    browser.setOpenExternalLinks(True)
    try:
        path = resource_path("docs/用户指南.html")
        browser.setSource(QUrl.fromLocalFile(str(path)))
    except FileNotFoundError:
        browser.setPlainText("找不到用户指南文件。")
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser)
    layout.addWidget(buttons)
    em = parent.fontMetrics().horizontalAdvance("中")
    dialog.resize(em * 56, em * 44)
    return dialog


def show_about(parent: QWidget, store: Store) -> None:
    role = Role(store.role).label if store.role in tuple(Role) else store.role
    QMessageBox.about(
        parent,
        "关于",
        f"<h3>{APP_TITLE}</h3>"
        f"<p>版本 {__version__}</p>"
        f"<p>数据文件：{store.path or '内存数据库'}</p>"
        f"<p>当前用户：{store.user}（{role}）</p>"
        "<p>依据《杭州市西湖区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》"
        "（西政发〔2021〕13号）“六个一批”工作机制。</p>",
    )
