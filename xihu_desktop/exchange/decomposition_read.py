"""The decomposition workbook's layout (任务分解表) and reading it back.

:func:`read_decomposition` needs no database: give it :class:`Lookups` built from the
store. It checks the file, finds the year the file names (metadata and sheet titles
must agree), reads the targets × units sheet (指标分解) and the item sheet (项目分配)
by their header texts, and returns what every cell says with the problems found,
each naming its sheet, cell and field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import decomposition as rules
from ..core.categories import Field, FieldType
from ..core.validate import Invalid, is_empty, parse_number
from ..store import Store
from ..store.decomposition import target_name
from . import return_layout as layout
from .xlsx_formats import percent_cells
from .xlsx_read import (
    HEADER_SCAN_ROWS,
    ImportProblem,
    Sheet,
    Workbook,
    as_seen,
    cell_ref,
    merged_in_data,
    norm,
    norm_text,
    plain,
    text_value,
)
from .xlsx_safety import check_xlsx, require_defusedxml

SCHEMA_VERSION = 1
TARGET_SHEET = "指标分解"
ITEM_SHEET = "项目分配"
SEQ, NAME, MEASURE, GOAL, LEAD, TOTAL = (
    "序号",
    "指标名称",
    "计量单位",
    "区年度目标",
    "牵头单位",
    "合计",
)
FIXED = (SEQ, NAME, MEASURE, GOAL, LEAD)
KIND, COLUMN, ITEM_NAME, UNITS = "类别", "专栏", "名称", "责任单位"
ITEM_HEADERS = (KIND, COLUMN, ITEM_NAME, UNITS)
#: catalogue kind → its label in the 类别 column
KIND_LABELS = {"platform": "重点平台", "project": "重大项目", "talent_programme": "人才计划"}
#: a share carried without a figure
CARRIED = "√"
_CARRIED_MARKS = {"√", "✓", "✔", "v", "y", "是"}
UNIT_SEPARATORS = re.compile(r"[、,，;；/\n]+")
_YEAR = re.compile(r"(\d{4})\s*年")


def target_title(year: int) -> str:
    return f"西湖区{year}年规划指标任务分解表"


def item_title(year: int) -> str:
    return f"西湖区{year}年规划项目分配表"


def column_text(column_no: str | None) -> str:
    return f"专栏{column_no}" if column_no else ""


@dataclass
class Lookups:
    """What the reader matches against: targets, units and items of the store."""

    targets: dict[str, tuple[int, str | None, str]]  # norm name → (id, unit, display name)
    units: dict[str, tuple[int, str, bool]]  # norm name or code → (id, name, active)
    items: dict[tuple[str, str], list[tuple[int, str | None]]]  # (kind, name) → (id, column)

    @classmethod
    def of(cls, store: Store, plan_id: int) -> Lookups:
        targets = {
            norm_text(target_name(t)): (t.id, t.unit, target_name(t))
            for t in store.catalogue.targets(plan_id)
        }
        units: dict[str, tuple[int, str, bool]] = {}
        for u in store.units.list():
            units.setdefault(norm_text(u.name), (u.id, u.name, u.active))
            units.setdefault(norm_text(u.code), (u.id, u.name, u.active))
        items: dict[tuple[str, str], list[tuple[int, str | None]]] = {}
        for i in store.catalogue.items(plan_id=plan_id):
            items.setdefault((i.kind, norm_text(i.name)), []).append((i.id, i.column_no))
        return cls(targets, units, items)

    def unit(self, text: Any) -> tuple[int, str, bool] | None:
        return self.units.get(norm_text(text))


@dataclass
class TargetRow:
    target_id: int
    row: int  # 0-based
    goal: float | None
    lead: int | None
    shares: dict[int, float | None]  # unit id → goal (None: carried, no figure)


@dataclass
class ParsedDecomposition:
    path: Path
    meta: dict[str, str]
    year: int
    plan_code: str | None
    unit_columns: dict[int, str]  # unit id → the cell of its header
    targets: list[TargetRow]
    items: dict[int, set[int]]  # catalogue id → unit ids
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.path.name


class Refused(Exception):
    """The file cannot be imported at all (the message names why)."""


def _pairs(wb: Workbook, name: str) -> dict[str, str]:
    sheet = wb.sheet(name)
    out: dict[str, str] = {}
    if sheet is None:
        return out
    for r in range(len(sheet.rows)):
        key = sheet.raw(r, 0)
        if key is not None:
            value = sheet.get(r, 1)
            out.setdefault(str(key).strip(), "" if value is None else str(value).strip())
    return out


def _title_year(sheet: Sheet) -> int | None:
    for r in range(min(3, len(sheet.rows))):
        m = _YEAR.search(unicodedata.normalize("NFKC", str(sheet.raw(r, 0) or "")))
        if m:
            return int(m.group(1))
    return None


def file_year(file: str, meta: dict[str, str], sheets: list[Sheet]) -> int:
    """The one year the file names; parts that disagree are refused, naming both."""
    stated: list[tuple[str, int]] = []
    m = _YEAR.search(meta.get(layout.META_YEAR, "") + "年")
    if m:
        stated.append(("元数据", int(m.group(1))))
    for sheet in sheets:
        year = _title_year(sheet)
        if year is not None:
            stated.append((f"工作表“{sheet.name}”的标题", year))
    for where, year in stated[1:]:
        if year != stated[0][1]:
            raise Refused(
                f"文件“{file}”前后矛盾：{stated[0][0]}写的是{stated[0][1]}年，"
                f"{where}写的是{year}年。文件可能被改动过，未导入任何数据。"
            )
    if not stated:
        raise Refused(f"文件“{file}”中找不到年度（元数据和工作表标题都没有写），未导入。")
    return stated[0][1]


def read_meta_year(path: Path) -> tuple[dict[str, str], int, Workbook, list[Sheet]]:
    """Check the file and find its metadata, its year and its two sheets."""
    require_defusedxml()
    check_xlsx(path)
    wb = Workbook(path)
    meta = _pairs(wb, layout.META_SHEET)
    kind = meta.get(layout.META_KIND)
    if kind and kind != layout.KIND_DECOMPOSITION:
        raise Refused(f"文件“{path.name}”的元数据写的文件类型是“{kind}”，不是任务分解表，未导入。")
    sheets = [s for s in (wb.sheet(TARGET_SHEET), wb.sheet(ITEM_SHEET)) if s is not None]
    if not sheets:
        raise Refused(
            f"文件“{path.name}”中没有“{TARGET_SHEET}”或“{ITEM_SHEET}”工作表，不是任务分解表。"
        )
    return meta, file_year(path.name, meta, sheets), wb, sheets


def _header_row(sheet: Sheet, first: str) -> int:
    """The last of the first rows that holds ``first`` (the unit names' row of a
    two-row header whose fixed labels are merged over both rows)."""
    found = -1
    for r in range(min(HEADER_SCAN_ROWS, len(sheet.rows))):
        width = len(sheet.rows[r])
        if any(norm(sheet.get(r, c)) == norm(first) for c in range(width)):
            found = r
    return found


def read_decomposition(
    path: str | Path, lookups_for: Callable[[int], Lookups], store_year: int | None = None
) -> ParsedDecomposition:
    """Read the file; raises :class:`Refused` (or UnusableFile) for a file that cannot
    be imported at all, and lists cell problems in the result otherwise.

    ``lookups_for(year)`` gives the lookups of the year's plan (the file names its year).
    """
    path = Path(path)
    meta, year, wb, _ = read_meta_year(path)
    if store_year is not None and store_year != year:
        raise Refused(f"文件“{path.name}”是{year}年的任务分解表，不是{store_year}年的，未导入。")
    lookups = lookups_for(year)
    percents = percent_cells(path)
    parsed = ParsedDecomposition(
        path, meta, year, meta.get(layout.META_PLAN) or None, {}, [], {}, []
    )
    sheet = wb.sheet(TARGET_SHEET)
    if sheet is not None:
        _read_targets(parsed, sheet, lookups, percents.get(sheet.name, set()))
    sheet = wb.sheet(ITEM_SHEET)
    if sheet is not None:
        _read_items(parsed, sheet, lookups)
    return parsed


def _problem(
    parsed: ParsedDecomposition, sheet: Sheet, r: int, c: int, what: str, msg: str
) -> None:
    parsed.problems.append(ImportProblem(parsed.file, sheet.name, cell_ref(r, c), what, msg))


def _read_targets(
    parsed: ParsedDecomposition, sheet: Sheet, lookups: Lookups, percents: set[tuple[int, int]]
) -> None:
    file = parsed.file
    h = _header_row(sheet, NAME)
    if h < 0:
        raise Refused(f"文件“{file}”的工作表“{sheet.name}”找不到表头行（“{NAME}”列），未导入。")
    fixed: dict[str, int] = {}
    units: dict[int, int] = {}  # column → unit id
    names: dict[int, str] = {}  # unit id → name
    for c in range(len(sheet.rows[h])):
        label = text_value(sheet.get(h, c))
        if label is None:
            continue
        key = norm(label)
        known = next((f for f in (*FIXED, TOTAL) if norm(f) == key), None)
        if known is not None:
            fixed.setdefault(known, c)
            continue
        unit = lookups.unit(label)
        if unit is None:
            raise Refused(
                f"文件“{file}”工作表“{sheet.name}” {cell_ref(h, c)}：列标题“{label}”"
                "不是本数据文件中的责任单位。请核对单位名称（或删除该列）后再导入；未导入任何数据。"
            )
        if unit[0] in units.values():
            raise Refused(
                f"文件“{file}”工作表“{sheet.name}” {cell_ref(h, c)}：单位“{unit[1]}”的列重复，未导入。"
            )
        units[c] = unit[0]
        names[unit[0]] = unit[1]
        parsed.unit_columns[unit[0]] = cell_ref(h, c)
    merged = merged_in_data(file, sheet, h)
    for problems in merged.values():
        for p in problems:
            if p not in parsed.problems:
                parsed.problems.append(p)
    name_col = fixed[NAME]
    seen: dict[int, int] = {}
    for r in range(h + 1, len(sheet.rows)):
        cells = [plain(sheet.raw(r, c)) for c in range(len(sheet.rows[r]))]
        if all(v is None or (isinstance(v, str) and is_empty(v)) for v in cells):
            continue
        name = text_value(sheet.raw(r, name_col))
        found = lookups.targets.get(norm_text(name)) if name else None
        if found is None:
            _problem(parsed, sheet, r, name_col, NAME, f"找不到规划指标“{name or ''}”")
            continue
        target_id, unit_text, display = found
        if target_id in seen:
            _problem(
                parsed,
                sheet,
                r,
                name_col,
                NAME,
                f"指标“{display}”重复（第{seen[target_id]}行已有）",
            )
            continue
        seen[target_id] = r + 1
        row = TargetRow(target_id, r, None, None, {})
        if GOAL in fixed:
            c = fixed[GOAL]
            row.goal = _number(parsed, sheet, (r, c), display, unit_text, GOAL, percents)
        if LEAD in fixed:
            c = fixed[LEAD]
            text = text_value(sheet.raw(r, c))
            if text:
                unit = lookups.unit(text)
                if unit is None:
                    _problem(parsed, sheet, r, c, LEAD, f"“{text}”不是本数据文件中的责任单位")
                elif not unit[2]:
                    _problem(parsed, sheet, r, c, LEAD, f"单位“{unit[1]}”已停用，不能牵头")
                else:
                    row.lead = unit[0]
        for c, unit_id in units.items():
            raw = plain(sheet.raw(r, c))
            if raw is None or (isinstance(raw, str) and is_empty(raw)):
                continue
            if isinstance(raw, str) and raw.strip().lower() in _CARRIED_MARKS:
                row.shares[unit_id] = None
                continue
            what = f"{names[unit_id]}分解目标"
            value = _number(parsed, sheet, (r, c), display, unit_text, what, percents, raw)
            if value is not None:
                row.shares[unit_id] = value
        parsed.targets.append(row)


def _number(
    parsed: ParsedDecomposition,
    sheet: Sheet,
    cell: tuple[int, int],
    display: str,
    unit: str | None,
    what: str,
    percents: set[tuple[int, int]],
    raw: Any = None,
) -> float | None:
    """The number a cell shows, or None with a problem naming the cell and field."""
    r, c = cell
    raw = plain(sheet.raw(r, c)) if raw is None else raw
    if raw is None or (isinstance(raw, str) and is_empty(raw)):
        return None
    field_name = f"{display}·{what}"
    raw, error = as_seen(Field("_goal", what, FieldType.NUMBER), raw, (r, c) in percents, unit)
    if error is None:
        try:
            value = parse_number(raw, unit or "")
        except Invalid as exc:
            error = str(exc)
        else:
            if value < 0 and not rules.allows_negative(display, unit):
                error = "不能为负数"
            else:
                return value
    _problem(parsed, sheet, r, c, field_name, error)
    return None


def _read_items(parsed: ParsedDecomposition, sheet: Sheet, lookups: Lookups) -> None:
    file = parsed.file
    h = _header_row(sheet, ITEM_NAME)
    if h < 0:
        raise Refused(
            f"文件“{file}”的工作表“{sheet.name}”找不到表头行（“{ITEM_NAME}”列），未导入。"
        )
    cols: dict[str, int] = {}
    for c in range(len(sheet.rows[h])):
        label = norm(sheet.get(h, c))
        for head in ITEM_HEADERS:
            if label == norm(head):
                cols.setdefault(head, c)
    if UNITS not in cols:
        raise Refused(f"文件“{file}”的工作表“{sheet.name}”没有“{UNITS}”列，未导入。")
    for p in (p for ps in merged_in_data(file, sheet, h).values() for p in ps):
        if p not in parsed.problems:
            parsed.problems.append(p)
    kinds = {norm(label): kind for kind, label in KIND_LABELS.items()}
    for r in range(h + 1, len(sheet.rows)):
        name = text_value(sheet.raw(r, cols[ITEM_NAME]))
        units_text = text_value(sheet.raw(r, cols[UNITS]))
        if not name and not units_text:
            continue
        kind_text = text_value(sheet.raw(r, cols[KIND])) if KIND in cols else None
        kind = kinds.get(norm(kind_text)) if kind_text else None
        column = text_value(sheet.raw(r, cols[COLUMN])) if COLUMN in cols else None
        item_id = _item(lookups, kind, column, name)
        if item_id is None:
            where = f"{kind_text or ''}“{name or ''}”"
            _problem(parsed, sheet, r, cols[ITEM_NAME], ITEM_NAME, f"规划目录中找不到{where}")
            continue
        if item_id in parsed.items:
            _problem(parsed, sheet, r, cols[ITEM_NAME], ITEM_NAME, f"“{name}”重复")
            continue
        unit_ids: set[int] = set()
        for part in UNIT_SEPARATORS.split(units_text or ""):
            if not part.strip():
                continue
            unit = lookups.unit(part)
            if unit is None:
                _problem(
                    parsed,
                    sheet,
                    r,
                    cols[UNITS],
                    UNITS,
                    f"“{part.strip()}”不是本数据文件中的责任单位",
                )
            else:
                unit_ids.add(unit[0])
        parsed.items[item_id] = unit_ids


def _item(lookups: Lookups, kind: str | None, column: str | None, name: str | None) -> int | None:
    if not name:
        return None
    kinds = [kind] if kind else list(KIND_LABELS)
    found = [hit for k in kinds for hit in lookups.items.get((k, norm_text(name)), [])]
    if len(found) > 1 and column:
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", column))
        found = [hit for hit in found if str(hit[1] or "") == digits]
    return found[0][0] if len(found) == 1 else None
