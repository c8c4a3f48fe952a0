"""The district summary PDF: every unit's score, grade and rank, and a bar chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, Table, TableStyle

from ..core.categories import CATEGORIES, UNIT_KINDS
from ..store import Store
from ..store.dashboard import ranked
from . import pdf_furniture as page
from .atomic import atomic_path
from .pdf_fonts import font_for_store
from .sheet_data import clean_text

GRADE_COLORS = {
    "优秀": colors.HexColor("#1E8E3E"),
    "良好": colors.HexColor("#1565C0"),
    "合格": colors.HexColor("#B8860B"),
    "不合格": colors.HexColor("#C62828"),
}


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit_name: str
    unit_kind: str
    status: str
    category_scores: dict[str, float]
    adjustment: float
    total: float
    grade: str


def ranking(store: Store, year: int, as_of: dt.date | None = None) -> list[RankRow]:
    """Every ledger of ``year`` scored and ranked (ties share a rank: 1, 2, 2, 4).

    The figures are the 区看板's (``store.dashboard.ledger_figures``: SQL aggregates,
    equal to ``store.assessment.score`` of each ledger), so the PDF summary, the Excel
    summary and the dashboard rank alike.
    """
    rows: list[RankRow] = []
    for rank, f in ranked(store.dashboard.ledger_figures(year, as_of)):
        points = {c.key: f.categories[c.key].score for c in CATEGORIES if c.key in f.categories}
        rows.append(
            RankRow(
                rank or 0,
                clean_text(f.unit_name),
                f.unit_kind,
                f.ledger_status or "",
                {c.key: points.get(c.key, 0.0) for c in CATEGORIES},
                f.bonus - f.deduction,
                f.total or 0.0,
                f.grade or "",
            )
        )
    return rows


def _ranking_table(rows: list[RankRow], styles: page.Styles) -> Table:
    cat_w = 13 * mm
    fixed = [10 * mm, 12 * mm, *[cat_w] * len(CATEGORIES), 13 * mm, 15 * mm, 13 * mm]
    unit_w = page.CONTENT_W - sum(fixed)
    widths = [fixed[0], unit_w, *fixed[1:]]
    header: list[Any] = [
        "排名",
        "责任单位",
        "类型",
        *[Paragraph(c.short, styles.head) for c in CATEGORIES],
        "加减分",
        "总分",
        "等级",
    ]
    data: list[list[Any]] = [header]
    cmds: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), styles.font),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("LEADING", (0, 0), (-1, -1), 10.5),
        ("GRID", (0, 0), (-1, -1), 0.5, page.GRID),
        ("BACKGROUND", (0, 0), (-1, 0), page.HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (2, 1), (2, -1), "CENTER"),
        ("ALIGN", (3, 1), (-2, -1), "RIGHT"),
        ("ALIGN", (-1, 1), (-1, -1), "CENTER"),
    ]
    for r, row in enumerate(rows, start=1):
        data.append(
            [
                str(row.rank),
                page.cell(row.unit_name, unit_w, styles),
                UNIT_KINDS.get(row.unit_kind, row.unit_kind),
                *[f"{row.category_scores.get(c.key, 0.0):.2f}" for c in CATEGORIES],
                f"{row.adjustment:+.2f}" if row.adjustment else "0",
                f"{row.total:.2f}",
                row.grade,
            ]
        )
        if row.grade in GRADE_COLORS:
            cmds.append(("TEXTCOLOR", (-1, r), (-1, r), GRADE_COLORS[row.grade]))
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(cmds))


BARS_PER_PAGE = 40  # 40 bars of 5.5 mm, axis and legend fit one A4 frame with a heading


def _chart(rows: list[RankRow], font: str, value_max: float | None = None) -> Drawing:
    """Horizontal bars of the total score by unit, best first (top).

    ``value_max``: the right end of the axis, the same on every page of a long chart.
    """
    bar_h = 5.5 * mm
    label_w = 42 * mm
    height = max(len(rows), 1) * bar_h + 16 * mm
    drawing = Drawing(page.CONTENT_W, height)
    drawing.initialFontName = font
    chart = HorizontalBarChart()
    chart.x = label_w
    chart.y = 10 * mm
    chart.width = page.CONTENT_W - label_w - 12 * mm
    chart.height = max(len(rows), 1) * bar_h
    ordered = list(reversed(rows))  # the chart draws its first category at the bottom
    chart.data = [[r.total for r in ordered]]
    chart.categoryAxis.categoryNames = [r.unit_name for r in ordered]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = value_max or _value_max(rows)
    chart.valueAxis.valueStep = 10
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#DDDDDD")
    chart.bars.strokeColor = None
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6.5
    chart.barLabelFormat = "%.1f"
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    for i, r in enumerate(ordered):
        chart.bars[(0, i)].fillColor = GRADE_COLORS.get(r.grade, colors.grey)
    drawing.add(chart)
    # grade thresholds: 60 / 80 / 90
    for threshold in (60, 80, 90):
        x = chart.x + chart.width * threshold / chart.valueAxis.valueMax
        drawing.add(
            Line(
                x,
                chart.y,
                x,
                chart.y + chart.height,
                strokeColor=colors.HexColor("#999999"),
                strokeDashArray=[2, 2],
                strokeWidth=0.5,
            )
        )
    legend_x = chart.x
    for grade, color in GRADE_COLORS.items():
        drawing.add(String(legend_x + 10, 2 * mm, grade, fontName=font, fontSize=7.5))
        drawing.add(Rect(legend_x, 2 * mm - 1, 8, 8, fillColor=color, strokeColor=None))
        legend_x += 22 * mm
    return drawing


def _value_max(rows: list[RankRow]) -> float:
    return max(100.0, *(r.total for r in rows)) if rows else 100.0


def chart_pages(rows: list[RankRow], font: str, per_page: int = BARS_PER_PAGE) -> list[Drawing]:
    """The bar chart cut into drawings of at most ``per_page`` units, one per page, all
    on the same scale (a single drawing of 43 or more units is taller than the page)."""
    value_max = _value_max(rows)
    return [
        _chart(rows[i : i + per_page], font, value_max)
        for i in range(0, max(len(rows), 1), per_page)
    ]


def _chart_story(rows: list[RankRow], font: str, styles: page.Styles) -> list[Flowable]:
    drawings = chart_pages(rows, font)
    story: list[Flowable] = []
    for n, drawing in enumerate(drawings):
        if n:
            story.append(PageBreak())
        first = n * BARS_PER_PAGE + 1
        last = min(first + BARS_PER_PAGE - 1, len(rows))
        part = f"（续，第 {n + 1}/{len(drawings)} 页）" if n else ""
        span = f"（第 {n + 1}/{len(drawings)} 页）" if len(drawings) > 1 and not n else part
        story.append(Paragraph(f"二、各单位得分{span}", styles.section))
        if len(drawings) > 1:
            story.append(Paragraph(f"排名第 {first}–{last} 位的单位", styles.small))
        story.append(drawing)
    return story


def render_summary(store: Store, year: int, out: str | Path, font: str | None = None) -> Path:
    """Write the district summary of ``year`` atomically."""
    rows = ranking(store, year)
    if not rows:
        raise ValueError(f"{year}年没有台账，无法生成汇总表。")
    font = font or font_for_store(store)
    styles = page.Styles(font)
    title = f"西湖区 {year} 年“六个一批”任务完成情况考核汇总表"
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.grade] = counts.get(r.grade, 0) + 1
    spread = "，".join(f"{g} {counts.get(g, 0)} 个" for g in GRADE_COLORS)
    average = sum(r.total for r in rows) / len(rows)
    info = page.SheetInfo(0, "西湖区", year, "", 0, font, kind="考核汇总表")
    story: list[Flowable] = [
        page.SheetStart(info, title),
        Paragraph(page.escape(title), styles.title),
        Spacer(1, 3 * mm),
        Paragraph(f"参评单位 {len(rows)} 个，平均得分 {average:.2f}；{spread}。", styles.body),
        Spacer(1, 3 * mm),
        Paragraph("一、得分排名", styles.section),
        _ranking_table(rows, styles),
        PageBreak(),
        *_chart_story(rows, font, styles),
    ]
    out = Path(out)
    with atomic_path(out) as tmp:
        page.build_pdf(story, tmp, font, title)
    return out
