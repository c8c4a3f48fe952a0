"""The Excel return (报表) of one ledger: cover, one sheet per category, progress, adjustments.

The layout (sheet names, header rows, columns, metadata) is :mod:`.return_layout`'s;
:mod:`.return_read` reads the same layout back. The workbook is written with
xlsxwriter (:mod:`.xlsx_write`) into a temporary file that replaces the target only
when complete (:func:`.atomic.atomic_path`). The district summary workbook is
:mod:`.excel_summary`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.categories import CATEGORIES, Field, FieldType
from ..core.entry_values import is_draft
from ..store import Entry, Ledger, Store
from . import return_layout as layout
from .atomic import atomic_path
from .excel_summary import default_summary_name as default_summary_name  # public entry points
from .excel_summary import export_summary as export_summary
from .fingerprint import ledger_fingerprint
from .progress import Cancelled as Cancelled  # re-exported: progress callbacks raise it
from .progress import Steps
from .return_layout import COVER_FIELDS as COVER_FIELDS  # read by ui/excel_actions.py
from .return_layout import SUMMARY_SHEET as SUMMARY_SHEET  # read by the window's tests
from .return_layout import category_columns
from .xlsx_write import Formats, cell_writer, new_workbook, write_header, write_meta, write_rows

Progress = Callable[[int, int], bool]  # (done, total) -> keep going


def default_return_name(ledger: Ledger) -> str:
    return f"{ledger.unit_name}_{ledger.year}年六个一批报表.xlsx"


def export_ledger(
    store: Store,
    ledger_id: int,
    out: str | Path,
    progress: Progress | None = None,
    *,
    only: Callable[[Entry], bool] | None = None,
    fingerprint: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Write the Excel return of one ledger to ``out`` (atomically).

    A task package is this return restricted to some entries (``only``), with its own
    ``fingerprint`` (cover and metadata) and metadata rows (``meta`` replaces or adds
    keys, e.g. its kind and revision) and without the 加减分 sheet.
    """
    out = Path(out)
    ledger = store.ledgers.get(ledger_id)
    plan = store.catalogue.plan(ledger.plan_id)
    links = layout.Links.of(store)
    fingerprint = fingerprint or ledger_fingerprint(store, ledger_id)
    exported = dt.datetime.now().isoformat(timespec="seconds")
    steps = Steps(len(CATEGORIES) + 3, progress, "已取消导出")

    with atomic_path(out) as tmp:
        wb = new_workbook(tmp)
        formats = Formats(wb)
        wb.set_properties(
            {
                "title": f"{ledger.unit_name}{ledger.year}年“六个一批”任务台账报表",
                "author": ledger.unit_name,
                "company": "西湖区",
                "comments": f"xihu-desktop {__version__}",
            }
        )
        cover = layout.cover_rows(ledger, plan, exported, fingerprint)
        _write_cover(wb, formats, store, ledger, cover)
        steps.tick()
        entry_rows: list[tuple[str, Entry]] = []
        for cat in CATEGORIES:
            columns = category_columns(cat)
            entries = [
                e
                for e in store.entries.list(ledger_id, cat.key)
                if not is_draft(e.name) and (only is None or only(e))
            ]
            ws = wb.add_worksheet(layout.sheet_name(cat))
            title = f"{ledger.unit_name}{ledger.year}年{cat.label}任务台账"
            write_header(ws, formats, title, columns, len(entries))
            rows = []
            for i, e in enumerate(entries, start=1):
                rows.append(
                    [
                        i,
                        *(links.display(f, e.values.get(f.key)) for f in cat.fields),
                        layout.entry_key(e),
                    ]
                )
                entry_rows.append((cat.label, e))
            write_rows(ws, formats, columns, rows)
            steps.tick()
        _write_progress_sheet(wb, formats, store, ledger, entry_rows)
        steps.tick()
        meta_rows = layout.ledger_meta(plan.code, ledger, exported, fingerprint)
        if meta is None:
            _write_adjustments(wb, formats, store, ledger)
        else:
            meta_rows = [(k, meta.get(k, v)) for k, v in meta_rows]
            meta_rows += [(k, v) for k, v in meta.items() if k not in dict(meta_rows)]
        write_meta(wb, meta_rows)
        wb.close()
        steps.tick()
    return out


