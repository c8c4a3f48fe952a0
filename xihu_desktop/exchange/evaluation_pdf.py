"""The evaluation report as PDF: a cover block, the counts, then per category a table of
the targets and a small chart of each target's actuals against its path.

The page furniture (header, footer, page numbers, the one document template) is
:mod:`.pdf_furniture`'s. Each chart is a :class:`TargetChart` drawn with
reportlab.graphics shapes; its caption ``图 N`` numbers the charts through the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from ..core.monitoring import MonitorRow
from . import pdf_furniture as page
from .atomic import atomic_path
from .evaluation_data import (
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    ChartSeries,
    Evaluation,
    Tally,
    goal_text,
    label,
    number,
    status_of,
    tallies,
)

STATUS_TEXT = {
    ON_TRACK: colors.HexColor("#1E7E34"),
    OFF_TRACK: colors.HexColor("#C62828"),
    NO_DATA: colors.HexColor("#7A7A7A"),
}
STATUS_BG = {
    ON_TRACK: colors.HexColor("#E3F4E6"),
    OFF_TRACK: colors.HexColor("#FDE2E2"),
    NO_DATA: colors.HexColor("#EFEFEF"),
}
ACTUAL_COLOR = colors.HexColor("#1565C0")
PATH_COLOR = colors.HexColor("#E67E22")
CHART_W = 56 * mm
CHART_H = 36 * mm
CHARTS_PER_ROW = 3
NUMERALS = "一二三四五六七八九十"


def _numeral(i: int) -> str:
    return NUMERALS[i - 1] if 1 <= i <= len(NUMERALS) else str(i)


def _nice(lo: float, hi: float) -> tuple[float, float, float]:
    """A rounded axis range and step covering ``lo``..``hi`` (about four steps)."""
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / 4
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw - 1e-12)
    return math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step, step


class TargetChart(Drawing):
    """One target's actual values by year (solid, dots) against its path (dashed)."""

    def __init__(self, series: ChartSeries, font: str) -> None:
        super().__init__(CHART_W, CHART_H)
        left, right, bottom, top = 11 * mm, 2 * mm, 6 * mm, 6 * mm
        x0, y0 = left, bottom
        w, h = CHART_W - left - right, CHART_H - bottom - top
        grey = colors.HexColor("#BBBBBB")
        self.add(Rect(x0, y0, w, h, fillColor=None, strokeColor=grey, strokeWidth=0.4))
        years = series.years
        span = max(years[-1] - years[0], 1)

        def x_of(year: int) -> float:
            return x0 + w * (year - years[0]) / span

        step_label = 1 if len(years) <= 6 else 2
        for i, year in enumerate(years):
            if i % step_label == 0 or year == years[-1]:
                self.add(
                    String(
                        x_of(year),
                        y0 - 7,
                        str(year),
                        fontName=font,
                        fontSize=5.5,
                        textAnchor="middle",
                    )
                )
        # legend
        lx = x0
        ly = CHART_H - 4
        self.add(Line(lx, ly + 2, lx + 9, ly + 2, strokeColor=ACTUAL_COLOR, strokeWidth=1.2))
        self.add(String(lx + 11, ly, "实际", fontName=font, fontSize=6))
        self.add(
            Line(
                lx + 28,
                ly + 2,
                lx + 37,
                ly + 2,
                strokeColor=PATH_COLOR,
                strokeWidth=1,
                strokeDashArray=[2.5, 1.5],
            )
        )
        self.add(String(lx + 39, ly, "路径", fontName=font, fontSize=6))
        values = series.values()
        if not values:
            self.add(
                String(
                    x0 + w / 2,
                    y0 + h / 2 - 3,
                    "无规划路径，暂无实际值",
                    fontName=font,
                    fontSize=6.5,
                    textAnchor="middle",
                    fillColor=colors.grey,
                )
            )
            return
        lo, hi, step = _nice(min(values), max(values))

        def y_of(value: float) -> float:
            return y0 + h * (value - lo) / (hi - lo)

        tick = lo
        while tick <= hi + step / 2:
            y = y_of(tick)
            if lo < tick < hi:
                self.add(
                    Line(x0, y, x0 + w, y, strokeColor=colors.HexColor("#E6E6E6"), strokeWidth=0.3)
                )
            self.add(
                String(
                    x0 - 2,
                    y - 2,
                    number(round(tick, 10)),
                    fontName=font,
                    fontSize=5.5,
                    textAnchor="end",
                )
            )
            tick += step
        if series.path:
            points = [c for y, v in series.path for c in (x_of(y), y_of(v))]
            if len(series.path) == 1:
                self.add(Circle(points[0], points[1], 1.2, fillColor=PATH_COLOR, strokeColor=None))
            else:
                self.add(
                    PolyLine(
                        points, strokeColor=PATH_COLOR, strokeWidth=1, strokeDashArray=[2.5, 1.5]
                    )
                )
        if series.actual:
            points = [c for y, v in series.actual for c in (x_of(y), y_of(v))]
            if len(series.actual) > 1:
                self.add(PolyLine(points, strokeColor=ACTUAL_COLOR, strokeWidth=1.2))
            for i in range(0, len(points), 2):
                self.add(
                    Circle(points[i], points[i + 1], 1.3, fillColor=ACTUAL_COLOR, strokeColor=None)
                )
        else:
            note = "暂无实际值" if series.path else "无规划路径"
            self.add(
                String(
                    CHART_W - right,
                    ly,
                    note,
                    fontName=font,
                    fontSize=6,
                    textAnchor="end",
                    fillColor=colors.grey,
                )
            )


