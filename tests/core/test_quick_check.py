"""The import's quick check of a column's values says exactly what the full check says."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from xihu_desktop.core.categories import CATEGORIES, Field, FieldType
from xihu_desktop.core.entry_values import clean_values
from xihu_desktop.core.validate import check_value, quick_check, uscc_check_digit
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.xlsx_read import check_column, tolerant

FIELDS = [f for c in CATEGORIES for f in c.fields] + list(layout.progress_fields())

#: What a clerk or a spreadsheet hands over: canonical values, edge values, dirty text.
VALUES: list[Any] = [
    0,
    1,
    -1,
    0.5,
    -0.5,
    2.5,
    99.999,
    100,
    100.0,
    101,
    1e6,
    1e308,
    10**400,
    1949,
    2025.0,
    2101,
    float("inf"),
    float("-inf"),
    math.nan,
    True,
    False,
    3,
    12.3456789,
    "abc",
    "abcd",
    " abcd ",
    "abcd\n",
    "ab\ncd",
    "ab\tcd",
    "ab\rcd",
    "ab\r\ncd",
    "\x00abcd",
    "abc\x7f",
    "N/A",
    "n/a",
    "——",
    "无",
    "  无  ",
    "\u3000无\u3000",
    "／",
    "x" * 4000,
    "x" * 4001,
    " " + "y" * 4000 + " ",
    "１２３４",
    "12,345",
    "98.5%",
    "2025年",
    "新建",
    "新 建",
    "约束性",
    "越小越好",
    "滞后",
    "0571-87654321",
    "91330106MA2KXXXX0X",
    "倒排工期、挂图作战，协调解决政策处理和要素保障问题。",
    "Ｎ／Ａ",
]

_CODE17 = "91330106MA2KXXXX0"
_GOOD_CODE = _CODE17 + str(uscc_check_digit(_CODE17))
_WRONG_DIGIT = _CODE17 + ("0" if _GOOD_CODE[-1] != "0" else "1")

#: Values of the other types: phones, codes, years, dates, every declared choice.
VALUES += [
    "13812345678",
    "13812345678\n",
    " 13812345678",
    "138 1234 5678",
    "１３８１２３４５６７８",
    "\u0661\u0663\u0668\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",
    "0571-87654321-123",
    "87654321",
    "12345678901",
    13812345678.0,
    13812345678,
    _GOOD_CODE,
    _GOOD_CODE.lower(),
    _GOOD_CODE + "\n",
    " " + _GOOD_CODE,
    _GOOD_CODE[:6] + "-" + _GOOD_CODE[6:],
    _WRONG_DIGIT,
    "91330106IA2KXXXX0X",
    "9133010" + "６" + "MA2KXXXX0X",
    1948,
    1948.0,
    2100,
    2100.5,
    2025.5,
    "2025",
    "2025年",
    "2025-03-31",
    "2025-02-30",
    "0000-01-01",
    "2025-3-31",
    "2025-03",
    "2025-13",
    "2025-00",
    "2025-03\n",
    "２０２５-03-31",
    "2025-03-31 00:00:00",
    dt.date(2025, 3, 31),
    dt.datetime(2025, 3, 31, 12, 0),
    dt.time(12, 0),
    dt.timedelta(days=1),
    -0.0,
    10**5000,
]
VALUES += sorted({c for f in FIELDS for c in f.choices})
VALUES += [c.replace("", " ").strip() for f in FIELDS for c in f.choices[:2]]
VALUES += ["\uff21" + c for f in FIELDS for c in f.choices[:1]]


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.key)
def test_quick_says_what_the_full_check_says(f: Field) -> None:
    quick = quick_check(f)
    for value in VALUES:
        said = quick(value)
        if said is not None:
            assert said == check_value(f, value), (f.key, value)


def test_quick_takes_the_plain_values_of_a_return() -> None:
    """The fast path must actually be taken for numbers and texts (else it saves nothing)."""
    by_type = {f.type: f for f in FIELDS if f.minimum is None and f.maximum is None}
    assert quick_check(by_type[FieldType.NUMBER])(12.5) == (12.5, None)
    assert quick_check(by_type[FieldType.MONEY])(1234.5678911) == (1234.567891, None)
    assert quick_check(by_type[FieldType.INTEGER])(12.0) == (12, None)
    assert quick_check(by_type[FieldType.TEXT])(" 城西科创 ") == ("城西科创", None)
    assert quick_check(by_type[FieldType.LONGTEXT])("一\n二三四") == ("一\n二三四", None)
    # left to the full check: empty markers, dirty text, negatives, text numbers
    for f, value in (
        (by_type[FieldType.TEXT], "无"),
        (by_type[FieldType.TEXT], "a\tbcd"),
        (by_type[FieldType.MONEY], -1.0),
        (by_type[FieldType.NUMBER], "12"),
        (by_type[FieldType.NUMBER], True),
        (by_type[FieldType.NUMBER], math.nan),
    ):
        assert quick_check(f)(value) is None, (f.key, value)


def test_clean_values_with_and_without_the_quick_path_agree() -> None:
    """An entry's values cleaned for the store equal the field-by-field full check."""
    for cat in CATEGORIES:
        raw = {f.key: v for f, v in zip(cat.fields, VALUES * 3, strict=False)}
        clean, problems = clean_values(cat.key, raw)
        for f in cat.fields:
            value, error = check_value(f, raw.get(f.key, f.default))
            if error:
                assert f.key in {p.key for p in problems}
            else:
                assert clean.get(f.key) == value, (cat.key, f.key)


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.key)
def test_the_import_column_check_says_what_the_cell_check_says(f: Field) -> None:
    """check_column (quick path first) equals the full check of each cell with the
    import's tolerance, value by value and in order."""
    expected = [check_value(f, tolerant(f, v)) for v in [None, *VALUES]]
    assert check_column(f, [None, *VALUES], {}) == expected


