"""The compact audit log (migration 010): new rows store the hash as a 32-byte digest and
no prev_hash, chained onto the rows written before in their old form; imports log names,
not copies; a progress sync logs one row per entry."""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from xihu_desktop import cli
from xihu_desktop.exchange.audit_export import display_value
from xihu_desktop.store import Store, connection
from xihu_desktop.store.seed import initialise

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.import_figures import fill_ledger

_ROW = "id, ts, user, action, ledger_id, entry_id, field, old_value, new_value, prev_hash, hash"


def _schema_before(version: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files opened from now on get the migrations below ``version`` only (undo to leave)."""
    older = tmp_path / f"db_before_{version}"
    older.mkdir()
    for m in connection.migrations():
        if m.version < version:
            shutil.copy(m.path, older / m.path.name)
    monkeypatch.setattr(connection, "migrations_dir", lambda: older)


def _sql(path: Path, *statements: str) -> list[Any]:
    """Statements run with plain sqlite3, as someone with a SQLite shell would."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        out: list[Any] = []
        for statement in statements:
            out = conn.execute(statement).fetchall()
        return out
    finally:
        conn.close()


def _behind(path: Path, trigger: str, statement: str) -> None:
    """Drop a guard trigger, run ``statement``, put the trigger back."""
    sql = _sql(path, f"SELECT sql FROM sqlite_master WHERE name = '{trigger}'")[0][0]
    _sql(path, f"DROP TRIGGER {trigger}", statement, sql)


def _verify(path: Path):
    with Store.open(path) as store:
        return store.audit.verify_chain()


@pytest.fixture
def mixed(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file written on schema 9 (legacy hex rows), then migrated and written to again:
    legacy rows first, compact rows after. Returns the path, closed."""
    _schema_before(10, tmp_path, monkeypatch)
    with Store.open(db_path) as store:
        initialise(store)
        ledger_id = store.ledgers.create(store.units.list()[0].id, 2025).id
        fill_ledger(store, ledger_id, 30)
        assert store.version == 9
    monkeypatch.undo()
    legacy = _sql(db_path, f"SELECT {_ROW} FROM audit_log ORDER BY id")
    assert len(legacy) > 30 and all(isinstance(r[10], str) and r[9] for r in legacy)
    with Store.open(db_path) as store:
        assert store.version == connection.latest_version() >= 10
        # the migration rewrote nothing: the log is append-only
        assert store.query(f"SELECT {_ROW} FROM audit_log ORDER BY id") == legacy
        entry_id = store.entries.ids(ledger_id, "indicator")[0]
        store.entries.update(entry_id, {"remark": "迁移后修改"})
        store.progress.set(entry_id, 1, {"value": 1, "status": "滞后"})
        store.audit.record("迁移后")
    rows = _sql(db_path, f"SELECT {_ROW} FROM audit_log ORDER BY id")
    new = rows[len(legacy) :]
    assert len(new) >= 3
    assert all(isinstance(r[10], bytes) and len(r[10]) == 32 and r[9] is None for r in new)
    return db_path


def test_chain_verifies_across_legacy_and_compact_rows(mixed: Path) -> None:
    assert _verify(mixed) is None
    head = _sql(mixed, "SELECT hash, typeof(hash) FROM audit_head")[0]
    last = _sql(mixed, "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")[0][0]
    assert head == (last.hex(), "text")  # the head trigger of 010 keeps hex text


def test_migration_replaces_the_indexes_and_keeps_the_guards(mixed: Path) -> None:
    indexes = dict(_sql(mixed, "SELECT name, sql FROM sqlite_master WHERE type = 'index'"))
    assert "audit_log_ts" not in indexes
    columns = [r[2] for r in _sql(mixed, "PRAGMA index_info(audit_log_ledger)")]
    assert columns == ["ledger_id"]
    with pytest.raises(sqlite3.DatabaseError, match="不可修改"):
        _sql(mixed, "UPDATE audit_log SET user = 'x' WHERE id = (SELECT max(id) FROM audit_log)")
    with pytest.raises(sqlite3.DatabaseError):
        _sql(mixed, "DELETE FROM audit_log WHERE id = 1")
    with Store.open(mixed) as store:  # the viewer's queries still use the ledger index
        plan = store.query(
            "EXPLAIN QUERY PLAN SELECT id FROM audit_log WHERE ledger_id = 1 ORDER BY id DESC"
        )
        assert "audit_log_ledger" in " ".join(str(r[3]) for r in plan)
        assert store.audit.log(1, since="2000-01-01")


def _last_legacy(path: Path) -> int:
    return int(_sql(path, "SELECT max(id) FROM audit_log WHERE typeof(hash) = 'text'")[0][0])


def _first_compact(path: Path) -> int:
    return int(_sql(path, "SELECT min(id) FROM audit_log WHERE typeof(hash) = 'blob'")[0][0])


def test_compact_row_changed_is_found(mixed: Path) -> None:
    row = _first_compact(mixed) + 1
    _behind(mixed, "audit_log_no_update", f"UPDATE audit_log SET user = '别人' WHERE id = {row}")
    broken = _verify(mixed)
    assert broken is not None and broken.id == row and "修改" in broken.reason


def test_first_compact_row_after_a_changed_legacy_row_is_found(mixed: Path) -> None:
    """The last legacy row changed and its hash recomputed: the compact row after it was
    hashed over the old one, so the chain breaks there."""
    from xihu_desktop.store.audit_chain import row_hash

    last = _last_legacy(mixed)
    row = _sql(mixed, f"SELECT {_ROW} FROM audit_log WHERE id = {last}")[0]
    forged = row_hash((*row[:2], "别人", *row[3:9]), row[9])
    _behind(
        mixed,
        "audit_log_no_update",
        f"UPDATE audit_log SET user = '别人', hash = '{forged}' WHERE id = {last}",
    )
    broken = _verify(mixed)
    assert broken is not None and broken.id == last + 1


def test_compact_row_deleted_is_found(mixed: Path) -> None:
    row = _first_compact(mixed) + 1
    _behind(mixed, "audit_log_no_delete", f"DELETE FROM audit_log WHERE id = {row}")
    broken = _verify(mixed)
    assert broken is not None and broken.id == row and "删除" in broken.reason


def test_compact_rows_cut_from_the_end_are_found(mixed: Path) -> None:
    last = int(_sql(mixed, "SELECT max(id) FROM audit_log")[0][0])
    _behind(mixed, "audit_log_no_delete", f"DELETE FROM audit_log WHERE id >= {last - 1}")
    broken = _verify(mixed)
    assert broken is not None and broken.id == last - 1 and "删除" in broken.reason


def test_row_inserted_by_hand_after_compact_rows_is_found(mixed: Path) -> None:
    _sql(mixed, "INSERT INTO audit_log (ts, user, action) VALUES ('2025-01-01', '某人', '伪造')")
    forged = int(_sql(mixed, "SELECT max(id) FROM audit_log")[0][0])
    broken = _verify(mixed)
    assert broken is not None and broken.id == forged and "不是本程序写入" in broken.reason


@pytest.mark.parametrize(
    "change",
    [
        "hash = lower(hex(hash))",  # the right digest, but as text: the legacy form
        "prev_hash = lower(hex(hash))",  # a compact row given a prev_hash
        "hash = substr(hash, 1, 31)",  # a shortened digest
        "hash = CAST(x'ff00fe' AS TEXT)",  # not even valid UTF-8
    ],
)
def test_compact_row_in_another_form_is_found(mixed: Path, change: str) -> None:
    row = _first_compact(mixed) + 1
    _behind(mixed, "audit_log_no_update", f"UPDATE audit_log SET {change} WHERE id = {row}")
    broken = _verify(mixed)
    assert broken is not None and broken.id == row, broken


def test_legacy_row_without_its_prev_hash_is_found(mixed: Path) -> None:
    _behind(mixed, "audit_log_no_update", "UPDATE audit_log SET prev_hash = NULL WHERE id = 5")
    broken = _verify(mixed)
    assert broken is not None and broken.id == 5 and "不是本程序写入" in broken.reason


def test_legacy_row_turned_into_a_compact_one_is_found(mixed: Path) -> None:
    """Someone 'compacts' an old row by hand (the log is append-only: the program never
    does): the row keeps verifying, but a legacy row after it is refused."""
    digest = _sql(mixed, "SELECT hash FROM audit_log WHERE id = 5")[0][0]
    _behind(
        mixed,
        "audit_log_no_update",
        f"UPDATE audit_log SET hash = x'{digest}', prev_hash = NULL WHERE id = 5",
    )
    broken = _verify(mixed)
    assert broken is not None and broken.id == 6 and "形式" in broken.reason


@pytest.mark.parametrize("trigger", ["audit_log_no_update", "audit_log_head"])
def test_guard_or_head_trigger_dropped_is_found(mixed: Path, trigger: str) -> None:
    _sql(mixed, f"DROP TRIGGER {trigger}")
    broken = _verify(mixed)
    assert broken is not None and broken.id is None and trigger in broken.reason


def test_head_changed_by_hand_is_found(mixed: Path) -> None:
    _sql(mixed, "UPDATE audit_head SET last_id = last_id + 1, hash = 'x'")
    broken = _verify(mixed)
    assert broken is not None and "删除" in broken.reason


# --- what the rows hold -------------------------------------------------------------


def _ledger(store: Store) -> int:
    return store.ledgers.create(store.units.list()[0].id, 2025).id


def _since(store: Store, after: int, action: str | None = None) -> list[dict[str, Any]]:
    return [
        vars(r)
        for r in reversed(store.audit.log(limit=None, action=action))
        if r.id > after and (action is None or r.action == action)
    ]


def _last(store: Store) -> int:
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM audit_log"))


def test_import_logs_names_and_a_deleted_imported_entry_comes_back_whole(store: Store) -> None:
    ledger_id = _ledger(store)
    before = _last(store)
    fill_ledger(store, ledger_id, 12, progress=True)
    entries = store.entries.list(ledger_id)
    added = _since(store, before, "新增条目")
    assert sorted((r["entry_id"], r["new"]) for r in added) == sorted(
        (e.id, e.name) for e in entries
    )
    assert all(r["old"] is None and r["field"] is None for r in added)

    victim = max(entries, key=lambda e: len(e.values))
    values = dict(victim.values)
    progress = store.progress.of_entry(victim.id)
    assert len([v for v in values.values() if v not in (None, "")]) > 4 and progress
    mark = _last(store)
    undo = store.entries.delete([victim.id]).undo
    deleted = _since(store, mark, "删除条目")
    assert len(deleted) == 1  # the only copy left: every filled value of the row
    assert json.loads(deleted[0]["old"]) == {
        k: v for k, v in values.items() if v is not None and v != ""
    }
    assert undo is not None
    undo(store)
    back = store.entries.get(victim.id)
    assert back.values == values and back.position == victim.position
    assert store.progress.of_entry(victim.id) == progress
    assert store.audit.verify_chain() is None


def test_progress_sync_writes_one_row_per_entry(store: Store) -> None:
    ledger_id = _ledger(store)
    ids = [
        store.entries.add(ledger_id, "indicator", {"name": f"指标{n}", "goal": 100, "actual": 1}).id
        for n in range(3)
    ]
    mark = _last(store)
    store.progress.set(ids[0], 1, {"value": 30, "status": "滞后"})
    synced = _since(store, mark, "进度同步")
    assert len(synced) == 1
    row = synced[0]
    assert row["entry_id"] == ids[0] and row["field"] == "actual、status"
    assert json.loads(row["old"]) == {"actual": 1, "status": "未启动"}
    assert json.loads(row["new"]) == {"actual": 30, "status": "滞后"}
    assert store.entries.get(ids[0]).values["actual"] == 30

    mark = _last(store)
    store.progress.set_many(
        [
            (e, q, {"value": 10 * q + n, "status": "推进中"})
            for n, e in enumerate(ids)
            for q in (1, 2)
        ]
    )
    synced = _since(store, mark, "进度同步")
    assert sorted(r["entry_id"] for r in synced) == ids  # one per entry, not per field
    assert [r["field"] for r in synced] == ["actual、status"] * 3

    mark = _last(store)
    store.progress.set(ids[1], 3, {"value": 99, "status": "推进中"})  # status unchanged
    synced = _since(store, mark, "进度同步")
    assert [(r["field"], r["old"], r["new"]) for r in synced] == [("actual", "21.0", "99.0")]
    assert store.audit.verify_chain() is None


def test_other_writes_keep_one_row_per_field(store: Store) -> None:
    ledger_id = _ledger(store)
    entry_id = store.entries.add(ledger_id, "indicator", {"name": "指标", "goal": 1}).id
    mark = _last(store)
    store.entries.update(entry_id, {"goal": 2, "remark": "备注", "actual": 3})
    fields = sorted(r["field"] for r in _since(store, mark, "修改"))
    assert fields == ["actual", "goal", "remark"]


def test_grouped_sync_rows_are_readable_in_cli_viewer_and_export(
    store: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger_id = _ledger(store)
    entry_id = store.entries.add(
        ledger_id, "indicator", {"name": "指标", "goal": 100, "actual": 5}
    ).id
    store.progress.set(entry_id, 1, {"value": 40, "status": "推进中"})
    row = store.audit.log(action="进度同步")[0]
    assert display_value(row.old) == "actual=5.0；status=未启动"
    assert display_value(row.new) == "actual=40.0；status=推进中"
    path = store.path
    store.close()

    assert cli.main(["audit", "--db", str(path), "--action", "进度同步"]) == 0
    out = capsys.readouterr().out
    assert (
        "进度同步" in out
        and "actual、status：actual=5.0；status=未启动 → actual=40.0；status=推进中" in out
    )

    out_file = tmp_path / "审计.xlsx"
    assert cli.main(["audit", "--db", str(path), "--out", str(out_file)]) == 0
    from openpyxl import load_workbook

    sheet = load_workbook(out_file).active
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    grouped = [r for r in rows if r[3] == "进度同步"]
    assert grouped and grouped[0][6:9] == [
        "actual、status",
        "actual=5.0；status=未启动",
        "actual=40.0；status=推进中",
    ]
