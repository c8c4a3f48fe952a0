"""The PDF assessment sheet (考核表) of a ledger: scored, signable and verifiable.

One A4 portrait sheet per ledger: title, unit/year/status, a scored table per
category (its columns come from the category declarations: every field with
``in_pdf`` plus completion, light, points and score), bonus and deduction lines,
the unit's self-assessment, the score summary and the signature block — kept on
one page with the summary table. Header and footer on every page carry the unit,
year, verification code and “第 x 页 共 y 页”. A QR code and the PDF metadata hold
the verification payload (ledger, unit, year, print revision, SHA-256 fingerprint).

Speed: a platypus ``Table`` slows down faster than linearly with its row count
(every page split copies the remaining rows), so category tables are built one
page at a time by :class:`ChunkedTable`; ``Paragraph`` cells (several times the
cost of a plain string) are used only for texts that need wrapping.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..core.categories import CATEGORIES, UNIT_KINDS, Category, Field, FieldType
from ..core.scoring import GREEN, LIGHT_LABELS, RED, YELLOW, EntryScore, LedgerScore
from ..store import Store
from .atomic import atomic_path
from .fingerprint import ledger_fingerprint, short_code
from .pdf_fonts import font_for_store
from .progress import Cancelled as Cancelled  # re-exported: progress callbacks raise it

PAYLOAD_PREFIX = "XHLG1"
PAYLOAD_RE = re.compile(r"XHLG1\|[^\s]+")
SIGNATURE_LABELS = ("填报人", "审核人", "单位负责人（签字）", "单位（盖章）", "日期")
APP_NAME = "西湖区“六个一批”任务台账"

PAGE_W, PAGE_H = A4
MARGIN_X = 15 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 18 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X

BODY_SIZE = 8.5
BODY_LEADING = 10.5
CELL_PAD = 3
LIGHT_COLORS = {
    GREEN: colors.HexColor("#1E8E3E"),
    YELLOW: colors.HexColor("#B8860B"),
    RED: colors.HexColor("#C62828"),
}
GRID = colors.HexColor("#444444")
HEAD_BG = colors.HexColor("#E8EEF5")
SUB_BG = colors.HexColor("#F3F3F3")
FRAME_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
HEADING_ROOM = 28 * mm  # heading + table header + two rows
CN_NUMBERS = "一二三四五六七八九十"


Progress = Callable[[int, int, str], None]


# ---------------------------------------------------------------- data


@dataclass
class SheetRow:
    """One entry of a category table: its display texts and its light."""

    values: list[Any]  # raw values of the category's pdf fields, in order
    entry_score: EntryScore
    status: str | None


@dataclass
class SheetData:
    """Everything a sheet shows, read from the store in one snapshot."""

    ledger_id: int
    unit_name: str
    unit_code: str
    unit_kind: str
    year: int
    status: str
    leader: str
    contact: str
    preparer: str
    self_assessment: str
    score: LedgerScore
    rows: dict[str, list[SheetRow]]
    adjustments: list[tuple[float, str]]
    fingerprint: str
    revision: int
    generated_at: str
    lookups: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return short_code(self.fingerprint)

    @property
    def payload(self) -> str:
        return make_payload(
            self.ledger_id, self.unit_code, self.year, self.revision, self.fingerprint
        )

    @property
    def title(self) -> str:
        return f"{self.unit_name} {self.year} 年“六个一批”任务完成情况考核表"


def make_payload(ledger_id: int, unit_code: str, year: int, revision: int, sha256: str) -> str:
    return (
        f"{PAYLOAD_PREFIX}|ledger={ledger_id}|unit={unit_code}|year={year}"
        f"|rev={revision}|sha256={sha256}"
    )


def parse_payload(text: str) -> dict[str, str] | None:
    """The fields of a payload string, or None when it is not one of ours."""
    parts = text.strip().split("|")
    if not parts or parts[0] != PAYLOAD_PREFIX:
        return None
    fields: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep:
            return None
        fields[key] = value
    required = ("ledger", "unit", "year", "rev", "sha256")
    if any(k not in fields for k in required) or not re.fullmatch(
        r"[0-9a-f]{64}", fields["sha256"]
    ):
        return None
    if not (fields["ledger"].isdigit() and fields["year"].isdigit() and fields["rev"].isdigit()):
        return None
    return fields


def collect_sheet(store: Store, ledger_id: int, revision: int | None = None) -> SheetData:
    """Read one ledger for its sheet: data, score and fingerprint from one snapshot.

    ``revision`` is the print revision the sheet will show (default: the next one).
    """
    with store.transaction():  # a consistent snapshot: no write can slip in between
        ledger = store.ledgers.get(ledger_id)
        score = store.assessment.score(ledger_id)
        fingerprint = ledger_fingerprint(store, ledger_id)
        rev = revision if revision is not None else store.prints.next_revision(ledger_id)
        lookups = {
            "target": {t["id"]: t["name"] for t in store.catalogue.targets()},
            "catalogue": {i["id"]: i["name"] for i in store.catalogue.items()},
        }
        by_id = {e.id: e for e in score.entries}
        rows: dict[str, list[SheetRow]] = {c.key: [] for c in CATEGORIES}
        for entry in store.entries.list(ledger_id):
            cat = _category(entry.category)
            rows[cat.key].append(
                SheetRow(
                    [entry.values.get(f.key) for f in cat.pdf_fields],
                    by_id[entry.id],
                    entry.values.get("status"),
                )
            )
        adjustments = [
            (float(a["points"]), clean_text(str(a["reason"])))
            for a in store.assessment.adjustments(ledger_id)
        ]
    return SheetData(
        ledger_id=ledger.id,
        unit_name=clean_text(ledger.unit_name),
        unit_code=ledger.unit_code,
        unit_kind=ledger.unit_kind,
        year=ledger.year,
        status=ledger.status,
        leader=clean_text(ledger.leader or ""),
        contact=clean_text(ledger.contact or ""),
        preparer=clean_text(ledger.preparer or ""),
        self_assessment=clean_text(ledger.self_assessment or ""),
        score=score,
        rows=rows,
        adjustments=adjustments,
        fingerprint=fingerprint,
        revision=rev,
        generated_at=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        lookups=lookups,
    )


def _category(key: str) -> Category:
    return next(c for c in CATEGORIES if c.key == key)


# ---------------------------------------------------------------- formatting


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text as printed: line breaks kept, tabs as spaces, other control characters dropped
    (a font has no glyph for them; they would print as blanks and extract as NUL)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL_RE.sub("", text)


def _num(value: float, decimals: int = 2) -> str:
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(f: Field, value: Any, lookups: dict[str, dict[int, str]]) -> str:
    """A field value as printed on the sheet."""
    if value is None or value == "":
        return ""
    if f.type == FieldType.TARGET:
        return clean_text(lookups.get("target", {}).get(value, str(value)))
    if f.type == FieldType.CATALOGUE:
        return clean_text(lookups.get("catalogue", {}).get(value, str(value)))
    if f.type in (FieldType.INTEGER, FieldType.YEAR) and isinstance(value, int | float):
        return str(int(value))
    if f.type == FieldType.MONEY and isinstance(value, int | float):
        return f"{value:,.2f}"
    if f.type == FieldType.PERCENT and isinstance(value, int | float):
        return f"{_num(value)}%"
    if f.is_numeric and isinstance(value, int | float):
        return _num(value, 4)
    return clean_text(str(value)).strip()


def _pct(completion: float | None) -> str:
    return "—" if completion is None else f"{completion * 100:.1f}%"


def _pts(value: float) -> str:
    return f"{value:.2f}"


# ---------------------------------------------------------------- styles


@dataclass
class Styles:
    font: str

    def __post_init__(self) -> None:
        f = self.font
        self.cell = ParagraphStyle(
            "cell", fontName=f, fontSize=BODY_SIZE, leading=BODY_LEADING, wordWrap="CJK"
        )
        self.head = ParagraphStyle(
            "head", parent=self.cell, alignment=TA_CENTER, fontSize=BODY_SIZE, leading=BODY_LEADING
        )
        self.title = ParagraphStyle(
            "title", fontName=f, fontSize=16, leading=22, alignment=TA_CENTER, wordWrap="CJK"
        )
        self.section = ParagraphStyle(
            "section",
            fontName=f,
            fontSize=11,
            leading=15,
            spaceBefore=7,
            spaceAfter=3,
            wordWrap="CJK",
        )
        self.body = ParagraphStyle(
            "body", fontName=f, fontSize=10, leading=15, wordWrap="CJK", firstLineIndent=20
        )
        self.small = ParagraphStyle(
            "small", fontName=f, fontSize=6.5, leading=8, wordWrap="CJK", textColor=colors.grey
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cell(text: str, width: float, styles: Styles, style: ParagraphStyle | None = None) -> Any:
    """A plain string when it fits the column, else a wrapping Paragraph (5× the cost)."""
    if "\n" not in text and stringWidth(text, styles.font, BODY_SIZE) <= width - 2 * CELL_PAD:
        return text
    return Paragraph(_escape(text).replace("\n", "<br/>"), style or styles.cell)


# ---------------------------------------------------------------- category tables


@dataclass(frozen=True)
class Column:
    header: str
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
    cols = [Column(f.header, free * f.width / total, f.is_numeric) for f in fields]
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


def _text_width(font: str) -> Callable[[str], float]:
    """stringWidth at the body size with a per-character cache (numbers repeat digits)."""
    cache = _WIDTHS.setdefault(font, {})

    def width(text: str) -> float:
        total = 0.0
        for ch in text:
            w = cache.get(ch)
            if w is None:
                w = cache[ch] = stringWidth(ch, font, BODY_SIZE)
            total += w
        return total

    return width


_WIDTHS: dict[str, dict[str, float]] = {}


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
        width_of = _text_width(self.font)
        # every string of the page in one text object: no BT/ET and object per cell
        text = c.beginText()
        text.setFont(self.font, BODY_SIZE)
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
                text.textOut(string)
                if color is not None:
                    text.setFillColor(colors.black)
        c.drawText(text)
        for para, x, y in paragraphs:
            para.drawOn(c, x, y)
        # the grid in one path
        lines = [(0, y, self.width, y) for y in ys]
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
    header = [Paragraph(_escape(c.header), styles.head) for c in columns]
    pdf_fields = cat.pdf_fields
    rows: list[list[Any]] = []
    light_colors: dict[int, Any] = {}
    for n, row in enumerate(sheet.rows[cat.key], start=1):
        es = row.entry_score
        texts: list[Any] = [str(n)]
        for f, value, col in zip(pdf_fields, row.values, columns[1:], strict=False):
            text = format_value(f, value, sheet.lookups)
            if f.key == "actual" and not text and not es.quantitative and row.status:
                text = row.status  # a qualitative entry: its status says how far it got
            texts.append(cell(text, col.width, styles))
        texts += [
            _pct(es.completion),
            f"●{LIGHT_LABELS[es.light][0]}" if es.light else "—",
            _pts(es.points),
            _pts(es.score),
        ]
        if es.light in LIGHT_COLORS:
            light_colors[n - 1] = LIGHT_COLORS[es.light]
        rows.append(texts)
    n_rows = len(rows)
    subtotal = [
        "小计",
        f"共 {n_rows} 项",
        *[""] * (len(columns) - 4),
        _pts(sheet.score.category_points.get(cat.key, 0.0)),
        _pts(sheet.score.category_scores.get(cat.key, 0.0)),
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


# ---------------------------------------------------------------- page decoration


@dataclass(frozen=True)
class SheetInfo:
    """What the header and footer of a sheet's pages show."""

    key: int
    unit_name: str
    year: int
    code: str
    revision: int
    font: str
    kind: str = "考核表"


