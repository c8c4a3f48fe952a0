"""任务分解: the district's annual goal and lead unit of each plan target, the units'
shares, and the catalogue items assigned to units (tables of db/006_district.sql).

Every write goes through :meth:`DecompositionManager.apply` (one transaction, the
administrator's, audited, undoable) and reports ``Changes.district = {year}``. A new
share or assignment gets a fresh UUID ``key`` that later becomes the key of the
unit's entry; changing a share's goal keeps its key.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..core import decomposition as rules
from ..core.validate import Invalid, parse_number
from .changes import Changes
from .decomposition_records import (
    Assignment,
    DecompositionEdit,
    Grid,
    GridRow,
    ItemRow,
    Pair,
    Share,
    TargetGoal,
    UnitTasks,
)
from .errors import InvalidData
from .manager import Manager
from .records import CatalogueItem, Plan, PlanTarget, Unit

__all__ = [
    "ApplyEdit",
    "Assignment",
    "DecompositionEdit",
    "DecompositionManager",
    "Grid",
    "GridRow",
    "ItemRow",
    "Share",
    "TargetGoal",
    "UnitTasks",
]

ACTION = "任务分解"
_UNIT_ORDER = "CASE u.kind WHEN 'town' THEN 0 WHEN 'platform' THEN 1 ELSE 2 END, u.position, u.id"


def target_name(target: PlanTarget) -> str:
    """A target's name as the decomposition shows it: ``…合格率（食品）`` for a sub-target."""
    return target.name + (f"（{target.sub}）" if target.sub else "")


@dataclass(frozen=True)
class ApplyEdit:
    """An edit applied again (the undo of an earlier :meth:`DecompositionManager.apply`)."""

    year: int
    edit: DecompositionEdit

    def __call__(self, store: Any) -> Changes:
        return store.decomposition.apply(self.year, self.edit)


