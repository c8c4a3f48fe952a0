"""The 任务分解 window: one year's targets × units grid and the item assignments.

A non-modal dialog. The administrator edits the district goal, the lead unit (a combo,
or 设为牵头单位 on a unit's cell) and each unit's share in the grid, and the units of
a catalogue item in a checklist; every edit is one store write, and the window
refreshes when ``Changes.district`` names its year. 导出 Excel… / 从 Excel 导入… move
the same table to and from a spreadsheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..store import Changes, Store, StoreError
from .decomposition_model import FIRST_UNIT, LEAD, GridModel, ItemsModel
from .frozen_view import FrozenColumns
from .operations import ChangeHub


def plan_years(store: Store) -> list[int]:
    """Every year of the plan periods, in order."""
    return sorted({y for p in store.catalogue.plans() for y in range(p.start_year, p.end_year + 1)})


class LeadDelegate(QStyledItemDelegate):
    """The lead unit: a combo of the active units (the first entry clears it)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Any) -> QWidget:
        combo = QComboBox(parent)
        combo.addItem("（无）", None)
        for unit in self.store.units.list(active_only=True):
            combo.addItem(unit.name, unit.id)
        return combo

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        assert isinstance(editor, QComboBox)
        found = editor.findData(index.data(Qt.ItemDataRole.EditRole))
        editor.setCurrentIndex(max(found, 0))

    def setModelData(self, editor: QWidget, model: Any, index: Any) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)


