"""The base of the store's managers: a reference back to the facade."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store


class Manager:
    """One area of the store (units, ledgers, entries …) sharing the facade's
    connection, transaction, permission checks and audit log."""

    def __init__(self, store: Store) -> None:
        self.store = store
