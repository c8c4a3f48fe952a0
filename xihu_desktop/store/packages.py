"""Task packages (下发): revisions issued by the district and received by a unit's file,
the assigned entries (下达) they carry, and the unit a data file is bound to.

The same write puts a package's items into a ledger on both sides: the district
materialises a unit's tasks in its own ledger of that unit before it writes the
package, and the unit's file applies the package it received. Items are matched to
entries by their key (the share's or assignment's key, the same in both files); only
the district's fields — name, goal, link — and the assigned flag are written, so
whatever the unit filled in is kept. Entries assigned before but absent from the
items are unassigned (kept).
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.categories import category
from ..core.entry_values import apply_target_defaults, with_defaults
from ..core.settings import BOUND_UNIT
from .assigned import locked_fields
from .changes import Changes
from .errors import InvalidData, PermissionDenied
from .manager import Manager
from .records import Entry, Unit, now

_UNSET: Any = object()


@dataclass(frozen=True)
class AssignedItem:
    """One item of a unit's tasks: an entry the package makes or updates."""

    key: str
    category: str
    name: str
    goal: float | None = None
    target_id: int | None = None
    catalogue_id: int | None = None
    #: values a NEW entry starts with besides the above (e.g. the measure unit)
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """The district's fields of the entry (see :func:`.assigned.locked_fields`)."""
        return {key: getattr(self, key) for key in locked_fields(self.category)}


@dataclass
class AssignOutcome:
    """What applying a unit's items to its ledger changes (or would change)."""

    ledger_id: int | None
    new_ledger: bool = False
    added: list[str] = field(default_factory=list)  # names
    updated: list[tuple[str, list[str]]] = field(default_factory=list)  # name, field labels
    unassigned: list[str] = field(default_factory=list)
    unchanged: int = 0
    changes: Changes = field(default_factory=Changes)

    @property
    def has_changes(self) -> bool:
        return self.new_ledger or bool(self.added or self.updated or self.unassigned)


@dataclass(frozen=True)
class PackageRecord:
    year: int
    unit_id: int
    revision: int
    issued_at: str
    fingerprint: str | None
    received_at: str | None


_RECORD = "SELECT year, unit_id, revision, issued_at, fingerprint, received_at FROM packages"


