"""The district summary workbook: completion per unit × category, the ranking, every entry.

Written in xlsxwriter's constant-memory mode, row by row (a district holds 100,000
entries and more), with the same sheet furniture as the return (:mod:`.xlsx_write`).
The import refuses it (its metadata kind is ``summary``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..core.categories import CATEGORIES, UNIT_KINDS, Category, Field, FieldType
from ..store import Ledger, Store
from ..store.dashboard import ranked
from ..store.errors import NotFound
from . import return_layout as layout
from .atomic import atomic_path
from .progress import Steps
from .xlsx_write import Formats, new_workbook, write_header, write_meta, write_rows

Progress = Callable[[int, int], bool]  # (done, total) -> keep going


def default_summary_name(year: int) -> str:
    return f"西湖区{year}年六个一批汇总表.xlsx"


def _summary_sheet_rows(
    store: Store, ledgers: Sequence[Ledger], cat: Category, links: layout.Links
) -> Iterator[list[Any]]:
    plain = [f.key for f in cat.fields if not layout.is_link(f)]
    linked = [(i, f) for i, f in enumerate(cat.fields, start=2) if layout.is_link(f)]
    if linked:  # keep the column order: fill plain values, then put link texts in place
        keys = [f.key for f in cat.fields]
        for ledger in ledgers:
            for i, e in enumerate(store.entries.list(ledger.id, cat.key), start=1):
                get = e.values.get
                row = [ledger.unit_name, i, *map(get, keys)]
                for c, f in linked:
                    row[c] = links.display(f, row[c])
                yield row
        return
    for ledger in ledgers:
        for i, e in enumerate(store.entries.list(ledger.id, cat.key), start=1):
            yield [ledger.unit_name, i, *map(e.values.get, plain)]


def export_summary(
    store: Store, year: int, out: str | Path, progress: Progress | None = None
) -> Path:
    """Write the district summary workbook of ``year``: completion, ranking, every entry."""
    out = Path(out)
    ledgers = store.ledgers.list(year=year)
    if not ledgers:
        raise NotFound(f"{year}年还没有任何台账，无法汇总。")
    links = layout.Links.of(store)
    steps = Steps(len(ledgers) + len(CATEGORIES) + 1, progress, "已取消导出")

    # the 区看板's figures (SQL aggregates, equal to store.assessment.score per ledger)
    figures = {f.ledger_id: f for f in store.dashboard.ledger_figures(year)}
    scores = []
    for ledger in ledgers:
        scores.append((ledger, figures[ledger.id], store.entries.counts(ledger.id)))
        steps.tick()
    exported = dt.datetime.now().isoformat(timespec="seconds")
    with atomic_path(out) as tmp:
        wb = new_workbook(tmp, constant_memory=True)
        formats = Formats(wb)
        _write_completion(wb, formats, year, scores)
        _write_ranking(wb, formats, year, scores)
        for cat in CATEGORIES:
            columns = [layout.UNIT_FIELD, layout.SEQ_FIELD, *cat.fields]
            ws = wb.add_worksheet(layout.sheet_name(cat))
            total = sum(c.get(cat.key, 0) for _, _, c in scores)
            write_header(ws, formats, f"西湖区{year}年{cat.label}汇总", columns, total)
            rows = _summary_sheet_rows(store, ledgers, cat, links)
            write_rows(ws, formats, columns, rows, blanks=False)
            steps.tick()
        write_meta(wb, layout.summary_meta(year, len(ledgers), exported))
        wb.close()
    return out


def _completion_columns() -> list[Field]:
    cols = [
        Field("_rank", "序号", FieldType.INTEGER, group="", width=5),
        layout.UNIT_FIELD,
        Field("_status", "台账状态", group="", width=7),
    ]
    for cat in CATEGORIES:
        cols.append(Field(f"{cat.key}.n", "条目数", FieldType.INTEGER, group=cat.short, width=5))
        cols.append(Field(f"{cat.key}.s", "得分", FieldType.MONEY, group=cat.short, width=6))
        cols.append(Field(f"{cat.key}.r", "得分率", FieldType.PERCENT, group=cat.short, width=6))
    cols.append(Field("_total", "总分", FieldType.MONEY, group="合计", width=7))
    cols.append(Field("_grade", "等级", group="合计", width=6))
    return cols


def _write_completion(wb: Any, formats: Formats, year: int, scores: list[Any]) -> None:
    columns = _completion_columns()
    ws = wb.add_worksheet(layout.SUMMARY_SHEET)
    write_header(
        ws, formats, f"西湖区{year}年“六个一批”完成情况汇总（单位×类别）", columns, len(scores)
    )
    rows = []
    for i, (ledger, score, counts) in enumerate(scores, start=1):
        row: list[Any] = [i, ledger.unit_name, ledger.status]
        for cat in CATEGORIES:
            figure = score.categories.get(cat.key)
            points = figure.points if figure is not None else 0.0
            got = figure.score if figure is not None else 0.0
            row += [
                counts.get(cat.key, 0),
                round(got, 2),
                round(100 * got / points, 2) if points else None,
            ]
        row += [round(score.total or 0.0, 2), score.grade]
        rows.append(row)
    write_rows(ws, formats, columns, rows)


def _write_ranking(wb: Any, formats: Formats, year: int, scores: list[Any]) -> None:
    columns = [
        Field("_rank", "名次", FieldType.INTEGER, group="", width=5),
        layout.UNIT_FIELD,
        Field("_kind", "单位类型", group="", width=6),
        Field("_base", "基础得分", FieldType.MONEY, group="", width=8),
        Field("_bonus", "加分", FieldType.MONEY, group="", width=6),
        Field("_ded", "扣分", FieldType.MONEY, group="", width=6),
        Field("_total", "总分", FieldType.MONEY, group="", width=8),
        Field("_grade", "等级", group="", width=6),
        Field("_veto", "一票否决", group="", width=20),
    ]
    ws = wb.add_worksheet(layout.RANKING_SHEET)
    write_header(ws, formats, f"西湖区{year}年“六个一批”考核得分排名", columns, len(scores))
    by_ledger = {ledger.id: ledger for ledger, _, _ in scores}
    rows = []
    for rank, score in ranked([s for _, s, _ in scores]):
        ledger = by_ledger[score.ledger_id]
        total = round(score.total or 0.0, 2)
        rows.append(
            [
                rank,
                ledger.unit_name,
                UNIT_KINDS.get(ledger.unit_kind, ledger.unit_kind),
                round(score.base, 2),
                round(score.bonus, 2),
                round(score.deduction, 2),
                total,
                score.grade,
                "、".join(score.veto_names) or None,
            ]
        )
    write_rows(ws, formats, columns, rows)
