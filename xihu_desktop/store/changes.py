"""What a write changed (:class:`Changes`) and how to take it back (:class:`Operation`).

Every write of the store returns a :class:`Changes`; the facade also hands the
union of a transaction's changes to its subscribers once it has committed, so the
window has one place that learns what to refresh. A write that can be undone puts
its inverse in ``Changes.undo``: an :class:`Operation` that the store applies like
any other write (in one transaction) and whose own ``Changes.undo`` is the redo.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from ..core.validate import Problem

if TYPE_CHECKING:
    from .records import Entry, Progress
    from .store import Store

_EMPTY: frozenset[Any] = frozenset()


@dataclass(frozen=True)
class Changes:
    """Ids of what one write (or one transaction) changed."""

    ledgers: frozenset[int] = _EMPTY  # ledgers whose data or state changed
    entries: frozenset[int] = _EMPTY  # entries whose values changed
    progress: frozenset[int] = _EMPTY  # entries whose quarterly progress changed
    rows: frozenset[int] = _EMPTY  # ledgers that gained, lost or reordered entries
    units: bool = False
    catalogue: bool = False  # plans, plan targets, catalogue items
    users: bool = False
    prints: frozenset[int] = _EMPTY  # ledgers printed
    settings: frozenset[str] = _EMPTY  # keys of data-file settings
    #: years whose district records changed: decomposition, packages, reviews,
    #: deadlines, inbox (the district's views refresh on these)
    district: frozenset[int] = _EMPTY
    created: tuple[int, ...] = ()  # ids of new records, in order
    problems: tuple[Problem, ...] = ()  # cells a lenient write skipped
    undo: Operation | None = field(default=None, compare=False)

    @property
    def id(self) -> int:
        """The id of the one record this write created."""
        if not self.created:
            raise ValueError("this write created nothing")
        return self.created[0]

    @property
    def empty(self) -> bool:
        return self == Changes()

    def __or__(self, other: Changes) -> Changes:
        """Both writes' changes (the undo is not carried over: see :class:`Sequence`)."""
        return Changes(
            ledgers=self.ledgers | other.ledgers,
            entries=self.entries | other.entries,
            progress=self.progress | other.progress,
            rows=self.rows | other.rows,
            units=self.units or other.units,
            catalogue=self.catalogue or other.catalogue,
            users=self.users or other.users,
            prints=self.prints | other.prints,
            settings=self.settings | other.settings,
            district=self.district | other.district,
            created=self.created + other.created,
            problems=self.problems + other.problems,
        )


class Operation(Protocol):
    """A write that can be applied again: the inverse of an earlier write."""

    def __call__(self, store: Store) -> Changes: ...


EntryValues = tuple[tuple[int, Mapping[str, Any]], ...]


@dataclass(frozen=True)
class WriteValues:
    """Put entries' values back as they were (an empty required cell allowed)."""

    values: EntryValues

    def __call__(self, store: Store) -> Changes:
        return store.entries.update_many(self.values, allow_empty_required=True)


@dataclass(frozen=True)
class DeleteEntries:
    ids: tuple[int, ...]

    def __call__(self, store: Store) -> Changes:
        return store.entries.delete(self.ids)


@dataclass(frozen=True)
class RestoreEntries:
    removed: tuple[tuple[Entry, tuple[Progress, ...]], ...]

    def __call__(self, store: Store) -> Changes:
        return store.entries.restore(self.removed)


@dataclass(frozen=True)
class MoveEntry:
    entry_id: int
    position: int

    def __call__(self, store: Store) -> Changes:
        return store.entries.move(self.entry_id, self.position)


@dataclass(frozen=True)
class ReorderEntries:
    ledger_id: int
    category: str
    order: tuple[int, ...]

    def __call__(self, store: Store) -> Changes:
        return store.entries.reorder(self.ledger_id, self.category, self.order)


@dataclass(frozen=True)
class SetProgress:
    entry_id: int
    quarter: int
    values: Mapping[str, Any]

    def __call__(self, store: Store) -> Changes:
        return store.progress.set(self.entry_id, self.quarter, self.values)


@dataclass(frozen=True)
class ClearProgress:
    entry_id: int
    quarter: int

    def __call__(self, store: Store) -> Changes:
        return store.progress.clear(self.entry_id, self.quarter)


@dataclass(frozen=True)
class Sequence_:
    """Several operations in one transaction; its undo runs their undos backwards."""

    steps: tuple[Operation, ...]

    def __call__(self, store: Store) -> Changes:
        total = Changes()
        undos: list[Operation] = []
        with store.transaction():
            for step in self.steps:
                done = step(store)
                total = total | done
                if done.undo is not None:
                    undos.append(done.undo)
        return replace(total, undo=Sequence_(tuple(reversed(undos))))


def sequence(steps: Iterable[Operation | None]) -> Operation | None:
    """One operation of the given ones (None when there is nothing to do)."""
    kept = tuple(s for s in steps if s is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else Sequence_(kept)


def merge_undo(changes: Changes, undos: Sequence[Operation | None]) -> Changes:
    """``changes`` whose undo runs ``undos`` in the given order."""
    return replace(changes, undo=sequence(undos))
