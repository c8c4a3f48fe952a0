"""The audit log keeps what changed, compactly, and the chain verifies over it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from xihu_desktop.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.import_figures import fill_ledger


def _ledger(store: Store) -> int:
    return store.ledgers.create(store.units.list()[0].id, 2025).id


def _new_rows(store: Store, after: int) -> list[dict[str, Any]]:
    return [vars(r) for r in store.audit.log(limit=None) if r.id > after]


def _last(store: Store) -> int:
    return int(store.scalar("SELECT coalesce(max(id), 0) FROM audit_log"))


def test_update_writes_one_row_per_changed_field_with_only_its_values(store: Store) -> None:
    ledger_id = _ledger(store)
    entry_id = store.entries.add(
        ledger_id, "indicator", {"name": "指标甲", "goal": 10, "owner": "张三", "remark": "原备注"}
    ).id
    before = _last(store)
    store.entries.update(entry_id, {"goal": 12, "owner": "张三", "remark": "新备注"})
    rows = _new_rows(store, before)
    changed = sorted((r["field"], r["old"], r["new"]) for r in rows if r["action"] == "修改")
    # owner is unchanged: no row; each row holds its own field's old and new value only
    assert changed == [("goal", "10.0", "12.0"), ("remark", "原备注", "新备注")]
    assert all(r["entry_id"] == entry_id for r in rows)
    assert store.audit.verify_chain() is None


def test_add_many_audit_names_each_entry_only(store: Store) -> None:
    """Issue 15: an import's audit rows used to hold a whole copy of each entry (38 MB of
    the 100,000-entry district); now each names its entry, as ``add`` does: the values
    are in ``entries``, every later change is logged with old and new value, and a
    deletion logs the whole row."""
    ledger_id = _ledger(store)
    before = _last(store)
    fill_ledger(store, ledger_id, 1000, progress=False)
    entry_bytes = int(
        store.scalar(
            "SELECT sum(length(CAST(data AS BLOB)) + length(CAST(name AS BLOB)) + 40) "
            "FROM entries WHERE ledger_id = ?",
            (ledger_id,),
        )
    )
    audit_bytes = int(
        store.scalar(
            "SELECT sum(length(CAST(coalesce(field, '') AS BLOB)) "
            "+ length(CAST(coalesce(old_value, '') AS BLOB)) "
            "+ length(CAST(coalesce(new_value, '') AS BLOB))) FROM audit_log WHERE id > ?",
            (before,),
        )
    )
    rows = _new_rows(store, before)
    added = [r for r in rows if r["action"] == "新增条目"]
    assert len(added) == 1000
    names = {e.id: e.name for e in store.entries.list(ledger_id)}
    assert all(r["new"] == names[r["entry_id"]] and r["old"] is None for r in added)
    assert audit_bytes < 0.2 * entry_bytes, (audit_bytes, entry_bytes)
    assert store.audit.verify_chain() is None


def test_delete_keeps_the_values_and_restore_names_the_entry(store: Store) -> None:
    ledger_id = _ledger(store)
    entry_id = store.entries.add(ledger_id, "indicator", {"name": "指标乙", "goal": 5}).id
    before = _last(store)
    undo = store.entries.delete([entry_id]).undo
    assert undo is not None
    undo(store)
    rows = {r["action"]: r for r in _new_rows(store, before)}
    deleted = json.loads(rows["删除条目"]["old"])
    assert deleted["name"] == "指标乙" and deleted["goal"] == 5
    assert None not in deleted.values()
    assert rows["恢复条目"]["new"] == "指标乙"  # the values are in the deletion's row
    assert store.entries.get(entry_id).values["goal"] == 5  # undo does not read the log
    assert store.audit.verify_chain() is None


def test_chain_verifies_after_progress_and_import_writes(store: Store) -> None:
    ledger_id = _ledger(store)
    fill_ledger(store, ledger_id, 60)
    entry_id = store.entries.ids(ledger_id, "indicator")[0]
    store.progress.set(entry_id, 1, {"value": 3, "status": "推进中"})
    store.progress.set_many([(entry_id, 2, {"value": 4, "status": "滞后"})])
    assert store.audit.verify_chain() is None
