"""Reading Excel returns back: parse, validate, plan the changes, write in one transaction.

Three steps, so that the window can parse off the UI thread and show a preview:

1. :func:`read_return` (no database access; give it :class:`Lookups` built on the
   main thread) checks the file (:mod:`.xlsx_safety`), reads every sheet with
   python-calamine and validates every cell with the field declarations, exactly
   as the editor does. Headers are found by their text, so reordered columns,
   stray spaces, full-width characters, units in brackets, extra blank rows,
   merged cells and rows added by hand are all accepted.
2. :func:`plan_import` compares the return with the ledger in the database.
3. :func:`apply_import` re-plans and writes inside ONE ``store.transaction()``
   (with ``store.admin_override()`` for a submitted or locked ledger, which the
   caller must confirm explicitly).

How rows are matched to existing entries, per category, in this order:
  a. a row whose values equal an existing entry's values is that entry (so an
     unchanged return, or the same file imported twice, changes nothing);
  b. the hidden column 条目标识 (``E<entry id>``, written by the export) names an
     entry of this ledger and category: that entry is updated in place;
  c. a row whose name equals an unmatched entry's name updates that entry;
  d. every other row is a new entry.
Entries of the ledger that no row matched are removed (only for categories whose
sheet is in the return; a missing sheet leaves its category untouched), and the
category's entries are put in the order of the rows. Progress rows refer to entry
rows by 条目标识, else by category and name. With "import only valid rows", an
invalid row is skipped and the entry it refers to is left as it is.
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.categories import (
    CATEGORIES,
    CATEGORY_BY_KEY,
    Category,
    Field,
    FieldType,
    find_category,
)
from ..core.validate import check_value, is_empty
from ..store import Entry, Store
from ..store.errors import PermissionDenied, StoreError
from . import excel_export as layout
from .xlsx_safety import (
    MAX_ROWS,
    UnusableFile,
    check_xlsx,
    formulas_without_values,
    require_defusedxml,
)

HEADER_SCAN_ROWS = 12
_PROGRESS_FIELDS = layout.progress_fields()


class ImportRefused(StoreError):
    """The return was not imported (no permission, no confirmation); nothing was written."""


class ImportHasProblems(ImportRefused):
    """The return has invalid cells and "import only valid rows" was not chosen."""


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


# ---------------------------------------------------------------- lookups


def _norm(text: Any) -> str:
    """Header/lookup normal form: NFKC, no spaces, no trailing bracketed unit, no '*'."""
    t = unicodedata.normalize("NFKC", str(text or ""))
    t = re.sub(r"\s+", "", t).replace("*", "").replace("＊", "")
    t = re.sub(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]$", "", t)
    return t.rstrip(":：").lower()


def _norm_text(text: Any) -> str:
    """Lookup normal form of a name: NFKC, no whitespace, lower case (brackets kept)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text or ""))).lower()


@dataclass
class Lookups:
    """Readable link text → id, for TARGET and CATALOGUE fields (built from the store)."""

    targets: dict[str, int]
    items: dict[str, dict[str, int]]  # kind → normalised name → id

    @classmethod
    def of(cls, store: Store) -> Lookups:
        targets: dict[str, int] = {}
        names: dict[str, list[int]] = {}
        for t in store.catalogue.targets():
            targets.setdefault(_norm_text(layout.target_label(t)), t["id"])
            names.setdefault(_norm_text(t["name"]), []).append(t["id"])
            if not t["sub"]:
                targets.setdefault(str(t["seq"]), t["id"])
        for name, ids in names.items():
            if len(ids) == 1:
                targets.setdefault(name, ids[0])
        items: dict[str, dict[str, int]] = {}
        for i in store.catalogue.items():
            items.setdefault(i["kind"], {}).setdefault(_norm_text(i["name"]), i["id"])
        return cls(targets, items)

    def resolve(self, f: Field, value: Any) -> tuple[Any, str | None]:
        """The id for a link cell's text, or an error message."""
        if is_empty(value):
            return None, None
        key = _norm_text(value)
        if isinstance(value, float) and value.is_integer():
            key = str(int(value))
        if f.type == FieldType.TARGET:
            found = self.targets.get(key)
            if found is None:
                return None, f"找不到规划指标“{value}”（请从专栏2指标中选择，如“1 地区生产总值”）"
            return found, None
        found = self.items.get(f.link, {}).get(key)
        if found is None:
            return None, f"规划目录中找不到“{value}”"
        return found, None


# ---------------------------------------------------------------- parsed data


