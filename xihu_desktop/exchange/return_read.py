"""Reading an Excel return back: every sheet parsed and every cell validated.

:func:`read_return` needs no database (give it :class:`Lookups` built on the main
thread), so the window can run it off the UI thread and show a preview. It checks
the file (:mod:`.xlsx_safety`), reads the sheets of :mod:`.return_layout` with
python-calamine (:mod:`.xlsx_read`) and validates every cell with the field
declarations, exactly as the editor does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.categories import CATEGORIES, NUMERIC_TYPES, Category, Field, FieldType, find_category
from ..core.validate import check_value, is_empty
from ..store import Store
from . import return_layout as layout
from .progress_read import ParsedProgress, parse_progress
from .xlsx_formats import percent_cells
from .xlsx_read import (
    ImportProblem,
    Sheet,
    Workbook,
    as_seen,
    cell_ref,
    check_column,
    col_letter,
    col_of,
    data_columns,
    data_rows,
    map_columns,
    merged_in_data,
    norm,
    norm_text,
    text_value,
)
from .xlsx_safety import UnusableFile, check_xlsx, formulas_without_values, require_defusedxml


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
            targets.setdefault(norm_text(layout.target_label(t)), t["id"])
            names.setdefault(norm_text(t["name"]), []).append(t["id"])
            if not t["sub"]:
                targets.setdefault(str(t["seq"]), t["id"])
        for name, ids in names.items():
            if len(ids) == 1:
                targets.setdefault(name, ids[0])
        items: dict[str, dict[str, int]] = {}
        for i in store.catalogue.items():
            items.setdefault(i["kind"], {}).setdefault(norm_text(i["name"]), i["id"])
        return cls(targets, items)

    def resolve(self, f: Field, value: Any) -> tuple[Any, str | None]:
        """The id for a link cell's text, or an error message."""
        if is_empty(value):
            return None, None
        key = norm_text(value)
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
    key: str | None  # the entry's key from 条目标识 (a UUID)
    name: str
    values: dict[str, Any]  # canonical values of the fields present in the sheet
    columns: dict[str, str]  # field key → column letter (one dict shared by the sheet's rows)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def cell(self, key: str) -> str:
        """The cell of field ``key`` in this row (or the row, for a field not in the sheet)."""
        letter = self.columns.get(key)
        return f"{letter}{self.row}" if letter else f"第{self.row}行"

    def refuse_key(self, file: str, message: str) -> None:
        """A problem with the row's 条目标识 (the row is then skipped)."""
        self.problems.append(
            ImportProblem(file, self.sheet, f"第{self.row}行", layout.KEY_HEADER, message)
        )


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


def _parse_key(value: Any) -> str | None:
    return layout.parse_entry_key(text_value(value))


def read_return(
    path: str | Path, lookups: Lookups, cancelled: Callable[[], bool] | None = None
) -> ParsedReturn:
    """Check, read and validate one return. Raises :class:`UnusableFile` only."""
    path = Path(path)
    require_defusedxml()
    check_xlsx(path)
    file = path.name
    wb = Workbook(path, cancelled)
    sheet_names = wb.sheet_names
    load = wb.sheet
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

    meta = _read_meta(wb)
    if meta.get(layout.META_KIND) == layout.KIND_SUMMARY:
        raise UnusableFile(f"文件“{file}”是全区汇总表，不是单位报表，不能导入。")
    if meta.get(layout.META_KIND) == layout.KIND_EVALUATION:
        raise UnusableFile(f"文件“{file}”是规划评估报告，不是单位报表，评估报告不能导入。")
    cover = _read_cover(wb)
    header = {}
    for key, label in layout.COVER_FIELDS:
        if norm(label) in cover:
            header[key] = text_value(cover[norm(label)])

    stated = [
        Identity(
            "元数据",
            meta.get(layout.META_UNIT_CODE) or None,
            meta.get(layout.META_UNIT_NAME) or None,
            _year(meta.get(layout.META_YEAR)),
        ),
        Identity(
            "封面",
            text_value(cover.get(norm(layout.COVER_UNIT_CODE))),
            text_value(cover.get(norm(layout.COVER_UNIT))),
            _year(text_value(cover.get(norm(layout.COVER_YEAR)))),
        ),
    ]
    unit_code = next((i.code for i in stated if i.code), None)
    unit_name = next((i.name for i in stated if i.name), None)
    year = next((i.year for i in stated if i.year is not None), None)
    fatal = _disagreement(file, stated)
    if fatal is None and (not (unit_code or unit_name) or year is None):
        fatal = f"文件“{file}”中找不到责任单位或年度（封面工作表缺失或被改动），无法确定导入到哪本台账。"
    percents = percent_cells(path) if fatal is None else {}

    rows: dict[str, list[ParsedRow]] = {}
    present: dict[str, set[str]] = {}
    for cat in CATEGORIES:
        sheet = load(layout.sheet_name(cat)) or _find_sheet(sheet_names, cat, load)
        if sheet is None:
            continue
        fatal = fatal or _title_disagrees(file, sheet, unit_name, year)
        cat_rows, cols, sheet_problems = _parse_category(
            sheet, cat, lookups, file, percents.get(sheet.name, set())
        )
        rows[cat.key], present[cat.key] = cat_rows, cols
        problems.extend(sheet_problems)
    if not rows and fatal is None:
        fatal = f"文件“{file}”中没有任何“六个一批”类别工作表（如“一批重点指标”）。"

    _mark_duplicate_keys(file, rows)
    progress = None
    sheet = load(layout.PROGRESS_SHEET)
    if sheet is not None:
        fatal = fatal or _title_disagrees(file, sheet, unit_name, year)
        progress, sheet_problems = parse_progress(sheet, file, percents.get(sheet.name, set()))
        problems.extend(sheet_problems)
    adjustments = None
    sheet = load(layout.ADJUSTMENT_SHEET)
    if sheet is not None:
        fatal = fatal or _title_disagrees(file, sheet, unit_name, year)
        adjustments, sheet_problems = _parse_adjustments(sheet, file)
        problems.extend(sheet_problems)
    return ParsedReturn(
        path=path,
        meta=meta,
        unit_code=unit_code,
        unit_name=unit_name,
        year=year,
        plan_code=meta.get(layout.META_PLAN) or None,
        header=header,
        rows=rows,
        columns=present,
        progress=progress,
        adjustments=adjustments,
        problems=problems,
        fatal=fatal,
    )


