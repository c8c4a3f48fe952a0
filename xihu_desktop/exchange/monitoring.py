"""Stub, replaced at merge: the plan targets of ``year`` as :class:`MonitorRow` s.

The monitoring slice builds the real figures (path rules, the district's actuals);
this stand-in follows a linear path from the baseline to the goal and has no actuals,
so the evaluation reports and the 规划监测 view can be built against the contract.
"""

from __future__ import annotations

from ..core.monitoring import ActualRule, MonitorRow, PathRule
from ..store import Store


def monitor(store: Store, year: int) -> list[MonitorRow]:
    plan = store.catalogue.plan_for_year(year)
    base = plan.baseline_year or plan.start_year - 1
    rows = []
    for t in store.catalogue.targets(plan.id):
        linear = t.baseline is not None and t.goal is not None
        path: dict[int, float | None] = {}
        for y in range(base + 1, year + 1):
            share = (y - base) / (plan.end_year - base)
            path[y] = t.baseline + (t.goal - t.baseline) * share if linear else None  # type: ignore[operator]
        rows.append(
            MonitorRow(
                t.id,
                t.seq,
                t.sub or "",
                t.category,
                t.name,
                t.unit or "",
                t.attribute or "",
                t.lower_is_better,
                t.baseline,
                t.goal,
                PathRule.LINEAR if linear else PathRule.NONE,
                ActualRule.LEAD,
                year,
                path[year],
                None,
                None,
                {y: None for y in path},
                path,
            )
        )
    return rows
