"""The shared runner for long work: results, known errors, bugs, cancel, UI-thread updates."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

from xihu_desktop.store import StoreError
from xihu_desktop.ui import jobs


def test_result_and_progress_on_the_ui_thread(
    parent: QWidget, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_ui_thread: list[bool] = []
    set_value = QProgressDialog.setValue

    def spy(self: QProgressDialog, value: int) -> None:
        on_ui_thread.append(threading.current_thread() is threading.main_thread())
        set_value(self, value)

    monkeypatch.setattr(QProgressDialog, "setValue", spy)
    in_worker: list[bool] = []

    def work(report: Callable[..., bool]) -> int:
        in_worker.append(threading.current_thread() is not threading.main_thread())
        for i in range(40):  # long enough for the dialog to show (600 ms) and update
            report(i, 40, f"第{i}步")
            time.sleep(0.02)
        return 42

    result = jobs.run_job(parent, "测试", "运行中", work)
    assert result.ok and result.value == 42
    assert in_worker == [True]  # the work ran off the UI thread
    assert on_ui_thread and all(on_ui_thread)  # the dialog was only touched on the UI thread


def test_known_error_is_a_message_and_a_bug_is_logged(
    parent: QWidget, caplog: pytest.LogCaptureFixture
) -> None:
    def known(report: Callable[..., bool]) -> None:
        raise StoreError("数据文件是只读的")

    result = jobs.run_job(parent, "测试", "运行中", known)
    assert not result.ok and result.error == "数据文件是只读的"

    def bug(report: Callable[..., bool]) -> None:
        raise KeyError("oops")

    result = jobs.run_job(parent, "测试", "运行中", bug)
    assert not result.ok and "KeyError" in (result.error or "") and "日志" in (result.error or "")
    assert any("background job failed" in r.message for r in caplog.records)


def test_cancel_stops_the_work(parent: QWidget) -> None:
    steps: list[int] = []

    def work(report: Callable[..., bool]) -> str:
        for step in range(1000):  # bounded: never hang the test
            report(step, 1000)
            steps.append(step)
            time.sleep(0.005)
        return "not cancelled"

    def press_cancel() -> None:
        dialog = parent.findChild(QProgressDialog)
        button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "取消")
        button.click()

    QTimer.singleShot(100, press_cancel)
    result = jobs.run_job(parent, "测试", "运行中", work)
    assert result.cancelled and not result.ok and result.error is None
    assert len(steps) < 1000
