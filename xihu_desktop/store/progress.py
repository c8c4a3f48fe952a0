"""Quarterly progress of entries (进度填报).

An entry's ``actual`` and ``status`` follow its latest reported quarter, so the
completion rate, score and light always reflect the newest progress.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..core.entry_values import PROGRESS_FIELDS, clean_progress, counts
from ..core.validate import Invalid
from .changes import (
    Changes,
    ClearProgress,
    Operation,
    SetProgress,
    WriteValues,
    merge_undo,
)
from .errors import InvalidData, NotFound
from .manager import Manager
from .records import Entry, Progress, build_all, now

_SELECT = (
    "SELECT p.entry_id, p.quarter, p.value, p.status, p.problems, p.next_steps, "
    "p.comment, p.follow_up, p.updated_at FROM progress p"
)
_UPSERT = (
    "INSERT INTO progress (entry_id, quarter, value, status, problems, next_steps, "
    "comment, follow_up, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (entry_id, quarter) DO UPDATE SET value = excluded.value, "
    "status = excluded.status, problems = excluded.problems, "
    "next_steps = excluded.next_steps, comment = excluded.comment, "
    "follow_up = excluded.follow_up, updated_at = excluded.updated_at"
)


def _checked(quarter: int, values: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return clean_progress(quarter, values)
    except Invalid as exc:
        raise InvalidData(str(exc)) from exc


def _whole(entry: Entry, values: Mapping[str, Any], quarter: int) -> None:
    """A quarter's value of an entry that counts things is a whole, non-negative number."""
    value = values.get("value")
    if value is None or not counts(entry):
        return
    if value < 0 or not float(value).is_integer():
        raise InvalidData(
            f"“{entry.name}”第{quarter}季度完成值{value:g}无效：以人数、家数等计的数量应为非负整数"
        )


def _latest(rows: Iterable[Progress], entry: Entry, frozen: Iterable[str] = ()) -> dict[str, Any]:
    """The entry's actual/status as its latest reported quarter has them (what changed)."""
    ordered = sorted(rows, key=lambda p: p.quarter, reverse=True)
    latest = {
        "actual": next((p.value for p in ordered if p.value is not None), None),
        "status": next((p.status for p in ordered if p.status), None),
    }
    return {
        k: v
        for k, v in latest.items()
        if k not in frozen and v is not None and v != entry.values.get(k)
    }


