"""What an import changes: the plan of one return, and the report the user reads.

The report lists added, changed, unchanged, not-deleted and ignored rows, then the
cell-level problems (:class:`.xlsx_read.ImportProblem`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.enums import LedgerStatus
from .return_read import ParsedReturn, ParsedRow
from .xlsx_read import ImportProblem


@dataclass
class EntryChange:
    kind: str  # "new", "changed", "removed", "unchanged", "skipped"
    category: str
    name: str
    entry_id: int | None = None
    row: ParsedRow | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    parsed: ParsedReturn
    unit_id: int | None
    unit_name: str
    year: int | None
    ledger_id: int | None
    ledger_status: str | None
    entries: list[EntryChange]
    header_changes: dict[str, tuple[Any, Any]]
    progress_changes: int
    adjustments_change: bool
    problems: list[ImportProblem]
    fatal: str | None

    @property
    def needs_admin(self) -> bool:
        return self.ledger_status not in (None, LedgerStatus.DRAFT)

    def count(self, kind: str) -> int:
        return sum(1 for e in self.entries if e.kind == kind)

    @property
    def has_changes(self) -> bool:
        return bool(
            self.ledger_id is None
            or any(e.kind in ("new", "changed", "removed") for e in self.entries)
            or self.header_changes
            or self.progress_changes
            or self.adjustments_change
        )

    def summary(self) -> str:
        if self.fatal:
            return self.fatal
        target = f"{self.unit_name}{self.year}年台账" + (
            "（新建）" if self.ledger_id is None else f"（{self.ledger_status}）"
        )
        parts = [
            f"新增 {self.count('new')} 条",
            f"修改 {self.count('changed')} 条",
            f"删除 {self.count('removed')} 条",
            f"进度 {self.progress_changes} 处",
        ]
        if self.header_changes:
            parts.append(f"台账信息 {len(self.header_changes)} 项")
        if self.adjustments_change:
            parts.append("加减分更新")
        if self.problems:
            parts.append(f"问题 {len(self.problems)} 处")
        if not self.has_changes and not self.problems:
            return f"{target}：与数据库一致，无需导入"
        return f"{target}：" + "，".join(parts)
