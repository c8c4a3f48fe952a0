"""The demo district's reported figures of the plan targets, so that 年度监测 shows real
numbers: every unit carrying a share of a target (the towns/streets and platforms an
additive target is shared among, the lead department of a rate) reports it in an
indicator entry linked to the target — the share's entry, as the task package would
have put it in the unit's ledger (same key, assigned) — with four quarters of progress
whose last value is the year's actual.

A town's own demo entry already linked to a target it carries a share of becomes that
share's entry (no figure counted twice). The figures lie around the district's annual
goal (a factor per target and year, a little noise per unit), so some targets are on
their path and some are not. Deterministic: every number comes from the caller's
seeded generator.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ..core import decomposition as rules
from ..core.enums import LedgerStatus
from .decomposition import target_name
from .demo_district import _whole
from .packages import AssignedItem
from .records import PlanTarget
from .store import Store

ACTION = "演示任务包"
#: the share of the year's figure reached at the end of each quarter (a flow)
QUARTERS = (0.23, 0.49, 0.74, 1.0)


def _status(fraction: float) -> str:
    if fraction >= 1.0:
        return "已完成"
    return "基本完成" if fraction >= 0.9 else "推进中"


def _round(target: PlanTarget, value: float) -> float:
    if _whole(target):
        return float(max(round(value), 0))
    return round(value, 4 if abs(value) < 1 else 2)


def _limit(target: PlanTarget, value: float) -> float:
    """A share in % cannot pass 100, a level is never negative (growth rates may be)."""
    if (target.unit or "") == "%" and not rules.allows_negative(target.name, target.unit):
        return min(value, 100.0)
    return value if rules.allows_negative(target.name, target.unit) else max(value, 0.0)


def fill_reports(
    store: Store,
    years: tuple[int, ...],
    rng: random.Random,
    measure_unit: Callable[[str, str], str] = lambda name, unit: unit,
) -> int:
    """Report every share of the demo years (inside the caller's transaction, as the
    administrator); returns the number of entries reported. ``measure_unit(name, unit)``:
    the entry's unit of measure (the demo writes 个/千人 for a per-thousand count)."""
    count = 0
    with store.admin_override(), store.transaction():
        for year in years:
            factors: dict[int, float] = {}
            for unit_id in store.decomposition.units_with_tasks(year):
                shares = [s for s in store.decomposition.for_unit(year, unit_id).shares if s.goal]
                if not shares:
                    continue
                _adopt(store, unit_id, year, {s.target_id: s.key for s in shares})
                items = [
                    AssignedItem(
                        s.key,
                        "indicator",
                        target_name(s.target),
                        s.goal,
                        s.target_id,
                        defaults={"measure_unit": measure_unit(s.target.name, s.target.unit or "")},
                    )
                    for s in shares
                ]
                outcome = store.packages.assign(unit_id, year, items, ACTION)
                ledger_id = outcome.ledger_id
                assert ledger_id is not None
                by_key = {e.key: e for e in store.entries.list(ledger_id, "indicator")}
                for share in shares:
                    actual = _actual(share.target, float(share.goal or 0.0), factors, rng)
                    _progress(store, by_key[share.key].id, share.target, actual)
                    count += 1
                ledger = store.ledgers.get(ledger_id)
                if ledger.status == LedgerStatus.DRAFT and year < max(years):
                    store.ledgers.set_status(ledger_id, LedgerStatus.LOCKED)
    return count


def _actual(
    target: PlanTarget, goal: float, factors: dict[int, float], rng: random.Random
) -> float:
    """An amount or count: its share × a factor of the target's year (0.95–1.08) × a little
    noise of the unit. A rate or level: the goal ± a fifth of the plan's whole change (at
    least half a percent of the goal; 2 % of a growth rate), more often above than below."""
    if rules.is_additive(target.name, target.unit):
        factor = factors.setdefault(target.id, rng.uniform(0.95, 1.08))
        return _limit(target, goal * factor * rng.uniform(0.98, 1.02))
    if rules.allows_negative(target.name, target.unit):
        scale = abs(goal) * 0.02
    else:
        change = 0.0
        if target.goal is not None and target.baseline is not None:
            change = abs(target.goal - target.baseline) / 5
        scale = max(change, abs(goal) * 0.005)
    better = -1.0 if target.lower_is_better else 1.0
    return _limit(target, goal + better * rng.uniform(-0.6, 1.0) * scale)


def _adopt(store: Store, unit_id: int, year: int, keys: dict[int, str]) -> None:
    """The unit's own entry linked to a target it has a share of takes the share's key."""
    ledger = store.ledgers.find(unit_id, year)
    if ledger is None:
        return
    taken = set()
    for entry in store.entries.list(ledger.id, "indicator"):
        target_id = entry.values.get("target_id")
        if target_id in keys and target_id not in taken and entry.key != keys[target_id]:
            store.execute("UPDATE entries SET key = ? WHERE id = ?", (keys[target_id], entry.id))
            taken.add(target_id)


def _progress(store: Store, entry_id: int, target: PlanTarget, actual: float) -> None:
    """Four quarters; the last one's value is the year's actual (a flow grows over the
    year, a level is reported as it stands)."""
    flow = rules.is_additive(target.name, target.unit)
    for quarter, fraction in enumerate(QUARTERS, start=1):
        value = _round(target, actual * fraction if flow else actual)
        store.progress.set(entry_id, quarter, {"value": value, "status": _status(fraction)})
