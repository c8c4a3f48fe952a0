"""The per-quarter progress fields (进度填报), declared once for window, Excel and PDF.

Every label a clerk reads for a quarter's progress — the window's 进度 tab, the
Excel return's 进度填报 sheet, the PDF sheet — comes from :data:`PROGRESS`; the
``aliases`` are older names still read from returns made before the names were unified.
The quarter view of an entry (:func:`as_of_quarter`) is here too: the figures as
they stood at the end of a quarter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from .categories import STATUSES, Field, FieldType

FOLLOW_UP_YES, FOLLOW_UP_NO = "是", "否"
FOLLOW_UP_CHOICES = (FOLLOW_UP_YES, FOLLOW_UP_NO)

#: The progress fields of one quarter, in the order the Excel sheet and the window show them.
PROGRESS: tuple[Field, ...] = (
    Field("value", "完成值", FieldType.NUMBER, width=10, aliases=("进度值", "本季度完成值")),
    Field("status", "推进状态", FieldType.ENUM, choices=STATUSES, width=9, aliases=("状态",)),
    Field("problems", "存在问题", FieldType.LONGTEXT, width=18),
    Field("next_steps", "下步措施", FieldType.LONGTEXT, width=18, aliases=("下步打算",)),
    Field("comment", "备注", FieldType.LONGTEXT, width=14, aliases=("审核意见",)),
    Field("follow_up", "需跟踪", FieldType.ENUM, choices=FOLLOW_UP_CHOICES, width=6),
)
PROGRESS_BY_KEY = {f.key: f for f in PROGRESS}

CN_QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}


def progress_label(key: str) -> str:
    """The one name of a progress field (``next_steps`` → 下步措施)."""
    return PROGRESS_BY_KEY[key].label


def as_of_text(quarter: int) -> str:
    """“截至第二季度”: the line naming the quarter a sheet's figures stand at."""
    return f"截至第{CN_QUARTERS[quarter]}季度"


class QuarterReport(Protocol):
    quarter: int
    value: Any
    status: str | None


def reported(rows: Iterable[QuarterReport]) -> list[int]:
    """The quarters with a reported value or status, ascending."""
    return sorted({p.quarter for p in rows if p.value is not None or p.status})


def as_of_quarter(
    values: Mapping[str, Any], rows: Iterable[QuarterReport], quarter: int
) -> dict[str, Any]:
    """An entry's ``actual`` and ``status`` as they stood at the end of ``quarter``.

    Each is the value of that quarter or of the latest quarter before it that has one
    (None when no quarter up to it has one). A figure no quarter reports at all keeps the
    entry's own value (typed straight into the ledger).
    """
    rows = sorted(rows, key=lambda p: p.quarter, reverse=True)
    actual = [p for p in rows if p.value is not None]
    status = [p for p in rows if p.status]
    return {
        "actual": next((p.value for p in actual if p.quarter <= quarter), None)
        if actual
        else values.get("actual"),
        "status": next((p.status for p in status if p.quarter <= quarter), None)
        if status
        else values.get("status"),
    }


def after_quarter(year: int, quarter: int) -> dt.date:
    """The day after a quarter: the date its lights are judged on (after Q4 the year is
    over, so an unfinished entry is past due). The window and the sheet both use it."""
    return dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
