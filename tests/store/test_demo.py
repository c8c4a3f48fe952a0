"""The demo district: every town/street and platform with a full 2025 ledger."""

from __future__ import annotations

import datetime as dt

from xihu_desktop.core.categories import CATEGORIES, category
from xihu_desktop.core.validate import is_valid_credit_code, validate_row
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise


def test_every_town_and_platform_has_a_full_2025_ledger(demo_store: Store) -> None:
    towns = demo_store.units.list("town")
    platforms = demo_store.units.list("platform")
    assert len(towns) == 11
    assert len(platforms) == 10
    ledgers = {led.unit_id: led for led in demo_store.ledgers.list(2025)}
    for unit in [*towns, *platforms]:
        ledger = ledgers.get(unit.id)
        assert ledger is not None, unit.name
        counts = demo_store.entries.counts(ledger.id)
        assert set(counts) == {c.key for c in CATEGORIES}
        assert all(n > 0 for n in counts.values()), (unit.name, counts)
        progress = demo_store.progress.of_ledger(ledger.id)
        for entry in demo_store.entries.list(ledger.id):
            assert sorted(progress.get(entry.id, {})) == [1, 2, 3, 4], (unit.name, entry.name)
    # departments get no demo ledger
    department_ids = {u.id for u in demo_store.units.list("department")}
    assert not department_ids & set(ledgers)


def test_demo_entries_are_valid_and_realistic(demo_store: Store) -> None:
    ledgers = demo_store.ledgers.list(2025)
    problems = []
    for ledger in ledgers:
        for entry in demo_store.entries.list(ledger.id):
            problems += [
                (ledger.unit_name, entry.name, str(p))
                for p in validate_row(category(entry.category), entry.values)
            ]
            if entry.category == "enterprise":
                assert is_valid_credit_code(entry.values["credit_code"])
            if entry.category == "indicator":
                assert entry.values.get("target_id") is not None
    assert problems == []
    statuses = {led.status for led in ledgers}
    assert "草稿" in statuses  # some ledgers are still open for the walkthrough
    # scores spread over the grades rather than all alike
    totals = [
        demo_store.assessment.score(led.id, as_of=dt.date(2025, 12, 31)).total for led in ledgers
    ]
    assert max(totals) - min(totals) > 5


def test_demo_progress_drives_actual_and_status(demo_store: Store) -> None:
    ledger = demo_store.ledgers.list(2025)[0]
    for entry in demo_store.entries.list(ledger.id):
        q4 = demo_store.progress.of_entry(entry.id)[-1]
        assert q4.quarter == 4
        assert entry.values.get("status") == q4.status
        if q4.value is not None:
            assert entry.values.get("actual") == q4.value


def test_initialise_is_idempotent(demo_store: Store) -> None:
    counts = demo_store.counts()
    initialise(demo_store, demo=True)
    assert demo_store.counts() == counts


def test_demo_is_deterministic(demo_store: Store, tmp_path) -> None:
    with Store.open(tmp_path / "again.sqlite3") as again:
        initialise(again, demo=True)
        first = [
            (e.name, e.values.get("goal"))
            for led in demo_store.ledgers.list()
            for e in demo_store.entries.list(led.id)
        ]
        second = [
            (e.name, e.values.get("goal"))
            for led in again.ledgers.list()
            for e in again.entries.list(led.id)
        ]
    assert first == second
