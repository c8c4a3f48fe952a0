"""The window's integrity check and daily backup run off the UI thread; a problem is shown."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from xihu_desktop.store import Store, backups, connection, health
from xihu_desktop.ui.file_check import FileCheck


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The threads the data file's checks ran on (not the checks of backup copies)."""
    seen: list[threading.Thread] = []
    real = connection.quick_check

    def spy(conn):  # type: ignore[no-untyped-def]
        name = Path(conn.execute("PRAGMA database_list").fetchone()[2]).name
        if name.endswith(".part"):
            return real(conn)  # the backup's check of its own copy
        seen.append(threading.current_thread())
        return real(conn)

    monkeypatch.setattr(connection, "quick_check", spy)
    return seen


def _window(qtbot: Any) -> QWidget:
    window = QWidget()
    qtbot.addWidget(window)
    return window


def test_due_check_and_backup_run_in_the_background(
    qtbot: Any, store: Store, threads: list[threading.Thread]
) -> None:
    assert store.path is not None
    health.record_check(store.path, dt.datetime(2020, 1, 1))
    store.close()
    store = Store.open(store.path, integrity="defer")  # as the window opens it
    assert store.pending_check == health.DAILY and threads == []
    check = FileCheck(store, _window(qtbot))
    with qtbot.waitSignal(check.finished, timeout=20_000) as blocker:
        assert check.start()
    result = blocker.args[0]
    assert result.checked and result.problem is None
    assert result.backup is not None and result.backup.exists()
    assert [b.reason for b in backups.list_backups(store.path)] == [backups.DAILY]
    assert len(threads) == 1 and threads[0] is not threading.main_thread()
    assert check.warning is None
    assert health.due(store.path) is None and store.pending_check is None
    check.wait()
    store.close()


def test_no_check_when_not_due_but_the_days_backup(
    qtbot: Any, store: Store, threads: list[threading.Thread]
) -> None:
    check = FileCheck(store, _window(qtbot))
    with qtbot.waitSignal(check.finished, timeout=20_000) as blocker:
        check.start()
    assert not blocker.args[0].checked and threads == []
    with qtbot.waitSignal(check.finished, timeout=20_000) as blocker:
        check.start()  # a second start the same day: no second backup
    assert blocker.args[0].backup is None
    check.wait()


def test_a_problem_is_shown_and_no_backup_made(
    qtbot: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.path is not None
    monkeypatch.setattr(
        connection, "quick_check", lambda conn: "*** in database main ***\nPage 9: btree"
    )
    store.pending_check = health.CRASH
    check = FileCheck(store, _window(qtbot))
    with qtbot.waitSignal(check.finished, timeout=20_000) as blocker:
        check.start()
    assert blocker.args[0].problem
    box = check.warning
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "已损坏" in box.text() and "Page 9" in box.text() and "备份" in box.text()
    box.close()
    assert backups.list_backups(store.path) == []  # a bad file is not copied over good backups
    assert store.pending_check == health.CRASH  # still due at the next start
    check.wait()


def test_a_read_only_file_is_checked_without_a_backup(
    qtbot: Any, store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert store.path is not None
    path = store.path
    store.close()
    monkeypatch.setattr(connection, "writable", lambda p: False)
    ro = Store.open(path, integrity="defer")
    assert ro.read_only
    ro.pending_check = health.DAILY
    check = FileCheck(ro, _window(qtbot))
    with qtbot.waitSignal(check.finished, timeout=20_000) as blocker:
        check.start()
    assert blocker.args[0].checked and blocker.args[0].backup is None
    check.wait()
    ro.close()