@dataclass
class ParsedRow:
    category: str
    sheet: str
    row: int  # 1-based Excel row
    key: int | None  # entry id from 条目标识
    name: str
    values: dict[str, Any]  # canonical values of the fields present in the sheet
    cells: dict[str, str]  # field key → cell reference
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass
class ParsedProgress:
    category: str
    name: str
    key: int | None
    row: int
    quarters: dict[int, dict[str, Any] | None]  # None: the quarter is empty in the file
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass
class ParsedReturn:
    path: Path
    meta: dict[str, str]
    unit_code: str | None
    unit_name: str | None
    year: int | None
    plan_code: str | None
    header: dict[str, Any]
    rows: dict[str, list[ParsedRow]]  # only categories whose sheet is present
    columns: dict[str, set[str]]  # field keys present per category sheet
    progress: list[ParsedProgress] | None
    adjustments: list[tuple[float, str]] | None
    problems: list[ImportProblem]
    fatal: str | None = None  # the return cannot be imported at all

    @property
    def file(self) -> str:
        return self.path.name

    def all_problems(self) -> list[ImportProblem]:
        out = list(self.problems)
        for rows in self.rows.values():
            for r in rows:
                out.extend(r.problems)
        for p in self.progress or ():
            out.extend(p.problems)
        return out


# ---------------------------------------------------------------- reading


def col_letter(col: int) -> str:
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row + 1}"


class _Sheet:
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


def _plain(value: Any) -> Any:
    """Calamine value → what the validators expect (integral floats stay floats)."""
    if value.__class__ is str:
        return value or None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _text_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


_QUARTER_ALIASES = {
    "第一季度": "一季度",
    "第二季度": "二季度",
    "第三季度": "三季度",
    "第四季度": "四季度",
}
for _i, _q in enumerate(("一季度", "二季度", "三季度", "四季度"), start=1):
    _QUARTER_ALIASES[f"q{_i}"] = _q
    _QUARTER_ALIASES[f"{_i}季度"] = _q


def _map_columns(
    sheet: _Sheet, columns: Sequence[Field], file: str
) -> tuple[int, dict[int, Field], list[ImportProblem]]:
    """Find the header row and which column holds which field."""
    index: dict[str, list[Field]] = {}
    for f in columns:
        for text in {_norm(f.label), _norm(f.header), f.key.lower()}:
            index.setdefault(text, [])
            if f not in index[text]:
                index[text].append(f)
    best, best_hits = -1, 0
    for r in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        hits = sum(1 for c in range(len(sheet.rows[r])) if _norm(sheet.raw(r, c)) in index)
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
            group = _norm(upper)
        elif h > 0 and sheet.raw(h, c) is None:
            group = ""
        if label is None and (h - 1, c) not in sheet.merged_from and h > 0:
            label = sheet.raw(h - 1, c)  # a header merged over the two header rows
        candidates = index.get(_norm(label), []) if label is not None else []
        if len(candidates) > 1:
            g = _QUARTER_ALIASES.get(group, group)
            candidates = [f for f in candidates if _norm(f.group) == g]
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


def _data_rows(
    sheet: _Sheet, h: int, mapping: Mapping[int, Field]
) -> Iterable[tuple[int, dict[int, Any]]]:
    cols = list(mapping)
    merged_rows = sheet.merged_rows
    for r in range(h + 1, len(sheet.rows)):
        if r in merged_rows:
            cells = {}
            for c in cols:
                src = sheet.merged_from.get((r, c))
                # a header cell merged down into the data area is not data
                cells[c] = None if src and src[0] <= h else _plain(sheet.get(r, c))
        else:  # the fast path: no merged cell in this row
            row = sheet.rows[r]
            n = len(row)
            cells = {c: _plain(row[c]) if c < n else None for c in cols}
        if all(v is None or (v.__class__ is str and is_empty(v)) for v in cells.values()):
            continue
        yield r, cells


def _parse_key(value: Any) -> int | None:
    text = _text_value(value)
    if not text:
        return None
    m = re.fullmatch(r"[Ee](\d+)", text)
    return int(m.group(1)) if m else None


