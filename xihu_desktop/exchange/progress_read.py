"""Reading the 进度填报 sheet of a return: each quarter's cells checked column by column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.categories import NUMERIC_TYPES, Category, Field, FieldType, find_category
from ..core.validate import check_value, is_empty
from . import return_layout as layout
from .xlsx_read import (
    ImportProblem,
    Sheet,
    as_seen,
    cell_ref,
    check_column,
    data_columns,
    map_columns,
    merged_in_data,
    text_value,
)

_PROGRESS_FIELDS = layout.progress_fields()


@dataclass
class ParsedProgress:
    category: str
    name: str
    key: str | None
    row: int
    quarters: dict[int, dict[str, Any] | None]  # None: the quarter is empty in the file
    problems: list[ImportProblem] = field(default_factory=list)


def parse_progress(
    sheet: Sheet, file: str, percents: set[tuple[int, int]]
) -> tuple[list[ParsedProgress], list[ImportProblem]]:
    """The progress rows, each quarter's cells checked column by column."""
    columns = layout.progress_columns()
    h, mapping, problems = map_columns(sheet, columns, file)
    out: list[ParsedProgress] = []
    if h < 0:
        return out, problems
    column = {f.key: c for c, f in mapping.items()}
    found, cells = data_columns(sheet, h, mapping)
    nothing = [None] * len(found)
    caches: dict[str, dict[tuple[type, Any], tuple[Any, str | None]]] = {}

    def of(f: Field) -> list[Any]:
        return cells.get(column.get(f.key, -1), nothing)

    # (quarter, label, [(field, column, raws, (value, error) per row)], rows filled)
    slots = []
    for q, label in layout.QUARTERS:
        fields = []
        for f in _PROGRESS_FIELDS:
            c = column.get(layout.quarter_key(q, f.key))
            if c is not None:
                checked = _progress_column(f, c, cells[c], found, percents, caches)
                fields.append((f, c, cells[c], checked))
        filled = set()  # rows with anything in this quarter
        for _f, _c, raws, _checked in fields:
            filled.update([i for i, v in enumerate(raws) if v is not None])
        slots.append((q, label, fields, filled))
    categories: dict[str, Category | None] = {}
    merged = merged_in_data(file, sheet, h)
    cat_col = column.get(layout.CATEGORY_FIELD.key, 0)
    for i, (r, cat_raw, name, key) in enumerate(
        zip(
            found,
            of(layout.CATEGORY_FIELD),
            of(layout.ENTRY_NAME_FIELD),
            of(layout.KEY_FIELD),
            strict=True,
        )
    ):
        cat_text = text_value(cat_raw) or ""
        if cat_text not in categories:
            categories[cat_text] = find_category(cat_text)
        cat = categories[cat_text]
        item = ParsedProgress(
            cat.key if cat else "",
            text_value(name) or "",
            layout.parse_entry_key(text_value(key)),
            r + 1,
            {},
        )
        item.problems.extend(merged.get(r, ()))
        if cat is None:
            item.problems.append(
                ImportProblem(
                    file,
                    sheet.name,
                    cell_ref(r, cat_col),
                    "类别",
                    f"“{cat_text}”不是“六个一批”类别",
                )
            )
        for q, label, fields, filled in slots:
            if i not in filled:  # most quarters of most rows
                item.quarters[q] = None
                continue
            values: dict[str, Any] = {}
            any_value = False
            for f, c, raws, checked in fields:
                raw = raws[i]
                any_value = any_value or not is_empty(raw)
                value, error = checked[i]
                if error:
                    ref = cell_ref(r, c)
                    item.problems.append(
                        ImportProblem(file, sheet.name, ref, f"{label}{f.label}", error)
                    )
                    continue
                values[f.key] = value
            item.quarters[q] = values if any_value else None
        out.append(item)
    return out, problems


def _progress_column(
    f: Field,
    c: int,
    raws: list[Any],
    found: Sequence[int],
    percents: set[tuple[int, int]],
    caches: dict[str, dict[tuple[type, Any], tuple[Any, str | None]]],
) -> list[tuple[Any, str | None]]:
    """One quarter field's cells checked: (value, error) for each data row."""
    refused: dict[int, str] = {}
    filled = [i for i, raw in enumerate(raws) if raw is not None]
    if f.type in NUMERIC_TYPES:
        raws = list(raws)
        for i in filled:
            raw = raws[i]
            percent = (found[i], c) in percents
            if percent or raw.__class__ is str:
                # a progress value has no unit of its own: a % shown is percentage points
                raws[i], error = as_seen(f, raw, percent, "%")
                if error:
                    refused[i] = error
    checked = check_column(f, raws, caches.setdefault(f.key, {}))
    for i, error in refused.items():
        checked[i] = (None, error)
    if f.key == "follow_up":
        value: Callable[[Any], Any] = _is_yes
    elif f.type == FieldType.LONGTEXT:
        value = text_value
    else:
        return checked
    # an empty cell's verdict is the same for all of them: converted once
    v, e = check_value(f, None)
    out: list[tuple[Any, str | None]] = [(value(v), e) if e is None else (v, e)] * len(checked)
    for i in filled:
        v, e = checked[i]
        out[i] = (value(v), e) if e is None else (v, e)
    return out


def _is_yes(value: Any) -> bool:
    return bool(value == layout.FOLLOW_UP_YES)
