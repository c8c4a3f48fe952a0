"""The ledger window: unit and year, six category tabs, progress and overview."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from .. import APP_TITLE, __version__
from ..core import scoring
from ..core.categories import CATEGORIES, UNIT_KINDS
from ..paths import data_dir, resource_path
from ..store import Ledger, Store, StoreError
from .admin_dialogs import CatalogueDialog, UnitsDialog, WeightsDialog
from .category_tab import CategoryTab
from .dialogs import ProblemsDialog
from .entry_model import Lookups
from .overview_tab import OverviewTab
from .progress_tab import ProgressTab

log = logging.getLogger(__name__)

STATUS_COLOURS = {"草稿": "#2463a5", "已提交": "#b36b00", "已锁定": "#6b6b6b"}


def default_settings() -> QSettings:
    """Window state lives next to the user's data (tests get their own folder)."""
    return QSettings(str(data_dir() / "xihu-desktop.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    def __init__(
        self,
        store: Store,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings if settings is not None else default_settings()
        self.ledger: Ledger | None = None
        self.problems_dialog: ProblemsDialog | None = None
        self.lookups = Lookups(store)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(200)
        self.setWindowTitle(f"{APP_TITLE} — {store.path or '内存数据库'}")

        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(300)
        self._summary_timer.timeout.connect(self.refresh_summary)
        self._reprint_timer = QTimer(self)
        self._reprint_timer.setSingleShot(True)
        self._reprint_timer.setInterval(0)
        self._reprint_timer.timeout.connect(self.update_reprint_notice)
        self._progress_reload = QTimer(self)
        self._progress_reload.setSingleShot(True)
        self._progress_reload.setInterval(0)
        self._progress_reload.timeout.connect(self._reload_progress)

        self._build_header()
        self._build_tabs()
        self._build_actions()
        self._build_menus()
        self.statusBar().showMessage("就绪", 3000)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 100, em * 56)
        geometry = self.settings.value("window/geometry")
        if geometry:
            self.restoreGeometry(geometry)
        self._fill_selectors()
        self.load_ledger()

    # ------------------------------------------------------------ building

    def _build_header(self) -> None:
        self.header = QWidget(self)
        row = QHBoxLayout(self.header)
        row.setContentsMargins(0, 0, 0, 0)
        self.unit_combo = QComboBox(self.header)
        self.unit_combo.setToolTip("责任单位")
        self.unit_combo.setMinimumContentsLength(10)
        self.year_combo = QComboBox(self.header)
        self.year_combo.setToolTip("台账年度")
        self.status_label = QLabel(self.header)
        self.status_label.setToolTip("台账状态：草稿可编辑；已提交、已锁定只读")
        self.lights_label = QLabel(self.header)
        self.lights_label.setToolTip("按全年时间进度的红黄绿灯")
        self.score_label = QLabel(self.header)
        self.reprint_label = QLabel(self.header)
        self.reprint_label.setStyleSheet("color: #c0392b; font-weight: bold;")
        self.reprint_label.setToolTip("考核表打印后台账又有修改，请重新打印并签章")
        row.addWidget(QLabel("责任单位：", self.header))
        row.addWidget(self.unit_combo)
        row.addSpacing(12)
        row.addWidget(QLabel("年度：", self.header))
        row.addWidget(self.year_combo)
        row.addSpacing(18)
        row.addWidget(self.status_label)
        row.addSpacing(18)
        row.addWidget(self.lights_label)
        row.addSpacing(18)
        row.addWidget(self.score_label)
        row.addStretch(1)
        row.addWidget(self.reprint_label)
        self.unit_combo.currentIndexChanged.connect(self._selection_changed)
        self.year_combo.currentIndexChanged.connect(self._selection_changed)

    def _build_tabs(self) -> None:
        self.stack = QStackedWidget(self)
        self.empty_page = QWidget(self)
        empty = QVBoxLayout(self.empty_page)
        self.empty_label = QLabel(self.empty_page)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.new_button = QPushButton("新建空白台账", self.empty_page)
        self.carry_button = QPushButton("从上年台账结转", self.empty_page)
        self.new_button.clicked.connect(self.new_ledger)
        self.carry_button.clicked.connect(self.carry_over)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.carry_button)
        buttons.addStretch(1)
        empty.addStretch(1)
        empty.addWidget(self.empty_label)
        empty.addLayout(buttons)
        empty.addStretch(2)

        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.overview = OverviewTab(self.store, self)
        self.tabs.addTab(self.overview, "概览")
        self.category_tabs: dict[str, CategoryTab] = {}
        for cat in CATEGORIES:
            tab = CategoryTab(self.store, cat, self.lookups, self.undo_stack, self.settings, self)
            tab.message.connect(self.show_message)
            tab.entriesChanged.connect(self._entries_written)
            tab.model.modelReset.connect(self._schedule_progress_reload)
            self.category_tabs[cat.key] = tab
            index = self.tabs.addTab(tab, cat.short)
            self.tabs.setTabToolTip(index, cat.label)
        self.progress_tab = ProgressTab(self.store, self.lookups, self.undo_stack, self)
        self.progress_tab.message.connect(self.show_message)
        self.progress_tab.entriesChanged.connect(self._progress_written)
        self.tabs.addTab(self.progress_tab, "进度")
        self.tabs.setTabToolTip(self.tabs.count() - 1, "按季度填报完成值、状态、问题和下步打算")
        self.stack.addWidget(self.empty_page)
        self.stack.addWidget(self.tabs)

    def _action(
        self,
        text: str,
        slot: Callable[[], Any],
        tip: str = "",
        shortcut: QKeySequence | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda _checked=False: slot())
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.undo_action = self.undo_stack.createUndoAction(self, "撤销")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "重做")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.export_action = a("导出报表…", self.export_return, "把本台账导出为 Excel 报表")
        self.export_summary_action = a("导出区汇总…", self.export_summary, "导出本年度全区汇总表")
        self.import_action = a("导入报表…", self.import_returns, "导入各单位交来的 Excel 报表")
        self.print_action = a(
            "打印考核表…",
            self.print_sheet,
            "生成本台账的 PDF 考核表",
            QKeySequence.StandardKey.Print,
        )
        self.print_all_action = a(
            "批量导出考核表…", self.export_all_sheets, "为本年度所有单位生成考核表"
        )
        self.verify_action = a("校验考核表…", self.verify_sheet, "核对纸质考核表与数据是否一致")
        self.backup_action = a("备份…", self.backup_now, "把数据文件备份到文件夹或U盘")
        self.restore_action = a("从备份恢复…", self.restore_backup, "用备份替换当前数据")
        self.quit_action = a("退出", self.close, "", QKeySequence.StandardKey.Quit)
        self.new_action = a("新建台账", self.new_ledger, "为所选单位和年度新建空白台账")
        self.carry_action = a("结转上年", self.carry_over, "从上一年度台账复制条目（清空完成值）")
        self.submit_action = a("提交", self.submit, "校验并提交台账，提交后只读", "Ctrl+Shift+S")
        self.unlock_action = a("解锁", self.unlock, "区管理员解锁已提交的台账（记入审计日志）")
        self.catalogue_action = a("规划目录…", self.show_catalogue)
        self.units_action = a("责任单位…", self.show_units)
        self.weights_action = a("考核权重…", self.show_weights)
        self.audit_action = a("审计日志…", self.show_audit_log, "查看谁在何时修改了什么")
        self.users_action = a("用户与登录…", self.manage_users, "管理用户、角色和登录方式")
        self.summary_pdf_action = a(
            "导出区汇总考核表（PDF）…", self.export_summary_pdf, "全区得分排名表和得分柱状图"
        )
        self.guide_action = a(
            "用户指南", self.show_guide, "", QKeySequence.StandardKey.HelpContents
        )
        self.about_action = a("关于", self.show_about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        for action in (
            self.export_action,
            self.export_summary_action,
            self.import_action,
            None,
            self.print_action,
            self.print_all_action,
            self.summary_pdf_action,
            self.verify_action,
            None,
            self.backup_action,
            self.restore_action,
            None,
            self.quit_action,
        ):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)
        edit_menu = bar.addMenu("编辑(&E)")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        ledger_menu = bar.addMenu("台账(&L)")
        for action in (
            self.new_action,
            self.carry_action,
            None,
            self.submit_action,
            self.unlock_action,
        ):
            ledger_menu.addSeparator() if action is None else ledger_menu.addAction(action)
        admin_menu = bar.addMenu("管理(&M)")
        for action in (
            self.catalogue_action,
            self.units_action,
            self.weights_action,
            None,
            self.users_action,
            self.audit_action,
        ):
            admin_menu.addSeparator() if action is None else admin_menu.addAction(action)
        help_menu = bar.addMenu("帮助(&H)")
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.about_action)

        toolbar = QToolBar("常用", self)
        toolbar.setObjectName("main-toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.undo_action,
            self.redo_action,
            None,
            self.submit_action,
            self.export_action,
            self.print_action,
            self.import_action,
            None,
            self.backup_action,
        ):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.addToolBar(toolbar)

    # ------------------------------------------------------------ unit and year

    def _fill_selectors(self) -> None:
        units = self.store.units.list(active_only=True)
        if self.store.role == "operator" and self.store.unit_id is not None:
            units = [u for u in units if u.id == self.store.unit_id]
        this_year = dt.date.today().year
        years = sorted(set(self.store.ledgers.years()) | {this_year})
        saved_unit = self.settings.value("ledger/unit_id")
        saved_year = self.settings.value("ledger/year")
        for combo in (self.unit_combo, self.year_combo):
            combo.blockSignals(True)
            combo.clear()
        for u in units:
            self.unit_combo.addItem(f"{u.name}（{UNIT_KINDS.get(u.kind, u.kind)}）", u.id)
        for y in years:
            self.year_combo.addItem(f"{y}年", y)
        if saved_unit is not None and self.unit_combo.findData(int(saved_unit)) >= 0:
            self.unit_combo.setCurrentIndex(self.unit_combo.findData(int(saved_unit)))
        default_year = (
            int(saved_year)
            if saved_year is not None
            else max(self.store.ledgers.years() or [this_year])
        )
        if self.year_combo.findData(default_year) >= 0:
            self.year_combo.setCurrentIndex(self.year_combo.findData(default_year))
        for combo in (self.unit_combo, self.year_combo):
            combo.blockSignals(False)

    def select(self, unit_id: int, year: int) -> None:
        """Show a unit's ledger of a year (adds the year to the selector if needed)."""
        if self.year_combo.findData(year) < 0:
            self.year_combo.blockSignals(True)
            years = sorted(
                {int(self.year_combo.itemData(i)) for i in range(self.year_combo.count())} | {year}
            )
            self.year_combo.clear()
            for y in years:
                self.year_combo.addItem(f"{y}年", y)
            self.year_combo.blockSignals(False)
        self.unit_combo.blockSignals(True)
        self.year_combo.blockSignals(True)
        self.unit_combo.setCurrentIndex(self.unit_combo.findData(unit_id))
        self.year_combo.setCurrentIndex(self.year_combo.findData(year))
        self.unit_combo.blockSignals(False)
        self.year_combo.blockSignals(False)
        self._selection_changed()

    def _selection_changed(self) -> None:
        unit_id, year = self.unit_combo.currentData(), self.year_combo.currentData()
        if unit_id is not None and year is not None:
            self.settings.setValue("ledger/unit_id", int(unit_id))
            self.settings.setValue("ledger/year", int(year))
        self.load_ledger()

    # ------------------------------------------------------------ loading

    def load_ledger(self) -> None:
        """Read the selected ledger once and hand its entries to every tab."""
        unit_id, year = self.unit_combo.currentData(), self.year_combo.currentData()
        self.undo_stack.clear()
        ledger = None
        if unit_id is not None and year is not None:
            ledger = self.store.ledgers.find(int(unit_id), int(year))
        self.ledger = ledger
        entries = self.store.entries.list(ledger.id) if ledger else []
        for tab in self.category_tabs.values():
            tab.load(ledger, entries)
        self.progress_tab.load(ledger, entries)
        self._progress_reload.stop()  # the tables' resets asked for it; it is fresh already
        if ledger is None:
            unit = self.unit_combo.currentText() or "所选单位"
            previous = (
                self.store.ledgers.find(int(unit_id), int(year) - 1)
                if unit_id is not None and year is not None
                else None
            )
            self.empty_label.setText(
                f"{unit}{year or ''}年尚未建立任务台账。\n\n"
                + ("可从上一年度台账结转条目，或新建空白台账。" if previous else "请新建空白台账。")
            )
            self.carry_button.setEnabled(previous is not None)
            self.stack.setCurrentWidget(self.empty_page)
        else:
            self.stack.setCurrentWidget(self.tabs)
        self._update_ledger_state()
        self.refresh_summary()
        self.update_tab_titles()

    def _update_ledger_state(self) -> None:
        ledger = self.ledger
        writable = bool(ledger and self.store.can_write(ledger))
        for tab in self.category_tabs.values():
            tab.set_writable(writable)
        self.progress_tab.set_writable(writable)
        admin = self.store.role == "admin"
        has = ledger is not None
        self.new_action.setEnabled(not has and self.store.role != "viewer")
        self.carry_action.setEnabled(not has and self.store.role != "viewer")
        self.submit_action.setEnabled(writable and bool(ledger and ledger.status == "草稿"))
        self.unlock_action.setEnabled(admin and bool(ledger and ledger.status != "草稿"))
        self.export_action.setEnabled(has)
        self.print_action.setEnabled(has)
        for action in (self.catalogue_action, self.units_action, self.weights_action):
            action.setEnabled(True)
        self.import_action.setEnabled(admin)
        self.restore_action.setEnabled(admin)
        self.users_action.setEnabled(admin)
        if ledger is None:
            self.status_label.setText("未建立")
            self.status_label.setStyleSheet("color: #6b6b6b;")
        else:
            colour = STATUS_COLOURS.get(ledger.status, "#000")
            text = f"状态：{ledger.status}"
            if not writable:
                text += "（只读）"
            self.status_label.setText(text)
            self.status_label.setStyleSheet(f"color: {colour}; font-weight: bold;")

    def update_tab_titles(self) -> None:
        counts = self.store.entries.counts(self.ledger.id) if self.ledger else {}
        for i, cat in enumerate(CATEGORIES, start=1):
            n = counts.get(cat.key, 0)
            self.tabs.setTabText(i, f"{cat.short} ({n})" if n else cat.short)

    def refresh_summary(self) -> None:
        """Header lights and score, the overview and the reprint notice."""
        if self.store.conn is None:  # the store was closed under us (shutting down)
            return
        ledger = self.ledger
        if ledger is not None:
            try:
                ledger = self.ledger = self.store.ledgers.get(ledger.id)
            except StoreError:
                ledger = self.ledger = None
        self.overview.refresh(ledger)
        if ledger is None:
            self.lights_label.setText("")
            self.score_label.setText("")
            self.reprint_label.setText("")
            return
        score = self.overview.last_score
        lights = score.lights if score else {}
        self.lights_label.setText(
            f"<span style='color:#2ea043'>●</span> 绿灯 {lights.get(scoring.GREEN, 0)}　"
            f"<span style='color:#e6aa00'>●</span> 黄灯 {lights.get(scoring.YELLOW, 0)}　"
            f"<span style='color:#d73a49'>●</span> 红灯 {lights.get(scoring.RED, 0)}"
        )
        if score:
            self.score_label.setText(f"得分 {score.total:.1f}（{score.grade}）")
        self._reprint_timer.start()  # after the window has painted: the check imports PDF code

    def update_reprint_notice(self) -> None:
        if self.store.conn is None:
            return
        self.reprint_label.setText("已修改，需重新打印" if self._needs_reprint() else "")

    def _needs_reprint(self) -> bool:
        if self.ledger is None:
            return False
        try:
            from .pdf_actions import needs_reprint
        except ImportError:
            return False
        try:
            return bool(needs_reprint(self.store, self.ledger.id))
        except Exception:  # a broken check must not break the window
            log.exception("needs_reprint failed")
            return False

    def _entries_written(self, entry_ids: list[int]) -> None:
        """A category table wrote: refresh progress rows, header and overview soon."""
        self.progress_tab.refresh_entries(entry_ids)
        self._summary_timer.start()
        self.update_tab_titles()

    def _progress_written(self, entry_ids: list[int]) -> None:
        """Progress wrote (the entry's actual and status follow): refresh its table row."""
        for eid in entry_ids:
            for tab in self.category_tabs.values():
                if tab.model.row_of(eid) is not None:
                    tab.model.refresh_entries([eid])
        self._summary_timer.start()

    def _schedule_progress_reload(self) -> None:
        self._progress_reload.start()

    def _reload_progress(self) -> None:
        if self.store.conn is None:
            return
        quarter = self.progress_tab.model.quarter
        self.progress_tab.model.load(self.ledger)
        self.progress_tab.model.set_quarter(quarter)

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    # ------------------------------------------------------------ ledger actions

    def _selected(self) -> tuple[int, int] | None:
        unit_id, year = self.unit_combo.currentData(), self.year_combo.currentData()
        if unit_id is None or year is None:
            return None
        return int(unit_id), int(year)

    def new_ledger(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        try:
            self.store.ledgers.create(*selected)
        except StoreError as exc:
            QMessageBox.warning(self, "新建台账", str(exc))
            return
        self.load_ledger()
        self.show_message("已新建台账")

    def carry_over(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        unit_id, year = selected
        previous = self.store.ledgers.find(unit_id, year - 1)
        if previous is None:
            QMessageBox.information(
                self, "结转上年", f"没有找到该单位{year - 1}年的台账，无法结转。"
            )
            return
        count = sum(self.store.entries.counts(previous.id).values())
        answer = QMessageBox.question(
            self,
            "结转上年",
            f"从{previous.unit_name}{previous.year}年台账结转 {count} 个条目到{year}年？\n"
            "条目内容和关联的规划指标保留，完成值和进度清空，状态重置为“未启动”。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.store.ledgers.carry_over(previous.id, year)
        except StoreError as exc:
            QMessageBox.warning(self, "结转上年", str(exc))
            return
        self.load_ledger()
        self.show_message(f"已从{previous.year}年结转 {count} 个条目")

    def submit(self) -> None:
        ledger = self.ledger
        if ledger is None:
            return
        if ledger.status != "草稿":
            QMessageBox.information(self, "提交", f"台账{ledger.status}，无需再次提交。")
            return
        problems = self.store.assessment.validate(ledger.id)
        if problems:
            rows = {}
            for tab in self.category_tabs.values():
                for e in tab.model.entries:
                    rows[e.id] = (tab.model.row_of(e.id) or 0) + 1
            if self.problems_dialog is not None:
                self.problems_dialog.close()
            self.problems_dialog = ProblemsDialog(problems, rows, self)
            self.problems_dialog.jump.connect(self.jump_to)
            self.problems_dialog.show()
            self.show_message(f"校验发现 {len(problems)} 个问题，台账未提交")
            return
        answer = QMessageBox.question(
            self,
            "提交台账",
            f"校验通过。提交{ledger.unit_name}{ledger.year}年台账？\n提交后台账只读，如需修改须由区管理员解锁。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.store.ledgers.set_status(ledger.id, "已提交")
        except StoreError as exc:
            QMessageBox.warning(self, "提交台账", str(exc))
            return
        self.undo_stack.clear()
        self.ledger = self.store.ledgers.get(ledger.id)
        self._update_ledger_state()
        self.refresh_summary()
        self.show_message("台账已提交（只读）。请导出报表并打印考核表。")

    def unlock(self) -> None:
        ledger = self.ledger
        if ledger is None or ledger.status == "草稿":
            return
        if self.store.role != "admin":
            QMessageBox.warning(self, "解锁", "只有区管理员可以解锁台账。")
            return
        answer = QMessageBox.question(
            self,
            "解锁台账",
            f"解锁{ledger.unit_name}{ledger.year}年台账，恢复为草稿以便修改？\n此操作记入审计日志。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self.store.ledgers.set_status(ledger.id, "草稿")
        except StoreError as exc:
            QMessageBox.warning(self, "解锁", str(exc))
            return
        self.ledger = self.store.ledgers.get(ledger.id)
        self._update_ledger_state()
        self.refresh_summary()
        self.show_message("台账已解锁为草稿")

    def jump_to(self, entry_id: int, category_key: str, field_key: str = "") -> None:
        tab = self.category_tabs.get(category_key)
        if tab is None:
            return
        self.tabs.setCurrentWidget(tab)
        tab.select_cell(entry_id, field_key or None)

    # ------------------------------------------------------------ other engineers' features

    def _call(self, module: str, name: str, *args: Any) -> Any:
        """Call ``xihu_desktop.ui.<module>.<name>(self, store, *args)``, imported lazily."""
        try:
            mod = importlib.import_module(f"{__package__}.{module}")
            func = getattr(mod, name)
        except (ImportError, AttributeError) as exc:
            log.warning("feature %s.%s unavailable: %s", module, name, exc)
            QMessageBox.information(self, "功能暂不可用", f"此功能尚未安装或无法加载（{exc}）。")
            return None
        try:
            return func(self, self.store, *args)
        except StoreError as exc:
            QMessageBox.warning(self, "操作失败", str(exc))
            return None

    def _year(self) -> int:
        return int(self.year_combo.currentData() or dt.date.today().year)

    def export_return(self) -> None:
        if self.ledger:
            self._call("excel_actions", "export_return", self.ledger.id)
            self.refresh_summary()

    def export_summary(self) -> None:
        self._call("excel_actions", "export_summary", self._year())

    def import_returns(self) -> None:
        count = self._call("excel_actions", "import_returns")
        if count:
            self.lookups.reload()
            self._fill_selectors()
            self.load_ledger()
            self.show_message(f"已导入 {count} 份报表")

    def print_sheet(self) -> None:
        if self.ledger:
            self._call("pdf_actions", "print_sheet", self.ledger.id)
            self.refresh_summary()

    def export_all_sheets(self) -> None:
        self._call("pdf_actions", "export_all_sheets", self._year())
        self.refresh_summary()

    def verify_sheet(self) -> None:
        self._call("pdf_actions", "verify_sheet")

    def export_summary_pdf(self) -> None:
        self._call("pdf_actions", "export_summary", self._year())

    def manage_users(self) -> None:
        self._call("login", "manage_users")
        self.user_changed()

    def user_changed(self) -> None:
        """Another user logged in (idle lock) or roles changed: reload what they may see."""
        self.lookups.reload()
        self._fill_selectors()
        self.load_ledger()

    def backup_now(self) -> None:
        self._call("backup_actions", "backup_now")

    def restore_backup(self) -> None:
        if self._call("backup_actions", "restore_backup"):
            self.lookups.reload()
            self._fill_selectors()
            self.load_ledger()

    def show_audit_log(self) -> None:
        self._call("audit_view", "show_audit_log", self.ledger.id if self.ledger else None)

    # ------------------------------------------------------------ administration and help

    def show_catalogue(self) -> None:
        CatalogueDialog(self.store, self).exec()
        self.lookups.reload()
        for tab in self.category_tabs.values():
            tab.model.reload()

    def show_units(self) -> None:
        UnitsDialog(self.store, self).exec()
        self._fill_selectors()
        self.load_ledger()

    def show_weights(self) -> None:
        if WeightsDialog(self.store, self._year(), self).exec():
            self.load_ledger()

    def show_guide(self) -> None:
        dialog = QDialog(self)
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
        em = self.fontMetrics().horizontalAdvance("中")
        dialog.resize(em * 56, em * 44)
        dialog.show()
        self.guide_dialog = dialog

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "关于",
            f"<h3>{APP_TITLE}</h3>"
            f"<p>版本 {__version__}</p>"
            f"<p>数据文件：{self.store.path or '内存数据库'}</p>"
            f"<p>当前用户：{self.store.user}（{ {'admin': '区管理员', 'operator': '填报员', 'viewer': '查看'}.get(self.store.role, self.store.role) }）</p>"
            "<p>依据《杭州市西湖区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》"
            "（西政发〔2021〕13号）“六个一批”工作机制。</p>",
        )

    # ------------------------------------------------------------ closing

    def closeEvent(self, event: QCloseEvent) -> None:
        self._summary_timer.stop()
        self._progress_reload.stop()
        self._reprint_timer.stop()
        for tab in self.category_tabs.values():
            tab.save_header()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