def read_return(
    path: str | Path, lookups: Lookups, cancelled: Callable[[], bool] | None = None
) -> ParsedReturn:
    """Check, read and validate one return. Raises :class:`UnusableFile` only."""
    path = Path(path)
    require_defusedxml()
    check_xlsx(path)
    file = path.name
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        sheet_names = list(wb.sheet_names)
    except Exception as exc:
        raise UnusableFile(
            f"文件“{file}”已损坏或不是 xlsx 报表，无法读取（{type(exc).__name__}）。"
        ) from None
    try:
        formula_cells = formulas_without_values(path)
    except Exception as exc:
        raise UnusableFile(
            f"文件“{file}”的工作表结构已损坏或含有不安全的内容，无法解析（{type(exc).__name__}）。"
        ) from None
    problems: list[ImportProblem] = [
        ImportProblem(
            file,
            fc.sheet,
            fc.cell,
            "",
            f"单元格含公式“={fc.formula}”但没有计算结果：请在 Excel/WPS 中打开、重新计算并保存后再导入",
        )
        for fc in formula_cells
    ]

    def load(name: str) -> _Sheet | None:
        if name not in sheet_names:
            return None
        if cancelled is not None and cancelled():
            raise UnusableFile("已取消")
        try:
            sh = wb.get_sheet_by_name(name)
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
        return _Sheet(name, rows, merged)

    meta: dict[str, str] = {}
    meta_sheet = load(layout.META_SHEET)
    if meta_sheet:
        for r in range(len(meta_sheet.rows)):
            k, v = meta_sheet.raw(r, 0), meta_sheet.raw(r, 1)
            if k is not None:
                meta[str(k)] = "" if v is None else str(v)
    if meta.get("kind") == "summary":
        raise UnusableFile(f"文件“{file}”是全区汇总表，不是单位报表，不能导入。")

    cover: dict[str, Any] = {}
    cover_sheet = load(layout.COVER_SHEET)
    if cover_sheet:
        for r in range(len(cover_sheet.rows)):
            label = cover_sheet.raw(r, 0)
            if label is not None:
                cover.setdefault(_norm(label), cover_sheet.get(r, 1))
    header = {}
    for key, label in layout.COVER_FIELDS:
        if _norm(label) in cover:
            header[key] = _text_value(cover[_norm(label)])

    unit_code = meta.get("unit_code") or _text_value(cover.get(_norm("单位代码")))
    unit_name = meta.get("unit_name") or _text_value(cover.get(_norm("责任单位")))
    year_text = meta.get("year") or _text_value(cover.get(_norm("年度")))
    year = None
    fatal = None
    if year_text:
        m = re.search(r"(\d{4})", unicodedata.normalize("NFKC", year_text))
        year = int(m.group(1)) if m else None
    if not (unit_code or unit_name) or year is None:
        fatal = f"文件“{file}”中找不到责任单位或年度（封面工作表缺失或被改动），无法确定导入到哪本台账。"

    rows: dict[str, list[ParsedRow]] = {}
    present: dict[str, set[str]] = {}
    for cat in CATEGORIES:
        sheet = load(layout.sheet_name(cat)) or _find_sheet(sheet_names, cat, load)
        if sheet is None:
            continue
        cat_rows, cols, sheet_problems = _parse_category(sheet, cat, lookups, file)
        rows[cat.key], present[cat.key] = cat_rows, cols
        problems.extend(sheet_problems)
    if not rows and fatal is None:
        fatal = f"文件“{file}”中没有任何“六个一批”类别工作表（如“一批重点指标”）。"

    progress = None
    sheet = load(layout.PROGRESS_SHEET)
    if sheet is not None:
        progress, sheet_problems = _parse_progress(sheet, file)
        problems.extend(sheet_problems)
    adjustments = None
    sheet = load(layout.ADJUSTMENT_SHEET)
    if sheet is not None:
        adjustments, sheet_problems = _parse_adjustments(sheet, file)
        problems.extend(sheet_problems)
    return ParsedReturn(
        path=path,
        meta=meta,
        unit_code=unit_code,
        unit_name=unit_name,
        year=year,
        plan_code=meta.get("plan") or None,
        header=header,
        rows=rows,
        columns=present,
        progress=progress,
        adjustments=adjustments,
        problems=problems,
        fatal=fatal,
    )


def _find_sheet(
    names: Sequence[str], cat: Category, load: Callable[[str], _Sheet | None]
) -> _Sheet | None:
    """A category sheet renamed by hand (e.g. “重点指标 ”) is found by its label."""
    for name in names:
        if find_category(unicodedata.normalize("NFKC", name).strip()) is cat:
            return load(name)
    return None


