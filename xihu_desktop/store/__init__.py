"""SQLite store: one :class:`Store` facade of managers; records; what a write changed."""

from .changes import Changes, Operation
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
from .records import (
    Adjustment,
    AuditRecord,
    CatalogueItem,
    Entry,
    Ledger,
    Plan,
    PlanTarget,
    Progress,
    Unit,
)
from .store import Store

__all__ = [
    "Adjustment",
    "AuditRecord",
    "Busy",
    "CatalogueItem",
    "Changes",
    "CorruptFile",
    "DiskFull",
    "Entry",
    "InvalidData",
    "Ledger",
    "LedgerLocked",
    "NewerVersion",
    "NotFound",
    "NotOurFile",
    "Operation",
    "PermissionDenied",
    "Plan",
    "PlanTarget",
    "Progress",
    "ReadOnly",
    "Store",
    "StoreError",
    "Unit",
]
