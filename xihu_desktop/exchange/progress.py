"""The one cancellation signal for long exports and imports.

A progress callback is called as ``progress(done, total)`` or ``progress(done, total,
label)``; it raises :class:`Cancelled` when the user has cancelled (and may return
False for the same purpose, which callers turn into :class:`Cancelled`).
"""

from __future__ import annotations

from collections.abc import Callable


class Cancelled(Exception):
    """The user cancelled a long job."""


class Steps:
    """Counts the steps of a long job for a ``progress(done, total) -> keep going`` callback."""

    def __init__(
        self, total: int, progress: Callable[[int, int], bool] | None, message: str
    ) -> None:
        self.total = total
        self.done = 0
        self.progress = progress
        self.message = message

    def tick(self) -> None:
        """One step done; raises :class:`Cancelled` when the callback says stop."""
        self.done += 1
        if self.progress is not None and not self.progress(self.done, self.total):
            raise Cancelled(self.message)
