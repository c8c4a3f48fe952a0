"""The import reads a sheet's data column by column (data_columns): the same rows and
the same values as row by row (data_rows), whatever a clerk did to the sheet."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pytest

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.exchange.xlsx_read import Sheet, data_columns, data_rows

FIELDS = list(CATEGORIES[0].fields)

CELLS: list[Any] = [
    "",
    "",
    "",
    "无",
    " / ",
    "N/A",
    "甲",
    "  ",
    0.0,
    -0.0,
    1.0,
    2.5,
    math.nan,
    math.inf,
    -math.inf,
    True,
    False,
    7,
    dt.date(2025, 3, 1),
    dt.datetime(2025, 3, 1, 8, 0),
]


def _same(a: Any, b: Any) -> bool:
    return a is b or (type(a) is type(b) and a == b and repr(a) == repr(b))


def _check(sheet: Sheet, h: int, mapping: dict[int, Any]) -> None:
    want = list(data_rows(sheet, h, mapping))
    found, columns = data_columns(sheet, h, mapping)
    assert found == [r for r, _ in want]
    assert set(columns) == set(mapping)
    for c in mapping:
        assert len(columns[c]) == len(found)
        for i, (_r, cells) in enumerate(want):
            assert _same(columns[c][i], cells[c]), (c, i, columns[c][i], cells[c])


@pytest.mark.parametrize("seed", range(25))
def test_columns_equal_rows_on_dirty_sheets(seed: int) -> None:
    rng = random.Random(seed)
    width = rng.randint(1, 9)
    ragged = seed % 3 == 0
    rows = [
        [rng.choice(CELLS) for _ in range(rng.randint(0, width) if ragged else width)]
        for _ in range(rng.randint(0, 40))
    ]
    if rows and seed % 2:
        rows[rng.randrange(len(rows))] = [""] * width  # a blank row in the middle
    merged = []
    for _ in range(rng.randint(0, 4)):
        r0, c0 = rng.randrange(0, 42), rng.randrange(0, width + 1)
        merged.append(((r0, c0), (r0 + rng.randint(0, 3), c0 + rng.randint(0, 2))))
    sheet = Sheet("表", rows, merged)
    h = rng.randint(0, 3)
    cols = rng.sample(range(width + 2), rng.randint(0, min(width + 2, 6)))
    mapping = {c: FIELDS[i % len(FIELDS)] for i, c in enumerate(cols)}
    _check(sheet, h, mapping)


def test_a_header_merged_down_into_the_data_is_not_data() -> None:
    rows = [["名称", "目标"], ["合并", ""], ["", 3.0], ["乙", 4.0]]
    sheet = Sheet("表", rows, [((0, 0), (2, 0))])
    mapping = {0: FIELDS[0], 1: FIELDS[1]}
    _check(sheet, 0, mapping)
    found, columns = data_columns(sheet, 0, mapping)
    assert found == [2, 3] and columns[0] == [None, "乙"] and columns[1] == [3.0, 4.0]
