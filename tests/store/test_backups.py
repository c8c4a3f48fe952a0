"""Rotating backups, their checks, and restore."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from xihu_desktop.paths import backups_dir
from xihu_desktop.store import CorruptFile, NotOurFile, PermissionDenied, Store
from xihu_desktop.store import backups as B
from xihu_desktop.store.connection import APPLICATION_ID


def _entry(store: Store):
    unit = store.units.list()[0]
    ledger = store.ledgers.ensure(unit.id, 2025)
    return store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "备份前的条目"}).id)


def test_backups_live_in_visible_folder_next_to_db(store: Store) -> None:
    path = B.backup_before(store, "import")
    assert path.parent == store.path.parent / "备份"
    assert path.name.endswith("-before-import.sqlite3")
    (info,) = [b for b in B.list_backups(store.path) if b.path == path]
    assert info.reason_label == "import前备份"
    assert info.size == path.stat().st_size > 0
    assert B.verify_backup(path) == store.version
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file to copy
    conn.close()


def test_daily_backup_once_per_day(store: Store) -> None:
    first = B.daily_backup(store)
    assert first is not None and first.exists()
    assert B.daily_backup(store) is None  # second start the same day
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert B.daily_backup(store, today=tomorrow) is not None


def test_rotation_keeps_the_newest(store: Store) -> None:
    folder = backups_dir(store.path)
    stem = store.path.stem
    for day in range(1, 21):
        (folder / f"{stem}-202401{day:02d}-080000-000000-daily.sqlite3").write_bytes(b"x")
    for i in range(25):
        (folder / f"{stem}-20240301-0800{i:02d}-000000-before-import.sqlite3").write_bytes(b"x")
    other_db = folder / "other-20240101-080000-000000-daily.sqlite3"
    other_db.write_bytes(b"x")
    removed = B.rotate(store.path, B.Limits(keep_daily=14, keep_other=20))
    assert len(removed) == 6 + 5
    names = {b.path.name for b in B.list_backups(store.path)}
    assert f"{stem}-20240120-080000-000000-daily.sqlite3" in names
    assert f"{stem}-20240101-080000-000000-daily.sqlite3" not in names
    assert f"{stem}-20240301-080000-000000-before-import.sqlite3" not in names
    assert other_db.exists()  # another database's backups are not ours to rotate


def test_restore_replaces_content_and_backs_up_first(store: Store) -> None:
    entry = _entry(store)
    backup = B.backup_before(store, "test")
    store.entries.update(entry.id, {"name": "备份后的修改"})
    added = store.entries.get(
        store.entries.add(entry.ledger_id, "indicator", {"name": "备份后新增"}).id
    )
    safety = B.restore(store, backup)
    assert store.integrity_check() == "ok"
    assert store.entries.get(entry.id).name == "备份前的条目"
    with pytest.raises(Exception, match="不存在"):
        store.entries.get(added.id)
    assert store.audit.log(action="恢复备份")
    # The safety backup holds what was there before the restore.
    with Store.open(safety) as old:
        assert old.entries.get(entry.id).name == "备份后的修改"
    # A second connection (e.g. the CLI) sees the restored content in the same file.
    with Store.open(store.path) as again:
        assert again.entries.get(entry.id).name == "备份前的条目"


def test_restore_refuses_foreign_damaged_and_own_file(store: Store, tmp_path: Path) -> None:
    entry = _entry(store)
    fingerprint = store.counts()
    foreign = tmp_path / "foreign.sqlite3"
    c = sqlite3.connect(foreign)
    c.execute("CREATE TABLE t (x)")
    c.commit()
    c.close()
    with pytest.raises(NotOurFile):
        B.restore(store, foreign)
    text = tmp_path / "notes.sqlite3"
    text.write_text("hello")
    with pytest.raises(NotOurFile):
        B.restore(store, text)
    good = B.backup_before(store, "test")
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(good.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
    damaged.write_bytes(bytes(data))
    with pytest.raises(CorruptFile):
        B.restore(store, damaged)
    with pytest.raises(Exception, match="自身"):
        B.restore(store, store.path)
    assert store.counts() == fingerprint
    assert store.entries.get(entry.id).name == "备份前的条目"


def test_only_admin_restores(store: Store) -> None:
    backup = B.backup_before(store, "test")
    store.act_as("查看者", "viewer")
    with pytest.raises(PermissionDenied):
        B.restore(store, backup)
