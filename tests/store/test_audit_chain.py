"""The audit log is a hash chain: a row deleted, a row changed or a trigger dropped with
plain sqlite3 is found by ``store.audit.verify_chain()``."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from xihu_desktop.store import Store, connection
from xihu_desktop.store.seed import initialise


def _tamper(path: Path, *statements: str) -> None:
    """Run statements with plain sqlite3, as someone with the file and a SQLite shell would."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def _trigger_sql(path: Path, name: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(
            conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
        )
    finally:
        conn.close()


def _behind(path: Path, trigger: str, statement: str) -> None:
    """Drop a guard trigger, run ``statement``, put the trigger back: only the chain can tell."""
    _tamper(path, f"DROP TRIGGER {trigger}", statement, _trigger_sql(path, trigger))


def _last_id(path: Path) -> int:
    with Store.open(path) as store:
        return int(store.scalar("SELECT max(id) FROM audit_log"))


def _older_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files opened from now on get the schema before the chain (undo to leave it)."""
    older = tmp_path / "db_old"
    older.mkdir()
    for m in connection.migrations():
        if m.version < 5:
            shutil.copy(m.path, older / m.path.name)
    monkeypatch.setattr(connection, "migrations_dir", lambda: older)


@pytest.fixture
def logged(demo_store: Store) -> Path:
    """A demo file whose audit log holds many rows; closed, for plain sqlite3 to tamper with."""
    assert demo_store.audit.verify_chain() is None
    assert demo_store.counts()["audit_log"] > 50
    path = demo_store.path
    assert path is not None
    demo_store.close()
    return path


def _verify(path: Path):
    with Store.open(path) as store:
        return store.audit.verify_chain()


def test_intact_chain_verifies(store: Store) -> None:
    ledger_id = store.ledgers.create(store.units.list()[0].id, 2025).id
    store.entries.add(ledger_id, "indicator", {"name": "指标甲"})
    store.audit.record_many("测试", [(ledger_id, None, "x", None, i) for i in range(5)])
    assert store.audit.verify_chain() is None
    # compact form (schema 10): the digest as a 32-byte blob, no stored prev_hash; the
    # head keeps the last one in hex
    rows = store.query("SELECT id, prev_hash, hash FROM audit_log ORDER BY id")
    assert all(isinstance(r[2], bytes) and len(r[2]) == 32 for r in rows)
    assert all(r[1] is None for r in rows)
    assert store.scalar("SELECT hash FROM audit_head") == rows[-1][2].hex()
    assert len({r[2] for r in rows}) == len(rows)


def test_row_deleted_is_found(logged: Path) -> None:
    _behind(logged, "audit_log_no_delete", "DELETE FROM audit_log WHERE id = 20")
    broken = _verify(logged)
    assert broken is not None and broken.id == 20
    assert "删除" in broken.reason and "20" in broken.message


def test_last_rows_deleted_are_found(logged: Path) -> None:
    last = _last_id(logged)
    _behind(logged, "audit_log_no_delete", f"DELETE FROM audit_log WHERE id >= {last - 2}")
    broken = _verify(logged)
    assert broken is not None and broken.id == last - 2 and "删除" in broken.reason


def test_row_changed_is_found(logged: Path) -> None:
    _behind(logged, "audit_log_no_update", "UPDATE audit_log SET user = '别人' WHERE id = 7")
    broken = _verify(logged)
    assert broken is not None and broken.id == 7 and "修改" in broken.reason


def test_row_changed_with_its_hash_is_found_at_the_next_row(logged: Path) -> None:
    _behind(
        logged,
        "audit_log_no_update",
        "UPDATE audit_log SET hash = 'x' || substr(hash, 2) WHERE id = 9",
    )
    broken = _verify(logged)
    assert broken is not None and broken.id in (9, 10)


@pytest.mark.parametrize("trigger", ["audit_log_no_delete", "audit_log_no_update"])
def test_trigger_dropped_is_found(logged: Path, trigger: str) -> None:
    _tamper(logged, f"DROP TRIGGER {trigger}")
    broken = _verify(logged)
    assert broken is not None and broken.id is None
    assert "触发器" in broken.reason and trigger in broken.reason


def test_trigger_replaced_by_a_harmless_one_is_found(logged: Path) -> None:
    _tamper(
        logged,
        "DROP TRIGGER audit_log_no_delete",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END",
    )
    broken = _verify(logged)
    assert broken is not None and "audit_log_no_delete" in broken.reason


def test_row_inserted_without_the_program_is_found(logged: Path) -> None:
    _tamper(
        logged,
        "INSERT INTO audit_log (ts, user, action) VALUES ('2025-01-01T00:00:00', '某人', '伪造')",
    )
    forged = _last_id(logged)
    broken = _verify(logged)
    assert broken is not None and broken.id == forged and "不是本程序写入" in broken.reason


def test_writes_after_tampering_keep_the_evidence(logged: Path) -> None:
    last = _last_id(logged)
    _behind(logged, "audit_log_no_delete", f"DELETE FROM audit_log WHERE id = {last}")
    with Store.open(logged) as store:
        store.audit.record("测试")  # the program keeps working …
        broken = store.audit.verify_chain()
    assert broken is not None and broken.id == last  # … and the gap stays visible


def test_migration_chains_the_rows_of_an_older_file(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _older_schema(tmp_path, monkeypatch)
    with Store.open(db_path) as store:
        # audit rows written by today's code on the old schema: ledgers only (the demo's
        # entries would need today's columns, e.g. entries.assigned of 006)
        initialise(store)
        for year in (2024, 2025):
            for unit in store.units.list():
                store.ledgers.create(unit.id, year)
        assert store.version < 5
        before = store.query(
            "SELECT id, ts, user, action, ledger_id, entry_id, field, old_value, new_value "
            "FROM audit_log ORDER BY id"
        )
    assert len(before) > 50
    update_trigger = _trigger_sql(db_path, "audit_log_no_update")
    monkeypatch.undo()

    with Store.open(db_path) as store:
        assert store.version == connection.latest_version()
        after = store.query(
            "SELECT id, ts, user, action, ledger_id, entry_id, field, old_value, new_value "
            "FROM audit_log ORDER BY id"
        )
        assert after == before  # the content is untouched, only chained
        assert store.scalar("SELECT count(*) FROM audit_log WHERE hash IS NULL") == 0
        assert store.audit.verify_chain() is None
        store.audit.record("迁移后")
        assert store.audit.verify_chain() is None
    assert _trigger_sql(db_path, "audit_log_no_update") == update_trigger  # put back as it was
    with pytest.raises(sqlite3.DatabaseError, match="不可修改"):
        _tamper(db_path, "UPDATE audit_log SET user = 'x'")


def test_record_many_of_ten_thousand_rows(store: Store) -> None:
    """A bulk import's audit rows: hashed in one pass (figures printed, not asserted)."""
    rows = [(None, i, "actual", i, i + 1) for i in range(10_000)]
    start = time.perf_counter()
    with store.transaction():
        store.audit.record_many("导入", rows)
    elapsed = time.perf_counter() - start
    print(f"\nrecord_many 10,000 rows: {elapsed * 1000:.0f} ms")
    start = time.perf_counter()
    assert store.audit.verify_chain() is None
    print(
        f"verify_chain {store.counts()['audit_log']} rows: {(time.perf_counter() - start) * 1000:.0f} ms"
    )


def test_restore_of_an_older_backup_is_recorded_and_chained_at_reopen(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xihu_desktop.store import backups

    old_file = tmp_path / "旧备份.sqlite3"
    _older_schema(tmp_path, monkeypatch)
    with Store.open(old_file) as old:
        initialise(old)
    monkeypatch.undo()
    backups.restore(store, old_file)  # the open store now holds the older schema …
    assert store.audit.log(action="恢复备份")
    path = store.path
    assert path is not None
    store.close()
    with Store.open(path) as again:  # … and is migrated and chained when reopened
        assert again.audit.log(action="恢复备份")
        assert again.audit.verify_chain() is None
