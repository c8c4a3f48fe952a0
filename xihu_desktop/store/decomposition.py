"""任务分解: the district's annual goal and lead unit of each plan target, the units'
shares, and the catalogue items assigned to units (tables of db/006_district.sql).

Minimal, replaced by the decomposition slice at merge: only the two reads the task
packages need (:meth:`DecompositionManager.for_unit`, :meth:`~DecompositionManager.units_with_tasks`).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from .manager import Manager
from .records import CatalogueItem, PlanTarget


@dataclass(frozen=True)
class Share:
    """A unit's share of a plan target in a year."""

    target_id: int
    target: PlanTarget
    unit_id: int
    goal: float | None
    key: str


@dataclass(frozen=True)
class Assignment:
    """A catalogue item assigned to a unit for a year."""

    catalogue_id: int
    item: CatalogueItem
    unit_id: int
    key: str


@dataclass
class UnitTasks:
    shares: list[Share] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)


class DecompositionManager(Manager):
    """Decomposition of one year's plan targets and catalogue items to units."""

    def for_unit(self, year: int, unit_id: int) -> UnitTasks:
        catalogue = self.store.catalogue
        targets = {t.id: t for t in catalogue.targets()}
        items = {i.id: i for i in catalogue.items()}
        shares = [
            Share(int(r[0]), targets[int(r[0])], unit_id, r[1], str(r[2]))
            for r in self.store.query(
                "SELECT s.target_id, s.goal, s.key FROM target_shares s "
                "JOIN plan_targets t ON t.id = s.target_id "
                "WHERE s.year = ? AND s.unit_id = ? ORDER BY t.seq, t.sub",
                (year, unit_id),
            )
        ]
        assignments = [
            Assignment(int(r[0]), items[int(r[0])], unit_id, str(r[1]))
            for r in self.store.query(
                "SELECT a.catalogue_id, a.key FROM assignments a "
                "JOIN catalogue_items c ON c.id = a.catalogue_id "
                "WHERE a.year = ? AND a.unit_id = ? ORDER BY c.kind, c.position, c.id",
                (year, unit_id),
            )
        ]
        return UnitTasks(shares, assignments)

    def units_with_tasks(self, year: int) -> builtins.list[int]:
        rows = self.store.query(
            "SELECT unit_id FROM target_shares WHERE year = ? "
            "UNION SELECT unit_id FROM assignments WHERE year = ?",
            (year, year),
        )
        ids = {int(r[0]) for r in rows}
        return [u.id for u in self.store.units.list() if u.id in ids]
