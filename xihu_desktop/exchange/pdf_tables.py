"""The tables of the assessment sheet: a scored table per category, adjustments, the score.

Speed: a platypus ``Table`` slows down faster than linearly with its row count
(every page split copies the remaining rows), so category tables are built one
page at a time by :class:`ChunkedTable`; ``Paragraph`` cells (several times the
cost of a plain string) are used only for texts that need wrapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from reportlab.lib import colors
from reportlab.lib.rl_accel import fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from ..core.categories import CATEGORIES, Category
from ..core.scoring import GREEN, LIGHT_LABELS, RED, YELLOW
from .pdf_furniture import (
    BODY_LEADING,
    BODY_SIZE,
    CELL_PAD,
    CONTENT_W,
    FRAME_H,
    GRID,
    HEAD_BG,
    SUB_BG,
    Styles,
    body_width,
    cell,
    escape,
)
from .sheet_data import SheetData, format_value, percent_text, points_text

LIGHT_COLORS = {
    GREEN: colors.HexColor("#1E8E3E"),
    YELLOW: colors.HexColor("#B8860B"),
    RED: colors.HexColor("#C62828"),
}


@dataclass(frozen=True)
class Column:
    header: str  # lines separated by "\n": the label, then its unit once
    width: float
    numeric: bool = False


def category_columns(cat: Category) -> list[Column]:
    """The columns of a category's table: 序号, the pdf fields, then the scoring columns."""
    fixed = [
        Column("完成率", 14 * mm, True),
        Column("红黄绿灯", 11 * mm),
        Column("分值", 11 * mm, True),
        Column("得分", 11 * mm, True),
    ]
    seq = Column("序号", 8 * mm)
    free = CONTENT_W - seq.width - sum(c.width for c in fixed)
    fields = cat.pdf_fields
    total = sum(f.width for f in fields) or 1
    cols = [Column("\n".join(f.header_lines), free * f.width / total, f.is_numeric) for f in fields]
    return [seq, *cols, *fixed]


PAD_TOP, PAD_BOTTOM = 2.0, 2.5
GRID_WIDTH = 0.5


def _row_height(cells: Sequence[Any], widths: Sequence[float]) -> float:
    """Height of a row: its tallest cell (a Paragraph is wrapped here, once)."""
    height = BODY_LEADING
    for value, width in zip(cells, widths, strict=True):
        if isinstance(value, Flowable):
            height = max(height, value.wrap(width - 2 * CELL_PAD, 1e6)[1])
    return height + PAD_TOP + PAD_BOTTOM


class _TextOut:
    """``text.textOut(string)`` for the many short strings of a table page, with each
    string's PDF operators made once per document, not once per cell.

    The same operators as reportlab's ``PDFTextObject._formatText`` for an embedded
    TrueType font (the subset of each run of characters, and a ``Tf`` when it changes):
    a character's subset never changes within a document once assigned, so the runs of a
    string may be kept. Any other font goes through ``textOut`` itself.
    """

    def __init__(self, text: Any, font: str) -> None:
        self.text = text
        canv = text._canvas
        self.font = getFont(font)
        self.doc = canv._doc
        self.fast = bool(getattr(self.font, "_dynamicFont", False))
        state = canv.__dict__.setdefault("_xihu_text_runs", {})
        self.runs: dict[str, list[tuple[int, str]]] = state.setdefault(font, {})
        self.names: dict[int, str] = {}
        self.tf = f"{fp_str(text._fontsize)} Tf {fp_str(text._leading)} TL"

    def __call__(self, string: str) -> None:
        text = self.text
        if not self.fast:
            text.textOut(string)
            return
        runs = self.runs.get(string)
        if runs is None:
            escape = text._canvas._escape
            runs = self.runs[string] = [
                (subset, f"({escape(chunk)}) Tj")
                for subset, chunk in self.font.splitString(string, self.doc)
            ]
        parts = []
        for subset, op in runs:
            if subset != text._curSubset:
                name = self.names.get(subset)
                if name is None:
                    name = self.names[subset] = self.font.getSubsetInternalName(subset, self.doc)
                parts.append(f"{name} {self.tf}")
                text._curSubset = subset
            parts.append(op)
        text._code.append(" ".join(parts))