def _parse_category(
    sheet: _Sheet, cat: Category, lookups: Lookups, file: str
) -> tuple[list[ParsedRow], set[str], list[ImportProblem]]:
    columns = layout.category_columns(cat)
    h, mapping, problems = _map_columns(sheet, columns, file)
    if h < 0:
        return [], set(), problems
    present = {f.key for f in mapping.values() if not f.key.startswith("_")}
    out: list[ParsedRow] = []
    caches: dict[int, dict[tuple[type, Any], tuple[Any, str | None]]] = {c: {} for c in mapping}
    letters = {c: col_letter(c) for c in mapping}
    for r, cells in _data_rows(sheet, h, mapping):
        row = ParsedRow(cat.key, sheet.name, r + 1, None, "", {}, {})
        for c, raw in cells.items():
            f = mapping[c]
            ref = f"{letters[c]}{r + 1}"
            if f.key == "_key":
                row.key = _parse_key(raw)
                continue
            if f.key == "_seq":
                continue
            row.cells[f.key] = ref
            if f.type in (FieldType.TARGET, FieldType.CATALOGUE):
                raw, error = lookups.resolve(f, raw)
                if error:
                    row.problems.append(ImportProblem(file, sheet.name, ref, f.label, error))
                    continue
            value, error = _check(f, raw, caches[c])
            if error:
                row.problems.append(ImportProblem(file, sheet.name, ref, f.label, error))
            else:
                row.values[f.key] = value
        row.name = str(
            row.values.get("name") or _text_value(cells.get(_col_of(mapping, "name"))) or ""
        )
        for f in cat.fields:
            if f.required and f.key not in present:
                row.problems.append(
                    ImportProblem(
                        file, sheet.name, f"第{r + 1}行", f.label, "缺少必填列，无法新增或核对"
                    )
                )
        if not row.problems:
            for check in cat.row_checks:
                for key, message in check(row.values):
                    label = cat.field(key).label
                    row.problems.append(
                        ImportProblem(
                            file, sheet.name, row.cells.get(key, f"第{r + 1}行"), label, message
                        )
                    )
        out.append(row)
    return out, present, problems


def _check(
    f: Field, raw: Any, cache: dict[tuple[type, Any], tuple[Any, str | None]]
) -> tuple[Any, str | None]:
    """check_value with the import's tolerance, memoised per column: returns repeat the
    same statuses, names and phrases thousands of times."""
    try:
        key = (type(raw), raw)
        hit = cache.get(key)
    except TypeError:  # unhashable: not from a spreadsheet, just check it
        return check_value(f, _tolerant(f, raw))
    if hit is None:
        hit = cache[key] = check_value(f, _tolerant(f, raw))
    return hit


def _tolerant(f: Field, raw: Any) -> Any:
    """A choice typed with spaces inside (“新 建”) is that choice."""
    if f.type == FieldType.ENUM and isinstance(raw, str):
        squeezed = _norm_text(raw)
        for choice in f.choices:
            if _norm_text(choice) == squeezed:
                return choice
    return raw


def _col_of(mapping: Mapping[int, Field], key: str) -> int:
    for c, f in mapping.items():
        if f.key == key:
            return c
    return -1


def _parse_progress(sheet: _Sheet, file: str) -> tuple[list[ParsedProgress], list[ImportProblem]]:
    columns = layout.progress_columns()
    h, mapping, problems = _map_columns(sheet, columns, file)
    out: list[ParsedProgress] = []
    if h < 0:
        return out, problems
    caches: dict[str, dict[tuple[type, Any], tuple[Any, str | None]]] = {
        f.key: {} for f in _PROGRESS_FIELDS
    }
    column = {f.key: c for c, f in mapping.items()}
    slots = [
        (
            q,
            label,
            [(f, column[f"q{q}.{f.key}"]) for f in _PROGRESS_FIELDS if f"q{q}.{f.key}" in column],
        )
        for q, label in layout.QUARTERS
    ]
    categories: dict[str, Category | None] = {}
    for r, cells in _data_rows(sheet, h, mapping):
        by_key = {mapping[c].key: (c, v) for c, v in cells.items() if mapping[c].key[0] == "_"}
        cat_text = _text_value(by_key.get("_category", (0, None))[1]) or ""
        if cat_text not in categories:
            categories[cat_text] = find_category(cat_text)
        cat = categories[cat_text]
        item = ParsedProgress(
            cat.key if cat else "",
            _text_value(by_key.get("_name", (0, None))[1]) or "",
            _parse_key(by_key.get("_key", (0, None))[1]),
            r + 1,
            {},
        )
        if cat is None:
            c = by_key.get("_category", (0, None))[0]
            item.problems.append(
                ImportProblem(
                    file, sheet.name, cell_ref(r, c), "类别", f"“{cat_text}”不是“六个一批”类别"
                )
            )
        for q, _label, fields in slots:
            values: dict[str, Any] = {}
            any_value = False
            for f, c in fields:
                raw = cells[c]
                any_value = any_value or not is_empty(raw)
                value, error = _check(f, raw, caches[f.key])
                if error:
                    item.problems.append(
                        ImportProblem(file, sheet.name, cell_ref(r, c), f"{_label}{f.label}", error)
                    )
                    continue
                if f.key == "follow_up":
                    value = value == "是"
                elif f.type == FieldType.LONGTEXT:
                    value = _text_value(value)
                values[f.key] = value
            item.quarters[q] = values if any_value else None
        out.append(item)
    return out, problems


