"""Entries of a ledger: list, add, edit, delete, restore, move, paste.

Each write returns :class:`~.changes.Changes` with its inverse in ``undo``, so the
window's undo stack is made of the same operations as the edits themselves.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..core.categories import CATEGORY_BY_KEY, ENTRY_COLUMNS, category
from ..core.entry_values import apply_target_defaults, clean_many, clean_values, with_defaults
from ..core.validate import Problem
from .assigned import refuse_delete, refused_cells
from .changes import (
    Changes,
    DeleteEntries,
    MoveEntry,
    ReorderEntries,
    RestoreEntries,
    WriteValues,
    sequence,
)
from .connection import schema_version
from .entry_rows import entry_row, insert_sql
from .errors import InvalidData, NotFound
from .manager import Manager
from .records import PROGRESS_FIELDS, Entry, PlanTarget, Progress, now
from .search import indexed_in_bulk

_SELECT = (
    "SELECT id, ledger_id, category, position, name, goal, actual, status, weight, "
    "target_id, catalogue_id, data, key, assigned FROM entries"
)
Removed = tuple[tuple[Entry, tuple[Progress, ...]], ...]


def _ids(*ids: int) -> frozenset[int]:
    return frozenset(ids)


class EntryManager(Manager):
    # ------------------------------------------------------------ reading

    def list(self, ledger_id: int, category_key: str | None = None) -> builtins.list[Entry]:
        if category_key:
            rows = self.store.rows(
                _SELECT + " WHERE ledger_id = ? AND category = ? ORDER BY position, id",
                (ledger_id, category_key),
            )
        else:
            rows = self.store.rows(
                _SELECT + " WHERE ledger_id = ? ORDER BY category, position, id", (ledger_id,)
            )
        return [Entry.from_row(r) for r in rows]

    def get(self, entry_id: int) -> Entry:
        rows = self.store.rows(_SELECT + " WHERE id = ?", (entry_id,))
        if not rows:
            raise NotFound(f"台账条目（编号{entry_id}）不存在，可能已被删除")
        return Entry.from_row(rows[0])

    def many(self, entry_ids: Iterable[int]) -> dict[int, Entry]:
        """The entries with these ids that exist, by id."""
        wanted = sorted(set(entry_ids))
        out: dict[int, Entry] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            for r in self.store.rows(_SELECT + f" WHERE id IN ({marks})", chunk):
                out[r["id"]] = Entry.from_row(r)
        return out

    def counts(self, ledger_id: int) -> dict[str, int]:
        rows = self.store.query(
            "SELECT category, count(*) FROM entries WHERE ledger_id = ? GROUP BY category",
            (ledger_id,),
        )
        counts = {k: 0 for k in CATEGORY_BY_KEY}
        counts.update({r[0]: int(r[1]) for r in rows})
        return counts

    def states(self, ledger_id: int) -> dict[int, tuple[Any, Any]]:
        """Each entry's (actual, status), by id: what progress may have moved."""
        rows = self.store.query(
            "SELECT id, actual, status FROM entries WHERE ledger_id = ?", (ledger_id,)
        )
        return {int(r[0]): (r[1], r[2]) for r in rows}

    def by_keys(self, keys: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Entry key → (entry id, ledger id) of the keys that exist in this file."""
        wanted = sorted(set(keys))
        out: dict[str, tuple[int, int]] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ", ".join("?" * len(chunk))
            for r in self.store.query(
                f"SELECT key, id, ledger_id FROM entries WHERE key IN ({marks})", chunk
            ):
                out[r[0]] = (int(r[1]), int(r[2]))
        return out

    def ids(self, ledger_id: int, category_key: str) -> builtins.list[int]:
        """The ids of one category of a ledger, in their order."""
        rows = self.store.query(
            "SELECT id FROM entries WHERE ledger_id = ? AND category = ? ORDER BY position, id",
            (ledger_id, category_key),
        )
        return [int(r[0]) for r in rows]

    # ------------------------------------------------------------ checks

    def link_problems(
        self,
        category_key: str,
        clean: Mapping[str, Any],
        known: dict[str, set[int]] | None = None,
    ) -> builtins.list[Problem]:
        """Links to a plan target or catalogue item that does not exist (instead of a raw
        FOREIGN KEY error). ``known`` caches each table's ids for a bulk insert."""
        problems = []
        cat = category(category_key)
        catalogue = self.store.catalogue
        for key, all_ids in (
            ("target_id", catalogue.target_ids),
            ("catalogue_id", catalogue.item_ids),
        ):
            link = clean.get(key)
            if link is None:
                continue
            if known is None:
                known = {}
            if key not in known:
                known[key] = all_ids()
            if link not in known[key]:
                problems.append(Problem(key, cat.field(key).label, "所选项目在规划目录中不存在"))
        return problems

    def _prepare(
        self,
        category_key: str,
        values: Mapping[str, Any],
        validate: bool,
        known: dict[str, set[int]],
        targets: dict[int, PlanTarget | None],
        cleaned: tuple[dict[str, Any], builtins.list[Problem]] | None = None,
        index: int | None = None,
    ) -> dict[str, Any]:
        """Clean values of a new entry with the defaults filled in (or InvalidData);
        ``cleaned``: what :func:`clean_values` says of ``values``, when known."""
        raw = dict(values)
        clean, problems = cleaned or clean_values(category_key, raw, partial=not validate)
        problems = [p for p in problems if validate or p.message != "必填项不能为空"]
        problems += self.link_problems(category_key, clean, known)
        if problems:
            prefix = "" if index is None else f"第{index + 1}条："
            raise InvalidData(
                prefix + "；".join(str(p) for p in problems),
                [Problem(p.key, p.label, p.message, index) for p in problems],
            )
        target_id = clean.get("target_id")
        if target_id:
            if target_id not in targets:
                targets[target_id] = self.store.catalogue.target(target_id)
            apply_target_defaults(raw, clean, targets[target_id])
        return with_defaults(category_key, clean)

    # ------------------------------------------------------------ writing

    def insert(
        self,
        ledger_id: int,
        category_key: str,
        position: int,
        clean: Mapping[str, Any],
        key: str | None = None,
        assigned: bool = False,
    ) -> int:
        """Write one row (inside the caller's transaction, no checks); its new id.

        ``key`` keeps an entry's identity across files (a restored entry, a row of a
        return made elsewhere); a new entry gets a new UUID.
        """
        sql, width = insert_sql(self._schema())
        row = entry_row(ledger_id, category_key, position, clean, key)
        cur = self.store.execute(sql, row[:width])
        entry_id = int(cur.lastrowid or 0)
        if assigned:  # the column has a default: a plain entry leaves it out
            self.store.execute("UPDATE entries SET assigned = 1 WHERE id = ?", (entry_id,))
        return entry_id

    def insert_many(
        self,
        ledger_id: int,
        category_key: str,
        first_position: int,
        cleans: Sequence[Mapping[str, Any]],
        keys: Sequence[str | None],
    ) -> builtins.list[int]:
        """Write rows at consecutive positions in one statement (inside the caller's write
        transaction, no checks); their new ids, which are the ids SQLite itself would
        give (the largest id plus one, on), written explicitly so that one executemany
        can insert them all."""
        first = int(self.store.scalar("SELECT coalesce(max(id), 0) FROM entries")) + 1
        ids = list(range(first, first + len(cleans)))
        sql, width = insert_sql(self._schema(), with_id=True)
        conn, stamp, cat = self.store.db, now(), category_key
        with indexed_in_bulk(conn, first, first + len(cleans) - 1):
            conn.executemany(
                sql,
                [
                    (entry_id, *entry_row(ledger_id, cat, first_position + i, c, key, stamp))[
                        :width
                    ]
                    for i, (entry_id, c, key) in enumerate(zip(ids, cleans, keys, strict=True))
                ],
            )
        return ids

    def _schema(self) -> int:
        return schema_version(self.store.db)

    def write_values(
        self, old: Entry, values: Mapping[str, Any], action: str, *, one_row: bool = False
    ) -> None:
        """Store clean values over an entry's, auditing each changed field (no checks).

        ``one_row``: the changed fields share one audit row (field ``actual、status``, old
        and new value objects of those keys), as a progress sync writes them.
        """
        data = {k: v for k, v in old.values.items() if k not in ENTRY_COLUMNS}
        columns: dict[str, Any] = {}
        changed: dict[str, tuple[Any, Any]] = {}
        for key, value in values.items():
            if old.values.get(key) == value:
                continue
            if key in ENTRY_COLUMNS:
                columns[key] = "" if key == "name" and value is None else value
            elif value is None:
                data.pop(key, None)
            else:
                data[key] = value
            changed[key] = (old.values.get(key), value)
        audit = self.store.audit
        if one_row and len(changed) > 1:
            audit.record(
                action,
                old.ledger_id,
                old.id,
                "、".join(changed),
                {k: o for k, (o, _) in changed.items()},
                {k: n for k, (_, n) in changed.items()},
            )
        else:
            audit.record_many(
                action, ((old.ledger_id, old.id, k, o, n) for k, (o, n) in changed.items())
            )
        sets = ", ".join(f"{k} = ?" for k in columns)
        self.store.execute(
            f"UPDATE entries SET {sets + ', ' if sets else ''}data = ?, updated_at = ? "
            "WHERE id = ?",
            [
                *columns.values(),
                json.dumps(data, ensure_ascii=False, sort_keys=True),
                now(),
                old.id,
            ],
        )

    def _next_position(self, ledger_id: int, category_key: str) -> int:
        last = self.store.scalar(
            "SELECT max(position) FROM entries WHERE ledger_id = ? AND category = ?",
            (ledger_id, category_key),
        )
        return int(last or 0) + 1

    def _make_room(self, ledger_id: int, category_key: str, position: int) -> None:
        self.store.execute(
            "UPDATE entries SET position = position + 1 WHERE ledger_id = ? AND "
            "category = ? AND position >= ?",
            (ledger_id, category_key, position),
        )

    def add(
        self,
        ledger_id: int,
        category_key: str,
        values: Mapping[str, Any] | None = None,
        position: int | None = None,
        validate: bool = False,
    ) -> Changes:
        """Insert an entry from raw values (parsed here); ``Changes.id`` is the new id.

        With ``validate`` False (a new, still empty row in the editor) missing required
        fields are allowed; malformed values are always rejected.
        """
        clean = self._prepare(category_key, values or {}, validate, {}, {})
        store = self.store
        with store.transaction():
            store.require_editable(ledger_id)
            if position is None:
                position = self._next_position(ledger_id, category_key)
            else:
                self._make_room(ledger_id, category_key, position)
            entry_id = self.insert(ledger_id, category_key, position, clean)
            store.audit.record("新增条目", ledger_id, entry_id, None, None, clean.get("name") or "")
            store.touch(ledger_id)
            return store.noted(
                Changes(
                    ledgers=_ids(ledger_id),
                    entries=_ids(entry_id),
                    rows=_ids(ledger_id),
                    created=(entry_id,),
                    undo=DeleteEntries((entry_id,)),
                )
            )

    def add_many(
        self,
        ledger_id: int,
        category_key: str,
        rows: Sequence[Mapping[str, Any]],
        validate: bool = True,
        keys: Sequence[str | None] | None = None,
    ) -> Changes:
        """Append many entries to one category of a ledger in one transaction (an import).

        ``keys`` (one per row, None for a new key) keeps the keys rows carry from the
        file they were made in.

        Every row gets the same checks and defaults as in :meth:`add`, all before anything
        is written (a bad row raises :class:`InvalidData`, its problems carry the row's
        index). The ledger is checked and its revision bumped once, and each new entry
        gets one audit row naming it, as :meth:`add` writes: its values are in ``entries``
        and every later change is logged with old and new value, so the log holds changes,
        not a second copy (a deletion logs the whole row). ``Changes.created`` holds the
        new ids.
        """
        if not rows:
            return Changes()
        known: dict[str, set[int]] = {}
        targets: dict[int, PlanTarget | None] = {}
        cleaned = clean_many(category_key, rows, partial=not validate)  # column by column
        prepared = [
            self._prepare(category_key, values, validate, known, targets, cleaned[index], index)
            for index, values in enumerate(rows)
        ]
        store = self.store
        with store.transaction():
            store.require_editable(ledger_id)
            ids = self.insert_many(
                ledger_id,
                category_key,
                self._next_position(ledger_id, category_key),
                prepared,
                keys if keys is not None else [None] * len(prepared),
            )
            store.audit.record_many(
                "新增条目",
                (
                    (ledger_id, entry_id, None, None, c.get("name") or "")
                    for entry_id, c in zip(ids, prepared, strict=True)
                ),
            )
            store.touch(ledger_id)
            return store.noted(
                Changes(
                    ledgers=_ids(ledger_id),
                    entries=frozenset(ids),
                    rows=_ids(ledger_id),
                    created=tuple(ids),
                    undo=DeleteEntries(tuple(ids)),
                )
            )

    def update(self, entry_id: int, values: Mapping[str, Any]) -> Changes:
        """Set some fields of an entry from raw values; all checked or nothing written."""
        old = self.get(entry_id)
        clean, problems = clean_values(old.category, values, partial=True)
        problems += self.link_problems(old.category, clean)
        problems += refused_cells(self.store, old, clean)
        if problems:
            raise InvalidData("；".join(str(p) for p in problems), problems)
        cat = category(old.category)
        merged = {**old.values, **clean}
        row_problems = [p for check in cat.row_checks for p in check(merged)]
        if row_problems:
            key, message = row_problems[0]
            label = cat.field(key).label
            raise InvalidData(f"{label}：{message}", [Problem(key, label, message)])
        store = self.store
        with store.transaction():
            store.require_editable(old.ledger_id)
            self.write_values(old, clean, "修改")
            store.touch(old.ledger_id)
            before = tuple([(entry_id, {k: old.values.get(k) for k in clean})])
            return store.noted(
                Changes(
                    ledgers=_ids(old.ledger_id), entries=_ids(entry_id), undo=WriteValues(before)
                )
            )

    def update_many(
        self,
        changes: Iterable[tuple[int, Mapping[str, Any]]],
        allow_empty_required: bool = False,
    ) -> Changes:
        """Apply many raw edits in one transaction (a paste). Invalid cells are skipped and
        returned in ``Changes.problems`` (``row`` holds the index of the change); valid ones
        are written. ``allow_empty_required`` lets undo empty a required cell again.
        """
        problems: builtins.list[Problem] = []
        written: dict[int, dict[str, Any]] = {}  # entry → values before, for undo
        store = self.store
        with store.transaction():
            touched: set[int] = set()
            for index, (entry_id, values) in enumerate(changes):
                old = self.get(entry_id)
                store.require_editable(old.ledger_id)
                clean, cell_problems = clean_values(
                    old.category, values, partial=True, allow_empty_required=allow_empty_required
                )
                for p in self.link_problems(old.category, clean) + refused_cells(store, old, clean):
                    cell_problems.append(p)
                    clean.pop(p.key, None)
                problems.extend(Problem(p.key, p.label, p.message, index) for p in cell_problems)
                if clean:
                    before = written.setdefault(entry_id, {})
                    for key in clean:
                        before.setdefault(key, old.values.get(key))
                    self.write_values(old, clean, "修改")
                    touched.add(old.ledger_id)
            for ledger_id in touched:
                store.touch(ledger_id)
            return store.noted(
                Changes(
                    ledgers=frozenset(touched),
                    entries=frozenset(written),
                    problems=tuple(problems),
                    undo=WriteValues(tuple(written.items())) if written else None,
                )
            )

    def delete(self, entry_ids: Sequence[int]) -> Changes:
        """Delete entries and their progress; the undo puts them back as they were."""
        removed: builtins.list[tuple[Entry, tuple[Progress, ...]]] = []
        store = self.store
        with store.transaction():
            for entry_id in entry_ids:
                old = self.get(entry_id)
                store.require_editable(old.ledger_id)
                refuse_delete(store, old)
                removed.append((old, tuple(store.progress.of_entry(entry_id))))
                store.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
                store.execute(  # close the gap, so that restoring at the old place is exact
                    "UPDATE entries SET position = position - 1 WHERE ledger_id = ? AND "
                    "category = ? AND position > ?",
                    (old.ledger_id, old.category, old.position),
                )
                store.audit.record("删除条目", old.ledger_id, entry_id, None, old.values, None)
                store.touch(old.ledger_id)
            ledgers = frozenset(e.ledger_id for e, _ in removed)
            return store.noted(
                Changes(
                    ledgers=ledgers,
                    entries=frozenset(entry_ids),
                    progress=frozenset(entry_ids),
                    rows=ledgers,
                    undo=RestoreEntries(tuple(removed)),
                )
            )

    def restore(self, removed: Removed | Sequence[tuple[Entry, Sequence[Progress]]]) -> Changes:
        """Put deleted entries back with their ids, positions and progress (undo).

        ``removed`` is in the order of deletion (each position read after the earlier
        deletions closed their gaps), so they go back in reverse.
        """
        store = self.store
        with store.transaction():
            for entry, progress_rows in reversed(removed):
                store.require_editable(entry.ledger_id)
                self._make_room(entry.ledger_id, entry.category, entry.position)
                new_id = self.insert(
                    entry.ledger_id,
                    entry.category,
                    entry.position,
                    entry.values,
                    entry.key,
                    entry.assigned,
                )
                store.execute("UPDATE entries SET id = ? WHERE id = ?", (entry.id, new_id))
                for p in progress_rows:
                    store.progress.write(
                        entry.id, p.quarter, {k: getattr(p, k) for k in PROGRESS_FIELDS}
                    )
                # the values are in the deletion's row; the restore names the entry only
                store.audit.record("恢复条目", entry.ledger_id, entry.id, None, None, entry.name)
                store.touch(entry.ledger_id)
            ids = tuple(e.id for e, _ in removed)
            ledgers = frozenset(e.ledger_id for e, _ in removed)
            return store.noted(
                Changes(
                    ledgers=ledgers,
                    entries=frozenset(ids),
                    progress=frozenset(ids),
                    rows=ledgers,
                    undo=DeleteEntries(ids),
                )
            )

    def move(self, entry_id: int, new_position: int) -> Changes:
        """Move an entry to ``new_position`` (1-based) within its category."""
        store = self.store
        with store.transaction():
            entry = self.get(entry_id)
            store.require_editable(entry.ledger_id)
            ids = self.ids(entry.ledger_id, entry.category)
            old_position = ids.index(entry_id) + 1
            ids.remove(entry_id)
            new_position = max(1, min(new_position, len(ids) + 1))
            ids.insert(new_position - 1, entry_id)
            store.db.executemany(
                "UPDATE entries SET position = ? WHERE id = ?",
                [(pos, eid) for pos, eid in enumerate(ids, start=1)],
            )
            store.audit.record(
                "调整顺序", entry.ledger_id, entry_id, "position", entry.position, new_position
            )
            store.touch(entry.ledger_id)
            return store.noted(
                Changes(
                    ledgers=_ids(entry.ledger_id),
                    entries=_ids(entry_id),
                    rows=_ids(entry.ledger_id),
                    undo=MoveEntry(entry_id, old_position),
                )
            )

    def reorder(self, ledger_id: int, category_key: str, first: Sequence[int]) -> Changes:
        """Put ``first`` at the top of a category, the others after them in their order.

        One statement for the whole category (an import orders thousands of rows); the
        undo puts the old order back.
        """
        store = self.store
        with store.transaction():
            store.require_editable(ledger_id)
            current = self.ids(ledger_id, category_key)
            present, wanted = set(current), set(first)
            order = [e for e in first if e in present]
            order += [e for e in current if e not in wanted]
            if order == current:
                return Changes()
            store.db.executemany(
                "UPDATE entries SET position = ? WHERE id = ?",
                [(pos, eid) for pos, eid in enumerate(order, start=1)],
            )
            store.audit.record(
                "调整顺序", ledger_id, None, f"{category_key}.position", None, len(order)
            )
            store.touch(ledger_id)
            return store.noted(
                Changes(
                    ledgers=_ids(ledger_id),
                    rows=_ids(ledger_id),
                    undo=ReorderEntries(ledger_id, category_key, tuple(current)),
                )
            )

    def paste(
        self,
        ledger_id: int,
        category_key: str,
        changes: Sequence[tuple[int | None, Mapping[str, Any]]],
    ) -> Changes:
        """Cells pasted over existing entries and new rows, in one transaction.

        A change whose entry id is None goes to a new row appended for it. Invalid cells
        are skipped and reported in ``Changes.problems``; the undo takes the whole paste
        back (values restored, new rows deleted).
        """
        store = self.store
        with store.transaction():
            created = [self.add(ledger_id, category_key).id for eid, _ in changes if eid is None]
            fresh = iter(created)
            resolved = [(eid if eid is not None else next(fresh), v) for eid, v in changes]
            written = self.update_many(resolved)
            done = written | Changes(rows=_ids(ledger_id) if created else frozenset())
            undo = sequence([written.undo, DeleteEntries(tuple(created)) if created else None])
            return replace(done, created=tuple(created), undo=undo)
