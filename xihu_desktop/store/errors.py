"""Errors of the store. Their messages are plain Chinese sentences for the user.

Environment errors (a foreign or damaged file, a full disk, a locked or read-only
database) are :class:`StoreError`; anything else that escapes is a bug.
"""

from __future__ import annotations


class StoreError(Exception):
    """A known, user-facing problem with the data file or a write."""


class BackupFailed(StoreError):
    """A bulk write was refused because its backup could not be made."""


class NotOurFile(StoreError):
    pass


class CorruptFile(StoreError):
    pass


class NewerVersion(StoreError):
    pass


class ReadOnly(StoreError):
    pass


class DiskFull(StoreError):
    pass


class Busy(StoreError):
    pass


class LedgerLocked(StoreError):
    pass


class PermissionDenied(StoreError):
    pass


class NotFound(StoreError):
    pass


class InvalidData(StoreError):
    """A write rejected by validation; ``problems`` lists what is wrong."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def translate_sqlite_error(exc: Exception, path: object = "") -> StoreError:
    """Turn a sqlite3 error caused by the environment into a StoreError."""
    text = str(exc).lower()
    where = f"数据文件“{path}”" if path else "数据文件"
    if "readonly" in text or "read-only" in text or "attempt to write a readonly" in text:
        return ReadOnly(f"{where}是只读的（可能在只读介质或无写权限的文件夹中），无法保存修改。")
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFull(f"磁盘空间已满，{where}无法写入。请清理磁盘后重试，已保存的数据不受影响。")
    if "locked" in text or "busy" in text:
        return Busy(f"{where}正被其他程序或另一台电脑占用，请稍后重试。")
    if "not a database" in text or "malformed" in text or "disk i/o" in text:
        return CorruptFile(f"{where}已损坏或无法读取。请从备份恢复。")
    if "unable to open" in text:
        return ReadOnly(f"无法打开{where}：文件夹不存在或没有访问权限。")
    return StoreError(f"{where}操作失败：{exc}")