def _parse_adjustments(
    sheet: _Sheet, file: str
) -> tuple[list[tuple[float, str]], list[ImportProblem]]:
    h, mapping, problems = _map_columns(sheet, layout.ADJUSTMENT_COLUMNS, file)
    out: list[tuple[float, str]] = []
    if h < 0:
        return out, problems
    for r, cells in _data_rows(sheet, h, mapping):
        values: dict[str, Any] = {}
        for c, raw in cells.items():
            f = mapping[c]
            if f.key == "_seq":
                continue
            value, error = check_value(f, raw)
            if error:
                problems.append(ImportProblem(file, sheet.name, cell_ref(r, c), f.label, error))
            values[f.key] = value
        if values.get("points") is not None and values.get("reason"):
            out.append((float(values["points"]), str(values["reason"]).strip()))
    return out, problems


# ---------------------------------------------------------------- planning


def same(a: Any, b: Any) -> bool:
    """Equal as stored data (numbers within rounding, text ignoring CRLF and edges)."""
    if a == "":
        a = None
    if b == "":
        b = None
    if a is None or b is None:
        return a is None and b is None
    num = (int, float)
    if (
        isinstance(a, num)
        and isinstance(b, num)
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)), abs(float(b)))
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()
    return bool(a == b)


def _signature(values: Mapping[str, Any], keys: Sequence[str]) -> tuple[Any, ...]:
    """Exact values of ``keys``: a fast first match; near-equal rows still match by key or
    name and are then compared with :func:`same`."""
    return tuple(map(values.get, keys))


@dataclass
class EntryChange:
    kind: str  # "new", "changed", "removed", "unchanged", "skipped"
    category: str
    name: str
    entry_id: int | None = None
    row: ParsedRow | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ImportPlan:
    parsed: ParsedReturn
    unit_id: int | None
    unit_name: str
    year: int | None
    ledger_id: int | None
    ledger_status: str | None
    entries: list[EntryChange]
    header_changes: dict[str, tuple[Any, Any]]
    progress_changes: int
    adjustments_change: bool
    problems: list[ImportProblem]
    fatal: str | None

    @property
    def needs_admin(self) -> bool:
        return self.ledger_status not in (None, "草稿")

    def count(self, kind: str) -> int:
        return sum(1 for e in self.entries if e.kind == kind)

    @property
    def has_changes(self) -> bool:
        return bool(
            self.ledger_id is None
            or any(e.kind in ("new", "changed", "removed") for e in self.entries)
            or self.header_changes
            or self.progress_changes
            or self.adjustments_change
        )

    def summary(self) -> str:
        if self.fatal:
            return self.fatal
        target = f"{self.unit_name}{self.year}年台账" + (
            "（新建）" if self.ledger_id is None else f"（{self.ledger_status}）"
        )
        parts = [
            f"新增 {self.count('new')} 条",
            f"修改 {self.count('changed')} 条",
            f"删除 {self.count('removed')} 条",
            f"进度 {self.progress_changes} 处",
        ]
        if self.header_changes:
            parts.append(f"台账信息 {len(self.header_changes)} 项")
        if self.adjustments_change:
            parts.append("加减分更新")
        if self.problems:
            parts.append(f"问题 {len(self.problems)} 处")
        if not self.has_changes and not self.problems:
            return f"{target}：与数据库一致，无需导入"
        return f"{target}：" + "，".join(parts)


