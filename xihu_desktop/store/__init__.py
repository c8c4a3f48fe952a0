"""SQLite store: open/migrate/backup, queries and writes, audit log."""

from .errors import (
    Busy,
    CorruptFile,
    DiskFull,
    InvalidData,
    LedgerLocked,
    NewerVersion,
    NotFound,
    NotOurFile,
    PermissionDenied,
    ReadOnly,
    StoreError,
)
from .store import Entry, Ledger, Progress, Store, Unit

__all__ = [
    "Busy",
    "CorruptFile",
    "DiskFull",
    "Entry",
    "InvalidData",
    "Ledger",
    "LedgerLocked",
    "NewerVersion",
    "NotFound",
    "NotOurFile",
    "PermissionDenied",
    "Progress",
    "ReadOnly",
    "Store",
    "StoreError",
    "Unit",
]