class ChunkedTable(Flowable):
    """A long, ruled table drawn page by page, in time linear in its rows.

    Row heights are measured once (a ``Paragraph`` cell is wrapped once and drawn
    as wrapped); each page takes exactly the rows that fit under a repeated header
    and the rest continues on the next page. Cells are drawn straight onto the
    canvas (strings with ``drawString``, lines in one path): a platypus ``Table``
    re-measures and copies the remaining rows at every page break (quadratic) and
    spends most of its time on per-cell style bookkeeping.

    ``align`` per column: "LEFT", "RIGHT" or "CENTER"; ``colors`` maps a row index
    to the text colour of its ``color_col`` cell; ``total_row`` (an index) is drawn
    shaded with its cells 1..-3 merged.
    """

    def __init__(
        self,
        header: list[Any],
        rows: list[list[Any]],
        col_widths: list[float],
        align: list[str],
        font: str,
        colors_by_row: dict[int, Any] | None = None,
        color_col: int = -1,
        total_row: int | None = None,
        start: int = 0,
        end: int | None = None,
        heights: list[float] | None = None,
        header_height: float | None = None,
    ) -> None:
        super().__init__()
        self.header = header
        self.rows = rows
        self.col_widths = col_widths
        self.align = align
        self.font = font
        self.colors_by_row = colors_by_row or {}
        self.color_col = color_col % len(col_widths)
        self.total_row = total_row
        self.start = start
        self.end = len(rows) if end is None else end
        self.heights = (
            heights if heights is not None else [_row_height(r, col_widths) for r in rows]
        )
        self.header_height = header_height or _row_height(header, col_widths)
        self.width = sum(col_widths)

    def _copy(self, start: int, end: int | None) -> ChunkedTable:
        return ChunkedTable(
            self.header,
            self.rows,
            self.col_widths,
            self.align,
            self.font,
            self.colors_by_row,
            self.color_col,
            self.total_row,
            start=start,
            end=end,
            heights=self.heights,
            header_height=self.header_height,
        )

    def _fit(self, avail: float) -> int:
        """Index after the last row that fits below the header in ``avail`` points."""
        used = self.header_height
        stop = self.start
        while stop < self.end and used + self.heights[stop] <= avail + 1e-6:
            used += self.heights[stop]
            stop += 1
        return stop

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.height = self.header_height + sum(self.heights[self.start : self.end])
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        stop = self._fit(availHeight)
        if stop == self.start:
            if self.header_height + self.heights[self.start] > FRAME_H:
                return self._split_tall_row(availHeight)
            return []  # not even one row here: the frame moves to the next page
        if stop == self.end:
            return [self._copy(self.start, self.end)]
        return [self._copy(self.start, stop), self._copy(stop, self.end)]

    def _split_tall_row(self, avail: float) -> list[Flowable]:
        """A row taller than a page: its wrapped cells continue on the next page."""
        room = avail - self.header_height - PAD_TOP - PAD_BOTTOM
        if room < 3 * BODY_LEADING:
            return []  # too little left here: start on the next page
        row = self.rows[self.start]
        first: list[Any] = []
        rest: list[Any] = []
        for value, width in zip(row, self.col_widths, strict=True):
            if isinstance(value, Paragraph):
                parts = value.split(width - 2 * CELL_PAD, room)
                if len(parts) == 2:
                    first.append(parts[0])
                    rest.append(parts[1])
                    continue
                if not parts:  # not even one line fits (cannot happen with room >= 3 lines)
                    return []
            first.append(value)
            rest.append("")
        index = self.start
        color = self.colors_by_row.get(index)
        head = ChunkedTable(
            self.header,
            [first],
            self.col_widths,
            self.align,
            self.font,
            {0: color} if color is not None else {},
            self.color_col,
            None,
            header_height=self.header_height,
        )
        tail_rows = [rest, *self.rows[index + 1 : self.end]]
        tail = ChunkedTable(
            self.header,
            tail_rows,
            self.col_widths,
            self.align,
            self.font,
            {i - index: c for i, c in self.colors_by_row.items() if index < i < self.end},
            self.color_col,
            None if self.total_row is None else self.total_row - index,
            heights=[_row_height(rest, self.col_widths), *self.heights[index + 1 : self.end]],
            header_height=self.header_height,
        )
        return [head, tail]

    def draw(self) -> None:
        c = self.canv
        widths = self.col_widths
        xs = [0.0]
        for w in widths:
            xs.append(xs[-1] + w)
        top = self.header_height + sum(self.heights[self.start : self.end])
        c.saveState()
        # shading: header and the total row
        c.setFillColor(HEAD_BG)
        c.rect(0, top - self.header_height, self.width, self.header_height, stroke=0, fill=1)
        ys = [top, top - self.header_height]
        for i in range(self.start, self.end):
            ys.append(ys[-1] - self.heights[i])
        total_y: tuple[float, float] | None = None
        if self.total_row is not None and self.start <= self.total_row < self.end:
            k = self.total_row - self.start + 1
            total_y = (ys[k], ys[k + 1])
            c.setFillColor(SUB_BG)
            c.rect(0, total_y[1], self.width, total_y[0] - total_y[1], stroke=0, fill=1)
        c.setFillColor(colors.black)
        half = BODY_SIZE * 0.35  # baseline offset that centres a line vertically
        width_of = partial(body_width, self.font)
        # every string of the page in one text object: no BT/ET and object per cell
        text = c.beginText()
        text.setFont(self.font, BODY_SIZE)
        text_out = _TextOut(text, self.font)
        paragraphs: list[tuple[Flowable, float, float]] = []
        cells = [(self.header, ys[0], ys[1], -1)]
        cells += [
            (self.rows[i], ys[k + 1], ys[k + 2], i)
            for k, i in enumerate(range(self.start, self.end))
        ]
        for row, y_top, y_bottom, index in cells:
            middle = (y_top + y_bottom) / 2
            merged = index == self.total_row
            for j, value in enumerate(row):
                if value == "" or value is None:
                    continue
                x0 = xs[j]
                if isinstance(value, Flowable):
                    h = (
                        getattr(value, "height", None)
                        or value.wrap(widths[j] - 2 * CELL_PAD, 1e6)[1]
                    )
                    paragraphs.append((value, x0 + CELL_PAD, middle - h / 2))
                    continue
                string = str(value)
                align = "CENTER" if index < 0 else self.align[j]
                if merged and j == 1:
                    align = "LEFT"
                if align == "RIGHT":
                    x = xs[j + 1] - CELL_PAD - width_of(string)
                elif align == "CENTER":
                    x = (x0 + xs[j + 1] - width_of(string)) / 2
                else:
                    x = x0 + CELL_PAD
                color = self.colors_by_row.get(index) if j == self.color_col else None
                if color is not None:
                    text.setFillColor(color)
                text.setTextOrigin(x, middle - half)
                text_out(string)
                if color is not None:
                    text.setFillColor(colors.black)
        c.drawText(text)
        for para, x, y in paragraphs:
            para.drawOn(c, x, y)
        # the grid in one path
        lines: list[tuple[float, float, float, float]] = [(0, y, self.width, y) for y in ys]
        last = len(widths) - 1
        for j, x in enumerate(xs):
            if total_y is not None and 2 <= j <= last - 2:  # merged cells of the total row
                lines.append((x, top, x, total_y[0]))
                if total_y[1] > ys[-1]:
                    lines.append((x, total_y[1], x, ys[-1]))
            else:
                lines.append((x, top, x, ys[-1]))
        c.setStrokeColor(GRID)
        c.setLineWidth(GRID_WIDTH)
        c.lines(lines)
        c.restoreState()


