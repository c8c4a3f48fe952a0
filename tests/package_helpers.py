"""Test helpers for task packages: a small decomposition written straight into the
tables of db/006 (the decomposition slice has its own writer), and unit files."""

from __future__ import annotations

import uuid
from pathlib import Path

from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise

YEAR = 2025


def decompose(
    store: Store,
    unit: str,
    shares: dict[int, float | None],
    items: tuple[str, ...] = (),
    year: int = YEAR,
) -> None:
    """Give ``unit`` shares of plan targets (by 专栏2 seq → goal) and catalogue items
    (by name); an existing share's goal is changed, its key kept."""
    unit_id = store.units.find(unit).id
    targets = {t.seq: t for t in store.catalogue.targets() if not t.sub}
    by_name = {i.name: i for i in store.catalogue.items()}
    with store.transaction():
        for seq, goal in shares.items():
            store.execute(
                "INSERT INTO target_shares (year, target_id, unit_id, goal, key) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (year, target_id, unit_id) "
                "DO UPDATE SET goal = excluded.goal",
                (year, targets[seq].id, unit_id, goal, str(uuid.uuid4())),
            )
        for name in items:
            store.execute(
                "INSERT OR IGNORE INTO assignments (year, catalogue_id, unit_id, key) "
                "VALUES (?, ?, ?, ?)",
                (year, by_name[name].id, unit_id, str(uuid.uuid4())),
            )


def drop_share(store: Store, unit: str, seq: int, year: int = YEAR) -> None:
    unit_id = store.units.find(unit).id
    with store.transaction():
        store.execute(
            "DELETE FROM target_shares WHERE year = ? AND unit_id = ? AND target_id IN "
            "(SELECT id FROM plan_targets WHERE seq = ?)",
            (year, unit_id, seq),
        )


def unit_file(path: Path, unit: str | None = None) -> Store:
    """A new data file with the catalogue, bound to ``unit`` when given."""
    store = Store.open(path, create=True)
    initialise(store)
    if unit is not None:
        store.packages.bind(store.units.find(unit).id)
    return store
