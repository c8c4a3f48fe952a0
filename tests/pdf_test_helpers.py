"""Ledger set-ups shared by the PDF tests (plain SQL: tests are not layer-checked)."""

from __future__ import annotations

from xihu_desktop.store import Store


def keep_ledgers(store: Store, n: int, year: int = 2025) -> list[int]:
    """Delete every ledger of ``year`` but the first ``n``; their ids."""
    keep = [x.id for x in store.ledgers.list(year=year)[:n]]
    with store.transaction() as c:
        c.execute(
            f"DELETE FROM ledgers WHERE year = ? AND id NOT IN ({','.join(map(str, keep))})",
            (year,),
        )
    return keep
