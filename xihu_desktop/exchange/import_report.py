"""What an import changes: the plan of one return, and the report the user reads.

The report names the file and the ledger, counts added, changed, unchanged,
not-deleted, deleted and ignored rows, lists the entries the file lacks (not deleted
unless asked) and what was ignored, then the cell-level problems
(:class:`.xlsx_read.ImportProblem`). :meth:`ImportPlan.as_json` is the same as data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.categories import CATEGORY_BY_KEY
from ..core.enums import LedgerStatus
from .return_read import ParsedReturn, ParsedRow
from .xlsx_read import ImportProblem

#: entries listed by name in the report at most
LISTED = 20


@dataclass
class EntryChange:
    kind: str  # "new", "changed", "unchanged", "skipped", "missing" (kept), "removed"
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
    problems: list[ImportProblem]
    fatal: str | None
    delete_missing: bool = False
    ignored: list[str] = field(default_factory=list)  # parts of the file not imported, why
    reordered: list[str] = field(default_factory=list)  # keys of categories re-sorted
    created_ledger: bool = False  # the import created the ledger

    @property
    def needs_admin(self) -> bool:
        return self.ledger_status not in (None, LedgerStatus.DRAFT)

    @property
    def new_ledger(self) -> bool:
        """The ledger does not exist yet: the import would create it (needs a confirmation)."""
        return self.ledger_id is None and self.unit_id is not None and not self.created_ledger

    def count(self, kind: str) -> int:
        return sum(1 for e in self.entries if e.kind == kind)

    def named(self, kind: str) -> list[str]:
        return [
            f"{CATEGORY_BY_KEY[e.category].short}“{e.name or '（无名称）'}”"
            for e in self.entries
            if e.kind == kind
        ]

    @property
    def has_changes(self) -> bool:
        return bool(
            self.ledger_id is None
            or any(e.kind in ("new", "changed", "removed") for e in self.entries)
            or self.header_changes
            or self.progress_changes
            or self.reordered
        )

    @property
    def target(self) -> str:
        new = self.ledger_id is None or self.created_ledger
        status = "（新建）" if new else f"（{self.ledger_status}）"
        return f"{self.unit_name}{self.year}年台账{status}"

    def summary(self) -> str:
        """One line: the ledger and the counts."""
        if self.fatal:
            return self.fatal
        if not (self.has_changes or self.problems or self.count("missing") or self.ignored):
            return f"{self.target}：与文件相同，无需导入（未变 {self.count('unchanged')} 条）"
        parts = [
            f"新增 {self.count('new')} 条",
            f"修改 {self.count('changed')} 条",
            f"未变 {self.count('unchanged')} 条",
        ]
        if self.count("missing"):
            parts.append(f"文件中没有、未删除 {self.count('missing')} 条")
        if self.count("removed"):
            parts.append(f"删除 {self.count('removed')} 条")
        ignored = self.count("skipped") + len(self.ignored)
        if ignored:
            parts.append(f"忽略 {ignored} 处")
        parts.append(f"进度 {self.progress_changes} 处")
        if self.reordered:
            sorted_ = "、".join(CATEGORY_BY_KEY[k].short for k in self.reordered)
            parts.append(f"顺序调整：{sorted_}")
        if self.header_changes:
            parts.append(f"台账信息 {len(self.header_changes)} 项")
        if self.problems:
            parts.append(f"问题 {len(self.problems)} 处")
        return f"{self.target}：" + "，".join(parts)

    def report(self) -> list[str]:
        """The summary, then what was not deleted, ignored and refused, one line each."""
        lines = [self.summary()]
        if self.fatal:
            return lines
        for kind, head in (
            ("missing", "文件中没有以下 {n} 条，未删除（如需删除请确认删除或加 --delete-missing）"),
            ("removed", "已删除文件中没有的以下 {n} 条"),
        ):
            names = self.named(kind)
            if names:
                more = f"等（共 {len(names)} 条）" if len(names) > LISTED else ""
                lines.append(head.format(n=len(names)) + "：" + "、".join(names[:LISTED]) + more)
        lines += [f"忽略：{line}" for line in self.ignored]
        skipped = self.named("skipped")
        if skipped:
            lines.append(f"忽略有问题的 {len(skipped)} 行：" + "、".join(skipped[:LISTED]))
        lines += [f"问题：{p}" for p in self.problems]
        return lines

    def as_json(self) -> dict[str, Any]:
        """The report as data (``xihu import-excel --json``)."""
        counts = {
            "added": self.count("new"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "not_deleted": self.count("missing"),
            "deleted": self.count("removed"),
            "ignored": self.count("skipped") + len(self.ignored),
            "progress": self.progress_changes,
            "reordered": len(self.reordered),
        }
        return {
            "file": self.parsed.file,
            "unit": self.unit_name,
            "year": self.year,
            "ledger_id": self.ledger_id,
            "ledger_status": self.ledger_status,
            "new_ledger": self.new_ledger,
            "fatal": self.fatal,
            "counts": counts,
            "not_deleted": self.named("missing"),
            "deleted": self.named("removed"),
            "ignored": self.ignored
            + [f"第{e.row.row}行" for e in self.entries if e.kind == "skipped" and e.row],
            "problems": [
                {"sheet": p.sheet, "cell": p.cell, "field": p.field, "message": p.message}
                for p in self.problems
            ],
        }
