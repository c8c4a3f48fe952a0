"""The progress sheet checked column by column (parse_progress) says exactly what the
cell-by-cell reading said (kept here as the reference): same quarters, same values,
same problems in the same order, on a sheet a clerk has made a mess of."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from xihu_desktop.core.categories import NUMERIC_TYPES, Category, FieldType, find_category
from xihu_desktop.core.validate import is_empty, quick_check
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.excel_export import export_ledger
from xihu_desktop.exchange.progress_read import ParsedProgress, parse_progress
from xihu_desktop.exchange.xlsx_read import (
    ImportProblem,
    Sheet,
    Workbook,
    as_seen,
    cell_ref,
    check_cell,
    data_rows,
    map_columns,
    merged_in_data,
    text_value,
)
from xihu_desktop.store import Store

_FIELDS = layout.progress_fields()


def _reference(
    sheet: Sheet, file: str, percents: set[tuple[int, int]]
) -> tuple[list[ParsedProgress], list[ImportProblem]]:
    """The row-by-row reading parse_progress replaced (as it was)."""
    h, mapping, problems = map_columns(sheet, layout.progress_columns(), file)
    out: list[ParsedProgress] = []
    if h < 0:
        return out, problems
    caches: dict[str, dict[Any, Any]] = {f.key: {} for f in _FIELDS}
    column = {f.key: c for c, f in mapping.items()}
    slots = [
        (
            q,
            label,
            [
                (f, column[layout.quarter_key(q, f.key)])
                for f in _FIELDS
                if layout.quarter_key(q, f.key) in column
            ],
        )
        for q, label in layout.QUARTERS
    ]
    categories: dict[str, Category | None] = {}
    merged = merged_in_data(file, sheet, h)
    for r, cells in data_rows(sheet, h, mapping):
        by_key = {mapping[c].key: (c, v) for c, v in cells.items() if mapping[c].key[0] == "_"}
        cat_text = text_value(by_key.get(layout.CATEGORY_FIELD.key, (0, None))[1]) or ""
        if cat_text not in categories:
            categories[cat_text] = find_category(cat_text)
        cat = categories[cat_text]
        item = ParsedProgress(
            cat.key if cat else "",
            text_value(by_key.get(layout.ENTRY_NAME_FIELD.key, (0, None))[1]) or "",
            layout.parse_entry_key(text_value(by_key.get(layout.KEY_FIELD.key, (0, None))[1])),
            r + 1,
            {},
        )
        item.problems.extend(merged.get(r, ()))
        if cat is None:
            c = by_key.get(layout.CATEGORY_FIELD.key, (0, None))[0]
            item.problems.append(
                ImportProblem(
                    file, sheet.name, cell_ref(r, c), "类别", f"“{cat_text}”不是“六个一批”类别"
                )
            )
        for q, label, fields in slots:
            values: dict[str, Any] = {}
            if all(cells[c] is None for _f, c in fields):
                item.quarters[q] = None
                continue
            any_value = False
            for f, c in fields:
                raw = cells[c]
                any_value = any_value or not is_empty(raw)
                error = None
                if f.type in NUMERIC_TYPES and raw is not None:
                    raw, error = as_seen(f, raw, (r, c) in percents, "%")
                if error is None:
                    quick = quick_check(f)(raw) if raw is not None else None
                    value, error = quick or check_cell(f, raw, caches[f.key])
                if error:
                    item.problems.append(
                        ImportProblem(file, sheet.name, cell_ref(r, c), f"{label}{f.label}", error)
                    )
                    continue
                if f.key == "follow_up":
                    value = value == layout.FOLLOW_UP_YES
                elif f.type == FieldType.LONGTEXT:
                    value = text_value(value)
                values[f.key] = value
            item.quarters[q] = values if any_value else None
        out.append(item)
    return out, problems


DIRTY: list[Any] = [
    "",
    "",
    "",
    "",
    "无",
    " / ",
    "85%",
    "８５％",
    "85",
    " 1,234.5 ",
    "abc",
    0.855,
    85.0,
    -3.0,
    True,
    float("nan"),
    layout.FOLLOW_UP_YES,
    "否",
    "推进中",
    "推 进 中",
    "已完成 ",
    "完成了",
    "问题：\r\n资金未到位",
    "  ",
    "\x00控制符",
    "重点指标",
    "不是类别",
]


@pytest.fixture(scope="module")
def progress_sheet(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Sheet:
    folder = tmp_path_factory.mktemp("progress")
    store = Store.open(demo_template)
    try:
        ledger = max(store.ledgers.list(), key=lambda led: store.entries.counts(led.id)["project"])
        out = folder / "return.xlsx"
        export_ledger(store, ledger.id, out)
    finally:
        store.close()
    sheet = Workbook(out).sheet(layout.PROGRESS_SHEET)
    assert sheet is not None
    return sheet


@pytest.mark.parametrize("seed", range(12))
def test_by_column_equals_cell_by_cell(progress_sheet: Sheet, seed: int) -> None:
    rng = random.Random(seed)
    rows = [list(r) for r in progress_sheet.rows]
    h, mapping, _ = map_columns(progress_sheet, layout.progress_columns(), "f.xlsx")
    assert h >= 0 and mapping
    width = max(len(r) for r in rows)
    for r in range(h + 1, len(rows)):
        rows[r] += [""] * (width - len(rows[r]))
        for c in range(width):
            if rng.random() < 0.25:
                rows[r][c] = rng.choice(DIRTY)
    if seed % 3 == 0:
        rows.append([""] * width)  # a blank row at the end
        rows.insert(h + 2, [""] * width)  # and one in between
    merged = []
    if seed % 4 == 1 and len(rows) > h + 4:
        merged.append(((h + 2, 2), (h + 3, 3)))
    sheet = Sheet(progress_sheet.name, rows, merged)
    percents = {(r, c) for r in range(h + 1, len(rows)) for c in range(width) if rng.random() < 0.1}
    got, got_problems = parse_progress(sheet, "f.xlsx", percents)
    want, want_problems = _reference(sheet, "f.xlsx", percents)
    assert got_problems == want_problems
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a == b, (a.row, a, b)
    assert any(p.problems for p in got) and any(q for p in got for q in p.quarters.values()), (
        "the mess must give both problems and values, else the test proves little"
    )
