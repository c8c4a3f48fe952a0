"""Which numeric cells of a workbook are shown as percentages.

Excel turns a typed ``98.5%`` into the number 0.985 with a percent number format; a
reader that sees only values (python-calamine) gets 0.985. A cell means what the clerk
saw, so the import asks here which cells carry a percent format: the styles
(``xl/styles.xml``) say which cell formats are percentages, and one byte scan of each
sheet finds the cells that use them. A workbook without percent formats (every return
this program writes: its percent columns show a literal ``"%"``) costs one small parse.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from .xlsx_read import col_of_letters
from .xlsx_safety import NS_MAIN, sheet_parts

_BUILTIN_PERCENT = {9, 10}  # 0% and 0.00%
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # literal text, escapes, colours/conditions
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')


def is_percent_format(code: str) -> bool:
    """A number format that multiplies by 100: a ``%`` outside quotes and escapes."""
    return "%" in _QUOTED.sub("", code)


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

    try:
        styles = fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return set()
    custom = {
        int(f.get("numFmtId", "-1")): f.get("formatCode", "")
        for f in styles.iter(f"{{{NS_MAIN}}}numFmt")
    }
    percent_ids = _BUILTIN_PERCENT | {i for i, code in custom.items() if is_percent_format(code)}
    xfs = next(styles.iter(f"{{{NS_MAIN}}}cellXfs"), None)
    if xfs is None:
        return set()
    return {
        index
        for index, xf in enumerate(xfs.iter(f"{{{NS_MAIN}}}xf"))
        if int(xf.get("numFmtId", "0")) in percent_ids
    }


def percent_cells(path: str | Path) -> dict[str, set[tuple[int, int]]]:
    """Sheet name → the (0-based row, column) of its cells with a percent format."""
    from defusedxml.ElementTree import fromstring

    out: dict[str, set[tuple[int, int]]] = {}
    with zipfile.ZipFile(path) as zf:
        styles = _percent_styles(zf)
        if not styles:
            return out
        wanted = {str(s).encode() for s in styles}
        for sheet, part in sheet_parts(zf, fromstring):
            try:
                data = zf.read(part)
            except KeyError:
                continue
            cells: set[tuple[int, int]] = set()
            for m in _CELL.finditer(data):
                attrs = m.group(1)
                style = _STYLE.search(attrs)
                if style is None or style.group(1) not in wanted:
                    continue
                ref = _REF.search(attrs)
                if ref is not None:
                    cells.add((int(ref.group(2)) - 1, col_of_letters(ref.group(1).decode())))
            if cells:
                out[sheet] = cells
    return out