class _SheetStart(Flowable):
    """Zero-size marker at the start of a sheet: tells the canvas whose pages follow."""

    def __init__(self, info: SheetInfo, title: str) -> None:
        super().__init__()
        self.info = info
        self.title = title

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canv = self.canv
        canv.sheet_info = self.info  # type: ignore[attr-defined]
        key = f"sheet{self.info.key}"
        canv.bookmarkPage(key)
        canv.addOutlineEntry(self.title, key, level=0)


class SheetCanvas(Canvas):
    """Draws header and footer once the page count of every sheet is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sheet_info: SheetInfo | None = None
        self._saved: list[tuple[dict[str, Any], SheetInfo | None]] = []

    def showPage(self) -> None:
        self._saved.append((dict(self.__dict__), self.sheet_info))
        self._startPage()

    def save(self) -> None:
        totals = Counter(info.key if info else -1 for _, info in self._saved)
        seen: Counter[int] = Counter()
        for state, info in self._saved:
            self.__dict__.update(state)
            key = info.key if info else -1
            seen[key] += 1
            if info is not None:
                draw_page_frame(self, info, seen[key], totals[key])
            Canvas.showPage(self)
        Canvas.save(self)


def draw_page_frame(canv: Canvas, info: SheetInfo, page: int, total: int) -> None:
    canv.saveState()
    font = info.font
    top = PAGE_H - 12 * mm
    canv.setFont(font, 8)
    canv.setFillColor(colors.HexColor("#555555"))
    canv.drawString(MARGIN_X, top, f"{APP_NAME} · {info.kind}")
    canv.drawRightString(PAGE_W - MARGIN_X, top, f"{info.unit_name}  {info.year} 年度")
    canv.setStrokeColor(colors.HexColor("#888888"))
    canv.setLineWidth(0.5)
    canv.line(MARGIN_X, top - 2.5 * mm, PAGE_W - MARGIN_X, top - 2.5 * mm)
    bottom = 10 * mm
    canv.line(MARGIN_X, bottom + 4 * mm, PAGE_W - MARGIN_X, bottom + 4 * mm)
    if info.code:
        canv.drawString(MARGIN_X, bottom, f"验证码 {info.code} · 打印第 {info.revision} 版")
    canv.drawCentredString(PAGE_W / 2, bottom, f"第 {page} 页 共 {total} 页")
    canv.drawRightString(PAGE_W - MARGIN_X, bottom, f"{info.unit_name} {info.year} 年")
    canv.restoreState()


# ---------------------------------------------------------------- the sheet


class QrCode(Flowable):
    """A QR code drawn as one path of filled runs (the ``qrcode`` package computes it).

    reportlab's own QR widget computes the code twice and draws a shape per module,
    which costs more than a page of the table.
    """

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        import qrcode
        from qrcode.constants import ERROR_CORRECT_M

        # a fixed mask: choosing the "best" of eight costs 8× and is not needed to scan
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=0)
        code.add_data(payload)
        code.make(fit=True)
        self.matrix: list[list[bool]] = code.get_matrix()
        self.size = size

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        n = len(self.matrix)
        unit = self.size / n
        c = self.canv
        path = c.beginPath()
        for r, line in enumerate(self.matrix):
            y = self.size - (r + 1) * unit
            col = 0
            while col < n:
                if line[col]:
                    run = col
                    while run < n and line[run]:
                        run += 1
                    path.rect(col * unit, y, (run - col) * unit, unit)
                    col = run
                else:
                    col += 1
        c.saveState()
        c.setFillColor(colors.black)
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()


def _info_block(sheet: SheetData, styles: Styles) -> Table:
    s = sheet.score
    grade = s.grade + ("（一票否决）" if s.vetoed else "")
    label_w, value_w = 18 * mm, 42 * mm
    info = [
        ["责任单位", cell(sheet.unit_name, value_w, styles), "考核年度", f"{sheet.year} 年"],
        ["单位类型", UNIT_KINDS.get(sheet.unit_kind, sheet.unit_kind), "台账状态", sheet.status],
        ["责任领导", sheet.leader, "联系电话", sheet.contact],
        ["考核总分", _pts(s.total), "考核等级", grade],
        ["打印版次", f"第 {sheet.revision} 版", "打印时间", sheet.generated_at],
        ["验证码", sheet.code, "数据指纹", Paragraph(f"SHA-256 {sheet.fingerprint}", styles.small)],
    ]
    t = Table(info, colWidths=[label_w, value_w, label_w, value_w])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LEADING", (0, 0), (-1, -1), 11),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                ("BACKGROUND", (2, 0), (2, -1), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTSIZE", (1, 3), (1, 3), 11),
                ("FONTSIZE", (3, 3), (3, 3), 11),
                ("FONTSIZE", (1, 5), (1, 5), 10.5),
            ]
        )
    )
    qr_size = 34 * mm
    outer = Table(
        [[t, [QrCode(sheet.payload, qr_size), Paragraph("扫码核验", styles.head)]]],
        colWidths=[CONTENT_W - qr_size - 4 * mm, qr_size + 4 * mm],
    )
    outer.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return outer


def _simple_table(
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


def _adjustment_table(sheet: SheetData, styles: Styles) -> Flowable:
    if not sheet.adjustments:
        return Paragraph("无加分或扣分事项。", styles.cell)
    widths = [10 * mm, 16 * mm, 16 * mm, CONTENT_W - 42 * mm]
    data: list[list[Any]] = [["序号", "类型", "分值", "理由"]]
    for n, (points, reason) in enumerate(sheet.adjustments, start=1):
        kind = "加分" if points > 0 else "扣分"
        data.append([str(n), kind, f"{points:+.2f}", cell(reason, widths[3], styles)])
    return _simple_table(data, widths, styles.font, [("ALIGN", (0, 0), (2, -1), "CENTER")])


def _score_table(sheet: SheetData, styles: Styles) -> Table:
    s = sheet.score
    widths = [CONTENT_W - 70 * mm, 20 * mm, 25 * mm, 25 * mm]
    data: list[list[Any]] = [["考核项目", "条目数", "分值", "得分"]]
    for cat in CATEGORIES:
        data.append(
            [
                cat.label,
                str(len(sheet.rows[cat.key])),
                _pts(s.category_points.get(cat.key, 0.0)),
                _pts(s.category_scores.get(cat.key, 0.0)),
            ]
        )
    n_cat = len(data)
    data += [
        ["基础得分", "", "100.00" if s.category_points else "0.00", _pts(s.base)],
        ["加分", "", "", f"+{_pts(s.bonus)}" if s.bonus else "0.00"],
        ["扣分", "", "", f"-{_pts(s.deduction)}" if s.deduction else "0.00"],
        ["总分", "", "", _pts(s.total)],
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
    return _simple_table(data, widths, styles.font, extra)


def _signature_block(font: str) -> Table:
    line = "＿" * 9
    w_left = CONTENT_W - 62 * mm
    data = [
        [f"填报人：{line}", "单位（盖章）"],
        [f"审核人：{line}", ""],
        [f"单位负责人（签字）：{line}", ""],
        ["日期：　　　　年　　月　　日", ""],
    ]
    t = Table(data, colWidths=[w_left, 62 * mm], rowHeights=[13 * mm] * 4)
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10.5),
                ("VALIGN", (0, 0), (0, -1), "BOTTOM"),
                ("BOTTOMPADDING", (0, 0), (0, -1), 4),
                ("SPAN", (1, 0), (1, -1)),
                ("BOX", (1, 0), (1, -1), 0.8, GRID),
                ("VALIGN", (1, 0), (1, 0), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
                ("TEXTCOLOR", (1, 0), (1, 0), colors.HexColor("#666666")),
            ]
        )
    )
    return t


def sheet_story(sheet: SheetData, styles: Styles, key: int = 0) -> list[Flowable]:
    """The flowables of one ledger's sheet."""
    info = SheetInfo(key, sheet.unit_name, sheet.year, sheet.code, sheet.revision, styles.font)
    story: list[Flowable] = [
        _SheetStart(info, f"{sheet.unit_name} {sheet.year} 年"),
        Paragraph(_escape(sheet.title), styles.title),
        Spacer(1, 4 * mm),
        _info_block(sheet, styles),
    ]
    n = 0
    for cat in CATEGORIES:
        s = sheet.score
        heading = (
            f"{CN_NUMBERS[n]}、{cat.label}（分值 {_pts(s.category_points.get(cat.key, 0.0))}，"
            f"得分 {_pts(s.category_scores.get(cat.key, 0.0))}）"
        )
        n += 1
        if not sheet.rows[cat.key]:
            story.append(
                KeepTogether(
                    [Paragraph(heading, styles.section), Paragraph("本类无条目。", styles.cell)]
                )
            )
            continue
        story.append(CondPageBreak(HEADING_ROOM))  # a heading never ends a page alone
        story.append(Paragraph(heading, styles.section))
        story.append(category_table(cat, sheet, styles))
    story.append(CondPageBreak(HEADING_ROOM))
    story.append(Paragraph(f"{CN_NUMBERS[n]}、加分和扣分", styles.section))
    story.append(_adjustment_table(sheet, styles))
    n += 1
    story.append(CondPageBreak(HEADING_ROOM))
    story.append(Paragraph(f"{CN_NUMBERS[n]}、单位自评", styles.section))
    for para in (sheet.self_assessment or "（未填写）").splitlines() or ["（未填写）"]:
        if para.strip():
            story.append(Paragraph(_escape(para.strip()), styles.body))
    n += 1
    story.append(
        KeepTogether(
            [
                Paragraph(f"{CN_NUMBERS[n]}、考核得分", styles.section),
                _score_table(sheet, styles),
                Spacer(1, 5 * mm),
                _signature_block(styles.font),
            ]
        )
    )
    return story


