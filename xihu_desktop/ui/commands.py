"""Undo commands. Each applies its change through the store in one transaction.

The first ``redo`` (run by ``QUndoStack.push``) does nothing when the change was
already written when the command was built: the edit is validated and committed
first, and only an accepted edit goes on the stack.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..core.validate import Problem
from ..store import Entry, Progress, Store, StoreError
from .entry_model import EntryTableModel

Changes = list[tuple[int, dict[str, Any]]]
Removed = list[tuple[Entry, list[Progress]]]
ErrorSink = Callable[[str], None]


def write_back(store: Store, changes: Changes) -> list[Problem]:
    """Put earlier values back (undo/redo), in the caller's transaction.

    Undo must be able to empty a required cell again (the row was new), so the
    required check is relaxed here; every other check still applies.
    """
    return (
        list(store.entries.update_many(changes, allow_empty_required=True).problems)
        if changes
        else []
    )


class _StoreCommand(QUndoCommand):
    def __init__(self, text: str, on_error: ErrorSink | None) -> None:
        super().__init__(text)
        self._first = True
        self._on_error = on_error

    def _run(self, action: Callable[[], None]) -> None:
        try:
            action()
        except StoreError as exc:
            if self._on_error:
                self._on_error(f"无法{self.text()}：{exc}")

    def _report(self, problems: Sequence[Problem]) -> None:
        if problems and self._on_error:
            self._on_error(
                f"{self.text()}：有{len(problems)}个值未能恢复（"
                + "；".join(str(p) for p in problems[:3])
                + "）"
            )


class EditCommand(_StoreCommand):
    """Cell edits, a paste or a clear: old and new raw values per entry; may add rows."""

    def __init__(
        self,
        model: EntryTableModel,
        text: str,
        before: Changes,
        after: Changes,
        created: Sequence[int] = (),
        on_error: ErrorSink | None = None,
    ) -> None:
        super().__init__(text, on_error)
        self.model = model
        self.before = before
        self.after = after
        self.created = list(created)
        self._removed: Removed = []

    def redo(self) -> None:
        if self._first:
            self._first = False
            return

        def action() -> None:
            store = self.model.store
            with store.transaction():
                if self._removed:
                    store.entries.restore(self._removed)
                problems = write_back(
                    store, [(eid, v) for eid, v in self.after if eid not in self.created]
                )
            self._after_write()
            self._report(problems)

        self._run(action)

    def undo(self) -> None:
        def action() -> None:
            store = self.model.store
            with store.transaction():
                problems = write_back(
                    store, [(eid, v) for eid, v in self.before if eid not in self.created]
                )
                if self.created:
                    self._removed = store.entries.delete(self.created)
            self._after_write()
            self._report(problems)

        self._run(action)

    def _after_write(self) -> None:
        if self.created or any(v is None for _, values in self.before for v in values.values()):
            self.model.reload()
        else:
            self.model.refresh_entries([eid for eid, _ in self.after])
        self.model.entriesChanged.emit([eid for eid, _ in self.after] + self.created)


class AddRowsCommand(_StoreCommand):
    """Rows added (new, inserted or duplicated); undo deletes them, redo puts them back."""

    def __init__(
        self, model: EntryTableModel, text: str, created: Sequence[int], on_error: ErrorSink | None
    ) -> None:
        super().__init__(text, on_error)
        self.model = model
        self.created = list(created)
        self._removed: Removed = []

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(lambda: self._apply(lambda s: s.entries.restore(self._removed)))

    def undo(self) -> None:
        def delete(store: Store) -> None:
            self._removed = store.entries.delete(self.created)

        self._run(lambda: self._apply(delete))

    def _apply(self, write: Callable[[Store], None]) -> None:
        write(self.model.store)
        self.model.reload()
        self.model.entriesChanged.emit(self.created)


class DeleteRowsCommand(_StoreCommand):
    def __init__(
        self, model: EntryTableModel, text: str, removed: Removed, on_error: ErrorSink | None
    ) -> None:
        super().__init__(text, on_error)
        self.model = model
        self.removed = removed
        self.ids = [e.id for e, _ in removed]

    def redo(self) -> None:
        if self._first:
            self._first = False
            return

        def delete() -> None:
            self.removed = self.model.store.entries.delete(self.ids)
            self.model.reload()
            self.model.entriesChanged.emit(self.ids)

        self._run(delete)

    def undo(self) -> None:
        def restore() -> None:
            self.model.store.entries.restore(self.removed)
            self.model.reload()
            self.model.entriesChanged.emit(self.ids)

        self._run(restore)


class MoveRowCommand(_StoreCommand):
    def __init__(
        self,
        model: EntryTableModel,
        entry_id: int,
        old_position: int,
        new_position: int,
        on_error: ErrorSink | None,
    ) -> None:
        super().__init__("调整顺序", on_error)
        self.model = model
        self.entry_id = entry_id
        self.old = old_position
        self.new = new_position

    def _move(self, position: int) -> None:
        self.model.store.entries.move(self.entry_id, position)
        self.model.reload()
        self.model.entriesChanged.emit([self.entry_id])

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(lambda: self._move(self.new))

    def undo(self) -> None:
        self._run(lambda: self._move(self.old))


class ProgressCommand(_StoreCommand):
    """One quarter's progress fields of one entry."""

    def __init__(
        self,
        store: Store,
        entry_id: int,
        quarter: int,
        before: dict[str, Any],
        after: dict[str, Any],
        refresh: Callable[[int], None],
        on_error: ErrorSink | None,
    ) -> None:
        super().__init__("填报进度", on_error)
        self.store = store
        self.entry_id = entry_id
        self.quarter = quarter
        self.before = before
        self.after = after
        self.refresh = refresh

    def _set(self, values: dict[str, Any]) -> None:
        self.store.progress.set(self.entry_id, self.quarter, values)
        self.refresh(self.entry_id)

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._run(lambda: self._set(self.after))

    def undo(self) -> None:
        self._run(lambda: self._set(self.before))
