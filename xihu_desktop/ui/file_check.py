"""The data file's integrity check and the day's backup, off the UI thread.

The window opens its file without the whole-file check (``Store.open(integrity="defer")``):
when one is due (after a crash, or a day after the last good one; see
:mod:`..store.health`) it runs here on a reader of the store on a Qt pool thread, then the
day's compact backup is made. Nothing is shown unless the check finds a problem; a failed
backup is logged (a full disk must not stop the day's work).
"""

from __future__ import annotations

import datetime as dt
import logging

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ..store import Store
from ..store.health import DailyResult, run_daily

log = logging.getLogger(__name__)

TITLE = "数据文件检查"


class _Relay(QObject):
    """Carries the answer to the UI thread (lives there, emitted from the pool)."""

    done = Signal(object)


class FileCheck(QObject):
    """``start()`` once after the window shows; ``finished`` carries a DailyResult."""

    finished = Signal(object)

    def __init__(self, store: Store, parent: QWidget, today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.window = parent
        self.today = today
        self.warning: QMessageBox | None = None
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay()  # no parent: a running check keeps it alive
        self._relay.done.connect(self._delivered)

    def start(self) -> bool:
        """Start the background work (check when due, the day's backup); True when started."""
        if self.store.path is None:
            return False
        relay, reason = self._relay, self.store.pending_check
        self._pool.start(lambda: self._run(relay, reason))
        return True

    def _run(self, relay: _Relay, reason: str | None) -> None:
        try:
            result = run_daily(self.store, reason, self.today)
        except Exception:  # a bug in the background must reach the log, not kill the pool
            log.exception("file check failed")
            return
        relay.done.emit(result)

    def _delivered(self, result: object) -> None:
        if not isinstance(result, DailyResult):
            return
        if result.checked and result.problem is None:
            self.store.pending_check = None
        if result.problem is not None:
            log.error("数据文件检查发现问题：%s", result.problem)
            self._warn(result.problem)
        self.finished.emit(result)

    def _warn(self, problem: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            TITLE,
            f"{problem}\n\n数据文件：{self.store.path}\n"
            "请不要继续修改，先把数据文件复制一份，再请区管理员从“备份”文件夹中最近的备份恢复。",
            QMessageBox.StandardButton.Ok,
            self.window,
        )
        self.warning = box
        box.open()  # not modal to the start: the window stays usable

    def wait(self) -> None:
        self._pool.waitForDone()