@dataclass(frozen=True)
class Identity:
    """The unit and year one part of a return states (metadata, cover, a sheet title)."""

    where: str
    code: str | None
    name: str | None
    year: int | None

    def describe(self) -> str:
        unit = self.name or self.code or "（未写单位）"
        return f"{unit}{self.year}年" if self.year is not None else unit


def _year(text: str | None) -> int | None:
    m = re.search(r"(\d{4})", unicodedata.normalize("NFKC", text or ""))
    return int(m.group(1)) if m else None


def _disagreement(file: str, stated: Sequence[Identity]) -> str | None:
    """A return names its unit and year once: parts that disagree are refused, naming both."""
    for i, a in enumerate(stated):
        for b in stated[i + 1 :]:
            pairs = ((a.code, b.code), (norm_text(a.name), norm_text(b.name)), (a.year, b.year))
            if any(x and y and x != y for x, y in pairs):
                return (
                    f"文件“{file}”前后矛盾：{a.where}写的是“{a.describe()}”，"
                    f"{b.where}写的是“{b.describe()}”。报表可能被改动过，未导入；"
                    "请让填报单位从本程序重新导出报表。"
                )
    return None


_TITLE = re.compile(r"^(.*?)(\d{4})年")


def _title_disagrees(file: str, sheet: Sheet, unit: str | None, year: int | None) -> str | None:
    """A sheet title “双浦镇2025年…” must name the return's unit and year."""
    title = text_value(sheet.raw(0, 0))
    m = _TITLE.match(unicodedata.normalize("NFKC", title or ""))
    if m is None or year is None:
        return None  # no title, or one rewritten by hand without a unit and year
    titled = Identity(
        f"工作表“{sheet.name}”的标题", None, m.group(1).strip() or None, int(m.group(2))
    )
    return _disagreement(file, [Identity("封面", None, unit, year), titled])


def _mark_duplicate_keys(file: str, rows: dict[str, list[ParsedRow]]) -> None:
    """The same 条目标识 twice (a copied row): the second is refused, naming the first."""
    first: dict[str, ParsedRow] = {}
    for cat_rows in rows.values():
        for row in cat_rows:
            if row.key is None:
                continue
            seen = first.setdefault(row.key, row)
            if seen is not row:
                row.refuse_key(
                    file,
                    f"与工作表“{seen.sheet}”第{seen.row}行是同一条目（条目标识相同）："
                    "复制的行请删除，新条目请清空其条目标识",
                )


def _pairs(wb: Workbook, name: str) -> list[tuple[Any, Any]]:
    """(column A, column B) of every row of a two-column sheet whose A is filled."""
    sheet = wb.sheet(name)
    if sheet is None:
        return []
    rows = range(len(sheet.rows))
    return [(sheet.raw(r, 0), sheet.get(r, 1)) for r in rows if sheet.raw(r, 0) is not None]


def _read_meta(wb: Workbook) -> dict[str, str]:
    """The key/value rows of the hidden metadata sheet (empty when it is missing)."""
    return {str(k): "" if v is None else str(v) for k, v in _pairs(wb, layout.META_SHEET)}


def _read_cover(wb: Workbook) -> dict[str, Any]:
    """The cover's values by their normalised label (the first of a repeated label)."""
    cover: dict[str, Any] = {}
    for label, value in _pairs(wb, layout.COVER_SHEET):
        cover.setdefault(norm(label), value)
    return cover