def plan_import(store: Store, parsed: ParsedReturn) -> ImportPlan:
    """What importing ``parsed`` would change (reads the store only)."""
    problems = parsed.all_problems()
    plan = ImportPlan(
        parsed,
        None,
        parsed.unit_name or parsed.unit_code or "",
        parsed.year,
        None,
        None,
        [],
        {},
        0,
        False,
        problems,
        parsed.fatal,
    )
    if parsed.fatal:
        return plan
    unit = None
    for u in store.units.list():
        if parsed.unit_code and u.code == parsed.unit_code:
            unit = u
            break
    if unit is None and parsed.unit_name:
        unit = next((u for u in store.units.list() if u.name == parsed.unit_name), None)
    if unit is None:
        plan.fatal = f"文件“{parsed.file}”的责任单位“{parsed.unit_name or parsed.unit_code}”在本数据库中不存在，请先在单位管理中添加。"
        return plan
    plan.unit_id, plan.unit_name = unit.id, unit.name
    try:
        db_plan = store.catalogue.plan_for_year(parsed.year or 0)
    except StoreError as exc:
        plan.fatal = str(exc)
        return plan
    if parsed.plan_code and parsed.plan_code != db_plan["code"]:
        plan.fatal = f"文件“{parsed.file}”属于规划“{parsed.plan_code}”，与本数据库{parsed.year}年的规划“{db_plan['code']}”不一致。"
        return plan
    ledger = store.ledgers.find(unit.id, parsed.year or 0)
    if ledger is not None:
        plan.ledger_id, plan.ledger_status = ledger.id, ledger.status
        for key, value in parsed.header.items():
            if not same(getattr(ledger, key), value):
                plan.header_changes[key] = (getattr(ledger, key), value)
    else:
        plan.header_changes = {k: (None, v) for k, v in parsed.header.items() if v is not None}
    matched = _match(store, plan.ledger_id, parsed, layout.Links.of(store))
    plan.entries = matched
    plan.progress_changes = len(_progress_updates(store, parsed, matched))
    if parsed.adjustments is not None:
        existing = (
            [(a["points"], a["reason"]) for a in store.assessment.adjustments(plan.ledger_id)]
            if plan.ledger_id
            else []
        )
        plan.adjustments_change = not _same_adjustments(existing, parsed.adjustments)
    return plan


def _same_adjustments(a: Sequence[tuple[float, str]], b: Sequence[tuple[float, str]]) -> bool:
    return len(a) == len(b) and all(
        same(x[0], y[0]) and same(x[1], y[1]) for x, y in zip(a, b, strict=True)
    )


def _match(
    store: Store, ledger_id: int | None, parsed: ParsedReturn, links: layout.Links
) -> list[EntryChange]:
    out: list[EntryChange] = []
    for cat_key, rows in parsed.rows.items():
        keys = sorted(parsed.columns[cat_key])
        cat = CATEGORY_BY_KEY[cat_key]
        # Linked items compare by their readable name: two catalogue items may share one.
        link_fields = [f for f in cat.fields if f.type in (FieldType.TARGET, FieldType.CATALOGUE)]

        def comparable(
            values: Mapping[str, Any], link_fields: list[Field] = link_fields
        ) -> Mapping[str, Any]:
            if not link_fields:
                return values
            out = dict(values)
            for f in link_fields:
                if f.key in out:
                    out[f.key] = links.display(f, out[f.key])
            return out

        existing = store.entries.list(ledger_id, cat_key) if ledger_id else []
        unmatched = {e.id: e for e in existing}
        assigned: dict[int, Entry] = {}
        identical: set[int] = set()
        by_sig: dict[tuple[Any, ...], list[Entry]] = {}
        by_name: dict[str, list[Entry]] = {}
        for e in existing:
            by_sig.setdefault(_signature(comparable(e.values), keys), []).append(e)
            by_name.setdefault(e.name, []).append(e)
        for i, row in enumerate(rows):  # a. same content
            if row.valid:
                for e in by_sig.get(_signature(comparable(row.values), keys), ()):
                    if e.id in unmatched:
                        assigned[i] = unmatched.pop(e.id)
                        identical.add(i)
                        break
        for i, row in enumerate(rows):  # b. the entry key
            if i not in assigned and row.key is not None and row.key in unmatched:
                assigned[i] = unmatched.pop(row.key)
        for i, row in enumerate(rows):  # c. the name
            if i not in assigned and row.name:
                e = next((e for e in by_name.get(row.name, ()) if e.id in unmatched), None)
                if e is not None:
                    assigned[i] = unmatched.pop(e.id)
        for i, row in enumerate(rows):
            e = assigned.get(i)
            if not row.valid:
                out.append(EntryChange("skipped", cat_key, row.name, e.id if e else None, row))
            elif e is None:
                out.append(EntryChange("new", cat_key, row.name, None, row))
            elif i in identical:
                out.append(EntryChange("unchanged", cat_key, row.name, e.id, row))
            else:
                old, new = comparable(e.values), comparable(row.values)
                changes = {
                    k: (e.values.get(k), v)
                    for k, v in row.values.items()
                    if not same(old.get(k), new.get(k))
                }
                out.append(
                    EntryChange(
                        "changed" if changes else "unchanged", cat_key, row.name, e.id, row, changes
                    )
                )
        for e in existing:
            if e.id in unmatched:
                out.append(EntryChange("removed", cat_key, e.name, e.id))
    return out


