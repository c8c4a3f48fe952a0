"""The furniture of our PDF pages, shared by the assessment sheet and the district summary.

Page geometry, colours and paragraph styles; the header and footer drawn on every
page once the page count of each sheet is known (:class:`SheetCanvas`, told whose
pages follow by a :class:`SheetStart` marker); the QR code; the signature block;
and :func:`build_pdf`, the one document template.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import cleanBlockQuotedText

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

GRID = colors.HexColor("#444444")
HEAD_BG = colors.HexColor("#E8EEF5")
SUB_BG = colors.HexColor("#F3F3F3")
FRAME_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM


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
        self.subtitle = ParagraphStyle(
            "subtitle", fontName=f, fontSize=11, leading=16, alignment=TA_CENTER, wordWrap="CJK"
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


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_CHAR_WIDTHS: dict[str, dict[str, float]] = {}


def body_width(font: str, text: str) -> float:
    """``stringWidth(text, font, BODY_SIZE)`` from a per-character cache (a sheet's cells
    repeat the same few thousand characters; stringWidth looks each one up anew)."""
    cache = _CHAR_WIDTHS.get(font)
    if cache is None:
        cache = _CHAR_WIDTHS[font] = {}
    total = 0.0
    for ch in text:
        w = cache.get(ch)
        if w is None:
            w = cache[ch] = stringWidth(ch, font, BODY_SIZE)
        total += w
    return total


def cell(text: str, width: float, styles: Styles, style: ParagraphStyle | None = None) -> Any:
    """A plain string when it fits the column, else a wrapping Paragraph (5× the cost)."""
    if "\n" not in text and body_width(styles.font, text) <= width - 2 * CELL_PAD:
        return text
    style = style or styles.cell
    if "\n" in text:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)
    return plain_paragraph(text, style)


#: a style's one fragment (weak: styles are made per document)
_TEMPLATES: WeakKeyDictionary[ParagraphStyle, Any] = WeakKeyDictionary()


def plain_paragraph(text: str, style: ParagraphStyle) -> Paragraph:
    """``Paragraph(escape(text), style)`` for a text without line breaks, without running
    the markup parser (most of a wrapped cell's cost): its one fragment is the style's,
    holding the text as the parser would leave it (whitespace runs joined, ends cut)."""
    cleaned = cleanBlockQuotedText(text)
    template = _TEMPLATES.get(style)
    if template is None:
        template = _TEMPLATES[style] = Paragraph("x", style).frags[0]
    if not cleaned or "&" in text or "<" in text or ">" in text:
        return Paragraph(escape(text), style)  # entities: the parser makes several fragments
    return Paragraph(escape(cleaned), style, frags=[template.clone(text=cleaned)])


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


class SheetStart(Flowable):
    """Zero-size marker at the start of a sheet: tells the canvas whose pages follow."""

    def __init__(self, info: SheetInfo, title: str) -> None:
        super().__init__()
        self.info = info
        self.title = title

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canv = self.canv
        canv.sheet_info = self.info
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
        code.version = fit_version(code.data_list, ERROR_CORRECT_M)
        code.make(fit=False)  # the version make(fit=True) finds, without encoding twice
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


def fit_version(chunks: Sequence[Any], error_correction: int) -> int:
    """The smallest QR version that holds ``chunks`` (``QRCode.best_fit`` counted, not
    encoded: best_fit writes every bit into a buffer, then ``make`` writes them again)."""
    from bisect import bisect_left

    from qrcode import util
    from qrcode.exceptions import DataOverflowError

    start = 1
    while True:
        sizes = util.mode_sizes_for_version(start)
        bits = sum(4 + sizes[c.mode] + _chunk_bits(c.mode, len(c)) for c in chunks)
        version = bisect_left(util.BIT_LIMIT_TABLE[error_correction], bits, start)
        if version == 41:
            raise DataOverflowError()
        if sizes is util.mode_sizes_for_version(version):
            return version
        start = version  # the length fields grow with the version: count again


def _chunk_bits(mode: int, length: int) -> int:
    from qrcode import util

    if mode == util.MODE_NUMBER:  # 10 bits per 3 digits, 4 or 7 for the rest
        return length // 3 * 10 + (0, 4, 7)[length % 3]
    if mode == util.MODE_ALPHA_NUM:  # 11 bits per 2 characters, 6 for the last one
        return length // 2 * 11 + 6 * (length % 2)
    return 8 * length


def signature_block(font: str) -> Table:
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


def build_pdf(
    story: list[Flowable], out: str | Path | Any, font: str, title: str, keywords: str = ""
) -> None:
    """Lay ``story`` out on A4 pages with our header and footer; ``keywords`` go into the
    PDF's subject and keywords (the verification payloads of the sheets)."""
    meta = {"subject": keywords, "keywords": keywords} if keywords else {}
    doc = BaseDocTemplate(
        str(out) if isinstance(out, Path) else out,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=APP_NAME,
        creator=APP_NAME,
        initialFontName=font,  # no Helvetica in the page preamble: every font is embedded
        initialFontSize=BODY_SIZE,
        **meta,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_W, FRAME_H, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=SheetCanvas)