class UnitChecklist(QDialog):
    """Tick the units a catalogue item is assigned to."""

    def __init__(self, store: Store, title: str, checked: set[int], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"分配责任单位 — {title}")
        self.resize(360, 520)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"“{title}”的责任单位："))
        self.list = QListWidget(self)
        self.list.setObjectName("unitChecklist")
        for unit in store.units.list():
            if not unit.active and unit.id not in checked:
                continue
            item = QListWidgetItem(unit.name, self.list)
            item.setData(Qt.ItemDataRole.UserRole, unit.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            on = unit.id in checked
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def unit_ids(self) -> set[int]:
        out = set()
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.add(int(item.data(Qt.ItemDataRole.UserRole)))
        return out


class DecompositionDialog(QDialog):
    """任务分解 of one year (non-modal)."""

    def __init__(self, store: Store, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(f"任务分解 — {year}年")
        self.setObjectName("decompositionDialog")
        self.resize(1400, 820)
        self.hub = ChangeHub(store, self)
        self.hub.changed.connect(self.on_changes)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        self.year_box = QComboBox(self)
        self.year_box.setObjectName("decompositionYear")
        for y in plan_years(store) or [year]:
            self.year_box.addItem(f"{y}年", y)
        self.year_box.setCurrentIndex(max(self.year_box.findData(year), 0))
        self.year_box.currentIndexChanged.connect(self._year_changed)
        top.addWidget(self.year_box)
        self.status = QLabel(self)
        self.status.setObjectName("decompositionStatus")
        top.addWidget(self.status, 1)
        self.export_button = QPushButton("导出 Excel…", self)
        self.import_button = QPushButton("从 Excel 导入…", self)
        self.export_button.clicked.connect(self.export_excel)
        self.import_button.clicked.connect(self.import_excel)
        self.import_button.setEnabled(store.is_admin)
        top.addWidget(self.export_button)
        top.addWidget(self.import_button)
        layout.addLayout(top)

        self.tabs = QTabWidget(self)
        self.grid_model = GridModel(store, year, self)
        self.grid_model.failed.connect(self._failed)
        self.grid_model.modelReset.connect(self._show_status)
        self.grid_model.dataChanged.connect(lambda *_: self._show_status())
        self.grid_view = QTableView(self)
        self.grid_view.setObjectName("decompositionGrid")
        self.grid_view.setModel(self.grid_model)
        self.grid_view.setItemDelegateForColumn(LEAD, LeadDelegate(store, self.grid_view))
        self.grid_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.grid_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.grid_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.grid_view.customContextMenuRequested.connect(self._grid_menu)
        self.grid_view.verticalHeader().hide()
        self.grid_view.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignVCenter
        )
        self._widths()
        self.frozen = FrozenColumns(self.grid_view, FIRST_UNIT)
        self.grid_model.modelReset.connect(self._widths)
        self.tabs.addTab(self.grid_view, "指标分解")

        items_page = QWidget(self)
        items_layout = QVBoxLayout(items_page)
        items_layout.setContentsMargins(0, 0, 0, 0)
        self.items_model = ItemsModel(store, year, self)
        self.items_view = QTableView(items_page)
        self.items_view.setObjectName("decompositionItems")
        self.items_view.setModel(self.items_model)
        self.items_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.items_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.items_view.verticalHeader().hide()
        self.items_view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.items_view.setColumnWidth(2, 380)
        self.items_view.doubleClicked.connect(self.edit_item_units)
        items_layout.addWidget(self.items_view)
        assign = QHBoxLayout()
        self.assign_button = QPushButton("分配责任单位…", items_page)
        self.assign_button.setEnabled(store.is_admin)
        self.assign_button.clicked.connect(
            lambda: self.edit_item_units(self.items_view.currentIndex())
        )
        assign.addStretch(1)
        assign.addWidget(self.assign_button)
        items_layout.addLayout(assign)
        self.tabs.addTab(items_page, "项目分配")
        layout.addWidget(self.tabs, 1)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.close)
        layout.addWidget(close)
        self._show_status()

    # ------------------------------------------------------------ state

    @property
    def year(self) -> int:
        return self.grid_model.year

    def _widths(self) -> None:
        view = self.grid_view
        for c, width in enumerate((40, 300, 80, 90, 190, 90)):
            view.setColumnWidth(c, width)
        for c in range(FIRST_UNIT, self.grid_model.columnCount()):
            view.setColumnWidth(c, 84)
        view.horizontalHeader().setFixedHeight(48)
        if hasattr(self, "frozen"):
            self.frozen.sync()

    def _show_status(self) -> None:
        n = self.grid_model.mismatches()
        who = "" if self.store.is_admin else "（只读：修改任务分解需要区管理员权限）"
        flag = (
            f"，<span style='color:#c00000'>{n} 项指标各单位分解合计与区年度目标不一致</span>"
            if n
            else ""
        )
        units = len(self.store.decomposition.units_with_tasks(self.year))
        self.status.setText(f"{self.year}年：{units} 个单位承担分解任务{flag}{who}")

    def _year_changed(self) -> None:
        year = int(self.year_box.currentData())
        self.setWindowTitle(f"任务分解 — {year}年")
        self.grid_model.set_year(year)
        self.items_model.set_year(year)
        self._show_status()

    def on_changes(self, changes: Changes) -> None:
        if self.store.closed:
            return
        if self.year in changes.district or changes.units or changes.catalogue:
            self.grid_model.reload()
            self.items_model.reload()
            self._show_status()

    def _failed(self, message: str) -> None:
        QMessageBox.warning(self, "未保存", message)

    # ------------------------------------------------------------ editing

    def _grid_menu(self, pos: QPoint) -> None:
        index = self.grid_view.indexAt(pos)
        unit = self.grid_model.unit_at(index.column()) if index.isValid() else None
        if unit is None or not self.store.is_admin:
            return
        row = self.grid_model.grid.rows[index.row()]
        menu = QMenu(self)
        lead = menu.addAction(f"设为牵头单位（{unit.name}）")
        clear = menu.addAction("取消该单位分解")
        clear.setEnabled(unit.id in row.shares)
        chosen = menu.exec(self.grid_view.viewport().mapToGlobal(pos))
        if chosen is lead:
            self.set_lead(index.row(), unit.id)
        elif chosen is clear:
            self.grid_model.setData(index, "")

    def set_lead(self, row: int, unit_id: int) -> bool:
        return self.grid_model.setData(self.grid_model.index(row, LEAD), unit_id)

    def edit_item_units(self, index: QModelIndex) -> None:
        if not index.isValid() or not self.store.is_admin:
            return
        row = self.items_model.rows[index.row()]
        dialog = UnitChecklist(self.store, row.item.name, set(row.unit_ids), self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.store.decomposition.set_item_units(self.year, row.item.id, dialog.unit_ids())
        except StoreError as exc:
            self._failed(str(exc))

    # ------------------------------------------------------------ Excel

    def export_excel(self) -> Path | None:
        from ..exchange.decomposition_xlsx import default_name, export_decomposition

        name, _ = QFileDialog.getSaveFileName(
            self, "导出任务分解表", default_name(self.year), "Excel 工作簿 (*.xlsx)"
        )
        if not name:
            return None
        path = Path(name).with_suffix(".xlsx")
        try:
            export_decomposition(self.store, self.year, path)
        except (StoreError, OSError) as exc:
            QMessageBox.warning(self, "导出失败", str(exc))
            return None
        QMessageBox.information(self, "已导出", f"已导出{self.year}年任务分解表：\n{path}")
        return path

    def import_excel(self) -> Any:
        from ..exchange.decomposition_xlsx import import_decomposition
        from ..exchange.xlsx_safety import UnusableFile
        from .jobs import run_job

        name, _ = QFileDialog.getOpenFileName(self, "导入任务分解表", "", "Excel 工作簿 (*.xlsx)")
        if not name:
            return None
        path = Path(name)
        year = self.year

        def run(delete_missing: bool) -> Any:
            return run_job(
                self,
                "导入任务分解表",
                f"正在导入“{path.name}”…",
                lambda report: import_decomposition(
                    self.store, path, delete_missing=delete_missing, year=year
                ),
                expected=(StoreError, UnusableFile),
            )

        result = run(False)
        if not result.ok:
            if result.error:
                QMessageBox.warning(self, "未导入", result.error)
            return None
        report = result.value
        kept = int(report.data.get("counts", {}).get("未删除", 0))
        text = "\n".join(report.lines[:30])
        if kept:
            answer = QMessageBox.question(
                self,
                "导入任务分解表",
                f"{text}\n\n文件中有 {kept} 项为空、数据库中已有。是否删除这些分解？",
            )
            if answer == QMessageBox.StandardButton.Yes:
                again = run(True)
                if again.ok:
                    report = again.value
                elif again.error:
                    QMessageBox.warning(self, "未删除", again.error)
        else:
            QMessageBox.information(self, f"导入任务分解表（{report.status}）", text)
        self.grid_model.reload()
        self.items_model.reload()
        return report

    def closeEvent(self, event: Any) -> None:
        self.hub.close()
        super().closeEvent(event)


def show_decomposition(parent: QWidget, store: Store, year: int) -> DecompositionDialog:
    """Open (non-modal) the 任务分解 window of ``year``."""
    store.require_admin("任务分解")
    years = plan_years(store)
    if years and year not in years:  # e.g. this year lies after the last plan period
        year = max((y for y in years if y <= year), default=years[0])
    dialog = DecompositionDialog(store, year, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
