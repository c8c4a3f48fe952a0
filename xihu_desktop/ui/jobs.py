"""The one path for long work: run it on a worker thread behind a progress dialog.

``run_job(parent, title, label, work)`` calls ``work(report)`` on a ``QThread``
while a modal ``QProgressDialog`` (shown after 600 ms) keeps the window alive; its
取消 button makes the next ``report(done, total[, label])`` raise
:class:`~xihu_desktop.exchange.progress.Cancelled`. The worker's signals reach a
receiver object living in the UI thread, so every widget call happens on the UI
thread. The store serialises access from both threads with its own lock; the
dialog is modal, so the window does not use the store meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from ..exchange.progress import Cancelled
from ..store import StoreError

log = logging.getLogger(__name__)

Report = Callable[..., bool]  # report(done, total, label="") -> True, or raises Cancelled


@dataclass
class JobResult:
    value: Any = None
    error: str | None = None  # a message for the user
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.cancelled


class _Worker(QObject):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self, work: Callable[[Report], Any], expected: tuple[type[BaseException], ...]
    ) -> None:
        super().__init__()
        self._work = work
        self._expected = expected
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def report(self, done: int, total: int, label: str = "") -> bool:
        if self._cancel.is_set():
            raise Cancelled("已取消")
        self.progressed.emit(done, total, label)
        return True

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(self.report)
        except Cancelled:
            self.cancelled.emit()
        except self._expected as exc:
            self.failed.emit(str(exc))
        except OSError as exc:
            where = f"（{exc.filename}）" if exc.filename else ""
            self.failed.emit(f"无法读写文件：{exc.strerror or exc}{where}")
        except Exception as exc:  # a bug: log it, tell the user, keep the window alive
            log.exception("background job failed")
            self.failed.emit(f"发生意外错误（{type(exc).__name__}：{exc}），详见日志。")
        else:
            # work that returned has finished: 取消 pressed after its last report came
            # too late, and a committed write must not be reported as cancelled
            self.succeeded.emit(result)


class _Receiver(QObject):
    """Lives in the UI thread: gets the worker's signals (queued) and ends the loop."""

    def __init__(self, dialog: QProgressDialog, loop: QEventLoop, label: str) -> None:
        super().__init__()
        self.dialog = dialog
        self.loop = loop
        self.label = label
        self.result = JobResult()

    @Slot(int, int, str)
    def on_progress(self, done: int, total: int, label: str) -> None:
        self.dialog.setMaximum(max(total, 1))
        self.dialog.setValue(min(done, max(total, 1)))
        if label:
            self.dialog.setLabelText(f"{self.label}\n{label}（{done}/{total}）")

    @Slot(object)
    def on_success(self, value: Any) -> None:
        self.result = JobResult(value=value)
        self.loop.quit()

    @Slot(str)
    def on_failure(self, message: str) -> None:
        self.result = JobResult(error=message)
        self.loop.quit()

    @Slot()
    def on_cancelled(self) -> None:
        self.result = JobResult(cancelled=True)
        self.loop.quit()

    @Slot()
    def on_cancel_pressed(self) -> None:
        self.dialog.setLabelText("正在取消…")


def run_job(
    parent: QWidget | None,
    title: str,
    label: str,
    work: Callable[[Report], Any],
    expected: tuple[type[BaseException], ...] = (StoreError,),
) -> JobResult:
    """Run ``work(report)`` off the UI thread; errors of the ``expected`` kinds (and
    OSError) become the result's message, anything else is logged as a bug."""
    dialog = QProgressDialog(label, "取消", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(600)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    loop = QEventLoop()
    receiver = _Receiver(dialog, loop, label)
    worker = _Worker(work, expected)
    thread = QThread()
    worker.moveToThread(thread)
    worker.progressed.connect(receiver.on_progress)
    worker.succeeded.connect(receiver.on_success)
    worker.failed.connect(receiver.on_failure)
    worker.cancelled.connect(receiver.on_cancelled)
    # The cancel flag is a threading.Event: set it at once, from the UI thread.
    dialog.canceled.connect(worker.cancel, Qt.ConnectionType.DirectConnection)
    dialog.canceled.connect(receiver.on_cancel_pressed)
    thread.started.connect(worker.run)
    thread.start()
    loop.exec()
    thread.quit()
    thread.wait()
    dialog.close()
    dialog.deleteLater()
    worker.deleteLater()
    return receiver.result
