"""The daily backup is compact (VACUUM INTO), checked, consistent under a concurrent
write, and the kept copies are bounded by count and by size."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from xihu_desktop.core import settings as S
from xihu_desktop.paths import backups_dir
from xihu_desktop.store import CorruptFile, Store, connection
from xihu_desktop.store import backups as B


def _pages(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA page_count").fetchone()[0])
    finally:
        conn.close()


def test_backup_is_vacuumed_smaller_and_a_valid_database(store: Store) -> None:
    with store.transaction() as c:  # grow the file, then free the space again
        c.execute("CREATE TABLE scratch (x TEXT)")
        c.executemany("INSERT INTO scratch VALUES (?)", [("x" * 1000,)] * 3000)
    with store.transaction() as c:
        c.execute("DROP TABLE scratch")
    free = store.scalar("PRAGMA freelist_count")
    assert free > 500
    path = B.make_backup(store, "manual")
    assert _pages(path) <= store.scalar("PRAGMA page_count") - free + 1  # no free pages
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()
    assert B.verify_backup(path) == store.version
    with Store.open(path) as copy:
        assert copy.counts() == store.counts()


def test_backup_uses_vacuum_into(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []
    real = connection._vacuum_into
    monkeypatch.setattr(connection, "_vacuum_into", lambda c, d: (seen.append(d), real(c, d)))
    B.make_backup(store, "manual")
    assert len(seen) == 1


def test_backup_from_a_reader_while_another_connection_writes(store: Store) -> None:
    """The copy is one snapshot: a write open on another connection is not in it, and the
    backup does not wait for it (WAL)."""
    before = store.counts()["units"]
    other = sqlite3.connect(store.path, isolation_level=None)  # type: ignore[arg-type]
    other.execute("PRAGMA foreign_keys = OFF")
    other.execute("BEGIN IMMEDIATE")
    other.execute(
        "INSERT INTO units (code, name, kind, position, active) "
        "VALUES ('ZZ', '未提交的单位', 'department', 999, 1)"
    )
    reader = Store.open(store.path, reading=True)  # as the window's daily backup does
    try:
        path = B.make_backup(reader, "manual")
    finally:
        reader.close()
    other.execute("COMMIT")
    other.close()
    with Store.open(path) as copy:
        assert copy.counts()["units"] == before
    assert store.counts()["units"] == before + 1


def test_a_bad_copy_is_not_kept_and_prunes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = B.make_backup(store, B.DAILY)
    monkeypatch.setattr(connection, "quick_check", lambda conn: "*** page 7 is bad")
    store.settings.set(S.BACKUP_KEEP_DAILY, 1)
    with pytest.raises(CorruptFile):
        B.make_backup(store, B.DAILY)
    assert [b.path for b in B.list_backups(store.path)] == [old]  # the good one stays
    assert not [p for p in backups_dir(store.path).iterdir() if p.name.endswith(".part")]


def _fake(folder: Path, stem: str, day: int, reason: str, size: int) -> Path:
    path = folder / f"{stem}-202401{day:02d}-080000-000000-{reason}.sqlite3"
    path.write_bytes(b"x" * size)
    return path


def test_rotation_by_size_keeps_the_newest_even_when_too_big(store: Store) -> None:
    folder = backups_dir(store.path)
    stem = store.path.stem
    for day in range(1, 11):
        _fake(folder, stem, day, B.DAILY, 100)
    removed = B.rotate(store.path, B.Limits(keep_daily=14, keep_other=20, max_bytes=450))
    kept = [b.created.day for b in B.list_backups(store.path)]
    assert kept == [10, 9, 8, 7]  # 4 × 100 ≤ 450, the fifth would pass the cap
    assert len(removed) == 6
    huge = _fake(folder, stem, 11, B.DAILY, 10_000)
    B.rotate(store.path, B.Limits(max_bytes=450))
    assert [b.path for b in B.list_backups(store.path)] == [huge]  # the only newest good one


def test_rotation_limits_come_from_the_data_files_settings(store: Store) -> None:
    folder = backups_dir(store.path)
    stem = store.path.stem
    for day in range(1, 6):
        _fake(folder, stem, day, B.DAILY, 10)
    store.settings.set(S.BACKUP_KEEP_DAILY, 2)
    limits = B.Limits.of(store)
    assert limits.keep_daily == 2
    size = store.scalar("PRAGMA page_count") * store.scalar("PRAGMA page_size")
    assert limits.max_bytes == S.BACKUP_SIZE_FACTOR.default * size
    store.settings.set(S.BACKUP_MAX_MB, 1)
    assert B.Limits.of(store).max_bytes == min(1024 * 1024, limits.max_bytes)  # type: ignore[type-var]
    made = B.daily_backup(store, today=dt.date(2030, 1, 1))
    assert made is not None
    days = [b.path for b in B.list_backups(store.path) if b.reason == B.DAILY]
    assert days[0] == made and len(days) == 2


def test_backup_before_an_import_still_works(store: Store) -> None:
    with store.bulk_write("import"):
        pass
    (made,) = [b for b in B.list_backups(store.path) if b.reason == "before-import"]
    assert B.verify_backup(made.path) == store.version


def test_a_mode_ro_reader_falls_back_to_a_page_copy(store: Store) -> None:
    """SQLite 3.40's VACUUM INTO fails on mode=ro with a generated column: still a backup."""
    reader = store.reader()
    try:
        path = B.make_backup(reader, "manual")
    finally:
        reader.close()
    assert B.verify_backup(path) == store.version
