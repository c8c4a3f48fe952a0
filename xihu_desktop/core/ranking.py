"""Ranks with ties: the rule of every ranking the district prints and shows.

Scores are compared as shown, rounded to two decimals; equal scores share a rank and the
next rank skips (1, 2, 2, 4 — “standard competition ranking”). A unit without a score
(no ledger) has no rank.
"""

from __future__ import annotations

from collections.abc import Sequence

DECIMALS = 2


def competition_ranks(scores: Sequence[float | None], decimals: int = DECIMALS) -> list[int | None]:
    """The rank of each score, in the given order (None for None)."""
    shown = [None if s is None else round(s, decimals) for s in scores]
    ordered = sorted((s for s in shown if s is not None), reverse=True)
    first: dict[float, int] = {}
    for i, s in enumerate(ordered, start=1):
        first.setdefault(s, i)
    return [None if s is None else first[s] for s in shown]
