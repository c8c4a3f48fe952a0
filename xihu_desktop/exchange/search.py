"""District-wide full-text search over all entries (issue 14 §3).

Stub, replaced at merge: the full-text search (an FTS5 trigram index kept by triggers)
is built in parallel on another branch with exactly this API.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Store


@dataclass(frozen=True)
class SearchHit:
    entry_id: int
    ledger_id: int
    unit_id: int
    unit_name: str
    year: int
    category: str
    name: str
    snippet: str


def search(
    store: Store, text: str, *, year: int | None = None, limit: int = 200
) -> list[SearchHit]:
    """Entries whose text contains ``text`` (stub, replaced at merge: finds nothing)."""
    return []
