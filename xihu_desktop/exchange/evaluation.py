"""The evaluation reports of the plan — 年度监测 for any year, 中期评估 for the plan's middle
year (2023), 总结评估 for its last (2025) — written as PDF or Excel by :func:`write_report`.

What they show is :mod:`.evaluation_data`'s (re-exported here for the window and the
command line); :mod:`.evaluation_pdf` and :mod:`.evaluation_xlsx` draw it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..store import Store
from .evaluation_data import (
    KIND_FINAL,
    KIND_MID_TERM,
    KIND_MONITORING,
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    ChartSeries,
    Evaluation,
    Tally,
    chart_series,
    default_report_name,
    evaluation,
    goal_text,
    label,
    number,
    off_first,
    report_kind,
    report_title,
    status_of,
    summary_line,
    tallies,
)
from .evaluation_pdf import render_evaluation
from .evaluation_xlsx import export_evaluation
from .pdf_fonts import font_for_store

__all__ = [
    "KIND_FINAL",
    "KIND_MID_TERM",
    "KIND_MONITORING",
    "NO_DATA",
    "OFF_TRACK",
    "ON_TRACK",
    "SUFFIXES",
    "ChartSeries",
    "Evaluation",
    "Tally",
    "chart_series",
    "default_report_name",
    "evaluation",
    "goal_text",
    "label",
    "number",
    "off_first",
    "report_kind",
    "report_title",
    "status_of",
    "summary_line",
    "tallies",
    "write_report",
]

SUFFIXES = (".pdf", ".xlsx")

Progress = Callable[..., Any]  # progress(done, total, label="")


def write_report(
    store: Store, year: int, out: str | Path, progress: Progress | None = None
) -> Path:
    """Write the evaluation report of ``year`` to ``out`` (atomically): Excel for ``.xlsx``,
    PDF for ``.pdf``."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in SUFFIXES:
        raise ValueError(
            f"无法生成评估报告“{out.name}”：文件扩展名须为 .pdf 或 .xlsx"
            f"（现为“{out.suffix or '无扩展名'}”）。"
        )
    report = evaluation(store, year)
    if progress is not None:
        progress(1, 3, "正在绘制报告…")
    if suffix == ".pdf":
        render_evaluation(report, out, font_for_store(store))
    else:
        export_evaluation(report, out)
    if progress is not None:
        progress(3, 3, "")
    return out
