"""Plans, their targets (专栏2) and catalogue items (platforms, projects, programmes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .changes import Changes
from .errors import InvalidData, NotFound, StoreError
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

    def add_plan(
        self,
        code: str,
        name: str,
        start_year: int,
        end_year: int,
        title: str | None = None,
        copy_from: str | None = None,
    ) -> Changes:
        """Add a plan period (e.g. 十五五, 2026–2030) in one transaction; ``Changes.id`` is its id.

        With ``copy_from`` (a plan code) the earlier plan's targets and catalogue items are
        copied as a starting point: names, units, attributes and groupings are kept, the
        numbers (baseline, goal) are left empty for the district to fill in.
        """
        store = self.store
        store.require_admin("新增规划期")
        code, name = code.strip(), name.strip()
        if not code or not name:
            raise InvalidData("规划代码和名称不能为空")
        if not (1949 < start_year <= end_year <= 2100):
            raise InvalidData(f"规划期{start_year}–{end_year}年无效")
        plans = self.plans()
        if any(p["code"] == code for p in plans):
            raise InvalidData(f"规划代码“{code}”已存在")
        for p in plans:
            if start_year <= p["end_year"] and p["start_year"] <= end_year:
                raise InvalidData(
                    f"{start_year}–{end_year}年与已有规划“{p['name']}”"
                    f"（{p['start_year']}–{p['end_year']}年）重叠"
                )
        source = None
        if copy_from:
            source = next((p for p in plans if p["code"] == copy_from), None)
            if source is None:
                raise InvalidData(f"没有代码为“{copy_from}”的规划可供复制")
        with store.transaction() as c:
            cur = c.execute(
                "INSERT INTO plans (code, name, title, start_year, end_year, baseline_year) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (code, name, title, start_year, end_year, start_year - 1),
            )
            plan_id = int(cur.lastrowid or 0)
            if source is not None:
                c.execute(
                    "INSERT INTO plan_targets (plan_id, seq, sub, category, name, unit, attribute, "
                    "lower_is_better) SELECT ?, seq, sub, category, name, unit, attribute, "
                    "lower_is_better FROM plan_targets WHERE plan_id = ?",
                    (plan_id, source["id"]),
                )
                c.execute(
                    "INSERT INTO catalogue_items (plan_id, kind, code, column_no, column_title, grp, "
                    "name, position) SELECT ?, kind, code, column_no, column_title, grp, name, "
                    "position FROM catalogue_items WHERE plan_id = ?",
                    (plan_id, source["id"]),
                )
            store.audit.record(
                "新增规划期",
                field_key="plans",
                new=f"{name} {start_year}–{end_year}"
                + (f"（复制自{source['name']}）" if source else ""),
            )
            return store.noted(Changes(catalogue=True, created=(plan_id,)))
