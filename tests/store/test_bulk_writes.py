"""Many entries written at once (an import): one executemany, the search index filled
once per batch with the insert trigger paused (db/011_bulk_writes.sql), the scored
columns written with the row. Whatever happens, index and columns agree with the rows."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from xihu_desktop.exchange.search import search
from xihu_desktop.store import Store, connection
from xihu_desktop.store.search import PAUSE_TABLE

PHRASE = "滨江智造产业园"


def _ledger(store: Store, code: str = "T01", year: int = 2025) -> int:
    return store.ledgers.create(store.units.find(code).id, year).id


def _rows(n: int, phrase: str = PHRASE) -> list[dict[str, object]]:
    return [
        {
            "name": f"指标{i:04d}",
            "goal": 100 + i,
            "measure_unit": "亿元",
            "direction": "越小越好" if i % 3 == 0 else "越大越好",
            "attribute": "约束性" if i % 2 else "预期性",
            "roadmap": f"推进{phrase}第{i}期",
        }
        for i in range(n)
    ]


def _consistent(store: Store) -> None:
    assert store.search.check() is None
    assert store.scalar(f"SELECT count(*) FROM {PAUSE_TABLE}") == 0
    assert store.scalar("SELECT count(*) FROM entries_fts_docsize") == store.scalar(
        "SELECT count(*) FROM entries"
    )
    assert not store.query(
        "SELECT id FROM entries WHERE "
        "scored_lower IS NOT (json_extract(data, '$.direction') = '越小越好') OR "
        "scored_binding IS NOT (json_extract(data, '$.attribute') = '约束性')"
    )


def test_a_batch_gets_the_ids_sqlite_would_give_and_is_found(store: Store) -> None:
    ledger_id = _ledger(store)
    single = store.entries.add(ledger_id, "indicator", _rows(1, "单条")[0]).id
    created = store.entries.add_many(ledger_id, "indicator", _rows(300)).created
    assert list(created) == list(range(single + 1, single + 301))
    positions = [e.position for e in store.entries.list(ledger_id, "indicator")]
    assert positions == list(range(1, 302))
    assert len(search(store, PHRASE, limit=1000)) == 300
    assert len(search(store, "第299期")) == 1
    _consistent(store)


def test_ids_continue_after_deleted_rows_and_undo_gives_them_back(store: Store) -> None:
    ledger_id = _ledger(store)
    first = store.entries.add_many(ledger_id, "indicator", _rows(20)).created
    gone = store.entries.delete(first[-5:])
    again = store.entries.add_many(ledger_id, "indicator", _rows(5, "二期园区")).created
    assert again[0] == first[-6] + 1  # the largest id left plus one, as SQLite gives
    assert gone.undo is not None
    with pytest.raises(Exception):  # noqa: B017 - the old ids are taken now
        store.apply(gone.undo)
    _consistent(store)
    store.entries.delete(again)
    store.apply(gone.undo)  # restores the old ids, indexed by the per-row trigger
    assert {h.entry_id for h in search(store, PHRASE, limit=100)} == set(first)
    _consistent(store)


def test_a_batch_that_fails_halfway_leaves_nothing_and_the_index_whole(store: Store) -> None:
    ledger_id = _ledger(store)
    kept = store.entries.add_many(ledger_id, "indicator", _rows(3)).created
    key = store.entries.get(kept[0]).key
    with pytest.raises(Exception):  # noqa: B017 - the row with a taken key fails the batch
        store.entries.add_many(
            ledger_id, "indicator", _rows(50, "半途"), keys=[None] * 25 + [key] + [None] * 24
        )
    assert store.scalar("SELECT count(*) FROM entries") == 3
    assert search(store, "半途") == []
    _consistent(store)
    store.entries.add(ledger_id, "indicator", _rows(1, "之后单条")[0])
    assert len(search(store, "之后单条")) == 1
    _consistent(store)


def test_the_scored_columns_are_written_with_the_row(store: Store) -> None:
    ledger_id = _ledger(store)
    ids = store.entries.add_many(ledger_id, "indicator", _rows(6)).created
    flags = store.rows(
        f"SELECT scored_lower, scored_binding FROM entries WHERE id IN ({','.join('?' * 6)}) "
        "ORDER BY id",
        ids,
    )
    assert [tuple(r) for r in flags] == [(1, 0), (0, 1), (0, 0), (1, 1), (0, 0), (0, 1)]
    _consistent(store)


def test_another_writer_without_the_columns_is_still_right(store: Store) -> None:
    """A row inserted by hand (another program) gets its scored columns from the trigger
    and its place in the index from the per-row trigger."""
    ledger_id = _ledger(store)
    assert store.path is not None
    conn = sqlite3.connect(store.path)
    conn.execute(
        "INSERT INTO entries (ledger_id, category, position, name, data, created_at, "
        "updated_at, key) VALUES (?, 'indicator', 1, '手工指标', ?, 'x', 'x', 'k1')",
        (ledger_id, '{"direction": "越小越好", "attribute": "约束性", "roadmap": "手工录入路线"}'),
    )
    conn.commit()
    conn.close()
    assert store.rows("SELECT scored_lower, scored_binding FROM entries")[0][:] == (1, 1)
    assert len(search(store, "手工录入路线")) == 1
    _consistent(store)


def test_a_rebuilt_index_keeps_the_pausable_trigger(store: Store) -> None:
    store.search.rebuild()
    sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'entries_ai'")
    assert PAUSE_TABLE in str(sql)
    store.entries.add_many(_ledger(store), "indicator", _rows(10))
    assert len(search(store, PHRASE)) == 10
    _consistent(store)


def test_a_trigger_without_the_pause_indexes_each_row_once(store: Store) -> None:
    """A file whose insert trigger was recreated without the pause (by hand, by an older
    rebuild) must not get every new row indexed twice."""
    assert store.path is not None
    conn = sqlite3.connect(store.path)
    conn.execute("DROP TRIGGER entries_ai")
    conn.execute(
        'CREATE TRIGGER "entries_ai" AFTER INSERT ON "entries" BEGIN INSERT INTO "entries_fts" '
        '(rowid, "name", "search_text") VALUES (new.rowid, new."name", new."search_text"); END'
    )
    conn.commit()
    conn.close()
    store.entries.add_many(_ledger(store), "indicator", _rows(10))
    assert len(search(store, PHRASE)) == 10
    _consistent(store)


def test_a_file_of_the_previous_schema_is_migrated_with_its_entries(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = tmp_path / "older"
    older.mkdir()
    for m in connection.migrations():
        if m.version < 11:
            shutil.copy(m.path, older / m.path.name)
    monkeypatch.setattr(connection, "migrations_dir", lambda: older)
    from xihu_desktop.store.seed import initialise

    with Store.open(db_path) as old:
        initialise(old)
        old.entries.add_many(_ledger(old), "indicator", _rows(8))  # per-row trigger, 009
        assert old.scalar(f"SELECT count(*) FROM sqlite_master WHERE name = '{PAUSE_TABLE}'") == 0
    monkeypatch.undo()
    with Store.open(db_path) as store:
        assert store.version == connection.latest_version()
        _consistent(store)
        store.entries.add_many(_ledger(store, year=2024), "indicator", _rows(8))
        assert len(search(store, PHRASE)) == 16
        _consistent(store)
