"""Back up now; restore from the list of backups."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox

from xihu_desktop.store import Store, backups
from xihu_desktop.ui import backup_actions as BA


@pytest.fixture
def messages(monkeypatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: seen.append(("info", a[2])))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: seen.append(("warn", a[2])))
    return seen


def test_backup_now(store: Store, messages) -> None:
    path = BA.backup_now(None, store)
    assert path is not None and path.exists() and path.parent.name == "备份"
    assert messages[0][0] == "info" and str(path) in messages[0][1]


def test_restore_from_list(qtbot, store: Store, messages, monkeypatch) -> None:
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    entry = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "原始"}).id)
    backups.backup_before(store, "import")
    store.entries.update(entry.id, {"name": "改动"})

    dialog = BA.RestoreDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 1
    assert dialog.model.data(dialog.model.index(0, 1)) == "import前备份"
    assert dialog.model.data(dialog.model.index(0, 2)).endswith("KB")

    def choose_first(self: BA.RestoreDialog) -> int:
        self.choose_selected()
        return self.result()

    monkeypatch.setattr(BA.RestoreDialog, "exec", choose_first)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.No)
    assert BA.restore_backup(None, store) is False  # not confirmed
    assert store.entries.get(entry.id).name == "改动"
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    assert BA.restore_backup(None, store) is True
    assert store.entries.get(entry.id).name == "原始"
    assert "重新启动" in messages[-1][1]
    reasons = {b.reason for b in backups.list_backups(store.path)}
    assert "before-restore" in reasons


def test_restore_bad_file_leaves_data(store: Store, messages, monkeypatch, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)

    def choose_bogus(self: BA.RestoreDialog) -> int:
        self.chosen = bogus
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(BA.RestoreDialog, "exec", choose_bogus)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    counts = store.counts()
    assert BA.restore_backup(None, store) is False
    assert messages[-1][0] == "warn" and "未恢复" in messages[-1][1]
    assert store.counts() == counts


def test_restore_refused_for_viewer(store: Store, messages) -> None:
    store.act_as("查看者", "viewer")
    assert BA.restore_backup(None, store) is False
    assert "区管理员" in messages[0][1]
