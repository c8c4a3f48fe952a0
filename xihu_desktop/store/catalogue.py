"""Plans, their targets (专栏2) and catalogue items (platforms, projects, programmes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .changes import Changes
from .errors import NotFound, StoreError
from .manager import Manager
from .records import CatalogueItem, Plan, PlanTarget, build_all

_TARGET_SELECT = (
    "SELECT id, plan_id, seq, sub, category, name, unit, baseline, baseline_text, goal, "
    "goal_text, growth, attribute, lower_is_better FROM plan_targets"
)
_ITEM_SELECT = (
    'SELECT id, plan_id, kind, code, column_no, column_title, grp AS "group", name, '
    "goal_text, data, position FROM catalogue_items"
)
_TARGET_EDITABLE = frozenset(
    {
        "category",
        "name",
        "unit",
        "baseline",
        "baseline_text",
        "goal",
        "goal_text",
        "growth",
        "attribute",
        "lower_is_better",
    }
)


class CatalogueManager(Manager):
    def plans(self) -> list[Plan]:
        return build_all(
            Plan,
            self.store.rows(
                "SELECT id, code, name, title, document_no, start_year, end_year, "
                "baseline_year FROM plans ORDER BY start_year"
            ),
        )

    def plan(self, plan_id: int) -> Plan:
        found = [p for p in self.plans() if p.id == plan_id]
        if not found:
            raise NotFound(f"规划（编号{plan_id}）不存在")
        return found[0]

    def plan_for_year(self, year: int) -> Plan:
        for plan in self.plans():
            if plan.start_year <= year <= plan.end_year:
                return plan
        raise NotFound(f"没有覆盖{year}年的规划期，请先在“规划目录”中添加规划。")

    def targets(self, plan_id: int | None = None) -> list[PlanTarget]:
        if plan_id is None:
            return self._targets("", ())
        return self._targets(" WHERE plan_id = ?", (plan_id,))

    def target(self, target_id: int) -> PlanTarget | None:
        rows = self._targets(" WHERE id = ?", (target_id,))
        return rows[0] if rows else None

    def _targets(self, where: str, params: tuple[Any, ...]) -> list[PlanTarget]:
        sql = _TARGET_SELECT + where + " ORDER BY plan_id, seq, sub"
        return build_all(PlanTarget, self.store.rows(sql, params))

    def target_ids(self) -> set[int]:
        return {int(r[0]) for r in self.store.query("SELECT id FROM plan_targets")}

    def item_ids(self) -> set[int]:
        return {int(r[0]) for r in self.store.query("SELECT id FROM catalogue_items")}

    def update_target(self, target_id: int, values: Mapping[str, Any]) -> Changes:
        bad = set(values) - _TARGET_EDITABLE
        if bad:
            raise StoreError(f"不能修改规划指标的字段：{'、'.join(sorted(bad))}")
        self.store.require_admin("修改规划指标")
        with self.store.transaction():
            old = self.target(target_id)
            if old is None:
                raise NotFound("规划指标不存在")
            for key, value in values.items():
                self.store.execute(
                    f"UPDATE plan_targets SET {key} = ? WHERE id = ?", (value, target_id)
                )
                self.store.audit.record(
                    "修改规划指标",
                    field_key=f"plan_targets.{target_id}.{key}",
                    old=old[key],
                    new=value,
                )
            return self.store.noted(Changes(catalogue=True))

    def items(self, kind: str | None = None, plan_id: int | None = None) -> list[CatalogueItem]:
        sql = _ITEM_SELECT + " WHERE 1 = 1"
        params: list[Any] = []
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        if plan_id is not None:
            sql += " AND plan_id = ?"
            params.append(plan_id)
        sql += " ORDER BY plan_id, kind, position, id"
        return build_all(CatalogueItem, self.store.rows(sql, params))

    def item(self, item_id: int) -> CatalogueItem | None:
        rows = build_all(CatalogueItem, self.store.rows(_ITEM_SELECT + " WHERE id = ?", (item_id,)))
        return rows[0] if rows else None