class ProgressManager(Manager):
    def of_entry(self, entry_id: int) -> list[Progress]:
        return build_all(
            Progress,
            self.store.rows(_SELECT + " WHERE p.entry_id = ? ORDER BY p.quarter", (entry_id,)),
        )

    def of_ledger(self, ledger_id: int) -> dict[int, dict[int, Progress]]:
        # positional: _SELECT names Progress's fields in order (a whole ledger's rows
        # are built here, for every sheet and fingerprint; by name costs twice as much)
        out: dict[int, dict[int, Progress]] = {}
        for r in self.store.query(
            _SELECT + " JOIN entries e ON e.id = p.entry_id WHERE e.ledger_id = ?",
            (ledger_id,),
        ):
            p = Progress(*r)
            out.setdefault(p.entry_id, {})[p.quarter] = p
        return out

    def write(self, entry_id: int, quarter: int, values: Mapping[str, Any]) -> None:
        """Merge values into one quarter's row (inside the caller's transaction, no checks)."""
        current = {p.quarter: p for p in self.of_entry(entry_id)}.get(quarter)
        merged = {k: getattr(current, k) if current else None for k in PROGRESS_FIELDS}
        merged.update(values)
        merged["follow_up"] = 1 if merged.get("follow_up") else 0
        self.store.execute(
            _UPSERT, (entry_id, quarter, *(merged[k] for k in PROGRESS_FIELDS), now())
        )

    def set(self, entry_id: int, quarter: int, values: Mapping[str, Any]) -> Changes:
        """Record progress of one entry for one quarter; the undo puts the old values back."""
        clean = _checked(quarter, values)
        store = self.store
        with store.transaction():
            entry = store.entries.get(entry_id)
            store.require_editable(entry.ledger_id)
            _whole(entry, clean, quarter)
            before = {p.quarter: p for p in self.of_entry(entry_id)}.get(quarter)
            self.write(entry_id, quarter, clean)
            for key, value in clean.items():
                old = getattr(before, key) if before else None
                if old != value:
                    store.audit.record(
                        "进度填报", entry.ledger_id, entry_id, f"Q{quarter}.{key}", old, value
                    )
            follow = _latest(self.of_entry(entry_id), entry)
            if follow:
                store.entries.write_values(entry, follow, "进度同步", one_row=True)
            store.touch(entry.ledger_id)
            old_values = {k: getattr(before, k) if before else None for k in clean}
            undo: list[Operation | None] = [
                SetProgress(entry_id, quarter, old_values)
                if before is not None
                else ClearProgress(entry_id, quarter)
            ]
            if follow:  # the entry's own actual/status go back too
                old_entry = ((entry_id, {k: entry.values.get(k) for k in follow}),)
                undo.append(WriteValues(old_entry))
            done = Changes(
                ledgers=frozenset({entry.ledger_id}),
                entries=frozenset({entry_id}) if follow else frozenset(),
                progress=frozenset({entry_id}),
            )
            return store.noted(merge_undo(done, undo))

    def clear(self, entry_id: int, quarter: int) -> Changes:
        """Remove one quarter's report (the undo of a first report of that quarter)."""
        store = self.store
        with store.transaction():
            entry = store.entries.get(entry_id)
            store.require_editable(entry.ledger_id)
            before = self.get(entry_id, quarter)
            if before is None:
                return Changes()
            store.execute(
                "DELETE FROM progress WHERE entry_id = ? AND quarter = ?", (entry_id, quarter)
            )
            old = {k: getattr(before, k) for k in PROGRESS_FIELDS}
            store.audit.record("进度填报", entry.ledger_id, entry_id, f"Q{quarter}", old, None)
            store.touch(entry.ledger_id)
            return store.noted(
                Changes(
                    ledgers=frozenset({entry.ledger_id}),
                    progress=frozenset({entry_id}),
                    undo=SetProgress(entry_id, quarter, old),
                )
            )

    def get(self, entry_id: int, quarter: int) -> Progress | None:
        return {p.quarter: p for p in self.of_entry(entry_id)}.get(quarter)

    def set_many(
        self,
        rows: Iterable[tuple[int, int, Mapping[str, Any]]],
        keep: Mapping[int, Iterable[str]] | None = None,
    ) -> Changes:
        """Record many (entry id, quarter, values) in one transaction (an import).

        Same checks, results and audit trail as :meth:`set` for each row in turn, but each
        ledger is checked and its revision bumped once, the quarters of an entry reported
        for the first time get one audit row holding all their values (field e.g.
        ``Q1、Q2``, new value ``{"Q1": {...}, "Q2": {...}}``), and each entry's
        ``actual``/``status`` follow its latest quarter once, at the end. ``keep`` names,
        per entry, the keys of the two that must not follow (the import's row wins).
        """
        memo: dict[tuple[Any, ...], Any] = {}  # returns repeat the same numbers and statuses
        todo = [(entry_id, q, self._cleaned(q, values, memo)) for entry_id, q, values in rows]
        if not todo:
            return Changes()
        store = self.store
        with store.transaction():
            entries = store.entries.many(e for e, _, _ in todo)
            missing = sorted({e for e, _, _ in todo} - set(entries))
            if missing:
                raise NotFound(f"台账条目（编号{missing[0]}）不存在，可能已被删除")
            ledgers = sorted({e.ledger_id for e in entries.values()})
            current: dict[int, dict[int, Progress]] = {}
            for ledger_id in ledgers:
                store.require_editable(ledger_id)
                current.update(self.of_ledger(ledger_id))
            stamp = now()
            writes: list[tuple[Any, ...]] = []
            audits: list[tuple[int, int, str, Any, Any]] = []
            first: dict[int, dict[str, Any]] = {}  # entry → {"Q1": values, …} first reported
            for entry_id, q, clean in todo:
                _whole(entries[entry_id], clean, q)
                quarters = current.setdefault(entry_id, {})
                before = quarters.get(q)
                merged: dict[str, Any] = {
                    k: getattr(before, k) if before else None for k in PROGRESS_FIELDS
                }
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
                        first.setdefault(entry_id, {})[f"Q{q}"] = new
                    continue
                ledger_id = entries[entry_id].ledger_id
                for key, value in clean.items():
                    old = getattr(before, key)
                    if old != value:
                        audits.append((ledger_id, entry_id, f"Q{q}.{key}", old, value))
            store.db.executemany(_UPSERT, writes)
            firsts = [
                (entries[e].ledger_id, e, "、".join(quarters), None, quarters)
                for e, quarters in first.items()
            ]
            store.audit.record_many("进度填报", [*firsts, *audits])
            keep = keep or {}
            followed: set[int] = set()
            for entry_id in sorted(entries):  # as in set(), once per entry
                entry = entries[entry_id]
                follow = _latest(current[entry_id].values(), entry, keep.get(entry_id, ()))
                if follow:
                    store.entries.write_values(entry, follow, "进度同步", one_row=True)
                    followed.add(entry_id)
            for ledger_id in ledgers:
                store.touch(ledger_id)
            return store.noted(
                Changes(
                    ledgers=frozenset(ledgers),
                    entries=frozenset(followed),
                    progress=frozenset(entries),
                )
            )

    @staticmethod
    def _cleaned(
        q: int, values: Mapping[str, Any], memo: dict[tuple[Any, ...], Any]
    ) -> dict[str, Any]:
        """:func:`clean_progress` with each value's verdict remembered across rows."""
        if q not in (1, 2, 3, 4) or not set(PROGRESS_FIELDS).issuperset(values):
            return _checked(q, values)  # raises the usual message
        out = dict(values)
        for k in ("value", "status"):  # the only keys clean_progress parses
            if k not in out:
                continue
            v = out[k]
            try:
                key: tuple[Any, ...] | None = (k, type(v), v)
                hit = memo.get(key, memo) if key is not None else memo  # memo marks "not seen"
            except TypeError:  # unhashable: just check it
                key, hit = None, memo
            if hit is memo:
                hit = _checked(q, {k: v})[k]
                if key is not None:
                    memo[key] = hit
            out[k] = hit
        return out
