"""The audit trail as an Excel workbook (read-only copy; the log itself never changes).

Used by the audit dialog and ``xihu audit --out``. Values are written as text so a
logged value such as ``=HYPERLINK(...)`` never becomes a formula.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..store import AuditRecord
from .atomic import atomic_path

COLUMNS = (
    ("id", "序号", 8),
    ("ts", "时间", 20),
    ("user", "用户", 12),
    ("action", "操作", 12),
    ("ledger", "台账", 22),
    ("entry_id", "条目", 8),
    ("field", "字段", 18),
    ("old", "原值", 36),
    ("new", "新值", 36),
)

_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}


def display_value(value: Any) -> str:
    """A logged JSON value as a short human text."""
    if value is None:
        return ""
    text = str(value)
    if text[:1] in "[{":
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        if isinstance(parsed, dict):
            return "；".join(f"{k}={v}" for k, v in parsed.items() if v not in (None, ""))
        if isinstance(parsed, list):
            return "、".join(str(v) for v in parsed)
    return text


def safe_text(value: Any) -> str:
    """Text for a cell: control characters removed, never read as a formula."""
    return display_value(value).translate(_ILLEGAL)[:32000]


def export_audit_xlsx(
    rows: Iterable[AuditRecord],
    dest: str | Path,
    ledger_names: Mapping[int, str] | None = None,
    title: str = "审计日志",
) -> Path:
    """Write the rows of ``Store.audit_log`` to ``dest`` atomically."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING
    from openpyxl.styles import Font

    names = ledger_names or {}
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet
    ws.title = title[:31]
    for col, (_key, label, width) in enumerate(COLUMNS, start=1):
        head = ws.cell(row=1, column=col, value=label)
        head.font = Font(bold=True)
        ws.column_dimensions[head.column_letter].width = width
    for r, row in enumerate(rows, start=2):
        for col, (key, _label, _width) in enumerate(COLUMNS, start=1):
            if key == "ledger":
                lid = row.get("ledger_id")
                value: Any = names.get(lid, str(lid)) if lid is not None else ""
            else:
                value = row.get(key)
            if key in ("id", "entry_id") and isinstance(value, int):
                ws.cell(row=r, column=col, value=value)
                continue
            cell = ws.cell(row=r, column=col)
            cell.value = safe_text(value)
            cell.data_type = TYPE_STRING  # "=..." stays text, never a formula
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    with atomic_path(dest) as tmp:
        wb.save(tmp)
    return Path(dest)