class _Styles(page.Styles):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.status = {
            s: ParagraphStyle(f"st{s}", parent=self.cell, alignment=TA_CENTER, textColor=c)
            for s, c in STATUS_TEXT.items()
        }
        self.caption = ParagraphStyle(
            "caption", fontName=self.font, fontSize=7, leading=8.5, wordWrap="CJK"
        )
        self.cover = ParagraphStyle(
            "cover",
            fontName=self.font,
            fontSize=10.5,
            leading=16,
            alignment=TA_CENTER,
            wordWrap="CJK",
        )


def _grid(head_rows: int = 1) -> list[tuple[Any, ...]]:
    return [
        ("GRID", (0, 0), (-1, -1), 0.5, page.GRID),
        ("BACKGROUND", (0, 0), (-1, head_rows - 1), page.HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), page.CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), page.CELL_PAD),
    ]


def _tally_table(rows: Sequence[MonitorRow], st: _Styles) -> Table:
    per, total = tallies(rows)
    head = ["类别", "指标数", ON_TRACK, OFF_TRACK, "其中约束性", NO_DATA]
    data: list[list[Any]] = [head]
    for t in [*per, total]:
        data.append([t.name, t.targets, t.on_track, t.off_track, t.off_binding, t.no_data])
    widths = [50 * mm, *[26 * mm] * 5]
    cmds = [
        *_grid(),
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
        ("BACKGROUND", (0, -1), (-1, -1), page.SUB_BG),
        ("TEXTCOLOR", (2, 1), (2, -1), STATUS_TEXT[ON_TRACK]),
        ("TEXTCOLOR", (3, 1), (4, -1), STATUS_TEXT[OFF_TRACK]),
        ("TEXTCOLOR", (5, 1), (5, -1), STATUS_TEXT[NO_DATA]),
    ]
    return Table(data, colWidths=widths, style=TableStyle(cmds), hAlign="LEFT")


def _off_table(rows: Sequence[MonitorRow], st: _Styles, year: int) -> Flowable:
    if not rows:
        return Paragraph("没有未达路径的指标。", st.body)
    widths = [12 * mm, 0.0, 22 * mm, 16 * mm, 22 * mm, 22 * mm]
    widths[1] = page.CONTENT_W - sum(widths)
    data: list[list[Any]] = [["序号", "指标", "类别", "属性", f"路径值({year})", "实际值"]]
    for r in rows:
        data.append(
            [
                str(r.seq),
                page.cell(f"{label(r)}（{r.unit}）" if r.unit else label(r), widths[1], st),
                page.cell(r.category, widths[2], st),
                r.attribute,
                number(r.expected),
                number(r.actual),
            ]
        )
    cmds = [
        *_grid(),
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("FONTSIZE", (0, 0), (-1, -1), page.BODY_SIZE),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (3, 1), (3, -1), "CENTER"),
        ("ALIGN", (4, 1), (-1, -1), "RIGHT"),
    ]
    for i, r in enumerate(rows, start=1):
        if r.binding:
            cmds.append(("TEXTCOLOR", (3, i), (3, i), STATUS_TEXT[OFF_TRACK]))
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(cmds))


TABLE_WIDTHS = [9 * mm, 0.0, 15 * mm, 12 * mm, 16 * mm, 16 * mm, 18 * mm, 16 * mm, 20 * mm]


def _target_table(rows: Sequence[MonitorRow], st: _Styles, report: Evaluation) -> Table:
    widths = list(TABLE_WIDTHS)
    widths[1] = page.CONTENT_W - sum(widths)
    plan = report.plan
    head = [
        "序号",
        "指标",
        "单位",
        "属性",
        f"{report.base_year}基期",
        f"{plan.end_year}目标",
        f"规划路径值({report.year})",
        "实际值",
        "状态",
    ]
    data: list[list[Any]] = [[Paragraph(h, st.head) for h in head]]
    cmds = [
        *_grid(),
        ("FONTNAME", (0, 0), (-1, -1), st.font),
        ("FONTSIZE", (0, 0), (-1, -1), page.BODY_SIZE),
        ("LEADING", (0, 0), (-1, -1), page.BODY_LEADING),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (3, 1), (3, -1), "CENTER"),
        ("ALIGN", (4, 1), (7, -1), "RIGHT"),
    ]
    for i, r in enumerate(rows, start=1):
        status = status_of(r)
        data.append(
            [
                str(r.seq),
                page.cell(label(r), widths[1], st),
                page.cell(r.unit, widths[2], st),
                page.cell(r.attribute, widths[3], st),
                page.cell(number(r.baseline), widths[4], st),
                page.cell(goal_text(r), widths[5], st),
                page.cell(number(r.expected), widths[6], st),
                page.cell(number(r.actual), widths[7], st),
                Paragraph(page.escape(r.status), st.status[status]),
            ]
        )
        cmds.append(("BACKGROUND", (8, i), (8, i), STATUS_BG[status]))
        if r.binding:
            cmds.append(("TEXTCOLOR", (3, i), (3, i), STATUS_TEXT[OFF_TRACK]))
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(cmds))


