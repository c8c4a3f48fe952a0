"""What the user does to a whole ledger: create it, carry last year over, submit, unlock.

Each method asks, writes through the store and says whether the ledger changed;
the window then reloads what it shows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.enums import LedgerStatus, Role
from ..store import Ledger, Store, StoreError
from .dialogs import ProblemsDialog


class LedgerActions(QObject):
    """The ledger menu's work, with its questions and messages (parented to the window)."""

    message = Signal(str)  # status bar text
    jump = Signal(int, str, str)  # entry id, category key, field key (from the problems list)

    def __init__(self, store: Store, window: QWidget) -> None:
        super().__init__(window)
        self.store = store
        self.window = window
        self.problems_dialog: ProblemsDialog | None = None

    def _yes(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.window, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def _write(self, title: str, write: Callable[[], object]) -> bool:
        try:
            write()
        except StoreError as exc:
            QMessageBox.warning(self.window, title, str(exc))
            return False
        return True

    def new_ledger(self, unit_id: int, year: int) -> bool:
        if not self._write("新建台账", lambda: self.store.ledgers.create(unit_id, year)):
            return False
        self.message.emit("已新建台账")
        return True

    def carry_over(self, unit_id: int, year: int) -> bool:
        previous = self.store.ledgers.find(unit_id, year - 1)
        if previous is None:
            QMessageBox.information(
                self.window, "结转上年", f"没有找到该单位{year - 1}年的台账，无法结转。"
            )
            return False
        count = sum(self.store.entries.counts(previous.id).values())
        if not self._yes(
            "结转上年",
            f"从{previous.unit_name}{previous.year}年台账结转 {count} 个条目到{year}年？\n"
            "条目内容和关联的规划指标保留，完成值和进度清空，状态重置为“未启动”。",
        ):
            return False
        if not self._write("结转上年", lambda: self.store.ledgers.carry_over(previous.id, year)):
            return False
        self.message.emit(f"已从{previous.year}年结转 {count} 个条目")
        return True

    def submit(self, ledger: Ledger, rows: Callable[[], dict[int, int]]) -> bool:
        """Validate, then submit; problems open a list instead. ``rows``: entry id → table row."""
        if ledger.status != LedgerStatus.DRAFT:
            QMessageBox.information(self.window, "提交", f"台账{ledger.status}，无需再次提交。")
            return False
        problems = self.store.assessment.validate(ledger.id)
        if problems:
            if self.problems_dialog is not None:
                self.problems_dialog.close()
            self.problems_dialog = ProblemsDialog(problems, rows(), self.window)
            self.problems_dialog.jump.connect(self.jump)
            self.problems_dialog.show()
            self.message.emit(f"校验发现 {len(problems)} 个问题，台账未提交")
            return False
        return self._set_status(
            ledger,
            LedgerStatus.SUBMITTED,
            "提交台账",
            f"校验通过。提交{ledger.unit_name}{ledger.year}年台账？\n提交后台账只读，如需修改须由区管理员解锁。",
            "台账已提交（只读）。请导出报表并打印考核表。",
        )

    def unlock(self, ledger: Ledger) -> bool:
        if ledger.status == LedgerStatus.DRAFT:
            return False
        if self.store.role != Role.ADMIN:
            QMessageBox.warning(self.window, "解锁", "只有区管理员可以解锁台账。")
            return False
        return self._set_status(
            ledger,
            LedgerStatus.DRAFT,
            "解锁台账",
            f"解锁{ledger.unit_name}{ledger.year}年台账，恢复为草稿以便修改？\n此操作记入审计日志。",
            "台账已解锁为草稿",
            error_title="解锁",
        )

    def _set_status(
        self,
        ledger: Ledger,
        status: LedgerStatus,
        title: str,
        question: str,
        done: str,
        error_title: str = "",
    ) -> bool:
        """Ask, write the ledger's new status, say so."""
        if not self._yes(title, question):
            return False
        if not self._write(
            error_title or title, lambda: self.store.ledgers.set_status(ledger.id, status)
        ):
            return False
        self.message.emit(done)
        return True