class PackageManager(Manager):
    """Package revisions (table ``packages``), assigned entries and the bound unit."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self._bound: Unit | None = _UNSET

    # ------------------------------------------------------------ the bound unit

    def bound_unit(self) -> Unit | None:
        """The unit this data file belongs to (None: the district's file). Cached."""
        if self._bound is _UNSET:
            code = self.store.settings.get(BOUND_UNIT)
            found = None
            if code:
                rows = [u for u in self.store.units.list() if u.code == code]
                found = rows[0] if rows else None
            self._bound = found
        return self._bound

    def forget(self) -> None:
        """Drop the cached bound unit (the setting changed or a write was rolled back)."""
        self._bound = _UNSET

    def bind(self, unit_id: int) -> Changes:
        """Make this data file the unit's own (audited). A file that holds another unit's
        ledgers, or is bound to another unit, is refused."""
        store = self.store
        unit = store.units.get(unit_id)
        with store.transaction():
            bound = self.bound_unit()
            if bound is not None and bound.id == unit_id:
                return Changes()
            if bound is not None:
                raise PermissionDenied(f"本数据文件已属于{bound.name}，不能改为{unit.name}的文件")
            others = store.scalar("SELECT count(*) FROM ledgers WHERE unit_id != ?", (unit_id,))
            if others:
                raise PermissionDenied(
                    f"本数据文件中有其他单位的台账（区级数据文件），不能改为{unit.name}的文件"
                )
            self.forget()
            try:
                done = store.settings.set(BOUND_UNIT, unit.code)
            finally:
                self.forget()
            return done

    # ------------------------------------------------------------ revisions

    def _records(self, where: str, params: Sequence[Any]) -> builtins.list[PackageRecord]:
        return [
            PackageRecord(int(r[0]), int(r[1]), int(r[2]), r[3], r[4], r[5])
            for r in self.store.query(_RECORD + where + " ORDER BY revision", params)
        ]

    def issued(self, year: int, unit_id: int) -> builtins.list[PackageRecord]:
        """The revisions the district issued to a unit for a year, oldest first."""
        return self._records(
            " WHERE year = ? AND unit_id = ? AND received_at IS NULL", (year, unit_id)
        )

    def received(self, year: int, unit_id: int) -> PackageRecord | None:
        """The latest revision this (unit's) file received for a year."""
        rows = self._records(
            " WHERE year = ? AND unit_id = ? AND received_at IS NOT NULL", (year, unit_id)
        )
        return rows[-1] if rows else None

    def issue(self, year: int, unit_id: int, fingerprint: str) -> PackageRecord:
        """The revision of a package with this content: the last one when its content is
        the same, else the next one, recorded (district, administrator)."""
        store = self.store
        store.require_admin("下发任务包")
        with store.transaction():
            last = self.issued(year, unit_id)
            if last and last[-1].fingerprint == fingerprint:
                return last[-1]
            revision = (last[-1].revision if last else 0) + 1
            stamp = now()
            store.execute(
                "INSERT INTO packages (year, unit_id, revision, issued_at, fingerprint) "
                "VALUES (?, ?, ?, ?, ?)",
                (year, unit_id, revision, stamp, fingerprint),
            )
            unit = store.units.get(unit_id)
            store.audit.record(
                "下发任务包", field_key=f"packages.{year}.{unit.code}", new=f"第{revision}版"
            )
            store.noted(Changes(district=frozenset({year})))
            return PackageRecord(year, unit_id, revision, stamp, fingerprint, None)

    def issue_package(
        self, unit_id: int, year: int, items: Sequence[AssignedItem], fingerprint: str
    ) -> tuple[AssignOutcome, PackageRecord]:
        """The district's side of a package, in one transaction: the unit's items put into
        the district's own ledger of the unit (even a submitted one), then the revision."""
        store = self.store
        store.require_admin("下发任务包")
        with store.admin_override(), store.transaction():
            outcome = self.assign(unit_id, year, items, "下发任务包")
            return outcome, self.issue(year, unit_id, fingerprint)

    def receive(
        self, year: int, unit_id: int, revision: int, issued_at: str, fingerprint: str
    ) -> Changes:
        """Record a revision this file received (inside the import's transaction)."""
        store = self.store
        with store.transaction():
            store.execute(
                "INSERT INTO packages (year, unit_id, revision, issued_at, fingerprint, "
                "received_at) VALUES (?, ?, ?, ?, ?, ?)",
                (year, unit_id, revision, issued_at, fingerprint, now()),
            )
            store.audit.record(
                "导入任务包", field_key=f"packages.{year}.{unit_id}", new=f"第{revision}版"
            )
            return store.noted(Changes(district=frozenset({year})))

    # ------------------------------------------------------------ assigned entries

    def compare(self, unit_id: int, year: int, items: Sequence[AssignedItem]) -> AssignOutcome:
        """What :meth:`assign` would change (reads only)."""
        ledger = self.store.ledgers.find(unit_id, year)
        outcome = AssignOutcome(ledger.id if ledger else None, ledger is None)
        entries = self.store.entries.list(ledger.id) if ledger else []
        self._plan(outcome, entries, items)
        return outcome

    def _plan(
        self, outcome: AssignOutcome, entries: Sequence[Entry], items: Sequence[AssignedItem]
    ) -> list[tuple[str, Any, Any]]:
        """Fill ``outcome``; the steps: ("add", item, None), ("update", item, entry),
        ("unassign", None, entry)."""
        by_key = {e.key: e for e in entries}
        wanted = {i.key for i in items}
        steps: list[tuple[str, Any, Any]] = []
        for item in items:
            entry = by_key.get(item.key)
            if entry is None:
                outcome.added.append(item.name)
                steps.append(("add", item, None))
                continue
            if entry.category != item.category:
                raise InvalidData(
                    f"条目“{entry.name}”在本台账中属于{category(entry.category).label}，"
                    f"任务包中属于{category(item.category).label}，未导入"
                )
            cat = category(entry.category)
            differs = [
                cat.field(k).label for k, v in item.values().items() if entry.values.get(k) != v
            ]
            if not entry.assigned:
                differs.append("下达")
            if differs:
                outcome.updated.append((item.name, differs))
                steps.append(("update", item, entry))
            else:
                outcome.unchanged += 1
        for entry in entries:
            if entry.assigned and entry.key not in wanted:
                outcome.unassigned.append(entry.name)
                steps.append(("unassign", None, entry))
        return steps

    def assign(
        self, unit_id: int, year: int, items: Sequence[AssignedItem], action: str = "任务包"
    ) -> AssignOutcome:
        """Put the items into the unit's ledger of the year (created when missing), in one
        transaction: add or update the assigned entries, unassign the ones no longer
        assigned. Writes to a submitted ledger need the caller's ``admin_override``."""
        store = self.store
        with store.transaction():
            ledger = store.ledgers.find(unit_id, year)
            outcome = AssignOutcome(ledger.id if ledger else None, ledger is None)
            if ledger is None:
                ledger = store.ledgers.get(store.ledgers.create(unit_id, year).id)
            store.require_editable(ledger.id)
            entries = store.entries.list(ledger.id)
            steps = self._plan(outcome, entries, items)
            outcome.ledger_id = ledger.id
            if not steps:
                return outcome
            elsewhere = store.entries.by_keys(i.key for kind, i, _ in steps if kind == "add")
            if elsewhere:
                other = store.ledgers.get(next(iter(elsewhere.values()))[1])
                raise InvalidData(
                    f"任务包中的条目已在{other.unit_name}{other.year}年台账中，未导入"
                )
            touched: set[int] = set()
            created: list[int] = []
            for kind, item, entry in steps:
                if kind == "add":
                    entry_id = self._add(ledger.id, item)
                    created.append(entry_id)
                    store.audit.record(f"{action}新增条目", ledger.id, entry_id, new=item.name)
                    touched.add(entry_id)
                    continue
                if kind == "update":
                    store.entries.write_values(entry, item.values(), action)
                flag = kind == "update"
                if entry.assigned != flag:
                    store.execute(
                        "UPDATE entries SET assigned = ? WHERE id = ?", (int(flag), entry.id)
                    )
                    store.audit.record(
                        action, ledger.id, entry.id, "assigned", entry.assigned, flag
                    )
                touched.add(entry.id)
            store.touch(ledger.id)
            outcome.changes = store.noted(
                Changes(
                    ledgers=frozenset({ledger.id}),
                    entries=frozenset(touched),
                    rows=frozenset({ledger.id}) if created else frozenset(),
                    created=tuple(created),
                )
            )
            return outcome

    def _add(self, ledger_id: int, item: AssignedItem) -> int:
        raw = {**item.defaults, **item.values()}
        clean = dict(raw)
        if item.target_id is not None:
            apply_target_defaults(raw, clean, self.store.catalogue.target(item.target_id))
        clean = with_defaults(item.category, clean)
        last = self.store.scalar(
            "SELECT max(position) FROM entries WHERE ledger_id = ? AND category = ?",
            (ledger_id, item.category),
        )
        return self.store.entries.insert(
            ledger_id, item.category, int(last or 0) + 1, clean, item.key, assigned=True
        )