def render_sheets(
    sheets: Sequence[SheetData], out: Path | Any, font: str, title: str | None = None
) -> None:
    """Write the sheets into one PDF (each starts a page and is numbered on its own)."""
    if not sheets:
        raise ValueError("没有可打印的考核表")
    styles = Styles(font)
    story: list[Flowable] = []
    for key, sheet in enumerate(sheets):
        if key:
            story.append(PageBreak())
        story.extend(sheet_story(sheet, styles, key))
    payloads = " ".join(s.payload for s in sheets)
    doc = BaseDocTemplate(
        str(out) if isinstance(out, Path) else out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title or sheets[0].title,
        author=APP_NAME,
        subject=payloads,
        keywords=payloads,
        creator=APP_NAME,
        initialFontName=font,  # no Helvetica in the page preamble: every font is embedded
        initialFontSize=BODY_SIZE,
    )
    frame = Frame(
        MARGIN_X, MARGIN_BOTTOM, CONTENT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body"
    )
    doc.addPageTemplates([PageTemplate(id="sheet", frames=[frame])])
    doc.build(story, canvasmaker=SheetCanvas)


def safe_filename(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "考核表"


def sheet_filename(sheet: SheetData) -> str:
    return safe_filename(f"{sheet.unit_code}_{sheet.unit_name}_{sheet.year}年考核表") + ".pdf"


def combined_filename(year: int) -> str:
    return f"全部单位_{year}年考核表_合并打印.pdf"


@dataclass
class ExportResult:
    path: Path
    sheets: list[SheetData]


def export_sheet(
    store: Store, ledger_id: int, out: str | Path, record: bool = True, font: str | None = None
) -> ExportResult:
    """Write one ledger's sheet atomically; record the printing once the file exists."""
    font = font or font_for_store(store)
    sheet = collect_sheet(store, ledger_id)
    with atomic_path(out) as tmp:
        render_sheets([sheet], tmp, font)
    if record:
        store.prints.record(ledger_id, sheet.fingerprint, sheet.code, sheet.revision)
    return ExportResult(Path(out), [sheet])


def export_year(
    store: Store,
    year: int,
    out_dir: str | Path,
    record: bool = True,
    progress: Progress | None = None,
    font: str | None = None,
) -> list[Path]:
    """One file per unit plus one combined file for batch printing; returns the paths.

    ``progress(done, total, label)`` may raise :class:`Cancelled`; files finished
    before stay (each complete, each recorded), the combined file is not written.
    """
    out_dir = Path(out_dir)
    ledgers = store.ledgers.list(year=year)
    if not ledgers:
        raise ValueError(f"{year}年没有台账，无法打印考核表。")
    font = font or font_for_store(store)
    total = len(ledgers) + 1
    sheets: list[SheetData] = []
    paths: list[Path] = []
    for i, ledger in enumerate(ledgers):
        if progress:
            progress(i, total, ledger.unit_name)
        sheet = collect_sheet(store, ledger.id)
        path = out_dir / sheet_filename(sheet)
        with atomic_path(path) as tmp:
            render_sheets([sheet], tmp, font)
        if record:
            store.prints.record(ledger.id, sheet.fingerprint, sheet.code, sheet.revision)
        sheets.append(sheet)
        paths.append(path)
    if progress:
        progress(len(ledgers), total, "合并文件")
    combined = out_dir / combined_filename(year)
    with atomic_path(combined) as tmp:
        render_sheets(
            sheets, tmp, font, title=f"西湖区 {year} 年“六个一批”任务完成情况考核表（合并打印）"
        )
    paths.append(combined)
    if progress:
        progress(total, total, "完成")
    return paths
