"""The responsible units (towns/streets, departments, platforms)."""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Mapping
from typing import Any

from ..core.enums import UnitKind
from .changes import Changes
from .errors import InvalidData, NotFound, StoreError
from .manager import Manager
from .records import Unit, build_all

_SELECT = "SELECT id, code, name, kind, position, active, leader, contact FROM units"
_ORDER = " ORDER BY CASE kind WHEN 'town' THEN 0 WHEN 'platform' THEN 1 ELSE 2 END, position, id"
_EDITABLE = frozenset({"code", "name", "kind", "active", "leader", "contact", "position"})


class UnitManager(Manager):
    def list(self, kind: str | None = None, active_only: bool = False) -> builtins.list[Unit]:
        sql = _SELECT
        clauses, params = [], []
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        if active_only:
            clauses.append("active = 1")
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        return build_all(Unit, self.store.rows(sql + _ORDER, params))

    def in_scope(self, bound: str | None, kind: str | None = None) -> builtins.list[Unit]:
        """The units a district view lists: in a unit's own file (``bound``: its unit
        code) that unit, active or not; else every active unit; of one ``kind`` if given."""
        clauses, params = [], []
        if bound:
            clauses.append("code = ?")
            params.append(bound)
        else:
            clauses.append("active = 1")
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        return build_all(
            Unit, self.store.rows(_SELECT + " WHERE " + " AND ".join(clauses) + _ORDER, params)
        )

    def get(self, unit_id: int) -> Unit:
        rows = build_all(Unit, self.store.rows(_SELECT + " WHERE id = ?", (unit_id,)))
        if not rows:
            raise NotFound(f"责任单位（编号{unit_id}）不存在")
        return rows[0]

    def find(self, name_or_code: str) -> Unit:
        text = name_or_code.strip()
        rows = build_all(
            Unit, self.store.rows(_SELECT + " WHERE code = ? OR name = ?" + _ORDER, (text, text))
        )
        if not rows:
            raise NotFound(f"找不到责任单位“{text}”（可用单位名称或代码）")
        return rows[0]

    def add(
        self, code: str, name: str, kind: str, leader: str | None = None, contact: str | None = None
    ) -> Changes:
        self.store.require_admin("新增责任单位")
        if kind not in tuple(UnitKind):
            raise InvalidData(f"单位类型无效：{kind}")
        if not code.strip() or not name.strip():
            raise InvalidData("单位代码和名称不能为空")
        with self.store.transaction():
            if self.store.scalar("SELECT 1 FROM units WHERE code = ? OR name = ?", (code, name)):
                raise InvalidData(f"单位代码“{code}”或名称“{name}”已存在")
            position = (self.store.scalar("SELECT max(position) FROM units") or 0) + 1
            cur = self.store.execute(
                "INSERT INTO units (code, name, kind, position, leader, contact) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (code.strip(), name.strip(), kind, position, leader, contact),
            )
            unit_id = int(cur.lastrowid or 0)
            self.store.audit.record("新增单位", field_key=f"units.{unit_id}", new=name)
            return self.store.noted(Changes(units=True, created=(unit_id,)))

    def update(self, unit_id: int, values: Mapping[str, Any]) -> Changes:
        bad = set(values) - _EDITABLE
        if bad:
            raise StoreError(f"不能修改单位的字段：{'、'.join(sorted(bad))}")
        self.store.require_admin("修改责任单位")
        with self.store.transaction():
            old = self.get(unit_id)
            for key, value in values.items():
                try:
                    self.store.execute(f"UPDATE units SET {key} = ? WHERE id = ?", (value, unit_id))
                except sqlite3.IntegrityError as exc:
                    raise InvalidData(f"单位{key}“{value}”无效或与其他单位重复") from exc
                self.store.audit.record(
                    "修改单位", field_key=f"units.{unit_id}.{key}", old=getattr(old, key), new=value
                )
            return self.store.noted(Changes(units=True))
