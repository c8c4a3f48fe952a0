"""The ledger window: unit and year, six category tabs, progress and overview.

The window assembles its parts — the header (:mod:`.ledger_header`), the commands
(:mod:`.menus`), the ledger's own actions (:mod:`.ledger_actions`) — and keeps them
in step with the ledger shown. The Excel, PDF, backup, audit and user features are
imported where they are used: they pull in libraries the first window does not need.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QShowEvent, QUndoStack
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import APP_TITLE
from ..core.categories import CATEGORIES
from ..core.enums import LedgerStatus, Role
from ..core.settings import BOUND_UNIT, LAST_UNIT, LAST_YEAR, WINDOW_GEOMETRY
from ..store import Changes, Ledger, Store, StoreError
from . import user_settings
from .audit_check import AuditChainCheck
from .category_tab import CategoryTab
from .entry_model import Lookups
from .ledger_actions import LedgerActions
from .ledger_header import LedgerHeader, read_only_reason
from .ledger_summary import LedgerSummary, SummaryWorker
from .menus import ActionState, build_actions, update_actions
from .operations import ChangeHub
from .overview_tab import OverviewTab
from .progress_tab import ProgressTab

if TYPE_CHECKING:
    from .status_view import StatusView

log = logging.getLogger(__name__)

T = TypeVar("T")

#: more entries than this touched at once (an import): reload the tables instead
RELOAD_ABOVE = 200


class MainWindow(QMainWindow):
    def __init__(
        self,
        store: Store,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings if settings is not None else user_settings.default_settings()
        self.ledger: Ledger | None = None
        self.guide_dialog: QDialog | None = None
        self.status_view: StatusView | None = None
        self.decomposition_dialog: QDialog | None = None
        self.monitoring_view: QDialog | None = None
        self._summary_on_show = False  # a summary asked for before the first show
        self.dashboard_view: QDialog | None = None
        self.lookups = Lookups(store)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(200)
        self._set_title()

        # Every committed write reaches _on_changes (the one place that refreshes views);
        # derived figures are recomputed off the UI thread.
        self.hub = ChangeHub(store, self)
        self.hub.changed.connect(self._on_changes)
        self.summary_worker = SummaryWorker(store, self)
        self.summary_worker.ready.connect(self._show_summary)
        self.audit_check = AuditChainCheck(store, self.settings, self)  # started after show

        self.header = LedgerHeader(self)
        self.header.selectionChanged.connect(self._selection_changed)
        self.ledger_actions = LedgerActions(store, self)
        self.ledger_actions.message.connect(self.show_message)
        self.ledger_actions.jump.connect(self.jump_to)
        self._build_tabs()
        self.menu_actions = build_actions(self, self._handlers(), self.undo_stack)
        self.statusBar().showMessage("就绪", 3000)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 100, em * 56)
        geometry = user_settings.read(self.settings, WINDOW_GEOMETRY)
        if geometry:
            self.restoreGeometry(geometry)
        self._fill_selectors()
        self.load_ledger()

    # ------------------------------------------------------------ building

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
            self.category_tabs[cat.key] = tab
            index = self.tabs.addTab(tab, cat.short)
            self.tabs.setTabToolTip(index, cat.label)
        self.progress_tab = ProgressTab(self.store, self.lookups, self.undo_stack, self)
        self.progress_tab.message.connect(self.show_message)
        self.tabs.addTab(self.progress_tab, "进度")
        self.tabs.setTabToolTip(
            self.tabs.count() - 1, "按季度填报完成值、推进状态、存在问题和下步措施"
        )
        self.stack.addWidget(self.empty_page)
        self.stack.addWidget(self.tabs)

    def _handlers(self) -> dict[str, Callable[[], object]]:
        """The handler of every action in :data:`.menus.ACTIONS`, by its key."""
        return {
            "export_return": self.export_return,
            "export_summary": self.export_summary,
            "import_returns": self.import_returns,
            "print_sheet": self.print_sheet,
            "export_all_sheets": self.export_all_sheets,
            "verify_sheet": self.verify_sheet,
            "backup_now": self.backup_now,
            "restore_backup": self.restore_backup,
            "quit": self.close,
            "new_ledger": self.new_ledger,
            "carry_over": self.carry_over,
            "submit": self.submit,
            "unlock": self.unlock,
            "show_catalogue": self.show_catalogue,
            "show_units": self.show_units,
            "show_weights": self.show_weights,
            "show_audit_log": self.show_audit_log,
            "manage_users": self.manage_users,
            "export_summary_pdf": self.export_summary_pdf,
            "show_status": self.show_status,
            "show_dashboard": self.show_dashboard,
            "show_decomposition": self.show_decomposition,
            "show_monitoring": self.show_monitoring,
            "show_guide": self.show_guide,
            "show_about": self.show_about,
            "open_inbox": lambda: self._review("open_inbox"),
            "review_accept": lambda: self._review("accept"),
            "review_return": lambda: self._review("send_back"),
            "make_receipt": lambda: self._review("make_receipt"),
            "issue_packages": lambda: self._review("issue_packages", self._year()),
        }

    def _set_title(self) -> None:
        """The file, and in a unit's own file whose file it is."""
        bound = self.store.packages.bound_unit()
        owner = f"{bound.name}的数据文件 — " if bound is not None else ""
        self.setWindowTitle(f"{APP_TITLE} — {owner}{self.store.path or '内存数据库'}")

    # ------------------------------------------------------------ unit and year

    def _fill_selectors(self) -> None:
        units = self.store.units.list(active_only=True)
        bound = self.store.packages.bound_unit()
        if bound is not None:  # a unit's own file shows only its unit
            units = [bound]
        elif self.store.role == Role.OPERATOR and self.store.unit_id is not None:
            units = [u for u in units if u.id == self.store.unit_id]
        this_year = dt.date.today().year
        saved_unit = user_settings.read(self.settings, LAST_UNIT)
        saved_year = user_settings.read(self.settings, LAST_YEAR)
        years = self.store.ledgers.years()
        self.header.fill(
            units,
            set(years) | {this_year},
            saved_unit,
            saved_year if saved_year is not None else max(years or [this_year]),
        )

    def select(self, unit_id: int, year: int) -> None:
        """Show a unit's ledger of a year (adds the year to the selector if needed)."""
        self.header.select(unit_id, year)

    def _selection_changed(self) -> None:
        selected = self.header.selected()
        if selected is not None:
            user_settings.write(self.settings, LAST_UNIT, selected[0])
            user_settings.write(self.settings, LAST_YEAR, selected[1])
        self.load_ledger()

    # ------------------------------------------------------------ loading

    def load_ledger(self) -> None:
        """Show the selected ledger: the tab on screen reads its rows now, the others when shown."""
        selected = self.header.selected()
        self.undo_stack.clear()
        ledger = self.store.ledgers.find(*selected) if selected is not None else None
        self.ledger = ledger
        for tab in self.category_tabs.values():
            tab.load(ledger)
        self.progress_tab.load(ledger)
        if ledger is None:
            unit = self.header.unit_text() or "所选单位"
            year = self.header.year()
            previous = self.store.ledgers.find(selected[0], selected[1] - 1) if selected else None
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
        reason = read_only_reason(ledger)
        for tab in self.category_tabs.values():
            tab.set_writable(writable, reason)
        self.progress_tab.set_writable(writable, reason)
        state = ActionState(
            role=self.store.role,
            has_ledger=ledger is not None,
            writable=writable,
            draft=ledger is not None and ledger.status == LedgerStatus.DRAFT,
            district=self.store.packages.bound_unit() is None,
        )
        update_actions(self.menu_actions, state)
        self.header.show_status(ledger, writable)
        review = self.store.review.state(ledger.year, ledger.unit_id) if ledger else None
        self.header.show_review(review.state if review else None, review.reason if review else None)

    def update_tab_titles(self) -> None:
        counts = self.store.entries.counts(self.ledger.id) if self.ledger else {}
        for i, cat in enumerate(CATEGORIES, start=1):
            n = counts.get(cat.key, 0)
            self.tabs.setTabText(i, f"{cat.short} ({n})" if n else cat.short)

    def refresh_summary(self) -> None:
        """Score, lights, counts and the reprint check of the ledger, all in the background."""
        if self.store.closed:
            return
        ledger = self.ledger
        if ledger is not None:
            try:
                ledger = self.ledger = self.store.ledgers.get(ledger.id)
            except StoreError:
                ledger = self.ledger = None
        if ledger is None:
            self.overview.refresh(None)
            self.header.clear_summary()
            return
        if self.overview.shown_id != ledger.id:  # another ledger: no figures until computed
            self.header.clear_summary()
        self.overview.pending(ledger)
        if self.isVisible():
            self.summary_worker.request(ledger.id)  # the reprint check imports the PDF code
        else:  # not before the first paint: the thread would take the GIL from it
            self._summary_on_show = True

    def _show_summary(self, summary: LedgerSummary) -> None:
        """The background figures of the ledger shown (an answer for another one is late)."""
        if self.store.closed or self.ledger is None or summary.ledger.id != self.ledger.id:
            return
        self.ledger = summary.ledger
        self.overview.display(summary.ledger, summary.score, summary.counts)
        self.header.show_score(summary.score)
        self.header.show_reprint(summary.needs_reprint)

    def _on_changes(self, changes: Changes) -> None:
        """A write committed: refresh exactly the rows, tables and figures it touched."""
        if self.store.closed:
            return
        if BOUND_UNIT.key in changes.settings:  # a package bound this file to its unit
            self.reload_all()
            return
        if changes.units or changes.catalogue:
            self.lookups.reload()
        ledger = self.ledger
        if ledger is None:
            return
        touched = changes.entries | changes.progress
        if ledger.id in changes.rows or len(touched) > RELOAD_ABOVE:
            self._reload_tables(changes)
            self.update_tab_titles()
        elif touched:
            for tab in self.category_tabs.values():
                tab.refresh_entries(changes.entries)
            self.progress_tab.refresh_entries(sorted(touched))
        if ledger.id in changes.ledgers | changes.prints or changes.settings:
            self.summary_worker.request(ledger.id)

    def _reload_tables(self, changes: Changes) -> None:
        """Rows were added, deleted or moved: reload the tables of their categories."""
        ids = set(changes.entries)
        models = [(key, tab._model) for key, tab in self.category_tabs.items()]
        cats = {key for key, model in models if any(model.row_of(e) is not None for e in ids)}
        shown = {e for _, model in models for e in ids if model.row_of(e) is not None}
        cats |= {e.category for e in self.store.entries.many(ids - shown).values()}
        for key, tab in self.category_tabs.items():
            if key in cats or not ids:
                tab.reload()
        self.progress_tab.reload()

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def reload_all(self) -> None:
        """Users, units or the whole data file changed: reload what the user may see."""
        self.lookups.reload()
        self._set_title()
        self._fill_selectors()
        self.load_ledger()

    # ------------------------------------------------------------ ledger actions

    def new_ledger(self) -> None:
        selected = self.header.selected()
        if selected is not None and self.ledger_actions.new_ledger(*selected):
            self.load_ledger()

    def carry_over(self) -> None:
        selected = self.header.selected()
        if selected is not None and self.ledger_actions.carry_over(*selected):
            self.load_ledger()

    def _table_rows(self) -> dict[int, int]:
        """Entry id → the row number shown in its table (for the problems list)."""
        return {
            e.id: (tab.model.row_of(e.id) or 0) + 1
            for tab in self.category_tabs.values()
            for e in tab.model.entries
        }

    def submit(self) -> None:
        if self.ledger is not None and self.ledger_actions.submit(self.ledger, self._table_rows):
            self.undo_stack.clear()
            self._status_changed(self.ledger.id)

    def unlock(self) -> None:
        if self.ledger is not None and self.ledger_actions.unlock(self.ledger):
            self._status_changed(self.ledger.id)

    def _status_changed(self, ledger_id: int) -> None:
        self.ledger = self.store.ledgers.get(ledger_id)
        self._update_ledger_state()
        self.refresh_summary()

    def jump_to(self, entry_id: int, category_key: str, field_key: str = "") -> None:
        tab = self.category_tabs.get(category_key)
        if tab is None:
            return
        self.tabs.setCurrentWidget(tab)
        tab.select_cell(entry_id, field_key or None)

    # ------------------------------------------------------------ files, printing, users

    def _guarded(self, work: Callable[[], T]) -> T | None:
        """Run a feature; a store error becomes a message instead of a crash dialog."""
        try:
            return work()
        except StoreError as exc:
            QMessageBox.warning(self, "操作失败", str(exc))
            return None

    def _year(self) -> int:
        return self.header.year() or dt.date.today().year

    def export_return(self) -> None:
        from . import excel_actions

        if self.ledger:
            ledger_id = self.ledger.id
            self._guarded(lambda: excel_actions.export_return(self, self.store, ledger_id))

    def export_summary(self) -> None:
        from . import excel_actions

        year = self._year()
        self._guarded(lambda: excel_actions.export_summary(self, self.store, year))

    def _review(self, name: str, *args: object) -> object:
        """A review action of :mod:`.review_actions` (imported when first used)."""
        from . import review_actions

        return getattr(review_actions, name)(self, self, *args)

    def import_returns(self) -> None:
        from . import review_actions

        if review_actions.is_district(self.store):  # the district's inbox: the one door
            review_actions.open_inbox(self, self)
            return
        count = self._guarded(lambda: review_actions.import_files(self, self))
        if count:
            self.show_message(f"已导入 {count} 个文件")

    def print_sheet(self) -> None:
        from . import pdf_actions

        if self.ledger:
            ledger_id = self.ledger.id
            self._guarded(lambda: pdf_actions.print_sheet(self, self.store, ledger_id))

    def export_all_sheets(self) -> None:
        from . import pdf_actions

        year = self._year()
        self._guarded(lambda: pdf_actions.export_all_sheets(self, self.store, year))

    def verify_sheet(self) -> None:
        from . import pdf_actions

        self._guarded(lambda: pdf_actions.verify_sheet(self, self.store))

    def export_summary_pdf(self) -> None:
        from . import pdf_actions

        year = self._year()
        self._guarded(lambda: pdf_actions.export_summary(self, self.store, year))

    def manage_users(self) -> None:
        from . import login

        self._guarded(lambda: login.manage_users(self, self.store))
        self.user_changed()

    def user_changed(self) -> None:
        """Another user logged in (idle lock) or roles changed: reload what they may see."""
        self.reload_all()

    def backup_now(self) -> None:
        from . import backup_actions

        self._guarded(lambda: backup_actions.backup_now(self, self.store))

    def restore_backup(self) -> None:
        from . import backup_actions

        if self._guarded(lambda: backup_actions.restore_backup(self, self.store)):
            self.reload_all()

    def show_audit_log(self) -> None:
        from . import audit_view

        ledger_id = self.ledger.id if self.ledger else None
        self._guarded(lambda: audit_view.show_audit_log(self, self.store, ledger_id))

    # ------------------------------------------------------------ administration and help

    def show_catalogue(self) -> None:
        from .admin_dialogs import CatalogueDialog

        CatalogueDialog(self.store, self).exec()
        self.lookups.reload()
        for tab in self.category_tabs.values():
            tab.reload()

    def show_units(self) -> None:
        from .admin_dialogs import UnitsDialog

        UnitsDialog(self.store, self).exec()
        self._fill_selectors()
        self.load_ledger()

    def show_weights(self) -> None:
        from .admin_dialogs import WeightsDialog

        if WeightsDialog(self.store, self._year(), self).exec():
            self.load_ledger()

    def show_status(self) -> None:
        """The 报送情况 view of the year shown (one non-modal view, kept up to date)."""
        if self.status_view is None:
            from .status_view import StatusView

            self.status_view = StatusView(self.store, self._year(), self.hub, self)
            self.status_view.unitActivated.connect(self.open_unit)
        elif self.status_view.year != self._year():
            self.status_view.set_year(self._year())
        self.status_view.show()
        self.status_view.raise_()
        self.status_view.activateWindow()

    def open_unit(self, unit_id: int, year: int) -> None:
        """Show a unit's ledger of a year (from the 报送情况 view)."""
        self.select(unit_id, year)
        self.raise_()
        self.activateWindow()

    def show_decomposition(self) -> None:
        from . import decomposition_view

        year = self._year()
        self.decomposition_dialog = self._guarded(
            lambda: decomposition_view.show_decomposition(self, self.store, year)
        )

    def show_monitoring(self) -> None:
        """规划监测 of the year shown (QtCharts is imported here, not at start-up)."""
        from . import monitoring_view

        year = self._year()
        self.monitoring_view = self._guarded(
            lambda: monitoring_view.show_monitoring(self, self.store, year, self.hub)
        )

    def show_dashboard(self) -> None:
        """The 区看板 of the year shown (one non-modal view, kept up to date)."""
        from . import dashboard_view

        year = self._year()
        self._guarded(lambda: dashboard_view.show_dashboard(self, year))

    def show_guide(self) -> None:
        from .dialogs import guide_dialog

        self.guide_dialog = guide_dialog(self)
        self.guide_dialog.show()

    def show_about(self) -> None:
        from .dialogs import show_about

        show_about(self, self.store)

    def check_audit_log(self) -> bool:
        """The daily check of the audit log's hash chain, in the background (after show)."""
        return self.audit_check.start()

    # ------------------------------------------------------------ closing

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._summary_on_show:  # after the paint that follows this event
            self._summary_on_show = False
            QTimer.singleShot(0, self.refresh_summary)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.hub.close()
        self.summary_worker.close()
        if self.dashboard_view is not None and hasattr(self.dashboard_view, "close_loader"):
            self.dashboard_view.close_loader()
        self.audit_check.wait()
        for tab in self.category_tabs.values():
            tab.save_header()
        user_settings.write(self.settings, WINDOW_GEOMETRY, self.saveGeometry())
        self.settings.sync()
        super().closeEvent(event)
