"""The one cancellation signal for long exports and imports.

A progress callback is called as ``progress(done, total)`` or ``progress(done, total,
label)``; it raises :class:`Cancelled` when the user has cancelled (and may return
False for the same purpose, which callers turn into :class:`Cancelled`).
"""

from __future__ import annotations


class Cancelled(Exception):
    """The user cancelled a long job."""