class _RowIndex:
    """Entry rows of the return by (category, key) and (category, name), for progress rows."""

    def __init__(self, matched: Sequence[EntryChange]) -> None:
        self.by_key: dict[tuple[str, int], EntryChange] = {}
        self.by_name: dict[tuple[str, str], EntryChange] = {}
        for c in matched:
            if c.row is None:
                continue
            if c.row.key is not None:
                self.by_key.setdefault((c.category, c.row.key), c)
            self.by_name.setdefault((c.category, c.name), c)

    def find(self, item: ParsedProgress) -> EntryChange | None:
        if item.key is not None:
            found = self.by_key.get((item.category, item.key))
            if found is not None:
                return found
        return self.by_name.get((item.category, item.name))


def _progress_updates(
    store: Store, parsed: ParsedReturn, matched: Sequence[EntryChange]
) -> list[tuple[EntryChange, int, dict[str, Any]]]:
    """(entry change, quarter, values) for every quarter whose progress differs."""
    if parsed.progress is None:
        return []
    out = []
    current: dict[int, dict[int, Any]] = {}
    entry_ids = {c.entry_id for c in matched if c.entry_id}
    if entry_ids:
        ledger_id = store.entries.get(next(iter(entry_ids))).ledger_id
        current = store.progress.of_ledger(ledger_id)
    index = _RowIndex(matched)
    for item in parsed.progress:
        if item.problems:
            continue
        target = index.find(item)
        if target is None or target.kind == "skipped" or target.row is None:
            continue
        have = current.get(target.entry_id or -1, {})
        for q, values in item.quarters.items():
            old = have.get(q)
            if values is None:
                if old is None or all(
                    getattr(old, k) in (None, False)
                    for k in ("value", "status", "problems", "next_steps", "comment", "follow_up")
                ):
                    continue
                values = {
                    "value": None,
                    "status": None,
                    "problems": None,
                    "next_steps": None,
                    "comment": None,
                    "follow_up": False,
                }
            if old is not None and (
                all(getattr(old, k) == v for k, v in values.items())
                or all(same(getattr(old, k), v) for k, v in values.items())
            ):
                continue
            out.append((target, q, values))
    return out


def _unmatched_progress(
    parsed: ParsedReturn, matched: Sequence[EntryChange]
) -> list[ImportProblem]:
    out = []
    index = _RowIndex(matched)
    for item in parsed.progress or ():
        if not item.problems and index.find(item) is None:
            out.append(
                ImportProblem(
                    parsed.file,
                    layout.PROGRESS_SHEET,
                    f"第{item.row}行",
                    "条目名称",
                    f"条目“{item.name}”在“{item.category and CATEGORY_BY_KEY[item.category].label}”工作表中不存在",
                )
            )
    return out


# ---------------------------------------------------------------- writing


def apply_import(
    store: Store, parsed: ParsedReturn, valid_only: bool = False, allow_locked: bool = False
) -> ImportPlan:
    """Write the return in one transaction; raise :class:`ImportRefused` and write nothing
    when it has problems (unless ``valid_only``) or needs a confirmation it did not get."""
    plan = plan_import(store, parsed)
    if plan.fatal:
        raise ImportRefused(plan.fatal)
    plan.problems.extend(_unmatched_progress(parsed, plan.entries))
    if plan.problems and not valid_only:
        first = "；".join(str(p) for p in plan.problems[:5])
        more = f"等 {len(plan.problems)} 处" if len(plan.problems) > 5 else ""
        raise ImportHasProblems(f"报表有问题，未导入任何数据：{first}{more}")
    if not plan.has_changes:
        return plan
    if plan.needs_admin and not allow_locked:
        raise ImportRefused(
            f"{plan.unit_name}{plan.year}年台账{plan.ledger_status}，导入将覆盖已提交的数据，需区管理员确认。"
        )
    _backup_first(store)
    guard = store.admin_override() if plan.needs_admin else nullcontext()
    try:
        with guard, store.transaction():
            _write(store, plan)
    except PermissionDenied as exc:
        raise ImportRefused(str(exc)) from exc
    return plan


def _backup_first(store: Store) -> None:
    """A checked backup in 备份 before an import writes; without one, no import."""
    if store.path is None:  # an in-memory database has nothing to back up
        return
    from ..store.backups import backup_before

    try:
        backup_before(store, "import")
    except (StoreError, OSError, sqlite3.Error) as exc:
        raise ImportRefused(f"导入前备份数据库失败，未导入任何数据：{exc}") from exc


