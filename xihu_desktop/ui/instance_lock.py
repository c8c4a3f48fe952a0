"""One window per database file: a lock file next to it (``<db>.lock``).

A second instance is told who holds the file. A lock left behind by a crashed
program is stale (its process is gone) and is taken over silently.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile


class InstanceLock:
    def __init__(self, db_path: str | Path) -> None:
        self.path = Path(str(db_path) + ".lock")
        self._lock = QLockFile(str(self.path))
        self._lock.setStaleLockTime(0)  # only a dead owner makes the lock stale

    def acquire(self) -> bool:
        if self._lock.tryLock(100):
            return True
        if self._lock.error() == QLockFile.LockError.LockFailedError:
            self._lock.removeStaleLockFile()
            return self._lock.tryLock(100)
        return False

    def release(self) -> None:
        self._lock.unlock()

    def holder(self) -> str:
        """Who holds the lock, e.g. "电脑 PC-07 上的进程 1234（xihu-desktop）"."""
        info = self._lock.getLockInfo()  # PySide6: (pid, hostname, appname)
        if not isinstance(info, tuple) or len(info) < 3 or not info[0]:
            return "另一个程序"
        pid, host, app = info[-3:]
        where = f"电脑“{host}”上的" if host else ""
        name = f"（{app}）" if app else ""
        return f"{where}进程 {pid}{name}"

    def message(self) -> str:
        return (
            f"数据文件已被{self.holder()}打开：\n{str(self.path)[: -len('.lock')]}\n\n"
            "同一个数据文件同时只能在一个窗口中编辑，以免互相覆盖。"
            "请先关闭另一个窗口（或另一台电脑上的程序）后再打开。"
        )
