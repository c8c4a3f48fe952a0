"""Rows of ``reviews`` and ``inbox`` written with plain SQL, so the reporting tests do not
depend on the review slice's API (tests are not layer-checked)."""

from __future__ import annotations

from xihu_desktop.store import Store


def add_review(
    store: Store,
    year: int,
    unit_id: int,
    state: str = "已报",
    *,
    reason: str | None = None,
    last_return_at: str | None = None,
    reviewed_at: str | None = None,
) -> None:
    with store.transaction():
        store.execute(
            "INSERT INTO reviews (year, unit_id, state, reason, last_return_at, reviewed_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (year, unit_id) DO UPDATE SET "
            "state = excluded.state, reason = excluded.reason, "
            "last_return_at = excluded.last_return_at, reviewed_at = excluded.reviewed_at",
            (year, unit_id, state, reason, last_return_at, reviewed_at),
        )


def add_arrival(
    store: Store,
    year: int,
    unit_id: int | None,
    received_at: str,
    status: str = "新增",
    kind: str | None = "ledger",
) -> None:
    with store.transaction():
        store.execute(
            "INSERT INTO inbox (received_at, file, kind, unit_id, year, status) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (received_at, f"{unit_id}-{received_at}.xlsx", kind, unit_id, year, status),
        )