class DecompositionManager(Manager):
    """Decomposition of one year's plan targets and catalogue items to units."""

    # ------------------------------------------------------------ reads

    def plan(self, year: int) -> Plan:
        """The plan whose period holds ``year`` (NotFound with a plain message)."""
        return self.store.catalogue.plan_for_year(year)

    def _targets(self, plan_id: int | None = None) -> dict[int, PlanTarget]:
        return {t.id: t for t in self.store.catalogue.targets(plan_id)}

    def goals(self, year: int) -> list[TargetGoal]:
        """Every target of the year's plan with its district goal and lead unit."""
        plan = self.plan(year)
        stored = {
            int(r["target_id"]): r
            for r in self.store.rows(
                "SELECT target_id, goal, lead_unit_id FROM target_goals WHERE year = ?", (year,)
            )
        }
        out = []
        for t in self.store.catalogue.targets(plan.id):
            row = stored.get(t.id)
            out.append(
                TargetGoal(
                    year,
                    t.id,
                    t,
                    row["goal"] if row else None,
                    row["lead_unit_id"] if row else None,
                )
            )
        return out

    def shares(self, year: int, target_id: int | None = None) -> list[Share]:
        """The units' shares of a year (of one target), by target then unit order."""
        sql = (
            "SELECT s.target_id, s.unit_id, s.goal, s.key FROM target_shares s "
            "JOIN plan_targets t ON t.id = s.target_id JOIN units u ON u.id = s.unit_id "
            "WHERE s.year = ?"
        )
        params: list[Any] = [year]
        if target_id is not None:
            sql += " AND s.target_id = ?"
            params.append(target_id)
        return self._shares(sql, params)

    def _shares(self, sql: str, params: list[Any]) -> list[Share]:
        rows = self.store.rows(sql + f" ORDER BY t.plan_id, t.seq, t.sub, {_UNIT_ORDER}", params)
        targets = self._targets() if rows else {}
        return [
            Share(r["target_id"], targets[r["target_id"]], r["unit_id"], r["goal"], r["key"])
            for r in rows
        ]

    def assignments(self, year: int, unit_id: int | None = None) -> list[Assignment]:
        """The catalogue items assigned to units in a year (to one unit)."""
        sql = (
            "SELECT a.catalogue_id, a.unit_id, a.key FROM assignments a "
            "JOIN catalogue_items c ON c.id = a.catalogue_id JOIN units u ON u.id = a.unit_id "
            "WHERE a.year = ?"
        )
        params: list[Any] = [year]
        if unit_id is not None:
            sql += " AND a.unit_id = ?"
            params.append(unit_id)
        rows = self.store.rows(
            sql + f" ORDER BY c.plan_id, c.kind, c.position, c.id, {_UNIT_ORDER}", params
        )
        items = {i.id: i for i in self.store.catalogue.items()} if rows else {}
        return [
            Assignment(r["catalogue_id"], items[r["catalogue_id"]], r["unit_id"], r["key"])
            for r in rows
        ]

    def for_unit(self, year: int, unit_id: int) -> UnitTasks:
        """The shares and assigned items of one unit in a year (its task package)."""
        with self.store.snapshot():
            shares = self._shares(
                "SELECT s.target_id, s.unit_id, s.goal, s.key FROM target_shares s "
                "JOIN plan_targets t ON t.id = s.target_id JOIN units u ON u.id = s.unit_id "
                "WHERE s.year = ? AND s.unit_id = ?",
                [year, unit_id],
            )
            return UnitTasks(year, unit_id, shares, self.assignments(year, unit_id))

    def units_with_tasks(self, year: int) -> list[int]:
        """Ids of the units that carry a share or an item in ``year``, in unit order."""
        rows = self.store.query(
            "SELECT u.id FROM units u WHERE u.id IN ("
            "SELECT unit_id FROM target_shares WHERE year = ? "
            "UNION SELECT unit_id FROM assignments WHERE year = ?) "
            f"ORDER BY {_UNIT_ORDER}",
            (year, year),
        )
        return [int(r[0]) for r in rows]

    def has_any(self, year: int) -> bool:
        """Whether the year has any decomposition record at all."""
        return bool(
            self.store.scalar(
                "SELECT EXISTS (SELECT 1 FROM target_goals WHERE year = ?) "
                "OR EXISTS (SELECT 1 FROM target_shares WHERE year = ?) "
                "OR EXISTS (SELECT 1 FROM assignments WHERE year = ?)",
                (year, year, year),
            )
        )

    def columns(self, year: int) -> list[Unit]:
        """The units that are the grid's columns: the active ones and any unit that
        still carries a share or an item of the year."""
        carrying = set(self.units_with_tasks(year))
        return [u for u in self.store.units.list() if u.active or u.id in carrying]

    def grid(self, year: int) -> Grid:
        """Targets × units with each target's total and count of shares (SQL aggregates)
        and the mismatch of an additive target whose shares miss the district goal."""
        with self.store.snapshot():
            goals = self.goals(year)
            units = self.columns(year)
            cells: dict[int, dict[int, float | None]] = {}
            for r in self.store.query(
                "SELECT target_id, unit_id, goal FROM target_shares WHERE year = ?", (year,)
            ):
                cells.setdefault(int(r[0]), {})[int(r[1])] = r[2]
            totals = {
                int(r[0]): (r[1], int(r[2]))
                for r in self.store.query(
                    "SELECT target_id, sum(goal), count(*) FROM target_shares "
                    "WHERE year = ? GROUP BY target_id",
                    (year,),
                )
            }
        rows = []
        for g in goals:
            t = g.target
            shares = cells.get(t.id, {})
            total, count = totals.get(t.id, (None, 0))
            rows.append(
                GridRow(
                    t,
                    g.goal,
                    g.lead_unit_id,
                    shares,
                    total,
                    count,
                    rules.is_additive(t.name, t.unit),
                    rules.mismatch(t.name, t.unit, g.goal, shares.values()),
                )
            )
        return Grid(year, units, rows)

    def item_rows(self, year: int) -> list[ItemRow]:
        """Every catalogue item of the year's plan with the units it is assigned to."""
        plan = self.plan(year)
        assigned: dict[int, list[int]] = {}
        for a in self.assignments(year):
            assigned.setdefault(a.catalogue_id, []).append(a.unit_id)
        items = self.store.catalogue.items(plan_id=plan.id)
        return [ItemRow(i, assigned.get(i.id, [])) for i in items]

    # ------------------------------------------------------------ writes

    def set_goal(self, year: int, target_id: int, goal: Any) -> Changes:
        """Set (None or "": clear) the district's annual goal of a target."""
        return self.apply(year, DecompositionEdit(goals={target_id: goal}))

    def set_lead(self, year: int, target_id: int, unit_id: int | None) -> Changes:
        """Set (None: clear) the lead unit (牵头单位) of a target."""
        return self.apply(year, DecompositionEdit(leads={target_id: unit_id}))

    def set_share(self, year: int, target_id: int, unit_id: int, goal: Any) -> Changes:
        """Give a unit a share of a target (None: carried without a figure)."""
        return self.apply(year, DecompositionEdit(shares={(target_id, unit_id): goal}))

    def clear_share(self, year: int, target_id: int, unit_id: int) -> Changes:
        return self.apply(year, DecompositionEdit(cleared={(target_id, unit_id)}))

    def assign(self, year: int, catalogue_id: int, unit_ids: Iterable[int]) -> Changes:
        return self.apply(year, DecompositionEdit(assign={(catalogue_id, u) for u in unit_ids}))

    def unassign(self, year: int, catalogue_id: int, unit_ids: Iterable[int]) -> Changes:
        return self.apply(year, DecompositionEdit(unassign={(catalogue_id, u) for u in unit_ids}))

    def set_item_units(self, year: int, catalogue_id: int, unit_ids: Iterable[int]) -> Changes:
        """Assign an item to exactly these units (the unit checklist)."""
        wanted = set(unit_ids)
        have = {a.unit_id for a in self.assignments(year) if a.catalogue_id == catalogue_id}
        return self.apply(
            year,
            DecompositionEdit(
                assign={(catalogue_id, u) for u in wanted - have},
                unassign={(catalogue_id, u) for u in have - wanted},
            ),
        )

    def apply(self, year: int, edit: DecompositionEdit) -> Changes:
        """Write an edit in ONE transaction (joining the caller's, as an import's),
        checked first as a whole: an invalid edit writes nothing."""
        store = self.store
        store.require_admin("修改任务分解")
        if edit.empty:
            return Changes()
        with store.transaction():
            ctx = _Context.load(self, year)
            clean = ctx.check(edit)
            inverse = DecompositionEdit()
            audit: list[tuple[int | None, int | None, str | None, Any, Any]] = []
            ctx.write_goals(clean, inverse, audit)
            ctx.write_shares(clean, inverse, audit)
            ctx.write_assignments(clean, inverse, audit)
            if not audit:
                return Changes()
            store.audit.record_many(ACTION, audit)
            return store.noted(Changes(district=frozenset({year}), undo=ApplyEdit(year, inverse)))


