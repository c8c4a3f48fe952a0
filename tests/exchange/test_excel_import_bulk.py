"""The import's bulk writes (Store.add_entries, Store.set_progress_many) and its backup."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.store import Store, backups
from xihu_desktop.store.errors import InvalidData, LedgerLocked
from xihu_desktop.store.seed import initialise


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "district.sqlite3")
    initialise(s)
    yield s
    s.close()


def _import_backups(db: Path) -> list[backups.BackupInfo]:
    return [b for b in backups.list_backups(db) if b.reason == "before-import"]


def _export_one(store: Store, tmp_path: Path) -> tuple[Any, Path]:
    ledger = next(lg for lg in store.ledgers.list(year=2025) if store.entries.list(lg.id))
    return ledger, ee.export_ledger(store, ledger.id, tmp_path / "r.xlsx")


def test_import_backs_up_first_dry_run_and_no_change_do_not(
    demo_store: Store, fresh: Store, tmp_path: Path
) -> None:
    _, out = _export_one(demo_store, tmp_path)
    assert fresh.path is not None
    ei.import_file(fresh, out, dry_run=True)
    assert _import_backups(fresh.path) == []
    ei.import_file(fresh, out, new_ledger=True)
    made = _import_backups(fresh.path)
    assert len(made) == 1 and made[0].path.parent == fresh.path.parent / "备份"
    assert backups.verify_backup(made[0].path) >= 0
    with Store.open(made[0].path) as before:  # taken before the import wrote anything
        assert before.counts()["entries"] == 0
    ei.import_file(fresh, out)  # the same file again changes nothing: no backup either
    assert len(_import_backups(fresh.path)) == 1


def test_failing_backup_stops_the_import(
    demo_store: Store, fresh: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out = _export_one(demo_store, tmp_path)

    def disk_full(*_: Any, **__: Any) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backups, "make_backup", disk_full)
    counts = fresh.counts()
    with pytest.raises(ei.ImportRefused, match="备份"):
        ei.import_file(fresh, out, new_ledger=True)
    assert fresh.counts() == counts


def test_bulk_import_equals_one_by_one(demo_store: Store, fresh: Store, tmp_path: Path) -> None:
    """The bulk path gives the same data as add_entry/set_progress did, one audit row
    per new entry and per newly reported quarter, and one revision bump."""
    ledger, out = _export_one(demo_store, tmp_path)
    audit = fresh.counts()["audit_log"]
    plan = ei.import_file(fresh, out, new_ledger=True)
    assert plan.ledger_id is not None
    for a in demo_store.assessment.adjustments(ledger.id):  # the administrator's, not imported
        fresh.assessment.add_adjustment(plan.ledger_id, a.points, a.reason)
    assert ledger_fingerprint(fresh, plan.ledger_id) == ledger_fingerprint(demo_store, ledger.id)
    entries = fresh.entries.list(plan.ledger_id)
    progress = fresh.progress.of_ledger(plan.ledger_id)
    rows = fresh.audit.log(plan.ledger_id, limit=None)
    added = [r for r in rows if r["action"] == "新增条目"]
    assert len(added) == len(entries)
    # each names its entry (issue 15: the values are in the ledger, not copied to the log)
    names = {e.id: e.name for e in entries}
    assert all(r["new"] == names[r["entry_id"]] for r in added)
    reported = [r for r in rows if r["action"] == "进度填报"]
    assert len(reported) == len(progress)  # one row per entry with progress
    for r in reported:  # … holding every quarter's values
        logged = json.loads(r["new"])
        assert r["field"] == "、".join(logged) and set(logged) == {
            f"Q{q}" for q in progress[r["entry_id"]]
        }
        q = min(progress[r["entry_id"]])
        p = progress[r["entry_id"]][q]
        assert logged[f"Q{q}"].get("value") == p.value and logged[f"Q{q}"].get("status") == p.status
    assert fresh.counts()["audit_log"] - audit == len(rows)
    # one bump per bulk call (header, each of the six categories, progress) and one per
    # bonus/deduction line, not per entry or quarter
    bumps = 1 + 6 + 1 + len(fresh.assessment.adjustments(plan.ledger_id))
    assert fresh.ledgers.get(plan.ledger_id).revision <= bumps < len(entries)


def test_add_entries_checks_every_row_and_writes_nothing_on_a_problem(store: Store) -> None:
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    key = "project"
    one = store.entries.get(
        store.entries.add(ledger.id, key, {"name": "甲", "status": "推进中"}, validate=False).id
    )
    revision = store.ledgers.get(ledger.id).revision
    ids = list(
        store.entries.add_many(
            ledger.id, key, [{"name": "乙"}, {"name": "丙"}], validate=False
        ).created
    )
    got = store.entries.list(ledger.id, key)
    assert [e.name for e in got] == ["甲", "乙", "丙"] and [e.id for e in got[1:]] == ids
    assert [e.position for e in got] == [1, 2, 3]
    assert store.ledgers.get(ledger.id).revision == revision + 1
    counts = store.counts()
    with pytest.raises(InvalidData) as info:
        store.entries.add_many(
            ledger.id, key, [{"name": "丁"}, {"name": "戊", "target_id": 999999}], validate=False
        )
    assert "第2条" in str(info.value) and info.value.problems[0].row == 1
    assert store.counts() == counts
    store.ledgers.set_status(ledger.id, "已提交")
    store.ledgers.set_status(ledger.id, "已锁定")
    counts = store.counts()
    with pytest.raises(LedgerLocked):
        store.entries.add_many(ledger.id, key, [{"name": "己"}], validate=False)
    assert store.counts() == counts
    assert one.id not in ids


def test_set_progress_many_matches_set_progress(store: Store) -> None:
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    a = store.entries.get(
        store.entries.add(ledger.id, "project", {"name": "甲"}, validate=False).id
    )
    b = store.entries.get(
        store.entries.add(ledger.id, "project", {"name": "乙"}, validate=False).id
    )
    writes: list[tuple[int, int, dict[str, Any]]] = [
        (a.id, 1, {"value": "1,200", "status": "推进中"}),
        (a.id, 2, {"value": 30, "comment": "好"}),
        (a.id, 1, {"status": "已完成"}),  # the same quarter again: later wins
        (b.id, 3, {"value": 5, "status": "推进中", "follow_up": True}),
    ]
    for entry_id, q, values in writes:
        store.progress.set(entry_id, q, values)
    one_by_one = {
        e.id: (e.values, store.progress.of_entry(e.id)) for e in store.entries.list(ledger.id)
    }

    other = store.ledgers.get(store.ledgers.create(store.units.list()[1].id, 2025).id)
    c = store.entries.get(store.entries.add(other.id, "project", {"name": "甲"}, validate=False).id)
    d = store.entries.get(store.entries.add(other.id, "project", {"name": "乙"}, validate=False).id)
    revision = store.ledgers.get(other.id).revision
    ids = {a.id: c.id, b.id: d.id}
    store.progress.set_many([(ids[e], q, v) for e, q, v in writes])
    assert store.ledgers.get(other.id).revision == revision + 1
    for old, new in ids.items():
        values, progress = one_by_one[old]
        assert store.entries.get(new).values["actual"] == values["actual"]
        assert store.entries.get(new).values["status"] == values["status"]
        got = [
            (p.quarter, p.value, p.status, p.comment, p.follow_up)
            for p in store.progress.of_entry(new)
        ]
        assert got == [(p.quarter, p.value, p.status, p.comment, p.follow_up) for p in progress]
    # keep: the named keys do not follow the latest quarter
    store.progress.set_many([(c.id, 4, {"value": 99, "status": "滞后"})], keep={c.id: ["actual"]})
    assert (
        store.entries.get(c.id).values["actual"] != 99
        and store.entries.get(c.id).values["status"] == "滞后"
    )
    with pytest.raises(InvalidData):
        store.progress.set_many([(c.id, 5, {"value": 1})])
