"""Tab-separated blocks as Excel and WPS put them on the clipboard.

Excel quotes a cell that contains a tab, a line break or a double quote: the cell
is wrapped in ``"`` and inner quotes are doubled. A cell that merely *starts* with
a quote but is not a well-formed quoted cell is taken literally, as Excel does.
"""

from __future__ import annotations

from collections.abc import Sequence


def parse_tsv(text: str) -> list[list[str]]:
    """Split clipboard text into rows of cells, honouring Excel's quoting."""
    if not text:
        return []
    rows: list[list[str]] = []
    row: list[str] = []
    i, n = 0, len(text)
    while True:
        cell, i = _read_cell(text, i)
        row.append(cell)
        if i >= n:
            rows.append(row)
            break
        sep = text[i]
        if sep == "\t":
            i += 1
            continue
        # a line break: \r\n, \n or \r
        i += 2 if text.startswith("\r\n", i) else 1
        rows.append(row)
        row = []
        if i >= n:
            break
    # Excel ends the block with a line break; a trailing empty row is not data.
    while rows and rows[-1] == [""]:
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def _read_cell(text: str, i: int) -> tuple[str, int]:
    n = len(text)
    if i < n and text[i] == '"':
        j = i + 1
        parts: list[str] = []
        while j < n:
            q = text.find('"', j)
            if q < 0:
                break
            parts.append(text[j:q])
            if q + 1 < n and text[q + 1] == '"':
                parts.append('"')
                j = q + 2
                continue
            end = q + 1
            if end >= n or text[end] in "\t\r\n":
                return "".join(parts).replace("\r\n", "\n"), end
            break  # a quote inside an unquoted cell: read literally
    j = i
    while j < n and text[j] not in "\t\r\n":
        j += 1
    return text[i:j], j


def _quote(cell: str) -> str:
    if any(c in cell for c in "\t\r\n") or cell.startswith('"'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def format_tsv(rows: Sequence[Sequence[str]]) -> str:
    """The block as Excel writes it: quoted where needed, one line per row."""
    return "".join("\t".join(_quote(c) for c in row) + "\n" for row in rows)
