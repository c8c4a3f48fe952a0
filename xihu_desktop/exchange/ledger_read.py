"""One ledger read once, in one snapshot: what its sheet, score and fingerprint are made of.

A sheet used to read the same ledger several times over (its entries nine times and its
progress three times: for the sheet, the quarter's score and the fingerprint). Here the
ledger, its entries, all their progress, its adjustments and the catalogue it links to
are read once; :func:`.fingerprint.canonical_of`, :func:`score_of` and the sheet are
computed from these rows in memory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from ..core import scoring
from ..core.progress_fields import after_quarter, as_of_quarter
from ..store import (
    Adjustment,
    CatalogueItem,
    Entry,
    Ledger,
    Plan,
    PlanTarget,
    Progress,
    Store,
)
from ..store.assessment import score_inputs_of


@dataclass(frozen=True)
class LedgerRows:
    """A ledger's rows as read in one snapshot."""

    ledger: Ledger
    entries: list[Entry]  # ordered by category key, position, id (drafts included)
    progress: dict[int, dict[int, Progress]]  # entry id → quarter → row
    adjustments: list[Adjustment]
    targets: list[PlanTarget]  # every plan's (a linked target is named by its content)
    items: list[CatalogueItem]
    plans: list[Plan]
    settings: scoring.ScoringSettings  # the scoring settings of the ledger's year


def read_ledger(store: Store, ledger_id: int) -> LedgerRows:
    """Everything of ``ledger_id`` a sheet, a score or a fingerprint reads, read once."""
    with store.snapshot():
        ledger = store.ledgers.get(ledger_id)
        return LedgerRows(
            ledger=ledger,
            entries=store.entries.list(ledger_id),
            progress=store.progress.of_ledger(ledger_id),
            adjustments=store.assessment.adjustments(ledger_id),
            targets=store.catalogue.targets(),
            items=store.catalogue.items(),
            plans=store.catalogue.plans(),
            settings=store.assessment.scoring_settings(ledger.year),
        )


def score_of(
    rows: LedgerRows, quarter: int | None, today: dt.date | None = None
) -> scoring.LedgerScore:
    """The ledger's score, as :func:`.sheet_data.quarter_score` defines it, from ``rows``:
    with ``quarter``, every entry's actual and status as of that quarter and the lights
    judged at the quarter's end (or today if earlier); None: as stored, judged today."""
    today = today or dt.date.today()
    targets = {t.id: t for t in rows.targets}
    items = score_inputs_of(rows.entries, targets)
    as_of = today
    if quarter is not None:
        values = {e.id: e.values for e in rows.entries}
        shifted = []
        for item in items:
            now = as_of_quarter(values[item.id], rows.progress.get(item.id, {}).values(), quarter)
            shifted.append(replace(item, actual=now["actual"], status=now["status"]))
        items = shifted
        as_of = min(today, after_quarter(rows.ledger.year, quarter))
    return scoring.score_ledger(
        items,
        rows.settings,
        rows.ledger.year,
        as_of,
        [scoring.Adjustment(a.points, a.reason) for a in rows.adjustments],
    )
