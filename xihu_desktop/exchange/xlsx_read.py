"""Reading cells of a workbook as a clerk left them: sheets, header rows, typed values.

Headers are found by their text, so reordered columns, stray spaces, full-width
characters, units in brackets, extra blank rows, merged cells and rows added by hand
are all accepted. A cell's value is checked with the field declarations exactly as
the editor checks it (:func:`check_cell`), with a little more tolerance for typing.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.categories import Field, FieldType
from ..core.validate import check_value, is_empty, quick_check
from .return_layout import QUARTER_ALIASES
from .xlsx_safety import MAX_ROWS, UnusableFile

HEADER_SCAN_ROWS = 12


@dataclass(frozen=True)
class ImportProblem:
    file: str
    sheet: str
    cell: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"工作表“{self.sheet}”" if self.sheet else ""
        cell = f" {self.cell}" if self.cell else ""
        what = f" {self.field}" if self.field else ""
        return f"{self.file}：{where}{cell}{what}：{self.message}"


def norm(text: Any) -> str:
    """Header/lookup normal form: NFKC, no spaces, no trailing bracketed unit, no '*'."""
    t = unicodedata.normalize("NFKC", str(text or ""))
    t = re.sub(r"\s+", "", t).replace("*", "").replace("＊", "")
    t = re.sub(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]$", "", t)
    return t.rstrip(":：").lower()


def norm_text(text: Any) -> str:
    """Lookup normal form of a name: NFKC, no whitespace, lower case (brackets kept)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


def col_letter(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_of_letters(letters: str) -> int:
    """0-based column of ``A``, ``B`` … ``AA``."""
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row + 1}"


class Sheet:
    """One sheet's cells as a grid, merged ranges filled with their top-left value."""

    def __init__(self, name: str, rows: list[list[Any]], merged: Iterable[Any]) -> None:
        self.name = name
        self.rows = rows
        self.merged = list(merged or ())
        self.merged_from: dict[tuple[int, int], tuple[int, int]] = {}
        for (r0, c0), (r1, c1) in self.merged:
            if (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:
                continue
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.merged_from[(r, c)] = (r0, c0)
        self.merged_rows = {r for r, _ in self.merged_from}

    def raw(self, r: int, c: int) -> Any:
        if r >= len(self.rows) or c >= len(self.rows[r]):
            return None
        v = self.rows[r][c]
        return None if v == "" else v

    def get(self, r: int, c: int) -> Any:
        src = self.merged_from.get((r, c))
        return self.raw(*src) if src else self.raw(r, c)


def plain(value: Any) -> Any:
    """Calamine value → what the validators expect (integral floats stay floats)."""
    if value.__class__ is str:
        return value or None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def text_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def map_columns(
    sheet: Sheet, columns: Sequence[Field], file: str
) -> tuple[int, dict[int, Field], list[ImportProblem]]:
    """Find the header row and which column holds which field."""
    index: dict[str, list[Field]] = {}
    for f in columns:
        for text in {norm(f.label), norm(f.header), f.key.lower(), *map(norm, f.aliases)}:
            index.setdefault(text, [])
            if f not in index[text]:
                index[text].append(f)
    best, best_hits = -1, 0
    for r in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        hits = sum(1 for c in range(len(sheet.rows[r])) if norm(sheet.raw(r, c)) in index)
        if hits > best_hits:
            best, best_hits = r, hits
    if best < 0 or best_hits < 2:
        return (
            -1,
            {},
            [ImportProblem(file, sheet.name, "", "", "找不到表头行（如“序号”“名称”等列标题）")],
        )
    h = best
    mapping: dict[int, Field] = {}
    problems: list[ImportProblem] = []
    seen: dict[str, int] = {}
    width = max((len(sheet.rows[r]) for r in range(max(h - 1, 0), h + 1)), default=0)
    group = ""
    for c in range(width):
        label = sheet.raw(h, c)
        upper = sheet.get(h - 1, c) if h > 0 else None
        if upper is not None:
            group = norm(upper)
        elif h > 0 and sheet.raw(h, c) is None:
            group = ""
        if label is None and (h - 1, c) not in sheet.merged_from and h > 0:
            label = sheet.raw(h - 1, c)  # a header merged over the two header rows
        candidates = index.get(norm(label), []) if label is not None else []
        if len(candidates) > 1:
            g = QUARTER_ALIASES.get(group, group)
            candidates = [f for f in candidates if norm(f.group) == g]
        if len(candidates) != 1:
            continue
        f = candidates[0]
        if f.key in seen:
            problems.append(
                ImportProblem(
                    file,
                    sheet.name,
                    cell_ref(h, c),
                    f.label,
                    f"列重复（与 {cell_ref(h, seen[f.key])} 相同），请删除多余的列",
                )
            )
            continue
        seen[f.key] = c
        mapping[c] = f
    return h, mapping, problems


def merged_in_data(file: str, sheet: Sheet, h: int) -> dict[int, list[ImportProblem]]:
    """Merged ranges below the header row, by the data rows they cover.

    Merging puts one value into several rows or columns (a merged name would rename
    the next entry, a merged goal overwrite the next goal), so each row under a merged
    range is refused, naming the range.
    """
    out: dict[int, list[ImportProblem]] = {}
    for (r0, c0), (r1, c1) in sheet.merged:
        if r1 <= h:
            continue
        problem = ImportProblem(
            file,
            sheet.name,
            f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}",
            "",
            "数据区内有合并单元格，一个值会落到几行或几列：请取消合并、逐格填写后再导入",
        )
        for r in range(max(r0, h + 1), r1 + 1):
            out.setdefault(r, []).append(problem)
    return out


