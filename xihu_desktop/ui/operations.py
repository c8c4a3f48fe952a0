"""How the window writes: one store operation, one undo command, one change signal.

The store does the work and reports it: every write returns
:class:`~xihu_desktop.store.Changes`, whose ``undo`` is itself a store operation.
:class:`StoreCommand` only keeps those operations (the undo, then the redo that the
undo returned) for ``QUndoStack``; it has no transaction logic of its own.
:class:`ChangeHub` hands every committed transaction's changes to the window on the
UI thread, wherever the write ran (an import on a worker thread included), so the
window refreshes in one place whatever wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from ..store import Changes, Operation, Store, StoreError

log = logging.getLogger(__name__)

ErrorSink = Callable[[str], None]


class ChangeHub(QObject):
    """Re-emits the store's committed changes as a Qt signal (queued across threads)."""

    changed = Signal(object)  # Changes

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        store.subscribe(self._committed)

    def _committed(self, changes: Changes) -> None:
        try:
            self.changed.emit(changes)
        except RuntimeError:  # the window is gone without closing: stop listening
            self.close()

    def close(self) -> None:
        self.store.unsubscribe(self._committed)


class StoreCommand(QUndoCommand):
    """An undoable write: it was applied already; undo and redo apply store operations."""

    def __init__(
        self, store: Store, text: str, undo: Operation, on_error: ErrorSink | None = None
    ) -> None:
        super().__init__(text)
        self.store = store
        self._undo: Operation | None = undo
        self._redo: Operation | None = None
        self._first = True  # QUndoStack.push runs redo(): the write has been done already
        self._on_error = on_error

    def undo(self) -> None:
        self._redo = self._apply(self._undo)

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self._undo = self._apply(self._redo)

    def _apply(self, operation: Operation | None) -> Operation | None:
        if operation is None:
            return None
        try:
            done = self.store.apply(operation)
        except StoreError as exc:
            if self._on_error:
                self._on_error(f"无法{self.text()}：{exc}")
            return operation  # nothing was written; the same step may be tried again
        if done.problems and self._on_error:
            self._on_error(
                f"{self.text()}：有{len(done.problems)}个值未能恢复（"
                + "；".join(str(p) for p in done.problems[:3])
                + "）"
            )
        return done.undo


def push_undo(
    stack: QUndoStack,
    store: Store,
    text: str,
    changes: Changes,
    on_error: ErrorSink | None = None,
) -> None:
    """Put a done write on the undo stack (a write that changed nothing is not undoable)."""
    if changes.undo is not None:
        stack.push(StoreCommand(store, text, changes.undo, on_error))
