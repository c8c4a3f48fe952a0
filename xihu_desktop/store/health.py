"""When the data file's integrity is checked: after a crash, and at most once a day.

``PRAGMA quick_check`` reads the whole file (0.4 s and more on a district's file), so
opening a file does not run it every time. It runs when a crash left a hot journal or a
-wal file behind (detected before opening: SQLite recovers the file on the first open)
and when the last good check of that file is older than a day. The time of the last
check is the user's state (:data:`~..core.settings.INTEGRITY_CHECKED_AT`, a small JSON
file in the user's data folder), never the data file: an open writes nothing to it, and
a read-only file opens all the same. The window runs the daily check in the background
(:func:`run_daily`, with the daily backup); the command line runs it on opening.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.settings import INTEGRITY_CHECKED_AT
from ..paths import data_dir
from . import connection
from .errors import StoreError

if TYPE_CHECKING:
    from .store import Store


def _warn(message: str, *args: object) -> None:
    """A warning in the log; logging is imported only when there is one (start-up)."""
    import logging

    logging.getLogger(__name__).warning(message, *args)


#: a good check is trusted this long
CHECK_EVERY = dt.timedelta(days=1)
STATE_FILE = "file-state.json"

CRASH = "crash"
DAILY = "daily"

# Files this process has open (Store.open … close): their -wal is ours, not a crash's.
_OPEN_HERE: Counter[str] = Counter()


def _where(path: Path) -> str:
    return str(Path(path).resolve())


def opened(path: Path) -> None:
    _OPEN_HERE[_where(path)] += 1


def closed(path: Path) -> None:
    key = _where(path)
    _OPEN_HERE[key] -= 1
    if _OPEN_HERE[key] <= 0:
        del _OPEN_HERE[key]


# ---------------------------------------------------------------- the user's state file


def _state_path() -> Path:
    return data_dir() / STATE_FILE


def _file_key(path: Path) -> str:
    digest = hashlib.sha256(_where(path).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return INTEGRITY_CHECKED_AT.key_for(file=digest)


def _read_state() -> dict[str, Any]:
    try:
        data = json.loads(_state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def last_checked(path: Path) -> dt.datetime | None:
    """When the file at ``path`` last passed an integrity check (None: never, or unknown)."""
    raw = INTEGRITY_CHECKED_AT.parse(_read_state().get(_file_key(path)))
    try:
        return dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def record_check(path: Path, when: dt.datetime | None = None) -> None:
    """Remember a good check (best effort: a state file that cannot be written means the
    next open checks again, never that opening fails)."""
    when = when or dt.datetime.now()
    try:
        state = _read_state()
        state[_file_key(path)] = when.isoformat(timespec="seconds")
        target = _state_path()
        import secrets  # not at start-up: only this write needs it

        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        tmp.write_text(json.dumps(state, ensure_ascii=False, indent=0), encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        _warn("无法记录完整性检查时间：%s", exc)


# ---------------------------------------------------------------- a crash's leftovers


def _held_elsewhere(shm: Path) -> bool:
    """Whether another process has the database open (it holds SQLite's lock on the
    -shm file's "dead man switch" byte 128 while connected)."""
    try:
        fd = os.open(shm, os.O_RDWR if sys.platform == "win32" else os.O_RDONLY)
    except OSError:
        return False  # no -shm: nobody is connected in WAL mode
    try:
        if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
            import msvcrt

            os.lseek(fd, 128, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            except OSError:
                return True
            os.lseek(fd, 128, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            return False
        import fcntl

        probe = struct.pack("hhllhh", fcntl.F_WRLCK, os.SEEK_SET, 128, 1, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, probe)
        return bool(struct.unpack("hhllhh", answer)[0] != fcntl.F_UNLCK)
    except (OSError, ValueError, struct.error):
        return True  # cannot tell: do not call it a crash
    finally:
        os.close(fd)


def left_by_crash(path: Path) -> bool:
    """A hot rollback journal, or a -wal file that no running program holds.

    Either is what a program killed while writing leaves behind (a clean close removes
    both). A -wal of a file open in this process or in another one is no crash.
    """
    path = Path(path)
    journal = path.with_name(path.name + "-journal")
    wal = path.with_name(path.name + "-wal")
    try:
        if journal.is_file() and journal.stat().st_size > 0:
            return True
        if not (wal.is_file() and wal.stat().st_size > 0):
            return False
    except OSError:
        return False
    if _where(path) in _OPEN_HERE:
        return False
    return not _held_elsewhere(path.with_name(path.name + "-shm"))


def due(path: Path, now: dt.datetime | None = None) -> str | None:
    """Why the file at ``path`` needs an integrity check now: CRASH, DAILY or None."""
    if left_by_crash(path):
        return CRASH
    last = last_checked(path)
    now = now or dt.datetime.now()
    if last is None or now - last >= CHECK_EVERY or last > now:
        return DAILY
    return None


# ---------------------------------------------------------------- the window's daily work


@dataclass(frozen=True)
class DailyResult:
    """What the background work found: ``problem`` is the check's finding (None: good or
    not run); ``backup`` the day's backup made (None: one existed, or none possible)."""

    checked: bool
    problem: str | None
    backup: Path | None
    backup_error: str | None = None


def run_daily(store: Store, reason: str | None, today: dt.date | None = None) -> DailyResult:
    """The integrity check (when ``reason`` says it is due) and the day's backup, on a
    reader of ``store`` (for a worker thread; the store's own connection is not used)."""
    from .backups import daily_backup

    if store.path is None:
        return DailyResult(False, None, None)
    # A plain connection for reading (VACUUM INTO fails on mode=ro, see backup_to); a
    # read-only file gets the usual reader and no backup.
    reader = (
        store.reader()
        if store.read_only
        else store.open(store.path, reading=True, integrity="defer")
    )
    try:
        problem = None
        if reason is not None:
            result = reader.quick_check()
            if result == "ok":
                record_check(store.path)
            else:
                problem = connection.corrupt_message(store.path, result)
        backup, error = None, None
        if problem is None and not store.read_only:
            try:
                backup = daily_backup(reader, today)
            except (StoreError, OSError) as exc:  # a full disk must not stop the day's work
                _warn("每日备份失败：%s", exc)
                error = str(exc)
        return DailyResult(reason is not None, problem, backup, error)
    finally:
        reader.close()