def as_seen(
    f: Field, raw: Any, percent_format: bool, measure: str | None
) -> tuple[Any, str | None]:
    """A number cell as the clerk saw it: 0.985 shown as 98.5% is 98.5, "85%" is 85.

    Percentages apply to fields whose unit (declared, or the row's 计量单位) is %; a
    percent-formatted cell in a column of another unit is refused, naming what it showed.
    """
    unit = unicodedata.normalize("NFKC", f.unit or measure or "").strip()
    percent_field = f.type == FieldType.PERCENT or unit == "%"
    if percent_format and isinstance(raw, int | float) and not isinstance(raw, bool):
        if not percent_field and unit:
            shown = f"{raw * 100:g}%"
            return None, (
                f"单元格为百分比格式（显示为{shown}），但单位是“{unit}”：请改为常规数字格式"
            )
        return round(raw * 100, 10), None
    if percent_field and isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        if text.endswith("%"):
            return text[:-1].strip(), None
    return raw, None


def has_value(v: Any) -> bool:
    """A plain cell value that is data (not empty, not an empty marker such as 无)."""
    return v is not None and (v.__class__ is not str or not is_empty(v))


def data_rows(
    sheet: Sheet, h: int, mapping: Mapping[int, Field]
) -> Iterable[tuple[int, dict[int, Any]]]:
    cols = list(mapping)
    merged_rows = sheet.merged_rows
    for r in range(h + 1, len(sheet.rows)):
        if r in merged_rows:
            cells = {}
            for c in cols:
                src = sheet.merged_from.get((r, c))
                # a header cell merged down into the data area is not data
                cells[c] = None if src and src[0] <= h else plain(sheet.get(r, c))
        else:  # the fast path: no merged cell in this row
            row = sheet.rows[r]
            n = len(row)
            cells = {c: plain(row[c]) if c < n else None for c in cols}
        if any(map(has_value, cells.values())):
            yield r, cells


def data_columns(
    sheet: Sheet, h: int, mapping: Mapping[int, Field]
) -> tuple[list[int], dict[int, list[Any]]]:
    """:func:`data_rows` by column: the rows (0-based) that :func:`data_rows` yields and,
    for each mapped column, the values it gives them (:func:`plain`), in that order."""
    rows = sheet.rows[h + 1 :]
    columns: dict[int, list[Any]] = {}
    width = 1 + max(mapping, default=-1)
    if all(len(row) >= width for row in rows):  # calamine's rows are as wide as the sheet
        cells = list(zip(*(row[:width] for row in rows), strict=True)) or [()] * width
    else:
        cells = [tuple(row[c] if c < len(row) else None for row in rows) for c in range(width)]
    for c in mapping:
        columns[c] = list(map(plain, cells[c]))
    for r in sheet.merged_rows:
        if h < r < len(sheet.rows):
            for c, column in columns.items():
                src = sheet.merged_from.get((r, c))
                # a header cell merged down into the data area is not data
                column[r - h - 1] = None if src and src[0] <= h else plain(sheet.get(r, c))
    pending = list(range(len(rows)))  # rows with nothing in them so far
    for column in columns.values():
        pending = [i for i in pending if not has_value(column[i])]
        if not pending:
            break
    if pending:
        empty = set(pending)
        keep = [i for i in range(len(rows)) if i not in empty]
        columns = {c: [column[i] for i in keep] for c, column in columns.items()}
    else:
        keep = list(range(len(rows)))
    return [h + 1 + i for i in keep], columns