def test_the_quick_path_takes_the_canonical_values_of_every_type() -> None:
    """What the store is handed by an import (canonical values) must be judged at a
    glance, else the store's check costs what the full check costs."""
    by_type = {f.type: f for c in CATEGORIES for f in c.fields}
    for t, value, clean in (
        (FieldType.PHONE, "13812345678", "13812345678"),
        (FieldType.PHONE, "0571-87654321", "0571-87654321"),
        (FieldType.CREDIT_CODE, _GOOD_CODE, _GOOD_CODE),
        (FieldType.YEAR, 2025, 2025),
        (FieldType.YEAR, 2025.0, 2025),
        (FieldType.DATE, "2025-03-31", "2025-03-31"),
        (FieldType.DATE, "2025-03", "2025-03"),
    ):
        if t in by_type:
            assert quick_check(by_type[t])(value) == (clean, None), (t, value)
    for f in FIELDS:
        for c in f.choices:
            assert quick_check(f)(c) == (c, None), (f.key, c)
    # refused or reshaped values are left to the full check
    for t, value in (
        (FieldType.CREDIT_CODE, _WRONG_DIGIT),
        (FieldType.CREDIT_CODE, _GOOD_CODE.lower()),
        (FieldType.PHONE, "１３８１２３４５６７８"),
        (FieldType.PHONE, "13812345678\n"),
        (FieldType.YEAR, 1948),
        (FieldType.YEAR, True),
        (FieldType.DATE, "2025-02-30"),
    ):
        if t in by_type:
            assert quick_check(by_type[t])(value) is None, (t, value)


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.key)
def test_no_quick_check_takes_an_empty_or_missing_value(f: Field) -> None:
    """clean_many and check_column hand None and a missing-key marker to the quick check
    and rely on it leaving them to the full check (required, default)."""
    assert quick_check(f)(None) is None
    assert quick_check(f)(object()) is None
