"""Validator tables: what a clerk types or pastes, and what we make of it (core/validate.py)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xihu_desktop.core.categories import CATEGORIES, ENTERPRISE, INDICATOR, PROJECT, FieldType
from xihu_desktop.core.validate import (
    Invalid,
    check_value,
    is_empty,
    is_valid_credit_code,
    parse_choice,
    parse_credit_code,
    parse_date,
    parse_number,
    parse_percent,
    parse_phone,
    parse_value,
    parse_year,
    uscc_check_digit,
    validate_row,
)

VALID_CODE = "N2330106MA2H3K7P0T"  # a village collective (registration authority N)


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("123.5", "", 123.5),
        ("１２３.５", "", 123.5),  # full-width digits
        ("１２３．５", "", 123.5),  # full-width point too
        ("1,234.5", "", 1234.5),  # thousands separator
        ("1，234.5", "", 1234.5),  # full-width comma
        ("12 345", "", 12345.0),
        (" 12 ", "", 12.0),
        ("120万元", "万元", 120.0),  # unit typed after the number
        ("1,200.5 万元", "万元", 1200.5),
        ("30亩", "亩", 30.0),
        ("¥100", "", 100.0),
        ("-13.06", "", -13.06),
        ("+7", "", 7.0),
        (".5", "", 0.5),
        ("1e3", "", 1000.0),
        (42, "", 42.0),
        (2.5, "", 2.5),
    ],
)
def test_parse_number_accepts(raw: Any, unit: str, expected: float) -> None:
    assert parse_number(raw, unit) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("abc", ""),
        ("1.2.3", ""),
        ("--5", ""),
        ("12万元", ""),  # the unit is not this field's
        ("120亿元", "万元"),
        ("12%", ""),
        ("一百", ""),
        ("", ""),
        ("/", ""),
        (True, ""),
        (float("nan"), ""),
        (float("inf"), ""),
        ("1e999", ""),
    ],
)
def test_parse_number_rejects(raw: Any, unit: str) -> None:
    with pytest.raises(Invalid):
        parse_number(raw, unit)


@pytest.mark.parametrize(
    "raw", ["", "/", " / ", "-", "—", "无", "N/A", None, float("nan"), "\u3000"]
)
def test_empty_markers(raw: Any) -> None:
    assert is_empty(raw)


@pytest.mark.parametrize("raw", ["0", 0, "abc", "/1"])
def test_not_empty(raw: Any) -> None:
    assert not is_empty(raw)


MONEY = PROJECT.field("total_investment")  # 万元, minimum 0, optional
REQUIRED_MONEY = PROJECT.field("goal")  # 年度计划投资, required


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120万元", 120.0),
        ("１２０万元", 120.0),
        ("1,234.5", 1234.5),
        ("/", None),  # empty marker: nothing entered
        ("", None),
        (None, None),
        (3.33333333333, 3.333333),  # money is kept to six decimals
    ],
)
def test_money_field(raw: Any, expected: float | None) -> None:
    assert check_value(MONEY, raw) == (expected, None)


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        (MONEY, "-5", "不能小于0"),
        (MONEY, "abc", "不是有效的数字"),
        (REQUIRED_MONEY, "/", "必填项不能为空"),
        (REQUIRED_MONEY, "", "必填项不能为空"),
        (PROJECT.field("weight"), "101", "不能大于100"),
    ],
)
def test_number_field_errors(field: Any, raw: Any, message: str) -> None:
    value, error = check_value(field, raw)
    assert value is None
    assert error is not None and message in error


# ---------------------------------------------------------------- percentages


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("85%", 85.0),
        ("85", 85.0),
        ("８５％", 85.0),
        ("-3.5%", -3.5),
        ("99.5 %", 99.5),
        (85, 85.0),
    ],
)
def test_parse_percent_accepts(raw: Any, expected: float) -> None:
    assert parse_percent(raw) == pytest.approx(expected)


@pytest.mark.parametrize("raw", ["abc%", "%", "85%%", "八成", ""])
def test_parse_percent_rejects(raw: str) -> None:
    with pytest.raises(Invalid):
        parse_percent(raw)


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-31", "2025-03-31"),
        ("2025/3/31", "2025-03-31"),
        ("2025年3月31日", "2025-03-31"),
        ("2025年3月31号", "2025-03-31"),
        ("2025.3.31", "2025-03-31"),
        ("20250331", "2025-03-31"),
        ("２０２５年３月３１日", "2025-03-31"),
        ("2025-03-31 00:00:00", "2025-03-31"),  # Excel date cell read as text
        ("2025年3月", "2025-03"),
        ("2025年3月底", "2025-03"),
        ("2025-3", "2025-03"),
        ("2024-02-29", "2024-02-29"),  # leap day
        (dt.date(2025, 3, 31), "2025-03-31"),
        (dt.datetime(2025, 3, 31, 8, 30), "2025-03-31"),
    ],
)
def test_parse_date_accepts(raw: Any, expected: str) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["2025-02-30", "2025-02-29", "2025-13-01", "2025年13月", "2025-00", "31/3/2025", "明年", ""],
)
def test_parse_date_rejects(raw: str) -> None:
    with pytest.raises(Invalid):
        parse_date(raw)


# ---------------------------------------------------------------- years


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("2025", 2025), ("2025年", 2025), ("２０２５", 2025), (2025, 2025), (2025.0, 2025)],
)
def test_parse_year_accepts(raw: Any, expected: int) -> None:
    assert parse_year(raw) == expected


@pytest.mark.parametrize("raw", ["1900", "2101", "abc", 2025.5, True, "25年度"])
def test_parse_year_rejects(raw: Any) -> None:
    with pytest.raises(Invalid):
        parse_year(raw)


# ---------------------------------------------------------------- enumerations

NATURES = ("新建", "续建", "前期")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("新建", "新建"), (" 续建 ", "续建"), ("前期\u3000", "前期")],
)
def test_parse_choice_accepts(raw: str, expected: str) -> None:
    assert parse_choice(raw, NATURES) == expected


@pytest.mark.parametrize("raw", ["改建", "", "新", "新建续建"])
def test_parse_choice_rejects(raw: str) -> None:
    with pytest.raises(Invalid, match="不在可选值中"):
        parse_choice(raw, NATURES)


def test_enum_field_default_and_error() -> None:
    kind = ENTERPRISE.field("kind")
    assert check_value(kind, "国家高新技术企业") == ("国家高新技术企业", None)
    value, error = check_value(kind, "独角兽")
    assert value is None and error is not None and "上市企业" in error


# ---------------------------------------------------------------- phone numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),  # an Excel number cell
        ("0571-87654321", "0571-87654321"),
        ("0571－87654321", "0571-87654321"),
        ("057187654321", "057187654321"),
        ("87654321", "87654321"),
        ("0571-87654321-123", "0571-87654321-123"),
    ],
)
def test_parse_phone_accepts(raw: Any, expected: str) -> None:
    assert parse_phone(raw) == expected


@pytest.mark.parametrize("raw", ["12345", "1381234567", "23812345678", "abc", "138-1234-5678x"])
def test_parse_phone_rejects(raw: str) -> None:
    with pytest.raises(Invalid, match="电话"):
        parse_phone(raw)


# ---------------------------------------------------------------- 统一社会信用代码


def test_stdnum_format_check_wrongly_rejects_a_valid_code() -> None:
    """python-stdnum's format check rejects codes whose first eight characters are not all
    digits (registration authorities N, Y, A …), though its check digit agrees. Ours accepts
    them. Should a later python-stdnum accept the code, change the first assertion."""
    from stdnum.cn import uscc

    assert uscc.is_valid(VALID_CODE) is False  # the bug, as installed (python-stdnum 2.x)
    assert uscc.calc_check_digit(VALID_CODE[:17]) == VALID_CODE[17]
    assert is_valid_credit_code(VALID_CODE)
    assert parse_credit_code(VALID_CODE) == VALID_CODE


def _with_check_digit(body: str) -> str:
    digit = uscc_check_digit(body)
    assert digit is not None
    return body + digit


@pytest.mark.parametrize(
    "code",
    [
        VALID_CODE,
        _with_check_digit("91330106MA2CDEFGH"),  # an ordinary enterprise
        _with_check_digit("Y1330106MA2B00000"),  # registration authority Y
        _with_check_digit("A1330106MA2B00000"),  # registration authority A
        _with_check_digit("12330106470000000"),  # 机构编制 public institution
    ],
)
def test_valid_credit_codes(code: str) -> None:
    assert is_valid_credit_code(code)
    assert check_value(ENTERPRISE.field("credit_code"), code) == (code, None)


@pytest.mark.parametrize(
    "variant",
    [
        VALID_CODE.lower(),
        full_width(VALID_CODE),
        full_width(VALID_CODE.lower()),
        " N233 0106 MA2H 3K7P 0T ",
        "N2330106-MA2H3K7P0T",
        "\u3000" + VALID_CODE + "\u3000",
        VALID_CODE[:-1] + "Ｔ",
    ],
)
def test_credit_code_variants_accepted_after_nfkc(variant: str) -> None:
    assert parse_credit_code(variant) == VALID_CODE


def test_wrong_check_digit_rejected() -> None:
    for wrong in "0123456789ABCDEFGHJKLMNPQRUWXY":
        if wrong == "T":
            continue
        code = VALID_CODE[:17] + wrong
        assert not is_valid_credit_code(code)
        with pytest.raises(Invalid, match="校验位错误"):
            parse_credit_code(code)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (VALID_CODE[:17], "应为18位，实为17位"),
        (VALID_CODE + "0", "应为18位，实为19位"),
        ("N2330106MA2H3K7PIT", "无效字符"),  # I is not used
        ("IOZSVIOZSVIOZSVIOZ", "无效字符"),
        ("N23301X6MA2H3K7P0T", "无效字符"),  # positions 3–8 are the region code
    ],
)
def test_malformed_credit_codes(raw: str, message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_credit_code(raw)


GARBAGE: list[Any] = [
    None,
    0,
    12,
    -1,
    10**30,
    1.5,
    float("nan"),
    float("inf"),
    True,
    "",
    " ",
    "N2330106MA2H3K7P0",  # 17 characters
    "IOZSVIOZSVIOZSVIOZ",
    "ioszvioszvioszvios",
    "😀" * 18,
    "N2330106MA2H3K7P0😀",
    "\x00" * 18,
    "统一社会信用代码统一社会信用代码统一",
    b"N2330106MA2H3K7P0T",
    bytearray(b"x"),
    [],
    {},
    ("N",),
    object(),
    dt.date(2025, 1, 1),
    "\ud800" * 18,  # lone surrogates
]


@pytest.mark.parametrize("garbage", GARBAGE, ids=lambda g: type(g).__name__ + repr(g)[:12])
def test_credit_code_garbage_never_raises(garbage: Any) -> None:
    assert is_valid_credit_code(garbage) is False
    value, error = check_value(ENTERPRISE.field("credit_code"), garbage)
    assert value is None
    assert isinstance(error, str) and error


@pytest.mark.parametrize("code17", ["", "N23", "IOZSVIOZSVIOZSVIO", "😀" * 17, None, 17, "N" * 30])
def test_check_digit_of_garbage_is_none(code17: Any) -> None:
    assert uscc_check_digit(code17) is None


# ---------------------------------------------------------------- fields, rows, fuzzing


def test_text_fields_are_cleaned() -> None:
    name = PROJECT.field("name")
    assert check_value(name, "  a\x00b\nc\u3000") == ("ab c", None)
    # Chinese punctuation in names stays as typed (NFKC would make it ASCII)
    typed = "西湖区（之江）文化中心：一期，二期"
    assert check_value(name, typed) == (typed, None)
    roadmap = PROJECT.field("roadmap")
    assert check_value(roadmap, "第一步\r\n第二步\x07") == ("第一步\n第二步", None)
    value, error = check_value(roadmap, "字" * 4001)
    assert value is None and error is not None and "过长" in error


def test_required_field_cannot_be_empty() -> None:
    with pytest.raises(Invalid, match="必填项不能为空"):
        parse_value(INDICATOR.field("name"), "/")


def test_validate_row_reports_row_checks_with_chinese_labels() -> None:
    row = {
        "name": "之江文化中心",
        "owner_org": "之江城投集团",
        "nature": "续建",
        "start_year": 2024,
        "end_year": 2022,
        "total_investment": 1000.0,
        "goal": 2000.0,
    }
    problems = {p.key: str(p) for p in validate_row(PROJECT, row)}
    assert problems["end_year"] == "竣工年份：竣工年份早于开工年份"
    assert problems["goal"] == "年度计划投资：年度计划投资超过总投资"


def test_validate_row_missing_required() -> None:
    problems = validate_row(ENTERPRISE, {"name": "杭州某某科技有限公司"})
    labels = {p.label for p in problems}
    assert {"统一社会信用代码", "企业类型"} <= labels
    assert all(p.message == "必填项不能为空" for p in problems)


ALL_FIELDS = [f for c in CATEGORIES for f in c.fields]
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.text(alphabet="0123456789.,，%万元年月日/-－ 　１２３ＮＩ", max_size=25),
    st.binary(max_size=20),
    st.dates(),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(index=st.integers(min_value=0, max_value=len(ALL_FIELDS) - 1), value=ANY_VALUE)
def test_check_value_never_raises(index: int, value: Any) -> None:
    f = ALL_FIELDS[index]
    result, error = check_value(f, value)
    assert error is None or (isinstance(error, str) and error)
    if error is None and result is not None and f.type in (FieldType.NUMBER, FieldType.MONEY):
        assert isinstance(result, float) and math.isfinite(result)
