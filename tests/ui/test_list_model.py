"""The read-only list models pass Qt's model checks and never offer editing."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from xihu_desktop.store import Store
from xihu_desktop.ui.audit_view import AuditModel
from xihu_desktop.ui.backup_actions import BackupsModel
from xihu_desktop.ui.login import UsersModel


def test_audit_backups_and_users_models(qtmodeltester: Any, demo_store: Store) -> None:
    demo_store.backup(demo_store.path.parent / "备份" / "manual.sqlite3")
    audit = AuditModel(demo_store)
    audit.load(None)
    models = (audit, BackupsModel(demo_store.path), UsersModel(demo_store))
    for model in models:
        qtmodeltester.check(model)
    assert audit.rowCount() > 0
    index = audit.index(0, 2)
    assert audit.data(index) == audit.rows[0]["action"]
    assert audit.data(index, audit.RowRole) is audit.rows[0]
    assert not audit.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert audit.headerData(2, Qt.Orientation.Horizontal) == "操作"