def _write_cover(
    wb: Any, formats: Formats, store: Store, ledger: Ledger, cover: list[tuple[str, Any]]
) -> None:
    """The cover: the ledger's header fields, then entry counts and scores per category."""
    score = store.assessment.score(ledger.id)
    counts = {
        c: sum(1 for e in score.entries if e.category == c) for c in (k.key for k in CATEGORIES)
    }
    ws = wb.add_worksheet(layout.COVER_SHEET)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 3, 12)
    ws.merge_range(
        0, 0, 0, 3, f"{ledger.unit_name}{ledger.year}年“六个一批”任务台账报表", formats.title
    )
    ws.set_row(0, 30)
    text = cell_writer(ws, Field("_t", "", FieldType.LONGTEXT), formats)
    r = 2
    for label, value in cover:
        ws.write_string(r, 0, label, formats.label)
        ws.merge_range(r, 1, r, 3, None, formats.text)
        text(r, 1, value)
        if label == layout.COVER_SELF_ASSESSMENT:
            ws.set_row(r, 60)
        r += 1
    r += 1
    for c, head in enumerate(("类别", "条目数", "分值", "得分")):
        ws.write_string(r, c, head, formats.header)
    r += 1
    money = formats.cell(Field("_n", "", FieldType.MONEY))
    integer = formats.cell(layout.SEQ_FIELD)
    for cat in CATEGORIES:
        ws.write_string(r, 0, cat.label, formats.text)
        ws.write_number(r, 1, counts.get(cat.key, 0), integer)
        ws.write_number(r, 2, round(score.category_points.get(cat.key, 0.0), 2), money)
        ws.write_number(r, 3, round(score.category_scores.get(cat.key, 0.0), 2), money)
        r += 1
    for label, value in (
        ("基础得分", score.base),
        ("加分", score.bonus),
        ("扣分", score.deduction),
        ("总分", score.total),
    ):
        ws.write_string(r, 0, label, formats.label)
        ws.write_blank(r, 1, None, formats.text)
        ws.write_blank(r, 2, None, formats.text)
        ws.write_number(r, 3, round(value, 2), money)
        r += 1
    ws.write_string(r, 0, "等级", formats.label)
    ws.write_blank(r, 1, None, formats.text)
    ws.write_blank(r, 2, None, formats.text)
    ws.write_string(r, 3, score.grade, formats.text)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_progress_sheet(
    wb: Any, formats: Formats, store: Store, ledger: Ledger, entry_rows: list[tuple[str, Entry]]
) -> None:
    columns = layout.progress_columns()
    ws = wb.add_worksheet(layout.PROGRESS_SHEET)
    write_header(
        ws, formats, f"{ledger.unit_name}{ledger.year}年进度填报", columns, len(entry_rows)
    )
    progress = store.progress.of_ledger(ledger.id)
    rows = []
    for label, e in entry_rows:
        row: list[Any] = [label, e.name]
        quarters = progress.get(e.id, {})
        for q, _ in layout.QUARTERS:
            row.extend(layout.progress_cells(quarters.get(q)))
        row.append(layout.entry_key(e))
        rows.append(row)
    write_rows(ws, formats, columns, rows)


def _write_adjustments(wb: Any, formats: Formats, store: Store, ledger: Ledger) -> None:
    ws = wb.add_worksheet(layout.ADJUSTMENT_SHEET)
    items = store.assessment.adjustments(ledger.id)
    columns = layout.ADJUSTMENT_COLUMNS
    title = f"{ledger.unit_name}{ledger.year}年加减分（加分为正，扣分为负）"
    write_header(ws, formats, title, columns, len(items))
    rows = ([i, a["points"], a["reason"]] for i, a in enumerate(items, start=1))
    write_rows(ws, formats, columns, rows)