def category_table(cat: Category, sheet: SheetData, styles: Styles) -> Flowable:
    columns = category_columns(cat)
    widths = [c.width for c in columns]
    header = [
        Paragraph("<br/>".join(escape(line) for line in c.header.split("\n")), styles.head)
        for c in columns
    ]
    pdf_fields = cat.pdf_fields
    rows: list[list[Any]] = []
    light_colors: dict[int, Any] = {}
    for n, row in enumerate(sheet.rows[cat.key], start=1):
        es = row.entry_score
        texts: list[Any] = [str(n)]
        for f, value, col in zip(pdf_fields, row.values, columns[1:], strict=False):
            text = format_value(f, value, sheet.lookups, row.whole)
            if f.key == "actual" and not text and not es.quantitative and row.status:
                text = row.status  # a qualitative entry: its status says how far it got
            texts.append(cell(text, col.width, styles))
        texts += [
            percent_text(es.completion),
            f"●{LIGHT_LABELS[es.light][0]}" if es.light else "—",
            points_text(es.points),
            points_text(es.score),
        ]
        if es.light in LIGHT_COLORS:
            light_colors[n - 1] = LIGHT_COLORS[es.light]
        rows.append(texts)
    n_rows = len(rows)
    subtotal = [
        "小计",
        f"共 {n_rows} 项",
        *[""] * (len(columns) - 4),
        points_text(sheet.score.category_points.get(cat.key, 0.0)),
        points_text(sheet.score.category_scores.get(cat.key, 0.0)),
    ]
    rows.append(subtotal)
    align = ["CENTER"] + ["RIGHT" if c.numeric else "LEFT" for c in columns[1:]]
    align[-3] = "CENTER"  # light
    return ChunkedTable(
        header,
        rows,
        widths,
        align,
        styles.font,
        colors_by_row=light_colors,
        color_col=-3,
        total_row=n_rows,
    )


