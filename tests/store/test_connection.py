"""Opening, checking, migrating and backing up the SQLite file (store/connection.py)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from xihu_desktop.store import CorruptFile, NewerVersion, NotOurFile, Store, StoreError, connection
from xihu_desktop.store.connection import APPLICATION_ID, latest_version
from xihu_desktop.store.seed import initialise


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecars(path: Path) -> list[str]:
    """-wal/-shm/-journal files beside ``path``."""
    return sorted(p.name for p in path.parent.glob(path.name + "-*"))


def tables(conn: sqlite3.Connection) -> set[str]:
    return {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }


def all_rows(path: Path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return {t: _rows(conn, t) for t in sorted(tables(conn))}
    finally:
        conn.close()


def _rows(conn: sqlite3.Connection, table: str) -> list[tuple]:
    try:
        return conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    except sqlite3.OperationalError:  # a WITHOUT ROWID table (the search index's entries_fts_idx)
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall())


def assert_rejected_untouched(path: Path, error: type[StoreError]) -> str:
    before = sha256(path)
    with pytest.raises(error) as info:
        Store.open(path)
    assert sha256(path) == before
    assert sidecars(path) == []
    message = str(info.value)
    assert path.name in message
    assert "Traceback" not in message
    return message


# ---------------------------------------------------------------- new files and re-opening


def test_migrates_empty_file_and_reopens(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.version == latest_version() >= 1
        conn = store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        expected = {
            "plans",
            "plan_targets",
            "catalogue_items",
            "units",
            "ledgers",
            "entries",
            "progress",
            "adjustments",
            "scoring_settings",
            "users",
            "audit_log",
            "settings",
        }
        assert expected <= tables(conn)
        initialise(store)
        counts = store.counts()
    # No backup for a brand-new file (there is nothing to lose).
    assert not list((db_path.parent / "备份").glob("*.sqlite3"))

    with Store.open(db_path) as again:
        assert again.version == latest_version()
        assert again.counts() == counts
        assert again.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
        assert again.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    # A clean close leaves no -wal/-shm behind.
    assert sidecars(db_path) == []


def test_zero_byte_file_is_refused_unless_created(db_path: Path) -> None:
    """Only ``xihu init`` (create=True) makes an empty file a data file."""
    db_path.write_bytes(b"")
    with pytest.raises(StoreError, match="空文件"):
        Store.open(db_path)
    assert db_path.read_bytes() == b"" and not list(db_path.parent.glob(db_path.name + "-*"))
    with Store.open(db_path, create=True) as store:
        assert store.version == latest_version()


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="不存在"):
        Store.open(tmp_path / "no such folder" / "x.sqlite3")


# ---------------------------------------------------------------- files that are not ours


def test_text_file_rejected_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("这不是数据库\n" * 100, encoding="utf-8")
    message = assert_rejected_untouched(path, NotOurFile)
    assert "不是本程序的数据文件" in message


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_other_programs_sqlite_rejected_untouched(tmp_path: Path, journal_mode: str) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.executemany("INSERT INTO customers (name) VALUES (?)", [("甲",), ("乙",)])
    conn.commit()
    conn.close()
    assert sidecars(path) == []
    message = assert_rejected_untouched(path, NotOurFile)
    assert "其他程序" in message


def test_other_application_id_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 12345")
    conn.commit()
    conn.close()
    assert_rejected_untouched(path, NotOurFile)


def _demo_copy(demo_template: Path, dest: Path) -> Path:
    shutil.copyfile(demo_template, dest)
    return dest


def test_corrupt_file_rejected_untouched(demo_template: Path, tmp_path: Path) -> None:
    path = _demo_copy(demo_template, tmp_path / "damaged.sqlite3")
    size = path.stat().st_size
    assert size > 100_000
    data = bytearray(path.read_bytes())
    middle = (size // 2) // 4096 * 4096  # a whole page in the middle, header included
    data[middle : middle + 4096] = bytes((i * 37 + 11) % 256 for i in range(4096))
    path.write_bytes(bytes(data))
    message = assert_rejected_untouched(path, CorruptFile)
    assert "损坏" in message
    assert "\n" not in message  # one sentence, not quick_check's page-by-page dump


def test_btree_damage_rejected_with_short_message(demo_template: Path, tmp_path: Path) -> None:
    path = _demo_copy(demo_template, tmp_path / "damaged.sqlite3")
    data = bytearray(path.read_bytes())
    # Page 4 is an early b-tree page; scribble over its cell area.
    data[3 * 4096 + 200 : 3 * 4096 + 2200] = bytes((i * 91 + 7) % 256 for i in range(2000))
    path.write_bytes(bytes(data))
    message = assert_rejected_untouched(path, CorruptFile)
    assert "\n" not in message
    assert len(message) < 400


def test_truncated_file_rejected_untouched(demo_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "truncated.sqlite3"
    path.write_bytes(demo_template.read_bytes()[: demo_template.stat().st_size // 2])
    assert_rejected_untouched(path, CorruptFile)


def test_newer_version_rejected_untouched(db_path: Path) -> None:
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.commit()
    conn.close()
    message = assert_rejected_untouched(db_path, NewerVersion)
    assert "更新版本" in message


# ---------------------------------------------------------------- migrations


SHIPPED_MIGRATIONS = connection.migrations()  # read before any test patches migrations_dir


def _migrations_with(
    tmp_path: Path, name: str, extra: dict[str, str], upto: int | None = None
) -> Path:
    """A copy of db/ (only up to version ``upto`` when given) plus ``extra`` scripts."""
    folder = tmp_path / name
    folder.mkdir()
    for m in SHIPPED_MIGRATIONS:
        if upto is None or m.version <= upto:
            shutil.copy(m.path, folder / m.path.name)
    for file_name, sql in extra.items():
        (folder / file_name).write_text(sql, encoding="utf-8")
    return folder


def test_older_schema_is_backed_up_and_migrated(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = latest_version()
    newer = shipped + 1
    # A file written by the first release (schema version 1) …
    v1 = _migrations_with(tmp_path, "db_v1", {}, upto=1)
    monkeypatch.setattr(connection, "migrations_dir", lambda: v1)
    with Store.open(db_path) as store:
        initialise(store)
        assert store.version == 1
        targets = store.scalar("SELECT count(*) FROM plan_targets")
    # … opened by a release that ships one more migration than this one.
    folder = _migrations_with(
        tmp_path,
        "db_next",
        {
            f"{newer:03d}_test.sql": "-- test migration\n"
            "CREATE TABLE test_notes (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\n"
            "INSERT INTO test_notes (note) VALUES ('迁移成功');\n"
        },
    )
    monkeypatch.setattr(connection, "migrations_dir", lambda: folder)
    assert latest_version() == newer

    with Store.open(db_path) as store:
        assert store.version == newer
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == newer
        assert store.scalar("SELECT note FROM test_notes") == "迁移成功"
        assert store.scalar("SELECT count(*) FROM plan_targets") == targets == 43

    backups = list((db_path.parent / "备份").glob("*before-v2*.sqlite3"))
    assert len(backups) == 1  # one backup, taken before the first pending migration
    old = sqlite3.connect(backups[0])
    try:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 1
        assert old.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert "test_notes" not in tables(old)
        assert old.execute("SELECT count(*) FROM plan_targets").fetchone()[0] == 43
    finally:
        old.close()


def test_failing_migration_rolls_back_completely(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = latest_version()
    with Store.open(db_path) as store:
        initialise(store)
    before = all_rows(db_path)
    folder = _migrations_with(
        tmp_path,
        "db_broken",
        {
            f"{shipped + 1:03d}_broken.sql": "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
            "INSERT INTO half_done VALUES (1);\n"
            "UPDATE units SET name = name || '（改）';\n"
            "INSERT INTO no_such_table VALUES (1);\n"
        },
    )
    monkeypatch.setattr(connection, "migrations_dir", lambda: folder)

    with pytest.raises(StoreError, match=f"版本{shipped + 1}失败") as info:
        Store.open(db_path)
    assert "数据未作改动" in str(info.value)
    assert sidecars(db_path) == []  # the failed open closed its connection

    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == shipped
        assert "half_done" not in tables(conn)
    finally:
        conn.close()
    assert all_rows(db_path) == before


# ---------------------------------------------------------------- backup and restore


def test_backup_restore_round_trip(demo_store: Store, tmp_path: Path) -> None:
    out = demo_store.backup(tmp_path / "copy" / "backup.sqlite3")
    assert out.exists()
    assert not list(out.parent.glob("*.part"))
    demo_store.close()
    original = all_rows(Path(demo_store.path))
    with Store.open(out) as restored:
        assert restored.version == latest_version()
        assert restored.integrity_check() == "ok"
    copy = all_rows(out)
    assert copy == original
    assert sum(len(v) for v in copy.values()) > 1000
    assert len(copy["entries"]) > 100


def test_backup_taken_while_writes_are_pending_is_consistent(store: Store, tmp_path: Path) -> None:
    """The online backup copies committed data, including what is still in the -wal."""
    unit = store.units.list("town")[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    store.entries.add(ledger.id, "indicator", {"name": "测试指标", "goal": 10})
    assert (Path(store.path).with_name(Path(store.path).name + "-wal")).stat().st_size > 0
    out = store.backup(tmp_path / "b.sqlite3")
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("SELECT name FROM entries").fetchall() == [("测试指标",)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    finally:
        conn.close()


def test_inspect_reads_committed_wal_content(store: Store) -> None:
    """With a -wal present (file open elsewhere), inspect must see what it holds."""
    assert os.path.exists(str(store.path) + "-wal")
    assert connection.inspect(Path(store.path)) == latest_version()