def _write(store: Store, plan: ImportPlan) -> None:
    parsed = plan.parsed
    assert plan.unit_id is not None and parsed.year is not None
    ledger_id = plan.ledger_id
    if ledger_id is None:
        ledger_id = store.ledgers.create(plan.unit_id, parsed.year).id
        ledger = store.ledgers.get(ledger_id)
        plan.header_changes = {
            k: (getattr(ledger, k), v)
            for k, v in parsed.header.items()
            if not same(getattr(ledger, k), v)
        }
    if plan.header_changes:
        store.ledgers.update(ledger_id, {k: new for k, (_, new) in plan.header_changes.items()})
    removed = [c.entry_id for c in plan.entries if c.kind == "removed" and c.entry_id]
    if removed:
        store.entries.delete(removed)
    new_rows: dict[str, list[EntryChange]] = {}
    for c in plan.entries:
        if c.kind == "changed" and c.entry_id:
            store.entries.update(c.entry_id, {k: new for k, (_, new) in c.changes.items()})
        elif c.kind == "new" and c.row is not None:
            new_rows.setdefault(c.category, []).append(c)
    for cat_key, changes in new_rows.items():  # one bulk insert per category
        rows = [c.row.values for c in changes if c.row is not None]
        ids = list(store.entries.add_many(ledger_id, cat_key, rows, validate=True).created)
        for c, entry_id in zip(changes, ids, strict=True):
            c.entry_id = entry_id
    for cat_key in parsed.rows:
        wanted = [
            c.entry_id
            for c in plan.entries
            if c.category == cat_key and c.entry_id and c.kind != "removed"
        ]
        _reorder(store, ledger_id, cat_key, wanted)
    # Progress normally moves actual/status to the latest quarter; a row of the return
    # that states them wins, so the sync leaves those keys alone (``keep``).
    keep = {
        c.entry_id: [k for k in ("actual", "status") if k in c.row.values]
        for c in plan.entries
        if c.row is not None and c.entry_id and c.kind != "skipped"
    }
    store.progress.set_many(
        [
            (target.entry_id, q, values)
            for target, q, values in _progress_updates(store, parsed, plan.entries)
            if target.entry_id is not None
        ],
        keep=keep,
    )
    now_values = {
        r[0]: {"actual": r[1], "status": r[2]}
        for r in store.query(
            "SELECT id, actual, status FROM entries WHERE ledger_id = ?", (ledger_id,)
        )
    }
    for c in plan.entries:  # the row wins (a safety net: normally nothing to fix)
        if c.row is not None and c.entry_id and c.kind != "skipped":
            have = now_values.get(c.entry_id, {})
            fix = {
                k: c.row.values[k]
                for k in ("actual", "status")
                if k in c.row.values and not same(have.get(k), c.row.values[k])
            }
            if fix:
                store.entries.update(c.entry_id, fix)
    if plan.adjustments_change and parsed.adjustments is not None:
        for a in store.assessment.adjustments(ledger_id):
            store.assessment.remove_adjustment(a["id"])
        for points, reason in parsed.adjustments:
            store.assessment.add_adjustment(ledger_id, points, reason)
    plan.ledger_id = ledger_id


def _reorder(store: Store, ledger_id: int, cat_key: str, wanted: Sequence[int]) -> None:
    def ids() -> list[int]:  # the order of store.entries.list(ledger_id, cat_key), ids only
        return [
            r[0]
            for r in store.query(
                "SELECT id FROM entries WHERE ledger_id = ? AND category = ? ORDER BY position, id",
                (ledger_id, cat_key),
            )
        ]

    current = ids()
    keep = set(wanted)
    target = [*wanted, *(i for i in current if i not in keep)]
    for pos, eid in enumerate(target, start=1):
        if current[pos - 1] != eid:
            store.entries.move(eid, pos)
            current = ids()


def import_file(
    store: Store,
    path: str | Path,
    dry_run: bool = False,
    valid_only: bool = False,
    allow_locked: bool = False,
) -> ImportPlan:
    """Read and (unless ``dry_run``) import one return. Raises UnusableFile / ImportRefused."""
    parsed = read_return(path, Lookups.of(store))
    if dry_run:
        plan = plan_import(store, parsed)
        if not plan.fatal:
            plan.problems.extend(_unmatched_progress(parsed, plan.entries))
        return plan
    return apply_import(store, parsed, valid_only=valid_only, allow_locked=allow_locked)
