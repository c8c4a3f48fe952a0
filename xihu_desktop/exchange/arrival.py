"""One door for every file that arrives: a return, a task package, a decomposition table
or a receipt, told apart by the kind in its hidden metadata sheet (``_元数据``).

Every importer answers with an :class:`ArrivalReport` (or raises
:class:`~.excel_import.ImportRefused` / :class:`~.xlsx_safety.UnusableFile` having
written nothing): the status the inbox shows (新增, 更新, 相同, 冲突, 错误), the unit
and year the file names, the report's lines (the first one is the summary) and the
same as data for ``--json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.enums import ArrivalStatus
from . import return_layout as layout
from .xlsx_read import Workbook
from .xlsx_safety import UnusableFile, check_xlsx, require_defusedxml

#: Chinese names of the kinds of file, for messages
KIND_LABELS = {
    layout.KIND_LEDGER: "单位报表",
    layout.KIND_PACKAGE: "任务包",
    layout.KIND_DECOMPOSITION: "任务分解表",
    layout.KIND_RECEIPT: "回执",
    layout.KIND_SUMMARY: "全区汇总表",
    layout.KIND_EVALUATION: "评估报告",
}

#: kinds that are only to be read: the one door refuses them with this message
READ_ONLY_KINDS = {
    layout.KIND_SUMMARY: "是全区汇总表，只供查看，不能导入",
    layout.KIND_EVALUATION: "是规划评估报告，只供查看，评估报告不能导入",
}


@dataclass
class ArrivalReport:
    """What one arriving file did (or would do, in a dry run)."""

    file: str
    kind: str  # one of return_layout.KIND_*
    status: ArrivalStatus
    unit: str | None = None
    year: int | None = None
    lines: list[str] = field(default_factory=list)  # the summary first
    data: dict[str, Any] = field(default_factory=dict)  # kind-specific details for --json

    def summary(self) -> str:
        return self.lines[0] if self.lines else str(self.status)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "status": str(self.status),
            "unit": self.unit,
            "year": self.year,
            "report": list(self.lines),
            **self.data,
        }


def read_meta(path: Path) -> dict[str, str]:
    """The key/value rows of the file's ``_元数据`` sheet (empty when it has none).

    Raises :class:`UnusableFile` for a file that is no usable xlsx.
    """
    require_defusedxml()
    check_xlsx(path)
    wb = Workbook(path)
    sheet = wb.sheet(layout.META_SHEET)
    if sheet is None:
        return {}
    out: dict[str, str] = {}
    for r in range(len(sheet.rows)):
        key = sheet.raw(r, 0)
        if key is not None:
            value = sheet.get(r, 1)
            out.setdefault(str(key).strip(), "" if value is None else str(value).strip())
    return out


def file_kind(path: Path) -> str:
    """The kind the file's metadata names; a workbook without metadata is read as a
    return (a clerk's own template is found by its sheets and cover)."""
    meta = read_meta(path)
    kind = meta.get(layout.META_KIND) or layout.KIND_LEDGER
    if kind not in KIND_LABELS:
        raise UnusableFile(f"文件“{path.name}”的元数据写的文件类型“{kind}”本程序不认识，未导入。")
    return kind
