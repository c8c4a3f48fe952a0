"""Lock record of a database file on a network share (like GnuCash's ``gnclock``).

SQLite's file locks cannot be trusted over SMB/NFS, so a session that opens a file
on a share writes a row naming its host and process into ``db_lock``; a second PC
sees the row and is told who is using the file. A row left by a process of this
same host that no longer runs is stale and removed. A row of another host that
crashed is removed with :func:`clear` (``xihu unlock``) after checking that PC.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Busy, translate_sqlite_error
from .records import now

if TYPE_CHECKING:
    from .store import Store


class InUse(Busy):
    """The file is open on another computer."""

    def __init__(self, message: str, holder: LockRecord) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True)
class LockRecord:
    id: int
    host: str
    pid: int
    user: str | None
    since: str

    def describe(self) -> str:
        who = f"（用户 {self.user}）" if self.user else ""
        return f"数据文件正由 {self.host} 上的进程 {self.pid}{who}使用（自 {self.since}）"


def this_host() -> str:
    return socket.gethostname() or "本机"


def pid_alive(pid: int) -> bool:
    """Whether a process of this host with ``pid`` still runs."""
    if pid <= 0:
        return False
    if os.name == "nt":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holders(store: Store) -> list[LockRecord]:
    rows = store.query("SELECT id, host, pid, user, since FROM db_lock ORDER BY id")
    return [LockRecord(*r) for r in rows]


def acquire(store: Store, host: str | None = None, pid: int | None = None, alive=pid_alive) -> int:
    """Write our lock row; raise :class:`InUse` when another host holds the file."""
    host = host or this_host()
    pid = pid if pid is not None else os.getpid()
    with store.transaction():
        for record in holders(store):
            if record.host == host:
                if record.pid == pid or not alive(record.pid):  # ours, or stale
                    store.execute("DELETE FROM db_lock WHERE id = ?", (record.id,))
                continue  # another process of this PC: SQLite's locks work locally
            raise InUse(
                f"{record.describe()}。请在那台电脑上关闭本程序后再打开；"
                "如果那台电脑已关机或程序已崩溃，请由区管理员运行“xihu unlock”清除占用记录。",
                record,
            )
        cur = store.execute(
            "INSERT INTO db_lock (host, pid, user, since) VALUES (?, ?, ?, ?)",
            (host, pid, store.user, now()),
        )
        return int(cur.lastrowid or 0)


def release(store: Store) -> None:
    if store.lock_record is None:
        return
    with store.transaction():
        store.execute("DELETE FROM db_lock WHERE id = ?", (store.lock_record,))
    store.lock_record = None


def clear(path: Path) -> list[LockRecord]:
    """Remove every lock row of the file (after the holder crashed); return what was removed."""
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=5)
        try:
            conn.execute("BEGIN IMMEDIATE")
            rows = [
                LockRecord(*r)
                for r in conn.execute("SELECT id, host, pid, user, since FROM db_lock")
            ]
            conn.execute("DELETE FROM db_lock")
            conn.execute("COMMIT")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    return rows
