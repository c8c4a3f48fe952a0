"""The one object the application talks to for data: :class:`Store`.

Every public write method is one transaction and records what it changed in the
audit log. The window never writes SQL; it calls these methods.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core import scoring
from ..core.categories import CATEGORY_BY_KEY, ENTRY_COLUMNS, LEDGER_STATUSES, category
from ..core.validate import Problem, check_value, validate_row
from . import connection
from .errors import (
    InvalidData,
    LedgerLocked,
    NotFound,
    PermissionDenied,
    StoreError,
    translate_sqlite_error,
)

SYSTEM_USER = "本机用户"


def now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


@dataclass
class Unit:
    id: int
    code: str
    name: str
    kind: str
    position: int = 0
    active: bool = True
    leader: str | None = None
    contact: str | None = None


@dataclass
class Ledger:
    id: int
    unit_id: int
    plan_id: int
    year: int
    status: str
    leader: str | None
    contact: str | None
    preparer: str | None
    self_assessment: str | None
    submitted_at: str | None
    revision: int
    created_at: str
    updated_at: str
    unit_name: str = ""
    unit_code: str = ""
    unit_kind: str = ""

    @property
    def editable(self) -> bool:
        return self.status == "草稿"


@dataclass
class Entry:
    id: int
    ledger_id: int
    category: str
    position: int
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    @property
    def name(self) -> str:
        return str(self.values.get("name") or "")


@dataclass
class Progress:
    entry_id: int
    quarter: int
    value: float | None = None
    status: str | None = None
    problems: str | None = None
    next_steps: str | None = None
    comment: str | None = None
    follow_up: bool = False
    updated_at: str | None = None


PROGRESS_FIELDS = ("value", "status", "problems", "next_steps", "comment", "follow_up")

_ENTRY_SELECT = (
    "SELECT id, ledger_id, category, position, name, goal, actual, status, weight, "
    "target_id, catalogue_id, data FROM entries"
)
_LEDGER_SELECT = (
    "SELECT l.id, l.unit_id, l.plan_id, l.year, l.status, l.leader, l.contact, l.preparer, "
    "l.self_assessment, l.submitted_at, l.revision, l.created_at, l.updated_at, "
    "u.name, u.code, u.kind FROM ledgers l JOIN units u ON u.id = l.unit_id"
)


def _entry_from_row(row: Sequence[Any]) -> Entry:
    values: dict[str, Any] = json.loads(row[11]) if row[11] else {}
    for i, key in enumerate(ENTRY_COLUMNS):
        values[key] = row[4 + i]
    return Entry(row[0], row[1], row[2], row[3], values)


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # = json.dumps(…, same options)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return _ENCODER.encode(value)


def _apply_target_defaults(
    raw: Mapping[str, Any], clean: dict[str, Any], target: Mapping[str, Any] | None
) -> None:
    """A linked plan target decides the direction and attribute the clerk left open."""
    if target is None:
        return
    if raw.get("direction") is None:
        clean["direction"] = "越小越好" if target["lower_is_better"] else "越大越好"
    if raw.get("attribute") is None:
        clean["attribute"] = target["attribute"]


class Store:
    """A ledger database file, opened, checked and migrated."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None, version: int) -> None:
        self.conn = conn
        self.path = path
        self.version = version
        self.user = SYSTEM_USER
        # Who acts: "admin" (区管理员), "operator" (填报员, bound to unit_id) or "viewer" (查看).
        # Single-user mode (no login) acts as the administrator of a one-person office.
        self.role = "admin"
        self.unit_id: int | None = None
        self._override = 0  # >0 inside admin_override(): writes to submitted ledgers allowed
        self._lock = threading.RLock()  # serialises access from worker threads
        self._depth = 0
        self.lock_record: int | None = None  # our row in db_lock (network share only)

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: str | Path, migrate: bool = True) -> Store:
        path = Path(path)
        conn, version = connection.connect(path, migrate_schema=migrate)
        store = cls(conn, path, version)
        if version >= 3 and connection.on_network_share(path):
            from .locks import acquire  # who holds a file on a share: see locks.py

            try:
                store.lock_record = acquire(store)
            except BaseException:
                conn.close()
                raise
        return store

    @classmethod
    def memory(cls) -> Store:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        version = connection.migrate(conn, None, 0)
        return cls(conn, None, version)

    def close(self) -> None:
        with self._lock:
            if self.conn is not None:
                if self.lock_record is not None:
                    from .locks import release

                    with suppress(StoreError, sqlite3.Error):
                        release(self)
                with suppress(sqlite3.Error):
                    self.conn.execute("PRAGMA optimize")
                self.conn.close()
                self.conn = None  # type: ignore[assignment]

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ plumbing

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc, self.path) from exc
            self._depth = 1
            try:
                yield self.conn
            except BaseException as exc:
                self._depth = 0
                if self.conn.in_transaction:  # SQLite rolls back by itself on e.g. a full disk
                    self.conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                    raise translate_sqlite_error(exc, self.path) from exc
                raise
            else:
                self._depth = 0
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise translate_sqlite_error(exc, self.path) from exc

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Any]:
        with self._lock:
            try:
                return self.conn.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc, self.path) from exc

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def audit(
        self,
        action: str,
        ledger_id: int | None = None,
        entry_id: int | None = None,
        field_key: str | None = None,
        old: Any = None,
        new: Any = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO audit_log (ts, user, action, ledger_id, entry_id, field, old_value, "
            "new_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (now(), self.user, action, ledger_id, entry_id, field_key, _json(old), _json(new)),
        )

    def backup(self, dest: str | Path) -> Path:
        with self._lock:
            return connection.backup_to(self.conn, Path(dest))

    def integrity_check(self) -> str:
        rows = self.query("PRAGMA integrity_check")
        return "; ".join(str(r[0]) for r in rows)

    def counts(self) -> dict[str, int]:
        tables = (
            "plans",
            "plan_targets",
            "catalogue_items",
            "units",
            "ledgers",
            "entries",
            "progress",
            "adjustments",
            "users",
            "audit_log",
        )
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in tables}

    # ------------------------------------------------------------ settings

    def setting(self, key: str, default: Any = None) -> Any:
        value = self.scalar("SELECT value FROM settings WHERE key = ?", (key,))
        return default if value is None else json.loads(value)

    def set_setting(self, key: str, value: Any) -> None:
        self._require_admin("修改设置")
        with self.transaction() as c:
            old = self.setting(key)
            c.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )
            self.audit("设置", field_key=key, old=old, new=value)

    def scoring_settings(self, year: int) -> scoring.ScoringSettings:
        raw = self.scalar("SELECT data FROM scoring_settings WHERE year = ?", (year,))
        return scoring.ScoringSettings.from_dict(json.loads(raw) if raw else None)

    def save_scoring_settings(self, year: int, settings: scoring.ScoringSettings) -> None:
        self._require_admin("修改考核设置")
        with self.transaction() as c:
            old = self.scalar("SELECT data FROM scoring_settings WHERE year = ?", (year,))
            data = json.dumps(settings.to_dict(), ensure_ascii=False, sort_keys=True)
            c.execute(
                "INSERT INTO scoring_settings (year, data) VALUES (?, ?) "
                "ON CONFLICT (year) DO UPDATE SET data = excluded.data",
                (year, data),
            )
            self.audit("考核设置", field_key=str(year), old=old, new=data)

    # ------------------------------------------------------------ plans and catalogue

    def plans(self) -> list[dict[str, Any]]:
        rows = self.query(
            "SELECT id, code, name, title, document_no, start_year, end_year, baseline_year "
            "FROM plans ORDER BY start_year"
        )
        keys = (
            "id",
            "code",
            "name",
            "title",
            "document_no",
            "start_year",
            "end_year",
            "baseline_year",
        )
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def plan_for_year(self, year: int) -> dict[str, Any]:
        for plan in self.plans():
            if plan["start_year"] <= year <= plan["end_year"]:
                return plan
        raise NotFound(f"没有覆盖{year}年的规划期，请先在“规划目录”中添加规划。")

    def targets(self, plan_id: int | None = None) -> list[dict[str, Any]]:
        if plan_id is None:
            return self._target_rows("", ())
        return self._target_rows(" WHERE plan_id = ?", (plan_id,))

    def target(self, target_id: int) -> dict[str, Any] | None:
        rows = self._target_rows(" WHERE id = ?", (target_id,))
        return rows[0] if rows else None

    def _target_rows(self, where: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        sql = (
            "SELECT id, plan_id, seq, sub, category, name, unit, baseline, baseline_text, goal, "
            "goal_text, growth, attribute, lower_is_better FROM plan_targets"
            + where
            + " ORDER BY plan_id, seq, sub"
        )
        keys = (
            "id",
            "plan_id",
            "seq",
            "sub",
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
        )
        out = []
        for r in self.query(sql, params):
            d = dict(zip(keys, r, strict=True))
            d["sub"] = d["sub"] or None
            d["lower_is_better"] = bool(d["lower_is_better"])
            out.append(d)
        return out

    def update_target(self, target_id: int, values: Mapping[str, Any]) -> None:
        allowed = {
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
        bad = set(values) - allowed
        if bad:
            raise StoreError(f"不能修改规划指标的字段：{'、'.join(sorted(bad))}")
        self._require_admin("修改规划指标")
        with self.transaction() as c:
            old = self.target(target_id)
            if old is None:
                raise NotFound("规划指标不存在")
            for key, value in values.items():
                c.execute(f"UPDATE plan_targets SET {key} = ? WHERE id = ?", (value, target_id))
                self.audit(
                    "修改规划指标",
                    field_key=f"plan_targets.{target_id}.{key}",
                    old=old[key],
                    new=value,
                )

    def catalogue_items(
        self, kind: str | None = None, plan_id: int | None = None
    ) -> list[dict[str, Any]]:
        sql = (
            "SELECT id, plan_id, kind, code, column_no, column_title, grp, name, goal_text, "
            "data, position FROM catalogue_items WHERE 1 = 1"
        )
        params: list[Any] = []
        if kind:
            sql += " AND kind = ?"
            params.append(kind)
        if plan_id is not None:
            sql += " AND plan_id = ?"
            params.append(plan_id)
        sql += " ORDER BY plan_id, kind, position, id"
        keys = (
            "id",
            "plan_id",
            "kind",
            "code",
            "column_no",
            "column_title",
            "group",
            "name",
            "goal_text",
            "data",
            "position",
        )
        out = []
        for r in self.query(sql, params):
            d = dict(zip(keys, r, strict=True))
            d["data"] = json.loads(d["data"] or "{}")
            out.append(d)
        return out

    def catalogue_item(self, item_id: int) -> dict[str, Any] | None:
        rows = [i for i in self.catalogue_items() if i["id"] == item_id]
        return rows[0] if rows else None

    # ------------------------------------------------------------ units

    def units(self, kind: str | None = None, active_only: bool = False) -> list[Unit]:
        sql = "SELECT id, code, name, kind, position, active, leader, contact FROM units"
        clauses, params = [], []
        if kind:
            clauses.append("kind = ?")
            params.append(kind)
        if active_only:
            clauses.append("active = 1")
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += (
            " ORDER BY CASE kind WHEN 'town' THEN 0 WHEN 'platform' THEN 1 ELSE 2 END, position, id"
        )
        return [
            Unit(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7])
            for r in self.query(sql, params)
        ]

    def unit(self, unit_id: int) -> Unit:
        for u in self.units():
            if u.id == unit_id:
                return u
        raise NotFound(f"责任单位（编号{unit_id}）不存在")

    def find_unit(self, name_or_code: str) -> Unit:
        text = name_or_code.strip()
        for u in self.units():
            if text in (u.code, u.name):
                return u
        raise NotFound(f"找不到责任单位“{text}”（可用单位名称或代码）")

    def add_unit(
        self, code: str, name: str, kind: str, leader: str | None = None, contact: str | None = None
    ) -> Unit:
        self._require_admin("新增责任单位")
        if kind not in ("town", "department", "platform"):
            raise InvalidData(f"单位类型无效：{kind}")
        if not code.strip() or not name.strip():
            raise InvalidData("单位代码和名称不能为空")
        with self.transaction() as c:
            if self.scalar("SELECT 1 FROM units WHERE code = ? OR name = ?", (code, name)):
                raise InvalidData(f"单位代码“{code}”或名称“{name}”已存在")
            position = (self.scalar("SELECT max(position) FROM units") or 0) + 1
            cur = c.execute(
                "INSERT INTO units (code, name, kind, position, leader, contact) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (code.strip(), name.strip(), kind, position, leader, contact),
            )
            unit_id = int(cur.lastrowid or 0)
            self.audit("新增单位", field_key=f"units.{unit_id}", new=name)
        return self.unit(unit_id)

    def update_unit(self, unit_id: int, values: Mapping[str, Any]) -> None:
        allowed = {"code", "name", "kind", "active", "leader", "contact", "position"}
        bad = set(values) - allowed
        if bad:
            raise StoreError(f"不能修改单位的字段：{'、'.join(sorted(bad))}")
        self._require_admin("修改责任单位")
        with self.transaction() as c:
            old = self.unit(unit_id)
            for key, value in values.items():
                try:
                    c.execute(f"UPDATE units SET {key} = ? WHERE id = ?", (value, unit_id))
                except sqlite3.IntegrityError as exc:
                    raise InvalidData(f"单位{key}“{value}”无效或与其他单位重复") from exc
                self.audit(
                    "修改单位", field_key=f"units.{unit_id}.{key}", old=getattr(old, key), new=value
                )

    # ------------------------------------------------------------ ledgers

    def ledgers(self, year: int | None = None, unit_id: int | None = None) -> list[Ledger]:
        sql = _LEDGER_SELECT
        clauses, params = [], []
        if year is not None:
            clauses.append("l.year = ?")
            params.append(year)
        if unit_id is not None:
            clauses.append("l.unit_id = ?")
            params.append(unit_id)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += (
            " ORDER BY l.year, CASE u.kind WHEN 'town' THEN 0 WHEN 'platform' THEN 1 "
            "ELSE 2 END, u.position, u.id"
        )
        return [
            Ledger(*r[:13], unit_name=r[13], unit_code=r[14], unit_kind=r[15])
            for r in self.query(sql, params)
        ]

    def ledger(self, ledger_id: int) -> Ledger:
        rows = self.query(_LEDGER_SELECT + " WHERE l.id = ?", (ledger_id,))
        if not rows:
            raise NotFound(f"台账（编号{ledger_id}）不存在")
        r = rows[0]
        return Ledger(*r[:13], unit_name=r[13], unit_code=r[14], unit_kind=r[15])

    def find_ledger(self, unit_id: int, year: int) -> Ledger | None:
        rows = self.query(_LEDGER_SELECT + " WHERE l.unit_id = ? AND l.year = ?", (unit_id, year))
        if not rows:
            return None
        r = rows[0]
        return Ledger(*r[:13], unit_name=r[13], unit_code=r[14], unit_kind=r[15])

    def years(self) -> list[int]:
        return [int(r[0]) for r in self.query("SELECT DISTINCT year FROM ledgers ORDER BY year")]

    def create_ledger(
        self, unit_id: int, year: int, leader: str | None = None, contact: str | None = None
    ) -> Ledger:
        plan = self.plan_for_year(year)
        unit = self.unit(unit_id)
        if self.role == "viewer" or (self.role == "operator" and unit_id != self.unit_id):
            raise PermissionDenied(f"当前用户不能为{unit.name}新建台账")
        with self.transaction() as c:
            if self.find_ledger(unit_id, year):
                raise InvalidData(f"{unit.name}{year}年的台账已存在")
            stamp = now()
            cur = c.execute(
                "INSERT INTO ledgers (unit_id, plan_id, year, leader, contact, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    unit_id,
                    plan["id"],
                    year,
                    leader or unit.leader,
                    contact or unit.contact,
                    stamp,
                    stamp,
                ),
            )
            ledger_id = int(cur.lastrowid or 0)
            self.audit("新建台账", ledger_id, new=f"{unit.name} {year}")
        return self.ledger(ledger_id)

    def ensure_ledger(self, unit_id: int, year: int) -> Ledger:
        return self.find_ledger(unit_id, year) or self.create_ledger(unit_id, year)

    def _touch(self, ledger_id: int) -> None:
        self.conn.execute(
            "UPDATE ledgers SET revision = revision + 1, updated_at = ? WHERE id = ?",
            (now(), ledger_id),
        )

    def act_as(self, user: str, role: str, unit_id: int | None = None) -> None:
        """Set who performs the following writes (after login)."""
        if role not in ("admin", "operator", "viewer"):
            raise PermissionDenied(f"未知的角色：{role}")
        if role == "operator" and unit_id is None:
            raise PermissionDenied("填报员必须绑定责任单位")
        self.user, self.role, self.unit_id = user, role, unit_id

    @contextmanager
    def admin_override(self) -> Iterator[None]:
        """District-administrator writes to a submitted or locked ledger (e.g. an import)."""
        if self.role != "admin":
            raise PermissionDenied("此操作需要区管理员权限")
        self._override += 1
        try:
            yield
        finally:
            self._override -= 1

    def can_write(self, ledger: Ledger) -> bool:
        """Whether the current user may change this ledger's data right now."""
        if self.role == "viewer":
            return False
        if self.role == "operator" and ledger.unit_id != self.unit_id:
            return False
        return ledger.editable or self._override > 0

    def _require_admin(self, what: str) -> None:
        if self.role != "admin":
            raise PermissionDenied(f"{what}需要区管理员权限")

    def _require_editable(self, ledger_id: int) -> Ledger:
        ledger = self.ledger(ledger_id)
        if self.role == "viewer":
            raise PermissionDenied("当前用户为只读（查看）角色，不能修改数据")
        if self.role == "operator" and ledger.unit_id != self.unit_id:
            raise PermissionDenied(f"填报员只能修改本单位的台账，不能修改{ledger.unit_name}的台账")
        if not ledger.editable and not self._override:
            raise LedgerLocked(
                f"{ledger.unit_name}{ledger.year}年台账{ledger.status}，不能修改。"
                "如需修改，请区管理员解锁。"
            )
        return ledger

    def update_ledger(self, ledger_id: int, values: Mapping[str, Any]) -> None:
        allowed = {"leader", "contact", "preparer", "self_assessment"}
        bad = set(values) - allowed
        if bad:
            raise StoreError(f"不能修改台账的字段：{'、'.join(sorted(bad))}")
        with self.transaction() as c:
            old = self._require_editable(ledger_id)
            for key, value in values.items():
                if getattr(old, key) == value:
                    continue
                c.execute(f"UPDATE ledgers SET {key} = ? WHERE id = ?", (value, ledger_id))
                self.audit("修改台账", ledger_id, field_key=key, old=getattr(old, key), new=value)
            self._touch(ledger_id)

    def set_ledger_status(self, ledger_id: int, status: str) -> None:
        if status not in LEDGER_STATUSES:
            raise InvalidData(f"台账状态无效：{status}")
        with self.transaction() as c:
            old = self.ledger(ledger_id)
            if old.status == status:
                return
            if not (old.status == "草稿" and status == "已提交"):
                self._require_admin("解锁、锁定或退回台账")
            elif self.role != "admin":  # an operator submits the own unit's draft
                self._require_editable(ledger_id)
            submitted = now() if status == "已提交" else old.submitted_at
            c.execute(
                "UPDATE ledgers SET status = ?, submitted_at = ?, updated_at = ? WHERE id = ?",
                (status, submitted, now(), ledger_id),
            )
            action = {"草稿": "解锁台账", "已提交": "提交台账", "已锁定": "锁定台账"}[status]
            self.audit(action, ledger_id, field_key="status", old=old.status, new=status)

    # ------------------------------------------------------------ entries

    def entries(self, ledger_id: int, category_key: str | None = None) -> list[Entry]:
        if category_key:
            rows = self.query(
                _ENTRY_SELECT + " WHERE ledger_id = ? AND category = ? ORDER BY position, id",
                (ledger_id, category_key),
            )
        else:
            rows = self.query(
                _ENTRY_SELECT + " WHERE ledger_id = ? ORDER BY category, position, id",
                (ledger_id,),
            )
        return [_entry_from_row(r) for r in rows]

    def entry(self, entry_id: int) -> Entry:
        rows = self.query(_ENTRY_SELECT + " WHERE id = ?", (entry_id,))
        if not rows:
            raise NotFound(f"台账条目（编号{entry_id}）不存在，可能已被删除")
        return _entry_from_row(rows[0])

    def entry_counts(self, ledger_id: int) -> dict[str, int]:
        rows = self.query(
            "SELECT category, count(*) FROM entries WHERE ledger_id = ? GROUP BY category",
            (ledger_id,),
        )
        counts = {k: 0 for k in CATEGORY_BY_KEY}
        counts.update({r[0]: int(r[1]) for r in rows})
        return counts

    @staticmethod
    def clean_values(
        category_key: str,
        values: Mapping[str, Any],
        partial: bool = False,
        allow_empty_required: bool = False,
        memo: dict[tuple[Any, ...], tuple[Any, str | None]] | None = None,
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Parse raw values with the category's declarations.

        With ``partial`` only the given keys are checked (an edit of one cell);
        otherwise required fields missing from ``values`` are problems too. With
        ``allow_empty_required`` a required field may be emptied (undo of a first entry).
        ``memo`` remembers each field's verdict on a value across calls (a bulk insert
        repeats the same statuses, units and phrases thousands of times).
        """
        cat = category(category_key)
        clean: dict[str, Any] = {}
        problems: list[Problem] = []
        for f in cat.fields:
            if f.key not in values:
                if partial:
                    continue
                raw = f.default
            else:
                raw = values[f.key]
            checked = replace(f, required=False) if allow_empty_required and f.required else f
            if memo is None:
                value, error = check_value(checked, raw)
            else:
                try:
                    key = (category_key, f.key, checked.required, type(raw), raw)
                    hit = memo.get(key)
                except TypeError:  # unhashable: just check it
                    key, hit = None, None
                if hit is None:
                    hit = check_value(checked, raw)
                    if key is not None:
                        memo[key] = hit
                value, error = hit
            if error:
                problems.append(Problem(f.key, f.label, error))
            else:
                clean[f.key] = value
        unknown = set(values) - set(cat.keys)
        for key in sorted(unknown):
            problems.append(Problem(key, key, f"“{cat.short}”没有这个字段"))
        return clean, problems

    def _write_entry_values(
        self, entry_id: int, old: Entry, values: Mapping[str, Any], action: str
    ) -> None:
        data = {k: v for k, v in old.values.items() if k not in ENTRY_COLUMNS}
        columns: dict[str, Any] = {}
        for key, value in values.items():
            if old.values.get(key) == value:
                continue
            if key in ENTRY_COLUMNS:
                columns[key] = value
            elif value is None:
                data.pop(key, None)
            else:
                data[key] = value
            self.audit(action, old.ledger_id, entry_id, key, old.values.get(key), value)
        sets = ", ".join(f"{k} = ?" for k in columns)
        params = [
            *columns.values(),
            json.dumps(data, ensure_ascii=False, sort_keys=True),
            now(),
            entry_id,
        ]
        self.conn.execute(
            f"UPDATE entries SET {sets + ', ' if sets else ''}data = ?, updated_at = ? "
            "WHERE id = ?",
            params,
        )

    def add_entry(
        self,
        ledger_id: int,
        category_key: str,
        values: Mapping[str, Any] | None = None,
        position: int | None = None,
        validate: bool = False,
    ) -> Entry:
        """Insert an entry; ``values`` are raw (parsed here). Returns the new entry.

        With ``validate`` False (a new, still empty row in the editor) missing required
        fields are allowed; malformed values are always rejected.
        """
        raw = dict(values or {})
        clean, problems = self.clean_values(category_key, raw, partial=not validate)
        problems = [p for p in problems if validate or p.message != "必填项不能为空"]
        problems += self._link_problems(category_key, clean)
        if problems:
            raise InvalidData("；".join(str(p) for p in problems), problems)
        cat = category(category_key)
        if clean.get("target_id"):
            _apply_target_defaults(raw, clean, self.target(clean["target_id"]))
        for f in cat.fields:  # defaults for keys not given
            if f.key not in clean and f.default is not None:
                clean[f.key] = f.default
        with self.transaction() as c:
            self._require_editable(ledger_id)
            if position is None:
                position = (
                    self.scalar(
                        "SELECT max(position) FROM entries WHERE ledger_id = ? AND category = ?",
                        (ledger_id, category_key),
                    )
                    or 0
                ) + 1
            else:
                c.execute(
                    "UPDATE entries SET position = position + 1 WHERE ledger_id = ? AND "
                    "category = ? AND position >= ?",
                    (ledger_id, category_key, position),
                )
            entry_id = self._insert_entry(ledger_id, category_key, position, clean)
            self.audit("新增条目", ledger_id, entry_id, None, None, clean.get("name") or "")
            self._touch(ledger_id)
        return self.entry(entry_id)

    def add_entries(
        self,
        ledger_id: int,
        category_key: str,
        rows: Sequence[Mapping[str, Any]],
        validate: bool = True,
    ) -> list[int]:
        """Append many entries to one category of a ledger in one transaction (an import).

        Every row gets the same checks and defaults as in :meth:`add_entry`, all before
        anything is written (a bad row raises :class:`InvalidData`, its problems carry the
        row's index). The ledger is checked and its revision bumped once, and each new
        entry gets one audit row holding all its values. Returns the new ids in order.
        """
        if not rows:
            return []
        cat = category(category_key)
        known: dict[str, set[int]] = {}
        targets: dict[int, dict[str, Any] | None] = {}
        memo: dict[tuple[Any, ...], tuple[Any, str | None]] = {}
        prepared: list[dict[str, Any]] = []
        for index, values in enumerate(rows):
            raw = dict(values)
            clean, problems = self.clean_values(category_key, raw, partial=not validate, memo=memo)
            problems = [p for p in problems if validate or p.message != "必填项不能为空"]
            problems += self._link_problems(category_key, clean, known)
            if problems:
                raise InvalidData(
                    f"第{index + 1}条：" + "；".join(str(p) for p in problems),
                    [Problem(p.key, p.label, p.message, index) for p in problems],
                )
            target_id = clean.get("target_id")
            if target_id:
                if target_id not in targets:
                    targets[target_id] = self.target(target_id)
                _apply_target_defaults(raw, clean, targets[target_id])
            for f in cat.fields:
                if f.key not in clean and f.default is not None:
                    clean[f.key] = f.default
            prepared.append(clean)
        ids: list[int] = []
        with self.transaction() as c:
            self._require_editable(ledger_id)
            position = (
                self.scalar(
                    "SELECT max(position) FROM entries WHERE ledger_id = ? AND category = ?",
                    (ledger_id, category_key),
                )
                or 0
            )
            for clean in prepared:
                position += 1
                ids.append(self._insert_entry(ledger_id, category_key, position, clean))
            stamp = now()
            c.executemany(
                "INSERT INTO audit_log (ts, user, action, ledger_id, entry_id, field, old_value, "
                "new_value) VALUES (?, ?, '新增条目', ?, ?, NULL, NULL, ?)",
                [
                    (
                        stamp,
                        self.user,
                        ledger_id,
                        entry_id,
                        _json({k: v for k, v in clean.items() if v is not None}),
                    )
                    for entry_id, clean in zip(ids, prepared, strict=True)
                ],
            )
            self._touch(ledger_id)
        return ids

    def _insert_entry(
        self, ledger_id: int, category_key: str, position: int, clean: Mapping[str, Any]
    ) -> int:
        stamp = now()
        data = {k: v for k, v in clean.items() if k not in ENTRY_COLUMNS and v is not None}
        cur = self.conn.execute(
            "INSERT INTO entries (ledger_id, category, position, name, goal, actual, status, "
            "weight, target_id, catalogue_id, data, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                ledger_id,
                category_key,
                position,
                clean.get("name") or "",
                clean.get("goal"),
                clean.get("actual"),
                clean.get("status"),
                clean.get("weight"),
                clean.get("target_id"),
                clean.get("catalogue_id"),
                _ENCODER.encode(data),
                stamp,
                stamp,
            ),
        )
        return int(cur.lastrowid or 0)

    def _link_problems(
        self,
        category_key: str,
        clean: Mapping[str, Any],
        known: dict[str, set[int]] | None = None,
    ) -> list[Problem]:
        """Links to a plan target or catalogue item that does not exist (instead of a raw
        FOREIGN KEY error). ``known`` caches each table's ids for a bulk insert."""
        problems = []
        cat = category(category_key)
        for key, table in (("target_id", "plan_targets"), ("catalogue_id", "catalogue_items")):
            link = clean.get(key)
            if link is None:
                continue
            if known is not None:
                if table not in known:
                    known[table] = {int(r[0]) for r in self.query(f"SELECT id FROM {table}")}
                exists = link in known[table]
            else:
                exists = bool(self.scalar(f"SELECT 1 FROM {table} WHERE id = ?", (link,)))
            if not exists:
                problems.append(Problem(key, cat.field(key).label, "所选项目在规划目录中不存在"))
        return problems

    def update_entry(self, entry_id: int, values: Mapping[str, Any]) -> Entry:
        """Set some fields of an entry from raw values; one transaction."""
        old = self.entry(entry_id)
        clean, problems = self.clean_values(old.category, values, partial=True)
        problems += self._link_problems(old.category, clean)
        if problems:
            raise InvalidData("；".join(str(p) for p in problems), problems)
        merged = {**old.values, **clean}
        row_problems = [p for check in category(old.category).row_checks for p in check(merged)]
        if row_problems:
            key, message = row_problems[0]
            raise InvalidData(
                f"{category(old.category).field(key).label}：{message}",
                [Problem(key, category(old.category).field(key).label, message)],
            )
        with self.transaction():
            self._require_editable(old.ledger_id)
            self._write_entry_values(entry_id, old, clean, "修改")
            self._touch(old.ledger_id)
        return self.entry(entry_id)

    def set_entry_value(self, entry_id: int, key: str, value: Any) -> Entry:
        return self.update_entry(entry_id, {key: value})

    def update_entries(
        self,
        changes: Iterable[tuple[int, Mapping[str, Any]]],
        allow_empty_required: bool = False,
    ) -> list[Problem]:
        """Apply many raw edits in one transaction (a paste). Invalid cells are skipped and
        returned as problems (``row`` holds the index of the change); valid ones are written.
        ``allow_empty_required`` lets undo put an emptied required cell back as it was.
        """
        problems: list[Problem] = []
        with self.transaction():
            touched: set[int] = set()
            for index, (entry_id, values) in enumerate(changes):
                old = self.entry(entry_id)
                self._require_editable(old.ledger_id)
                clean, cell_problems = self.clean_values(
                    old.category, values, partial=True, allow_empty_required=allow_empty_required
                )
                for p in self._link_problems(old.category, clean):
                    cell_problems.append(p)
                    clean.pop(p.key)
                problems.extend(Problem(p.key, p.label, p.message, index) for p in cell_problems)
                if clean:
                    self._write_entry_values(entry_id, old, clean, "修改")
                    touched.add(old.ledger_id)
            for ledger_id in touched:
                self._touch(ledger_id)
        return problems

    def delete_entries(self, entry_ids: Sequence[int]) -> list[tuple[Entry, list[Progress]]]:
        """Delete entries (and their progress); returns what was deleted, for undo."""
        removed: list[tuple[Entry, list[Progress]]] = []
        with self.transaction() as c:
            for entry_id in entry_ids:
                old = self.entry(entry_id)
                self._require_editable(old.ledger_id)
                removed.append((old, self.progress(entry_id)))
                c.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
                self.audit("删除条目", old.ledger_id, entry_id, None, old.values, None)
                self._touch(old.ledger_id)
        return removed

    def restore_entries(self, removed: Sequence[tuple[Entry, Sequence[Progress]]]) -> None:
        """Put deleted entries back with their ids, positions and progress (undo)."""
        with self.transaction() as c:
            for entry, progress_rows in removed:
                self._require_editable(entry.ledger_id)
                c.execute(
                    "UPDATE entries SET position = position + 1 WHERE ledger_id = ? AND "
                    "category = ? AND position >= ?",
                    (entry.ledger_id, entry.category, entry.position),
                )
                new_id = self._insert_entry(
                    entry.ledger_id, entry.category, entry.position, entry.values
                )
                c.execute("UPDATE entries SET id = ? WHERE id = ?", (entry.id, new_id))
                for p in progress_rows:
                    self._write_progress(
                        entry.id, p.quarter, {k: getattr(p, k) for k in PROGRESS_FIELDS}
                    )
                self.audit("恢复条目", entry.ledger_id, entry.id, None, None, entry.values)
                self._touch(entry.ledger_id)

    def move_entry(self, entry_id: int, new_position: int) -> None:
        """Move an entry to ``new_position`` (1-based) within its category."""
        with self.transaction() as c:
            entry = self.entry(entry_id)
            self._require_editable(entry.ledger_id)
            ids = [e.id for e in self.entries(entry.ledger_id, entry.category)]
            ids.remove(entry_id)
            new_position = max(1, min(new_position, len(ids) + 1))
            ids.insert(new_position - 1, entry_id)
            for pos, eid in enumerate(ids, start=1):
                c.execute("UPDATE entries SET position = ? WHERE id = ?", (pos, eid))
            self.audit(
                "调整顺序", entry.ledger_id, entry_id, "position", entry.position, new_position
            )
            self._touch(entry.ledger_id)

    # ------------------------------------------------------------ progress

    def progress(self, entry_id: int) -> list[Progress]:
        rows = self.query(
            "SELECT entry_id, quarter, value, status, problems, next_steps, comment, follow_up, "
            "updated_at FROM progress WHERE entry_id = ? ORDER BY quarter",
            (entry_id,),
        )
        return [Progress(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8]) for r in rows]

    def ledger_progress(self, ledger_id: int) -> dict[int, dict[int, Progress]]:
        rows = self.query(
            "SELECT p.entry_id, p.quarter, p.value, p.status, p.problems, p.next_steps, "
            "p.comment, p.follow_up, p.updated_at FROM progress p JOIN entries e "
            "ON e.id = p.entry_id WHERE e.ledger_id = ?",
            (ledger_id,),
        )
        out: dict[int, dict[int, Progress]] = {}
        for r in rows:
            out.setdefault(r[0], {})[r[1]] = Progress(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8]
            )
        return out

    def _write_progress(self, entry_id: int, quarter: int, values: Mapping[str, Any]) -> None:
        current = {p.quarter: p for p in self.progress(entry_id)}.get(quarter)
        merged = {k: getattr(current, k) if current else None for k in PROGRESS_FIELDS}
        merged.update(values)
        merged["follow_up"] = 1 if merged.get("follow_up") else 0
        self.conn.execute(
            "INSERT INTO progress (entry_id, quarter, value, status, problems, next_steps, "
            "comment, follow_up, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (entry_id, quarter) DO UPDATE SET value = excluded.value, "
            "status = excluded.status, problems = excluded.problems, "
            "next_steps = excluded.next_steps, comment = excluded.comment, "
            "follow_up = excluded.follow_up, updated_at = excluded.updated_at",
            (entry_id, quarter, *(merged[k] for k in PROGRESS_FIELDS), now()),
        )

    @staticmethod
    def _clean_progress(quarter: int, values: Mapping[str, Any]) -> dict[str, Any]:
        if quarter not in (1, 2, 3, 4):
            raise InvalidData("季度应为1–4")
        bad = set(values) - set(PROGRESS_FIELDS)
        if bad:
            raise InvalidData(f"进度没有这些字段：{'、'.join(sorted(bad))}")
        clean = dict(values)
        from ..core.categories import STATUSES
        from ..core.validate import Invalid, is_empty, parse_choice, parse_number

        try:
            if "value" in clean:
                clean["value"] = None if is_empty(clean["value"]) else parse_number(clean["value"])
            if "status" in clean and not is_empty(clean["status"]):
                clean["status"] = parse_choice(clean["status"], STATUSES)
            elif "status" in clean:
                clean["status"] = None
        except Invalid as exc:
            raise InvalidData(str(exc)) from exc
        return clean

    def set_progress(self, entry_id: int, quarter: int, values: Mapping[str, Any]) -> Progress:
        """Record progress of one entry for one quarter.

        The entry's ``actual`` and ``status`` follow its latest reported quarter, so the
        completion rate, score and light always reflect the newest progress.
        """
        clean = self._clean_progress(quarter, values)
        with self.transaction():
            entry = self.entry(entry_id)
            self._require_editable(entry.ledger_id)
            before = {p.quarter: p for p in self.progress(entry_id)}.get(quarter)
            self._write_progress(entry_id, quarter, clean)
            for key, value in clean.items():
                old = getattr(before, key) if before else None
                if old != value:
                    self.audit(
                        "进度填报", entry.ledger_id, entry_id, f"Q{quarter}.{key}", old, value
                    )
            self._sync_actual(entry)
            self._touch(entry.ledger_id)
        return {p.quarter: p for p in self.progress(entry_id)}[quarter]

    def _sync_actual(self, entry: Entry) -> None:
        rows = self.progress(entry.id)
        latest_value = next((p.value for p in reversed(rows) if p.value is not None), None)
        latest_status = next((p.status for p in reversed(rows) if p.status), None)
        changes: dict[str, Any] = {}
        if latest_value is not None and latest_value != entry.values.get("actual"):
            changes["actual"] = latest_value
        if latest_status is not None and latest_status != entry.values.get("status"):
            changes["status"] = latest_status
        if changes:
            self._write_entry_values(entry.id, entry, changes, "进度同步")

    def set_progress_many(
        self,
        rows: Iterable[tuple[int, int, Mapping[str, Any]]],
        keep: Mapping[int, Iterable[str]] | None = None,
    ) -> None:
        """Record many (entry id, quarter, values) in one transaction (an import).

        Same checks, results and audit trail as :meth:`set_progress` for each row in turn,
        but each ledger is checked and its revision bumped once, the quarters of an entry
        reported for the first time get one audit row holding all their values (field
        e.g. ``Q1、Q2``, new value ``{"Q1": {...}, "Q2": {...}}``), and each entry's
        ``actual``/``status`` follow its latest quarter once, at the end. ``keep`` names,
        per entry, the keys of the two that must not follow (the import's row wins).
        """
        memo: dict[tuple[Any, ...], Any] = {}  # returns repeat the same numbers and statuses
        fields = set(PROGRESS_FIELDS)

        def cleaned(q: int, values: Mapping[str, Any]) -> dict[str, Any]:
            if q not in (1, 2, 3, 4) or not fields.issuperset(values):
                return self._clean_progress(q, values)  # raises the usual message
            out = dict(values)
            for k in ("value", "status"):  # the only keys _clean_progress parses
                if k not in out:
                    continue
                v = out[k]
                try:
                    key = (k, type(v), v)
                    hit = memo.get(key, memo)  # the memo itself marks "not seen"
                except TypeError:  # unhashable: just check it
                    key, hit = None, memo
                if hit is memo:
                    hit = self._clean_progress(q, {k: v})[k]
                    if key is not None:
                        memo[key] = hit
                out[k] = hit
            return out

        todo = [(entry_id, q, cleaned(q, values)) for entry_id, q, values in rows]
        if not todo:
            return
        with self.transaction() as c:
            wanted = sorted({entry_id for entry_id, _, _ in todo})
            entries: dict[int, Entry] = {}
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                marks = ", ".join("?" * len(chunk))
                for r in self.query(_ENTRY_SELECT + f" WHERE id IN ({marks})", chunk):
                    entries[r[0]] = _entry_from_row(r)
            missing = [e for e in wanted if e not in entries]
            if missing:
                raise NotFound(f"台账条目（编号{missing[0]}）不存在，可能已被删除")
            current: dict[int, dict[int, Progress]] = {}
            for ledger_id in sorted({e.ledger_id for e in entries.values()}):
                self._require_editable(ledger_id)
                current.update(self.ledger_progress(ledger_id))
            stamp = now()
            writes: list[tuple[Any, ...]] = []
            audits: list[list[Any]] = []
            first: dict[int, dict[str, Any]] = {}  # entry → {"Q1": values, …} first reported
            for entry_id, q, clean in todo:
                ledger_id = entries[entry_id].ledger_id
                quarters = current.setdefault(entry_id, {})
                before = quarters.get(q)
                merged = {k: getattr(before, k) if before else None for k in PROGRESS_FIELDS}
                merged.update(clean)
                merged["follow_up"] = bool(merged.get("follow_up"))
                quarters[q] = Progress(entry_id, q, **merged, updated_at=stamp)
                writes.append(
                    (
                        entry_id,
                        q,
                        *(merged[k] for k in PROGRESS_FIELDS[:-1]),
                        int(merged["follow_up"]),
                        stamp,
                    )
                )
                if before is None:  # one audit row per entry for all its new quarters
                    new = {k: v for k, v in clean.items() if v is not None}
                    if new:
                        if entry_id not in first:
                            first[entry_id] = {}
                            audits.append([ledger_id, entry_id, "", None, first[entry_id]])
                        first[entry_id][f"Q{q}"] = new
                    continue
                for key, value in clean.items():
                    old = getattr(before, key)
                    if old != value:
                        audits.append([ledger_id, entry_id, f"Q{q}.{key}", _json(old), value])
            for a in audits:
                if isinstance(a[4], dict) and a[4] is first.get(a[1]):
                    a[2] = "、".join(a[4])  # field: the quarters, e.g. "Q1、Q2"
                a[4] = _json(a[4])
            c.executemany(
                "INSERT INTO progress (entry_id, quarter, value, status, problems, next_steps, "
                "comment, follow_up, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (entry_id, quarter) DO UPDATE SET value = excluded.value, "
                "status = excluded.status, problems = excluded.problems, "
                "next_steps = excluded.next_steps, comment = excluded.comment, "
                "follow_up = excluded.follow_up, updated_at = excluded.updated_at",
                writes,
            )
            c.executemany(
                "INSERT INTO audit_log (ts, user, action, ledger_id, entry_id, field, old_value, "
                "new_value) VALUES (?, ?, '进度填报', ?, ?, ?, ?, ?)",
                [(stamp, self.user, *a) for a in audits],
            )
            keep = keep or {}
            for entry_id in wanted:  # as _sync_actual, once per entry
                entry = entries[entry_id]
                rows_ = [current[entry_id][q] for q in sorted(current[entry_id])]
                frozen = set(keep.get(entry_id, ()))
                latest_value = next((p.value for p in reversed(rows_) if p.value is not None), None)
                latest_status = next((p.status for p in reversed(rows_) if p.status), None)
                changes: dict[str, Any] = {}
                if (
                    "actual" not in frozen
                    and latest_value is not None
                    and latest_value != entry.values.get("actual")
                ):
                    changes["actual"] = latest_value
                if (
                    "status" not in frozen
                    and latest_status is not None
                    and latest_status != entry.values.get("status")
                ):
                    changes["status"] = latest_status
                if changes:
                    self._write_entry_values(entry_id, entry, changes, "进度同步")
            for ledger_id in sorted({e.ledger_id for e in entries.values()}):
                self._touch(ledger_id)

    # ------------------------------------------------------------ adjustments and scoring

    def adjustments(self, ledger_id: int) -> list[dict[str, Any]]:
        rows = self.query(
            "SELECT id, points, reason, created_at FROM adjustments WHERE ledger_id = ? "
            "ORDER BY id",
            (ledger_id,),
        )
        return [{"id": r[0], "points": r[1], "reason": r[2], "created_at": r[3]} for r in rows]

    def add_adjustment(self, ledger_id: int, points: float, reason: str) -> int:
        if not reason or not reason.strip():
            raise InvalidData("加分或扣分必须填写理由")
        self._require_admin("加减分")
        with self.transaction() as c:
            ledger = self.ledger(ledger_id)
            cur = c.execute(
                "INSERT INTO adjustments (ledger_id, points, reason, created_at) "
                "VALUES (?, ?, ?, ?)",
                (ledger_id, float(points), reason.strip(), now()),
            )
            self.audit(
                "加减分", ledger.id, None, "adjustment", None, {"points": points, "reason": reason}
            )
            self._touch(ledger_id)
            return int(cur.lastrowid or 0)

    def remove_adjustment(self, adjustment_id: int) -> None:
        self._require_admin("删除加减分")
        with self.transaction() as c:
            rows = self.query(
                "SELECT ledger_id, points, reason FROM adjustments WHERE id = ?", (adjustment_id,)
            )
            if not rows:
                raise NotFound("加减分记录不存在")
            c.execute("DELETE FROM adjustments WHERE id = ?", (adjustment_id,))
            self.audit(
                "删除加减分",
                rows[0][0],
                None,
                "adjustment",
                {"points": rows[0][1], "reason": rows[0][2]},
                None,
            )
            self._touch(rows[0][0])

    def score_inputs(self, ledger_id: int) -> list[scoring.ScoreInput]:
        targets = {t["id"]: t for t in self.targets()}
        items = []
        for e in self.entries(ledger_id):
            target = targets.get(e.values.get("target_id"))
            lower = e.values.get("direction") == "越小越好" or (
                e.values.get("direction") is None and bool(target and target["lower_is_better"])
            )
            binding = e.category == "indicator" and (
                e.values.get("attribute") == "约束性"
                or (
                    e.values.get("attribute") is None
                    and bool(target)
                    and target["attribute"] == "约束性"
                )
            )
            items.append(
                scoring.ScoreInput(
                    id=e.id,
                    category=e.category,
                    name=e.name,
                    goal=e.values.get("goal"),
                    actual=e.values.get("actual"),
                    status=e.values.get("status"),
                    weight=e.values.get("weight"),
                    lower_is_better=lower,
                    binding=binding,
                )
            )
        return items

    def score(self, ledger_id: int, as_of: dt.date | None = None) -> scoring.LedgerScore:
        ledger = self.ledger(ledger_id)
        settings = self.scoring_settings(ledger.year)
        adjustments = [
            scoring.Adjustment(a["points"], a["reason"]) for a in self.adjustments(ledger_id)
        ]
        return scoring.score_ledger(
            self.score_inputs(ledger_id),
            settings,
            ledger.year,
            as_of or dt.date.today(),
            adjustments,
        )

    def validate_ledger(self, ledger_id: int) -> list[tuple[Entry, Problem]]:
        """Whole-ledger validation (before submitting): every problem of every entry."""
        out = []
        for e in self.entries(ledger_id):
            for p in validate_row(category(e.category), e.values):
                out.append((e, p))
        return out

    # ------------------------------------------------------------ audit

    def audit_log(
        self,
        ledger_id: int | None = None,
        limit: int | None = 1000,
        *,
        user: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
        text: str | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first. ``since``/``until`` are ISO dates or times (``until`` inclusive of
        its day); ``text`` matches field, old or new value; ``limit`` None for all."""
        sql = (
            "SELECT id, ts, user, action, ledger_id, entry_id, field, old_value, new_value "
            "FROM audit_log WHERE 1 = 1"
        )
        params: list[Any] = []
        if ledger_id is not None:
            sql += " AND ledger_id = ?"
            params.append(ledger_id)
        if user:
            sql += " AND user = ?"
            params.append(user)
        if action:
            sql += " AND action = ?"
            params.append(action)
        if since:
            sql += " AND ts >= ?"
            params.append(since)
        if until:
            sql += " AND ts <= ?"
            params.append(until if "T" in until else until + "T99")
        if text:
            sql += (
                " AND (instr(coalesce(field, ''), ?) OR instr(coalesce(old_value, ''), ?)"
                " OR instr(coalesce(new_value, ''), ?))"
            )
            params.extend([text] * 3)
        sql += " ORDER BY id DESC LIMIT ?"
        if limit is None:
            limit = -1
        params.append(limit)
        keys = ("id", "ts", "user", "action", "ledger_id", "entry_id", "field", "old", "new")
        return [dict(zip(keys, r, strict=True)) for r in self.query(sql, params)]

    def audit_choices(self) -> dict[str, list[str]]:
        """Distinct users and actions of the audit log, for filter lists."""
        return {
            col: [str(r[0]) for r in self.query(f"SELECT DISTINCT {col} FROM audit_log ORDER BY 1")]
            for col in ("user", "action")
        }

    # ------------------------------------------------------------ carry over

    def carry_over(self, from_ledger_id: int, to_year: int) -> Ledger:
        """Start ``to_year``'s ledger of the same unit from an earlier one; one transaction.

        Entries are copied with their links to plan targets and catalogue items; the
        completion fields (group 完成情况: actual values, physical progress) and all
        progress are left behind and statuses restart at 未启动. An indicator's last
        actual value becomes its 上年完成值 (baseline).
        """
        source = self.ledger(from_ledger_id)
        if to_year <= source.year:
            raise InvalidData(f"只能结转到{source.year}年以后的年度")
        with self.transaction():
            if self.find_ledger(source.unit_id, to_year):
                raise InvalidData(f"{source.unit_name}{to_year}年的台账已存在，不能再结转")
            ledger = self.create_ledger(source.unit_id, to_year, source.leader, source.contact)
            entries = self.entries(from_ledger_id)
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
                self._insert_entry(ledger.id, e.category, e.position, values)
            self.audit(
                "结转台账",
                ledger.id,
                field_key="carry_over",
                old=f"{source.unit_name} {source.year}",
                new=f"{to_year}年，{len(entries)}个条目",
            )
        return self.ledger(ledger.id)

    # ---- added by exchange: port to managers

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: every read inside sees one state of the file (no write
        lock is taken); inside an outer transaction it joins that one."""
        with self._lock:
            if self._depth:  # inside a transaction: join it
                with self.transaction():
                    yield
                return
            try:
                self.conn.execute("BEGIN DEFERRED")
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc, self.path) from exc
            self._depth, done = 1, False
            try:
                yield
                done = True
            finally:
                self._depth = 0
                if self.conn.in_transaction:  # a write that joined commits or rolls back too
                    self.conn.execute("COMMIT" if done else "ROLLBACK")

    def entry_states(self, ledger_id: int) -> dict[int, tuple[Any, str | None]]:
        """Entry id → (actual, status) of every entry of a ledger."""
        rows = self.query(
            "SELECT id, actual, status FROM entries WHERE ledger_id = ?", (ledger_id,)
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def entry_ids(self, ledger_id: int, category_key: str) -> list[int]:
        """Ids of a ledger's entries of one category, in the order of :meth:`entries`."""
        rows = self.query(
            "SELECT id FROM entries WHERE ledger_id = ? AND category = ? ORDER BY position, id",
            (ledger_id, category_key),
        )
        return [r[0] for r in rows]
