"""Annual task ledgers (one unit × one year): create, carry over, edit, submit, unlock."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from typing import Any

from ..core.categories import category
from ..core.enums import LedgerStatus, Role
from .changes import Changes
from .errors import InvalidData, NotFound, PermissionDenied, StoreError
from .manager import Manager
from .records import Ledger, build, build_all, now

_SELECT = (
    "SELECT l.id, l.unit_id, l.plan_id, l.year, l.status, l.leader, l.contact, l.preparer, "
    "l.self_assessment, l.submitted_at, l.revision, l.created_at, l.updated_at, "
    "u.name AS unit_name, u.code AS unit_code, u.kind AS unit_kind "
    "FROM ledgers l JOIN units u ON u.id = l.unit_id"
)
_ORDER = (
    " ORDER BY l.year, CASE u.kind WHEN 'town' THEN 0 WHEN 'platform' THEN 1 "
    "ELSE 2 END, u.position, u.id"
)
_EDITABLE = frozenset({"leader", "contact", "preparer", "self_assessment"})
_STATUS_ACTIONS = {
    LedgerStatus.DRAFT: "解锁台账",
    LedgerStatus.SUBMITTED: "提交台账",
    LedgerStatus.LOCKED: "锁定台账",
}


class LedgerManager(Manager):
    def list(self, year: int | None = None, unit_id: int | None = None) -> builtins.list[Ledger]:
        """Ledgers of a year and/or unit; in a unit's own file only that unit's."""
        sql = _SELECT
        clauses, params = [], []
        bound = self.store.packages.bound_unit()
        if bound is not None:
            clauses.append("l.unit_id = ?")
            params.append(bound.id)
        if year is not None:
            clauses.append("l.year = ?")
            params.append(year)
        if unit_id is not None:
            clauses.append("l.unit_id = ?")
            params.append(unit_id)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return build_all(Ledger, self.store.rows(sql + _ORDER, params))

    def get(self, ledger_id: int) -> Ledger:
        rows = self.store.rows(_SELECT + " WHERE l.id = ?", (ledger_id,))
        if not rows:
            raise NotFound(f"台账（编号{ledger_id}）不存在")
        return build(Ledger, rows[0])

    def find(self, unit_id: int, year: int) -> Ledger | None:
        rows = self.store.rows(_SELECT + " WHERE l.unit_id = ? AND l.year = ?", (unit_id, year))
        return build(Ledger, rows[0]) if rows else None

    def years(self) -> builtins.list[int]:
        """The years that have a ledger (in a unit's own file, one of its ledgers)."""
        bound = self.store.packages.bound_unit()
        if bound is None:
            rows = self.store.rows("SELECT DISTINCT year FROM ledgers ORDER BY year")
        else:
            rows = self.store.rows(
                "SELECT DISTINCT year FROM ledgers WHERE unit_id = ? ORDER BY year", (bound.id,)
            )
        return [int(row["year"]) for row in rows]

    def create(
        self, unit_id: int, year: int, leader: str | None = None, contact: str | None = None
    ) -> Changes:
        store = self.store
        plan = store.catalogue.plan_for_year(year)
        unit = store.units.get(unit_id)
        if store.role is Role.VIEWER or (store.role is Role.OPERATOR and unit_id != store.unit_id):
            raise PermissionDenied(f"当前用户不能为{unit.name}新建台账")
        bound = store.packages.bound_unit()
        if bound is not None and bound.id != unit_id:
            raise PermissionDenied(
                f"本数据文件属于{bound.name}，不能为{unit.name}新建台账（区里的台账在区级数据文件中）"
            )
        with store.transaction():
            if self.find(unit_id, year):
                raise InvalidData(f"{unit.name}{year}年的台账已存在")
            stamp = now()
            cur = store.execute(
                "INSERT INTO ledgers (unit_id, plan_id, year, leader, contact, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    unit_id,
                    plan.id,
                    year,
                    leader or unit.leader,
                    contact or unit.contact,
                    stamp,
                    stamp,
                ),
            )
            ledger_id = int(cur.lastrowid or 0)
            store.audit.record("新建台账", ledger_id, new=f"{unit.name} {year}")
            return store.noted(Changes(ledgers=frozenset({ledger_id}), created=(ledger_id,)))

    def ensure(self, unit_id: int, year: int) -> Ledger:
        """The unit's ledger of the year, created when missing."""
        found = self.find(unit_id, year)
        return found or self.get(self.create(unit_id, year).id)

    def update(self, ledger_id: int, values: Mapping[str, Any]) -> Changes:
        bad = set(values) - _EDITABLE
        if bad:
            raise StoreError(f"不能修改台账的字段：{'、'.join(sorted(bad))}")
        store = self.store
        with store.transaction():
            old = store.require_editable(ledger_id)
            for key, value in values.items():
                if getattr(old, key) == value:
                    continue
                store.execute(f"UPDATE ledgers SET {key} = ? WHERE id = ?", (value, ledger_id))
                store.audit.record(
                    "修改台账", ledger_id, field_key=key, old=getattr(old, key), new=value
                )
            store.touch(ledger_id)
            return Changes(ledgers=frozenset({ledger_id}))

    def set_status(self, ledger_id: int, status: str) -> Changes:
        try:
            new = LedgerStatus(status)
        except ValueError:
            raise InvalidData(f"台账状态无效：{status}") from None
        store = self.store
        with store.transaction():
            old = self.get(ledger_id)
            if old.status == new:
                return Changes()
            if not (old.status == LedgerStatus.DRAFT and new is LedgerStatus.SUBMITTED):
                store.require_admin("解锁、锁定或退回台账")
            elif store.role is not Role.ADMIN:  # an operator submits the own unit's draft
                store.require_editable(ledger_id)
            submitted = now() if new is LedgerStatus.SUBMITTED else old.submitted_at
            store.execute(
                "UPDATE ledgers SET status = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
                (new.value, submitted, now(), ledger_id),
            )
            store.audit.record(
                _STATUS_ACTIONS[new], ledger_id, field_key="status", old=old.status, new=new.value
            )
            return store.noted(Changes(ledgers=frozenset({ledger_id})))

    def carry_over(self, from_ledger_id: int, to_year: int) -> Changes:
        """Start ``to_year``'s ledger of the same unit from an earlier one; one transaction.

        Entries are copied with their links to plan targets and catalogue items; the
        completion fields (group 完成情况: actual values, physical progress) and all
        progress are left behind and statuses restart at 未启动. An indicator's last
        actual value becomes its 上年完成值 (baseline).
        """
        store = self.store
        source = self.get(from_ledger_id)
        if to_year <= source.year:
            raise InvalidData(f"只能结转到{source.year}年以后的年度")
        with store.transaction():
            if self.find(source.unit_id, to_year):
                raise InvalidData(f"{source.unit_name}{to_year}年的台账已存在，不能再结转")
            ledger_id = self.create(source.unit_id, to_year, source.leader, source.contact).id
            entries = store.entries.list(from_ledger_id)
            for e in entries:
                cat = category(e.category)
                values = {
                    f.key: e.values.get(f.key)
                    for f in cat.fields
                    if f.group != "完成情况" and e.values.get(f.key) is not None
                }
                values["status"] = "未启动"
                actual = e.values.get("actual")
                if cat.has("baseline") and actual is not None:
                    values["baseline"] = actual
                store.entries.insert(ledger_id, e.category, e.position, values)
            store.audit.record(
                "结转台账",
                ledger_id,
                field_key="carry_over",
                old=f"{source.unit_name} {source.year}",
                new=f"{to_year}年，{len(entries)}个条目",
            )
            return store.noted(
                Changes(
                    ledgers=frozenset({ledger_id}),
                    rows=frozenset({ledger_id}),
                    created=(ledger_id,),
                )
            )
