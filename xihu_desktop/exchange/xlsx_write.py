"""Writing workbooks with xlsxwriter: formats, the titled two-level header, typed cells.

Text that a spreadsheet could take for a formula (``= + - @``, tab, CR, LF at the
start) is always a string cell with Excel's quote prefix; control characters that
the XML cannot hold are dropped. Where the sheets and columns go is
:mod:`.return_layout`'s business; this module only draws them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from ..core.categories import Field, FieldType
from .return_layout import FIRST_DATA_ROW, KEY_FIELD, META_SHEET, TITLE_ROWS

# ---------------------------------------------------------------- values


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def clean_text(value: str) -> str:
    """Drop control characters a workbook cannot hold (keeps tab, CR, LF)."""
    return _CONTROL_RE.sub("", value)


def number_format(f: Field) -> str | None:
    return {
        FieldType.MONEY: "#,##0.00",
        FieldType.PERCENT: '0.00"%"',
        FieldType.YEAR: "0",
        FieldType.INTEGER: "0",
        FieldType.NUMBER: "General",
    }.get(f.type)


def column_width(f: Field) -> float:
    """Excel width for ``Field.width`` Chinese characters (one CJK char ≈ 2 units)."""
    header = max(len(f.label), len(f.unit) + 2 if f.unit else 0)
    return min(max(f.width, header) * 2 + 1.5, 80)


# ---------------------------------------------------------------- the sheet writer


class Formats:
    """xlsxwriter formats, created once per workbook."""

    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.wb = wb
        self.title = wb.add_format(
            {"font_name": "黑体", "font_size": 16, "bold": True, "align": "center"}
        )
        self.header = wb.add_format(
            {
                **base,
                "bold": True,
                "align": "center",
                "text_wrap": True,
                "bg_color": "#DDEBF7",
            }
        )
        self.group = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#BDD7EE"})
        self.label = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        self.text = wb.add_format(base)
        self.grid = wb.add_format({"border": 1})
        self._cache: dict[tuple[str | None, bool, bool], Any] = {}
        self._base = base

    def cell(self, f: Field, quote: bool = False) -> Any:
        fmt = number_format(f)
        wrap = f.type == FieldType.LONGTEXT
        key = (fmt, wrap, quote)
        if key not in self._cache:
            props: dict[str, Any] = dict(self._base)
            if fmt:
                props["num_format"] = fmt
            if wrap:
                props["text_wrap"] = True
            if quote:
                props["quote_prefix"] = True
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


CellWriter = Callable[[int, int, Any], None]


def cell_writer(ws: Any, f: Field, formats: Formats, blanks: bool = True) -> CellWriter:
    """A fast writer for one column: numbers as numbers, all else as string cells.

    With ``blanks`` an empty cell still gets the column's format (a clerk typing into
    it gets 万元 with two decimals); the big summary leaves empty cells out.
    """
    plain = formats.cell(f)
    quoted = formats.cell(f, quote=True)
    if not blanks and number_format(f) is None:
        # The 100,000-row summary: text cells without a style of their own write a
        # quarter faster; the grid comes from one conditional format, numbers keep theirs.
        plain = None
    # xlsxwriter's public write_* only add A1-notation parsing to these (row, col)
    # methods; calling them directly saves ~5 % of a 100,000-entry summary.
    write_string = getattr(ws, "_write_string", ws.write_string)
    write_number = getattr(ws, "_write_number", ws.write_number)
    write_blank = getattr(ws, "_write_blank", ws.write_blank)

    def write(row: int, col: int, value: Any) -> None:
        if value is None or value == "":
            if blanks:
                write_blank(row, col, None, plain)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            write_number(row, col, value, plain)
        else:
            text = value if isinstance(value, str) else str(value)
            if not text.isprintable() and _CONTROL_RE.search(text):
                text = clean_text(text)
            write_string(row, col, text, quoted if text.startswith(_FORMULA_START) else plain)

    return write


def write_header(
    ws: Any, formats: Formats, title: str, columns: Sequence[Field], data_rows: int
) -> None:
    """Title row, merged two-level header, widths, freeze panes, print setup, drop-downs."""
    last = len(columns) - 1
    if last > 0:
        ws.merge_range(0, 0, 0, last, title, formats.title)
    else:
        ws.write_string(0, 0, title, formats.title)
    ws.set_row(0, 28)
    # Row by row, so that constant-memory worksheets (which flush a row as soon as a
    # later one is written) keep every header cell.
    spans: list[tuple[int, int]] = []
    col = 0
    while col <= last:
        f = columns[col]
        end = col
        while end + 1 <= last and f.group and columns[end + 1].group == f.group:
            end += 1
        spans.append((col, end))
        col = end + 1
    for col, end in spans:
        f = columns[col]
        if not f.group:
            ws.write_string(1, col, f.header, formats.header)
        elif end > col:
            ws.merge_range(1, col, 1, end, f.group, formats.group)
        else:
            ws.write_string(1, col, f.group, formats.group)
    ws.set_row(2, 30)
    for col, end in spans:
        f = columns[col]
        if not f.group:
            ws.merge_range(1, col, 2, col, f.header, formats.header)
        else:
            for c in range(col, end + 1):
                ws.write_string(2, c, columns[c].header, formats.header)
    for c, f in enumerate(columns):
        options = {"hidden": True} if f.key == KEY_FIELD.key else None
        ws.set_column(c, c, column_width(f), None, options)
    ws.freeze_panes(FIRST_DATA_ROW, 2 if len(columns) > 2 else 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(TITLE_ROWS, FIRST_DATA_ROW - 1)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    last_row = FIRST_DATA_ROW + max(data_rows, 0) + 200
    for c, f in enumerate(columns):
        if f.type == FieldType.ENUM and f.choices:
            ws.data_validation(
                FIRST_DATA_ROW,
                c,
                last_row,
                c,
                {
                    "validate": "list",
                    "source": list(f.choices),
                    "error_title": f.label,
                    "error_message": f"请从下拉列表中选择：{'、'.join(f.choices)}",
                },
            )


def write_rows(
    ws: Any,
    formats: Formats,
    columns: Sequence[Field],
    rows: Iterable[Sequence[Any]],
    blanks: bool = True,
) -> int:
    writers = [cell_writer(ws, f, formats, blanks) for f in columns]
    pairs = list(enumerate(writers))
    r = FIRST_DATA_ROW
    for values in rows:
        for c, write in pairs:
            write(r, c, values[c])
        r += 1
    if not blanks and r > FIRST_DATA_ROW:
        # one rule draws the grid over the whole table, empty cells included
        ws.conditional_format(
            FIRST_DATA_ROW,
            0,
            r - 1,
            len(columns) - 1,
            {"type": "formula", "criteria": "TRUE", "format": formats.grid},
        )
    return r - FIRST_DATA_ROW


def write_meta(wb: Any, items: Sequence[tuple[str, Any]]) -> None:
    ws = wb.add_worksheet(META_SHEET)
    for r, (key, value) in enumerate(items):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, "" if value is None else str(value))
    ws.set_column(0, 1, 30)
    ws.very_hidden()


def new_workbook(path: Path, constant_memory: bool = False) -> Any:
    import xlsxwriter

    return xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": constant_memory,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
