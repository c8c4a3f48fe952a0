"""The store's record types, each built from a row by column name.

A query names its columns (``SELECT id, name … FROM units``) and :func:`build`
maps them onto the record's fields, so adding a column is one edit in the SELECT
and one in the record, never a change of positions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from ..core.categories import ENTRY_COLUMNS
from ..core.entry_values import PROGRESS_FIELDS as PROGRESS_FIELDS  # the Progress fields
from ..core.enums import LedgerStatus

T = TypeVar("T")


def now() -> str:
    """The time stamp written by every store write (local time, seconds)."""
    return dt.datetime.now().isoformat(timespec="seconds")


@cache
def _fields(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def build(cls: type[T], row: sqlite3.Row, **extra: Any) -> T:
    """A record from a row: every column whose name is a field of ``cls``."""
    names = _fields(cls)  # type: ignore[arg-type]
    values = {k: row[k] for k in row.keys() if k in names}  # noqa: SIM118 (Row has no __iter__ of keys)
    values.update(extra)
    return cls(**values)


def build_all(cls: type[T], rows: Iterable[sqlite3.Row]) -> list[T]:
    return [build(cls, r) for r in rows]


class _Readable:
    """Read access by key as well as by attribute (``target["goal"]``), for records that
    views and exporters treat as rows of a table."""

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)


@dataclass
class Plan(_Readable):
    id: int
    code: str
    name: str
    title: str | None
    document_no: str | None
    start_year: int
    end_year: int
    baseline_year: int | None


@dataclass
class PlanTarget(_Readable):
    """A plan-level indicator of 专栏2."""

    id: int
    plan_id: int
    seq: int
    sub: str | None
    category: str
    name: str
    unit: str | None
    baseline: float | None
    baseline_text: str | None
    goal: float | None
    goal_text: str | None
    growth: str | None
    attribute: str | None
    lower_is_better: bool

    def __post_init__(self) -> None:
        self.sub = self.sub or None
        self.lower_is_better = bool(self.lower_is_better)

    def published(self) -> dict[str, Any]:
        """What the plan document states of the target (``xihu catalogue --json``)."""
        keys = ("seq", "sub", "category", "name", "unit", "baseline", "goal", "goal_text")
        return {k: getattr(self, k) for k in (*keys, "growth", "attribute")}


@dataclass
class CatalogueItem(_Readable):
    """A platform, project or talent programme of the plan."""

    id: int
    plan_id: int
    kind: str
    code: str | None
    column_no: str | None
    column_title: str | None
    group: str | None
    name: str
    goal_text: str | None
    data: dict[str, Any]
    position: int

    def __post_init__(self) -> None:
        if not isinstance(self.data, dict):
            self.data = json.loads(self.data or "{}")


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

    def __post_init__(self) -> None:
        self.active = bool(self.active)


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
        return self.status == LedgerStatus.DRAFT


@dataclass
class Entry:
    id: int
    ledger_id: int
    category: str
    position: int
    values: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # a UUID, the same in every file that holds the entry
    assigned: bool = False  # 下达: from a task package (a unit's file keeps its goal and link)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    @property
    def name(self) -> str:
        return str(self.values.get("name") or "")

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Entry:
        """Shared columns and the JSON ``data`` column merged into one value dict."""
        values: dict[str, Any] = json.loads(row["data"]) if row["data"] else {}
        for key in ENTRY_COLUMNS:
            values[key] = row[key]
        return cls(
            row["id"],
            row["ledger_id"],
            row["category"],
            row["position"],
            values,
            row["key"],
            bool(row["assigned"]),
        )


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

    def __post_init__(self) -> None:
        self.follow_up = bool(self.follow_up)


@dataclass
class Adjustment(_Readable):
    """A bonus or deduction line of a ledger (the administrator's)."""

    id: int
    points: float
    reason: str
    created_at: str


@dataclass
class AuditRecord(_Readable):
    id: int
    ts: str
    user: str
    action: str
    ledger_id: int | None
    entry_id: int | None
    field: str | None
    old: str | None
    new: str | None