def simple_table(
    data: list[list[Any]], widths: list[float], font: str, extra: Iterable[tuple[Any, ...]] = ()
) -> Table:
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LEADING", (0, 0), (-1, -1), 11.5),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *extra,
            ]
        )
    )
    return t


def adjustment_table(sheet: SheetData, styles: Styles) -> Flowable:
    if not sheet.adjustments:
        return Paragraph("无加分或扣分事项。", styles.cell)
    widths = [10 * mm, 16 * mm, 16 * mm, CONTENT_W - 42 * mm]
    data: list[list[Any]] = [["序号", "类型", "分值", "理由"]]
    for n, (points, reason) in enumerate(sheet.adjustments, start=1):
        kind = "加分" if points > 0 else "扣分"
        data.append([str(n), kind, f"{points:+.2f}", cell(reason, widths[3], styles)])
    return simple_table(data, widths, styles.font, [("ALIGN", (0, 0), (2, -1), "CENTER")])


def score_table(sheet: SheetData, styles: Styles) -> Table:
    s = sheet.score
    widths = [CONTENT_W - 70 * mm, 20 * mm, 25 * mm, 25 * mm]
    data: list[list[Any]] = [["考核项目", "条目数", "分值", "得分"]]
    for cat in CATEGORIES:
        data.append(
            [
                cat.label,
                str(len(sheet.rows[cat.key])),
                points_text(s.category_points.get(cat.key, 0.0)),
                points_text(s.category_scores.get(cat.key, 0.0)),
            ]
        )
    n_cat = len(data)
    data += [
        ["基础得分", "", "100.00" if s.category_points else "0.00", points_text(s.base)],
        ["加分", "", "", f"+{points_text(s.bonus)}" if s.bonus else "0.00"],
        ["扣分", "", "", f"-{points_text(s.deduction)}" if s.deduction else "0.00"],
        ["总分", "", "", points_text(s.total)],
        ["考核等级", "", "", s.grade],
    ]
    extra: list[tuple[Any, ...]] = [
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("BACKGROUND", (0, n_cat), (-1, -1), SUB_BG),
        ("FONTSIZE", (0, -2), (-1, -1), 11),
        ("LEADING", (0, -2), (-1, -1), 14),
    ]
    if s.vetoed:
        data.append(
            [
                cell(
                    "一票否决：约束性指标未完成（" + "、".join(s.vetoed) + "），等级封顶。",
                    sum(widths),
                    styles,
                ),
                "",
                "",
                "",
            ]
        )
        extra.append(("SPAN", (0, -1), (-1, -1)))
    return simple_table(data, widths, styles.font, extra)
