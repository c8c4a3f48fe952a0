"""Writes report what they changed, and their undo is a store operation of its own."""

from __future__ import annotations

import threading

import pytest

from xihu_desktop.core.settings import IDLE_MINUTES
from xihu_desktop.store import Changes, InvalidData, Ledger, Store


@pytest.fixture
def ledger(store: Store) -> Ledger:
    town = store.units.list("town")[0]
    return store.ledgers.get(store.ledgers.create(town.id, 2025).id)


def values_of(store: Store, ledger: Ledger) -> list[tuple[int, int, str, dict]]:
    """Everything of a ledger's entries that undo must bring back exactly."""
    return [(e.id, e.position, e.category, e.values) for e in store.entries.list(ledger.id)]


def progress_of(store: Store, ledger: Ledger) -> dict:
    return {
        eid: {q: (p.value, p.status, p.problems) for q, p in quarters.items()}
        for eid, quarters in store.progress.of_ledger(ledger.id).items()
    }


def state(store: Store, ledger: Ledger) -> tuple[list, dict]:
    return values_of(store, ledger), progress_of(store, ledger)


def test_every_entry_write_names_what_it_changed(store: Store, ledger: Ledger) -> None:
    added = store.entries.add(ledger.id, "indicator", {"name": "甲", "goal": 10})
    assert added.created == (added.id,)
    assert added.entries == {added.id} and added.rows == {ledger.id}
    assert ledger.id in added.ledgers  # the revision went up
    edited = store.entries.update(added.id, {"goal": "12"})
    assert edited.entries == {added.id} and not edited.rows
    progress = store.progress.set(added.id, 1, {"value": 6})
    assert progress.progress == {added.id}
    assert progress.entries == {added.id}  # its actual followed the quarter
    moved = store.entries.move(added.id, 1)
    assert moved.rows == {ledger.id}
    deleted = store.entries.delete([added.id])
    assert deleted.entries == {added.id} and deleted.rows == {ledger.id}


def test_undo_and_redo_of_each_write_restore_the_data(store: Store, ledger: Ledger) -> None:
    a = store.entries.add(ledger.id, "project", {"name": "甲", "owner_org": "某集团"}).id
    b = store.entries.add(ledger.id, "project", {"name": "乙"}).id
    store.progress.set(b, 1, {"value": 30, "status": "推进中", "problems": "拆迁"})
    writes = [
        lambda: store.entries.update(a, {"owner_org": "另一集团", "total_investment": "5,000"}),
        lambda: store.entries.update_many([(a, {"name": "甲2"}), (b, {"goal": "20"})]),
        lambda: store.entries.move(b, 1),
        lambda: store.entries.delete([a, b]),
        lambda: store.entries.add(ledger.id, "project", {"name": "丙"}, position=1),
        lambda: store.progress.set(b, 1, {"value": 45, "status": "基本完成"}),
        lambda: store.progress.set(a, 3, {"value": 5}),
        lambda: store.entries.paste(
            ledger.id, "project", [(a, {"name": "贴甲"}), (None, {"name": "新行"})]
        ),
    ]
    for write in writes:
        before = state(store, ledger)
        done = write()
        after = state(store, ledger)
        assert after != before
        assert done.undo is not None
        undone = store.apply(done.undo)
        assert state(store, ledger) == before
        assert undone.undo is not None
        redone = store.apply(undone.undo)
        assert state(store, ledger) == after
        assert redone.undo is not None
        store.apply(redone.undo)  # back where this step started, for the next one
        assert state(store, ledger) == before


def test_undo_of_typing_into_a_new_row_empties_its_name(store: Store, ledger: Ledger) -> None:
    """新增行 → type a name → undo: the name column is NOT NULL, the row stays empty."""
    row = store.entries.add(ledger.id, "indicator").id
    typed = store.entries.update(row, {"name": "新指标"})
    assert typed.undo is not None
    store.apply(typed.undo)
    assert store.entries.get(row).name == ""


def test_paste_is_one_transaction_and_one_undo(store: Store, ledger: Ledger) -> None:
    a = store.entries.add(ledger.id, "indicator", {"name": "甲"}).id
    seen: list[Changes] = []
    store.subscribe(seen.append)
    pasted = store.entries.paste(
        ledger.id,
        "indicator",
        [(a, {"goal": "10"}), (None, {"name": "乙", "goal": "二十"}), (None, {"name": "丙"})],
    )
    assert len(seen) == 1  # one commit
    assert len(pasted.created) == 2
    assert [(p.row, p.label) for p in pasted.problems] == [(1, "年度目标值")]
    assert [e.name for e in store.entries.list(ledger.id)] == ["甲", "乙", "丙"]
    assert pasted.undo is not None
    store.apply(pasted.undo)
    assert [(e.name, e.values["goal"]) for e in store.entries.list(ledger.id)] == [("甲", None)]


def test_subscribers_get_one_union_per_commit_and_nothing_after_a_rollback(
    store: Store, ledger: Ledger
) -> None:
    seen: list[Changes] = []
    store.subscribe(seen.append)
    with store.transaction():
        a = store.entries.add(ledger.id, "talent", {"name": "甲"}).id
        b = store.entries.add(ledger.id, "talent", {"name": "乙"}).id
    assert len(seen) == 1 and seen[0].entries == {a, b} and seen[0].created == (a, b)
    with pytest.raises(InvalidData), store.transaction():
        store.entries.add(ledger.id, "talent", {"name": "丙"})
        store.entries.update(a, {"contact": "不是电话"})
    assert len(seen) == 1
    store.settings.set(IDLE_MINUTES, 5)
    assert seen[-1].settings == {IDLE_MINUTES.key}
    store.unsubscribe(seen.append)
    store.entries.add(ledger.id, "talent", {"name": "丁"})
    assert len(seen) == 2


def test_snapshot_reads_without_the_write_lock(store: Store, ledger: Ledger) -> None:
    """A sheet collected in a snapshot does not block another connection's write."""
    other = Store.open(store.path)
    try:
        with store.snapshot():
            before = store.entries.counts(ledger.id)["indicator"]
            done = threading.Event()

            def write() -> None:
                other.entries.add(ledger.id, "indicator", {"name": "别处写入"})
                done.set()

            worker = threading.Thread(target=write)
            worker.start()
            worker.join(10)
            assert done.is_set()
            assert store.entries.counts(ledger.id)["indicator"] == before  # same snapshot
        assert store.entries.counts(ledger.id)["indicator"] == before + 1
    finally:
        other.close()


def test_records_are_built_by_column_name(store: Store) -> None:
    target = store.catalogue.targets()[0]
    assert target.id == target["id"] and target.name == target["name"]
    item = store.catalogue.items("project")[0]
    assert isinstance(item.data, dict) and item.group == item["group"]
    unit = store.units.find(store.units.list()[0].code)
    assert isinstance(unit.active, bool)
