"""年度监测's data: the per-target override of the rules (db/007_monitoring.sql) and the
district's figures of each plan target for each year, taken from the units' indicator
entries linked to the target (``entries.category = 'indicator' AND entries.target_id``).

The rules themselves (which path, which actual) are plain Python in
:mod:`..core.plan_path`; the pandas tables are built on top of :meth:`figures` by
:mod:`..exchange.monitoring`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.monitoring import ActualRule, PathRule
from .changes import Changes, Operation
from .errors import InvalidData, NotFound
from .manager import Manager

__all__ = ["DEFAULT", "Figure", "MonitoringManager", "SetRule", "TargetRules"]

#: the value of :meth:`MonitoringManager.set_rule` that drops an override (back to the
#: rule read from the target's data)
DEFAULT = "default"
ACTION = "修改监测规则"


@dataclass(frozen=True)
class TargetRules:
    """The district's override of one target's rules (None: the default rule)."""

    target_id: int
    path_rule: PathRule | None
    actual_rule: ActualRule | None


@dataclass(frozen=True)
class Figure:
    """What the units reported of one plan target in one year.

    ``lead``: the lead unit's actual (the sum if it has several linked entries); when the
    year has no lead unit set (任务分解 not done), the figure of the one unit that
    reported an actual if exactly one did, else None. A lead unit that reported nothing
    gives None: another unit's figure is never taken for the lead's.
    ``total``: the sum of every unit's linked entries' actuals (None: no actual at all).
    """

    target_id: int
    year: int
    lead_unit_id: int | None
    lead: float | None
    total: float | None
    entries: int  # linked indicator entries
    reported: int  # of them with an actual
    units: int  # units that reported an actual


@dataclass(frozen=True)
class SetRule:
    """Put a target's rules back (the undo of :meth:`MonitoringManager.set_rule`)."""

    target_id: int
    path_rule: str
    actual_rule: str

    def __call__(self, store: Any) -> Changes:
        return store.monitoring.set_rule(self.target_id, self.path_rule, self.actual_rule)


#: first each ledger's sum per target (the entries of one ledger are adjacent in the
#: entries_ledger index), then per target and year over those few rows: the grouping and
#: the count of distinct units work on one row per ledger and target, not per entry
_FIGURES = """
WITH per_ledger AS (
  SELECT e.target_id AS target_id, e.ledger_id AS ledger_id,
         sum(e.actual) AS actual, count(*) AS entries, count(e.actual) AS reported
  FROM entries e
  WHERE e.category = 'indicator' AND e.target_id IS NOT NULL
    AND e.ledger_id IN (SELECT id FROM ledgers WHERE year BETWEEN ? AND ?)
  GROUP BY e.ledger_id, e.target_id
)
SELECT p.target_id AS target_id,
       l.year AS year,
       g.lead_unit_id AS lead_unit_id,
       CASE
         WHEN g.lead_unit_id IS NOT NULL
           THEN sum(CASE WHEN l.unit_id = g.lead_unit_id THEN p.actual END)
         WHEN count(DISTINCT CASE WHEN p.reported > 0 THEN l.unit_id END) = 1
           THEN sum(p.actual)
       END AS lead,
       sum(p.actual) AS total,
       sum(p.entries) AS entries,
       sum(p.reported) AS reported,
       count(DISTINCT CASE WHEN p.reported > 0 THEN l.unit_id END) AS units
FROM per_ledger p
JOIN ledgers l ON l.id = p.ledger_id
LEFT JOIN target_goals g ON g.year = l.year AND g.target_id = p.target_id
GROUP BY p.target_id, l.year
ORDER BY p.target_id, l.year
"""


def _parse(kind: type[PathRule] | type[ActualRule], value: Any, label: str) -> str | None:
    """An override as stored: None (the default), or the rule's value."""
    if value is None or value == DEFAULT:
        return None
    try:
        return str(kind(str(value).strip().lower()))
    except ValueError:
        allowed = "、".join(f"{r.value}（{r.label}）" for r in kind)
        raise InvalidData(f"{label}“{value}”无效，可选：{allowed}、{DEFAULT}（默认）") from None


class MonitoringManager(Manager):
    """The rules' overrides and the units' figures of the plan targets."""

    # ------------------------------------------------------------ rules

    def rules(self) -> dict[int, TargetRules]:
        """The overrides by target id (targets following their default rules are absent)."""
        return {
            int(r["target_id"]): TargetRules(
                int(r["target_id"]),
                PathRule(r["path_rule"]) if r["path_rule"] else None,
                ActualRule(r["actual_rule"]) if r["actual_rule"] else None,
            )
            for r in self.store.rows("SELECT target_id, path_rule, actual_rule FROM target_rules")
        }

    def set_rule(
        self,
        target_id: int,
        path_rule: PathRule | str | None = None,
        actual_rule: ActualRule | str | None = None,
    ) -> Changes:
        """Override a target's path rule and/or actual rule (the administrator's, one
        transaction, audited, undoable). None leaves that rule as it is; ``"default"``
        drops its override."""
        store = self.store
        store.require_admin("修改规划监测规则")
        new_path = _parse(PathRule, path_rule, "规划路径规则")
        new_actual = _parse(ActualRule, actual_rule, "实际值取数规则")
        with store.transaction():
            target = store.catalogue.target(target_id)
            if target is None:
                raise NotFound(f"规划指标（编号{target_id}）不存在")
            old = self.rules().get(target_id)
            old_path = str(old.path_rule) if old and old.path_rule else None
            old_actual = str(old.actual_rule) if old and old.actual_rule else None
            path = old_path if path_rule is None else new_path
            actual = old_actual if actual_rule is None else new_actual
            if (path, actual) == (old_path, old_actual):
                return Changes()
            if path is None and actual is None:
                store.execute("DELETE FROM target_rules WHERE target_id = ?", (target_id,))
            else:
                store.execute(
                    "INSERT INTO target_rules (target_id, path_rule, actual_rule) VALUES (?, ?, ?) "
                    "ON CONFLICT (target_id) DO UPDATE SET path_rule = excluded.path_rule, "
                    "actual_rule = excluded.actual_rule",
                    (target_id, path, actual),
                )
            name = target.name + (f"（{target.sub}）" if target.sub else "")
            for key, before, after in (
                ("path_rule", old_path, path),
                ("actual_rule", old_actual, actual),
            ):
                if before != after:
                    store.audit.record(
                        ACTION,
                        field_key=f"target_rules.{target_id}.{key}",
                        old=f"{name}：{before or DEFAULT}",
                        new=f"{name}：{after or DEFAULT}",
                    )
            undo: Operation = SetRule(target_id, old_path or DEFAULT, old_actual or DEFAULT)
            return store.noted(Changes(catalogue=True, undo=undo))

    # ------------------------------------------------------------ figures

    def figures(self, first_year: int, last_year: int) -> list[Figure]:
        """Per (target, year) of ``first_year``..``last_year`` with a linked indicator
        entry: the lead unit's figure, the sum over the units and the counts — one
        aggregate query over indexed columns (no JSON is decoded)."""
        return [
            Figure(
                int(r["target_id"]),
                int(r["year"]),
                r["lead_unit_id"],
                r["lead"],
                r["total"],
                int(r["entries"]),
                int(r["reported"]),
                int(r["units"]),
            )
            for r in self.store.rows(_FIGURES, (first_year, last_year))
        ]