def check_cell(
    f: Field, raw: Any, cache: dict[tuple[type, Any], tuple[Any, str | None]]
) -> tuple[Any, str | None]:
    """check_value with the import's tolerance, memoised per column: returns repeat the
    same statuses, names and phrases thousands of times."""
    try:
        key = (type(raw), raw)
        hit = cache.get(key)
    except TypeError:  # unhashable: not from a spreadsheet, just check it
        return check_value(f, tolerant(f, raw))
    if hit is None:
        hit = cache[key] = check_value(f, tolerant(f, raw))
    return hit


def check_column(
    f: Field, raws: Sequence[Any], cache: dict[tuple[type, Any], tuple[Any, str | None]]
) -> list[tuple[Any, str | None]]:
    """:func:`check_cell` over a whole column: empty cells and values a glance can judge
    (:func:`~xihu_desktop.core.validate.quick_check`) skip the full check."""
    empty = check_value(f, None)
    quick = quick_check(f)
    filled = [i for i, raw in enumerate(raws) if raw is not None]
    if len(filled) < len(raws):  # a sparse column (a quarter not reported): filled cells only
        out = [empty] * len(raws)
        for i in filled:
            raw = raws[i]
            out[i] = quick(raw) or check_cell(f, raw, cache)
        return out
    return [s or check_cell(f, raw, cache) for s, raw in zip(map(quick, raws), raws, strict=True)]


def tolerant(f: Field, raw: Any) -> Any:
    """A choice typed with spaces inside (“新 建”) is that choice."""
    if f.type == FieldType.ENUM and isinstance(raw, str):
        squeezed = norm_text(raw)
        for choice in f.choices:
            if norm_text(choice) == squeezed:
                return choice
    return raw


def col_of(mapping: Mapping[int, Field], key: str) -> int:
    for c, f in mapping.items():
        if f.key == key:
            return c
    return -1


class Workbook:
    """A workbook opened with python-calamine; sheets are loaded (and checked) on demand."""

    def __init__(self, path: Path, cancelled: Callable[[], bool] | None = None) -> None:
        self.file = path.name
        self.cancelled = cancelled
        try:
            from python_calamine import CalamineWorkbook

            self._wb = CalamineWorkbook.from_path(str(path))
            self.sheet_names: list[str] = list(self._wb.sheet_names)
        except Exception as exc:
            raise UnusableFile(
                f"文件“{self.file}”已损坏或不是 xlsx 报表，无法读取（{type(exc).__name__}）。"
            ) from None

    def sheet(self, name: str) -> Sheet | None:
        """The sheet called ``name``, or None; raises :class:`UnusableFile` when it is
        too large or broken, or when the reading was cancelled."""
        if name not in self.sheet_names:
            return None
        if self.cancelled is not None and self.cancelled():
            raise UnusableFile("已取消")
        file = self.file
        try:
            sh = self._wb.get_sheet_by_name(name)
            height = max(sh.height, sh.total_height)
            if height > MAX_ROWS:
                raise UnusableFile(
                    f"文件“{file}”的工作表“{name}”有 {height} 行，超过上限 {MAX_ROWS} 行，拒绝读取。"
                )
            rows = sh.to_python(skip_empty_area=False)
            merged = sh.merged_cell_ranges or ()
        except UnusableFile:
            raise
        except Exception as exc:
            raise UnusableFile(
                f"文件“{file}”的工作表“{name}”已损坏或含有不安全的内容，无法读取（{type(exc).__name__}）。"
            ) from None
        return Sheet(name, rows, merged)
