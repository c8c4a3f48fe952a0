"""The window checks the audit log's hash chain once a day, in the background, and warns
naming the first broken row."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from ledger_helpers import make_window
from PySide6.QtWidgets import QMessageBox

from xihu_desktop.store import Store


def _delete_row(path: Path, row_id: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        body = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_delete'"
        ).fetchone()[0]
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id = ?", (row_id,))
        conn.execute(body)
    finally:
        conn.close()


def test_intact_log_is_checked_once_a_day(qtbot: Any, demo_store: Store, tmp_path: Path) -> None:
    window = make_window(qtbot, demo_store, tmp_path, demo_store.units.find("北山街道").id, 2025)
    started = time.perf_counter()
    with qtbot.waitSignal(window.audit_check.finished, timeout=10_000) as blocker:
        assert window.check_audit_log()
        print(
            f"\nstart of the check on the UI thread: {(time.perf_counter() - started) * 1000:.1f} ms"
        )
    assert blocker.args == [None]
    assert window.audit_check.warning is None
    assert not window.check_audit_log()  # done for today


def test_broken_chain_is_shown_naming_the_row(
    qtbot: Any, demo_store: Store, tmp_path: Path
) -> None:
    assert demo_store.path is not None
    _delete_row(demo_store.path, 12)
    window = make_window(qtbot, demo_store, tmp_path, demo_store.units.find("北山街道").id, 2025)
    with qtbot.waitSignal(window.audit_check.finished, timeout=10_000) as blocker:
        window.check_audit_log()
    assert blocker.args[0].id == 12
    box = window.audit_check.warning
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "第12条审计记录已被删除" in box.text() and "备份" in box.text()
    box.close()
    assert window.audit_check.due()  # a broken log is reported again at the next start