def _find_sheet(
    names: Sequence[str], cat: Category, load: Callable[[str], Sheet | None]
) -> Sheet | None:
    """A category sheet renamed by hand (e.g. “重点指标 ”) is found by its label."""
    for name in names:
        if find_category(unicodedata.normalize("NFKC", name).strip()) is cat:
            return load(name)
    return None


def _parse_category(
    sheet: Sheet, cat: Category, lookups: Lookups, file: str, percents: set[tuple[int, int]]
) -> tuple[list[ParsedRow], set[str], list[ImportProblem]]:
    """The sheet's rows, checked column by column (one column's values share a field)."""
    columns = layout.category_columns(cat)
    h, mapping, problems = map_columns(sheet, columns, file)
    if h < 0:
        return [], set(), problems
    present = {f.key for f in mapping.values() if not f.key.startswith("_")}
    skipped = (layout.KEY_FIELD.key, layout.SEQ_FIELD.key)
    letters = {f.key: col_letter(c) for c, f in mapping.items() if f.key not in skipped}
    found, cells = data_columns(sheet, h, mapping)
    out = [ParsedRow(cat.key, sheet.name, r + 1, None, "", {}, letters) for r in found]
    merged = merged_in_data(file, sheet, h)
    if merged:
        for row, r in zip(out, found, strict=True):
            row.problems.extend(merged.get(r, ()))
    nothing = [None] * len(found)
    measures = [text_value(v) for v in cells.get(col_of(mapping, "measure_unit"), nothing)]
    row_values = [row.values for row in out]
    for c, f in mapping.items():
        raws = list(cells[c])
        if f.key == layout.KEY_FIELD.key:
            for row, raw in zip(out, raws, strict=True):
                row.key = _parse_key(raw)
            continue
        if f.key == layout.SEQ_FIELD.key:
            continue
        refused = _prepare_column(f, c, raws, found, measures, percents, lookups)
        checked = check_column(f, raws, {})
        for i, message in refused.items():
            checked[i] = (None, message)
        key = f.key
        for values, (value, error), row in zip(row_values, checked, out, strict=True):
            if error:
                ref = f"{letters[key]}{row.row}"
                row.problems.append(ImportProblem(file, sheet.name, ref, f.label, error))
            else:
                values[key] = value
    names = cells.get(col_of(mapping, "name"), nothing)
    required = [f for f in cat.fields if f.required and f.key not in present]
    for row, r, name in zip(out, found, names, strict=True):
        row.name = str(row.values.get("name") or text_value(name) or "")
        for f in required:
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
                        ImportProblem(file, sheet.name, row.cell(key), label, message)
                    )
    return out, present, problems


def _prepare_column(
    f: Field,
    c: int,
    raws: list[Any],
    found: Sequence[int],
    measures: Sequence[str | None],
    percents: set[tuple[int, int]],
    lookups: Lookups,
) -> dict[int, str]:
    """Turn a column's cells into what the field checks (in place): numbers as the clerk
    saw them (percent formats), link texts into ids. Returns the refused cells' messages
    by their index in the column."""
    refused: dict[int, str] = {}
    numeric, link = f.type in NUMERIC_TYPES, layout.is_link(f)
    if not (numeric or link):
        return refused
    resolved: dict[Any, tuple[Any, str | None]] = {}
    for i, raw in enumerate(raws):
        if raw is None:
            continue
        error = None
        if numeric:
            percent = (found[i], c) in percents
            if percent or raw.__class__ is str:  # a plain number is as the clerk saw it
                raw, error = as_seen(f, raw, percent, measures[i])
        if link and error is None:
            try:
                hit = resolved.get(raw)
                if hit is None:
                    hit = resolved[raw] = lookups.resolve(f, raw)
            except TypeError:  # unhashable: resolve it as it is
                hit = lookups.resolve(f, raw)
            raw, error = hit
        if error:
            refused[i] = error
        raws[i] = raw
    return refused


def _parse_adjustments(
    sheet: Sheet, file: str
) -> tuple[list[tuple[float, str]], list[ImportProblem]]:
    h, mapping, problems = map_columns(sheet, layout.ADJUSTMENT_COLUMNS, file)
    out: list[tuple[float, str]] = []
    if h < 0:
        return out, problems
    for r, cells in data_rows(sheet, h, mapping):
        values: dict[str, Any] = {}
        for c, raw in cells.items():
            f = mapping[c]
            if f.key == layout.SEQ_FIELD.key:
                continue
            value, error = check_value(f, raw)
            if error:
                problems.append(ImportProblem(file, sheet.name, cell_ref(r, c), f.label, error))
            values[f.key] = value
        if values.get("points") is not None and values.get("reason"):
            out.append((float(values["points"]), str(values["reason"]).strip()))
    return out, problems