def _new_key() -> str:
    return str(uuid.uuid4())


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


class _Context:
    """One apply's view of the year: plan, targets, units, items and stored rows."""

    def __init__(self, manager: DecompositionManager, year: int, plan: Plan) -> None:
        store = manager.store
        self.store = store
        self.year = year
        self.targets = {t.id: t for t in store.catalogue.targets(plan.id)}
        self.units = {u.id: u for u in store.units.list()}
        self.items: dict[int, CatalogueItem] = {
            i.id: i for i in store.catalogue.items(plan_id=plan.id)
        }
        self.goals = {
            int(r[0]): (r[1], r[2])
            for r in store.query(
                "SELECT target_id, goal, lead_unit_id FROM target_goals WHERE year = ?", (year,)
            )
        }
        self.shares = {
            (int(r[0]), int(r[1])): (r[2], str(r[3]))
            for r in store.query(
                "SELECT target_id, unit_id, goal, key FROM target_shares WHERE year = ?", (year,)
            )
        }
        self.assigned = {
            (int(r[0]), int(r[1])): str(r[2])
            for r in store.query(
                "SELECT catalogue_id, unit_id, key FROM assignments WHERE year = ?", (year,)
            )
        }

    @classmethod
    def load(cls, manager: DecompositionManager, year: int) -> _Context:
        try:
            plan = manager.plan(year)
        except Exception as exc:
            raise InvalidData(f"{year}年不在任何规划期内，不能分解任务：{exc}") from exc
        return cls(manager, year, plan)

    # -------------------------------------------------- checks

    def _target(self, target_id: int) -> PlanTarget:
        t = self.targets.get(target_id)
        if t is None:
            raise InvalidData(f"规划指标（编号{target_id}）不属于{self.year}年所在的规划期")
        return t

    def _number(self, t: PlanTarget, value: Any, what: str) -> float | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = parse_number(value, t.unit or "")
        except Invalid as exc:
            raise InvalidData(f"指标“{target_name(t)}”的{what}：{exc}") from None
        if number < 0 and not rules.allows_negative(t.name, t.unit):
            raise InvalidData(f"指标“{target_name(t)}”的{what}不能为负数")
        return number

    def _unit(self, unit_id: int | None, what: str, *, new: bool = True) -> Unit | None:
        if unit_id is None:
            return None
        unit = self.units.get(unit_id)
        if unit is None:
            raise InvalidData(f"{what}（单位编号{unit_id}）不存在")
        if new and not unit.active:
            raise InvalidData(f"{what}“{unit.name}”已停用")
        return unit

    def check(self, edit: DecompositionEdit) -> DecompositionEdit:
        """The edit with numbers parsed; raises InvalidData naming the first problem."""
        goals = {t: self._number(self._target(t), v, "区年度目标") for t, v in edit.goals.items()}
        for t, u in edit.leads.items():
            self._target(t)
            self._unit(u, "牵头单位")
        shares: dict[Pair, float | None] = {}
        for (t, u), v in edit.shares.items():
            target = self._target(t)
            self._unit(u, "分解单位", new=(t, u) not in self.shares)
            shares[(t, u)] = self._number(target, v, f"{self.units[u].name}分解目标")
        for t, u in edit.cleared:
            self._target(t)
            self._unit(u, "分解单位", new=False)
        for c, u in edit.assign | edit.unassign:
            if c not in self.items:
                raise InvalidData(f"规划目录项（编号{c}）不属于{self.year}年所在的规划期")
            self._unit(u, "责任单位", new=(c, u) in edit.assign and (c, u) not in self.assigned)
        return replace(edit, goals=goals, shares=shares)

    # -------------------------------------------------- writes

    def _label(self, target_id: int, what: str) -> str:
        return f"{self.year}年·{target_name(self.targets[target_id])}·{what}"

    def write_goals(self, edit: DecompositionEdit, inverse: DecompositionEdit, audit: list) -> None:
        for t in sorted(set(edit.goals) | set(edit.leads)):
            old_goal, old_lead = self.goals.get(t, (None, None))
            goal = edit.goals.get(t, old_goal)
            lead = edit.leads.get(t, old_lead)
            if _same(goal, old_goal) and lead == old_lead:
                continue
            if goal is None and lead is None:
                self.store.execute(
                    "DELETE FROM target_goals WHERE year = ? AND target_id = ?", (self.year, t)
                )
            else:
                self.store.execute(
                    "INSERT INTO target_goals (year, target_id, goal, lead_unit_id) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (year, target_id) DO UPDATE SET "
                    "goal = excluded.goal, lead_unit_id = excluded.lead_unit_id",
                    (self.year, t, goal, lead),
                )
            self.goals[t] = (goal, lead)
            if not _same(goal, old_goal):
                inverse.goals[t] = old_goal
                audit.append((None, None, self._label(t, "区年度目标"), old_goal, goal))
            if lead != old_lead:
                inverse.leads[t] = old_lead
                audit.append(
                    (None, None, self._label(t, "牵头单位"), self._name(old_lead), self._name(lead))
                )

    def _name(self, unit_id: int | None) -> str | None:
        return self.units[unit_id].name if unit_id in self.units else None

    def write_shares(
        self, edit: DecompositionEdit, inverse: DecompositionEdit, audit: list
    ) -> None:
        rows = []
        for (t, u), goal in sorted(edit.shares.items()):
            old = self.shares.get((t, u))
            if old is not None and _same(old[0], goal):
                continue
            key = old[1] if old else edit.keys.get(("share", t, u)) or _new_key()
            rows.append((self.year, t, u, goal, key))
            if old is None:
                inverse.cleared.add((t, u))
            else:
                inverse.shares[(t, u)] = old[0]
            audit.append(
                (None, None, self._label(t, self.units[u].name), old[0] if old else None, goal)
            )
            self.shares[(t, u)] = (goal, key)
        if rows:
            self.store.db.executemany(
                "INSERT INTO target_shares (year, target_id, unit_id, goal, key) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (year, target_id, unit_id) DO UPDATE SET "
                "goal = excluded.goal",
                rows,
            )
        gone = [(t, u) for t, u in sorted(edit.cleared) if (t, u) in self.shares]
        for t, u in gone:
            goal, key = self.shares.pop((t, u))
            inverse.shares[(t, u)] = goal
            inverse.keys[("share", t, u)] = key
            audit.append((None, None, self._label(t, self.units[u].name), goal, "（取消分解）"))
        if gone:
            self.store.db.executemany(
                "DELETE FROM target_shares WHERE year = ? AND target_id = ? AND unit_id = ?",
                [(self.year, t, u) for t, u in gone],
            )

    def write_assignments(
        self, edit: DecompositionEdit, inverse: DecompositionEdit, audit: list
    ) -> None:
        added = []
        for c, u in sorted(edit.assign - edit.unassign):
            if (c, u) in self.assigned:
                continue
            key = edit.keys.get(("item", c, u)) or _new_key()
            self.assigned[(c, u)] = key
            added.append((self.year, c, u, key))
            inverse.unassign.add((c, u))
            audit.append((None, None, self._item_label(c), None, self.units[u].name))
        if added:
            self.store.db.executemany(
                "INSERT INTO assignments (year, catalogue_id, unit_id, key) VALUES (?, ?, ?, ?)",
                added,
            )
        removed = [(c, u) for c, u in sorted(edit.unassign) if (c, u) in self.assigned]
        for c, u in removed:
            key = self.assigned.pop((c, u))
            inverse.assign.add((c, u))
            inverse.keys[("item", c, u)] = key
            audit.append((None, None, self._item_label(c), self.units[u].name, None))
        if removed:
            self.store.db.executemany(
                "DELETE FROM assignments WHERE year = ? AND catalogue_id = ? AND unit_id = ?",
                [(self.year, c, u) for c, u in removed],
            )

    def _item_label(self, catalogue_id: int) -> str:
        return f"{self.year}年·{self.items[catalogue_id].name}·责任单位"