def _chart_rows(
    rows: Sequence[MonitorRow], st: _Styles, report: Evaluation, first: int
) -> list[Table]:
    """The charts of ``rows`` three to a row, one Table per row (numbered from ``first``)."""
    cells: list[Any] = []
    for n, r in enumerate(rows, start=first):
        unit = f"（{r.unit}）" if r.unit else ""
        caption = Paragraph(page.escape(f"图 {n}　指标 {r.seq}：{label(r)}{unit}"), st.caption)
        cells.append([caption, Spacer(1, 1.5 * mm), TargetChart(report.series(r), st.font)])
    while len(cells) % CHARTS_PER_ROW:
        cells.append("")
    col = page.CONTENT_W / CHARTS_PER_ROW
    style = TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
    )
    return [
        Table([cells[i : i + CHARTS_PER_ROW]], colWidths=[col] * CHARTS_PER_ROW, style=style)
        for i in range(0, len(cells), CHARTS_PER_ROW)
    ]


def _cover(report: Evaluation, st: _Styles) -> list[Flowable]:
    plan = report.plan
    doc = f"（{plan.document_no}）" if plan.document_no else ""
    lines = [
        f"监测年度：{report.year}年（规划期 {plan.start_year}—{plan.end_year} 年）",
        f"依据：{plan.title or plan.name}{doc}",
        f"生成日期：{report.generated.isoformat()}",
    ]
    return [
        Spacer(1, 4 * mm),
        Paragraph(page.escape(f"西湖区{report.title}"), st.title),
        Spacer(1, 2 * mm),
        Paragraph("西湖区（之江国家旅游度假区）", st.subtitle),
        Spacer(1, 3 * mm),
        *[Paragraph(page.escape(text), st.cover) for text in lines],
        Spacer(1, 5 * mm),
    ]


def _summary(report: Evaluation, st: _Styles) -> list[Flowable]:
    _, total = tallies(report.rows)
    text = (
        f"规划指标 {total.targets} 项：达到规划路径 {total.on_track} 项，未达路径 "
        f"{total.off_track} 项（其中约束性指标 {total.off_binding} 项），无数据 "
        f"{total.no_data} 项。"
    )
    return [
        Paragraph("一、总体情况", st.section),
        Paragraph(text, st.body),
        Spacer(1, 2 * mm),
        _tally_table(report.rows, st),
        Spacer(1, 3 * mm),
        Paragraph("未达路径的指标（约束性指标在前）", st.section),
        _off_table(report.off_track(), st, report.year),
    ]


def _category(
    i: int, name: str, rows: Sequence[MonitorRow], st: _Styles, report: Evaluation, first: int
) -> list[Flowable]:
    t = Tally(name)
    for r in rows:
        t.add(r)
    head = (
        f"{_numeral(i)}、{name}（{t.targets} 项：达到路径 {t.on_track}，未达路径 "
        f"{t.off_track}，无数据 {t.no_data}）"
    )
    charts = _chart_rows(rows, st, report, first)
    # the heading, the table and the first row of charts on one page (when they fit one)
    head_block: list[Flowable] = [
        Paragraph(page.escape(head), st.section),
        _target_table(rows, st, report),
        Spacer(1, 3 * mm),
        charts[0],
    ]
    return [KeepTogether(head_block), *charts[1:]]


def render_evaluation(report: Evaluation, out: str | Path, font: str) -> Path:
    """Write the report's PDF atomically; the charts are numbered 图 1 … 图 N in plan order."""
    st = _Styles(font)
    info = page.SheetInfo(0, "西湖区", report.year, "", 0, font, kind=report.title)
    story: list[Flowable] = [page.SheetStart(info, report.title), *_cover(report, st)]
    story += _summary(report, st)
    first = 1
    for i, (name, rows) in enumerate(report.by_category(), start=2):
        story += _category(i, name, rows, st, report, first)
        first += len(rows)
    out = Path(out)
    with atomic_path(out) as tmp:
        page.build_pdf(story, tmp, font, f"西湖区{report.title}")
    return out
