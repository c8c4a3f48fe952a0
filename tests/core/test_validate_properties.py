"""Property-based tests (hypothesis) of every field validator and the parsers.

The parse_* functions raise nothing but :class:`Invalid`; ``check_value`` never raises;
canonical values survive a second pass unchanged (round trip).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from xihu_desktop.core.categories import CATEGORIES, STATUSES, Field, FieldType
from xihu_desktop.core.validate import (
    Invalid,
    check_value,
    is_empty,
    parse_choice,
    parse_credit_code,
    parse_date,
    parse_integer,
    parse_number,
    parse_percent,
    parse_phone,
    parse_value,
    parse_year,
    uscc_check_digit,
    validate_row,
)

EXAMPLES = 150
PROFILE = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

ALL_FIELDS: list[Field] = [f for cat in CATEGORIES for f in cat.fields]

# What a clerk can type or paste, and what a spreadsheet cell can hold.
numeric_text = st.from_regex(
    r"\A[ \u3000]?[+\-]?[0-9０-９,，_ ]{0,12}([.．][0-9０-９]{0,6})?([eE][+\-]?[0-9]{1,3})?"
    r"(%|万元|亩|个|年)?[ ]?\Z"
)
date_text = st.from_regex(
    r"\A[0-9]{2,4}([-/.年])[0-9]{1,2}([-/.月])?([0-9]{1,2}[日号]?)?( 0?0:00(:00)?)?\Z"
)
raw_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    numeric_text,
    date_text,
    st.dates(),
    st.datetimes(),
    st.times(),
    st.binary(max_size=20),
    st.lists(st.integers(), max_size=3),
    st.sampled_from(["", "/", "—", "无", "N/A", "\x00", "\ufeff", "𠀀", "1" * 5000, "=1+1"]),
)

PARSERS = {
    "parse_number": parse_number,
    "parse_percent": parse_percent,
    "parse_integer": parse_integer,
    "parse_year": parse_year,
    "parse_date": parse_date,
    "parse_credit_code": parse_credit_code,
    "parse_phone": parse_phone,
    "parse_choice": lambda v: parse_choice(v, STATUSES),
}


def _only_invalid(parser: Any, value: Any) -> Any:
    try:
        return parser(value)
    except Invalid as exc:
        assert str(exc), "an Invalid must carry a message"
        return None


@pytest.mark.parametrize("name", sorted(PARSERS))
@PROFILE
@given(value=raw_values)
def test_parsers_raise_only_invalid(name: str, value: Any) -> None:
    result = _only_invalid(PARSERS[name], value)
    if isinstance(result, float):
        assert math.isfinite(result)


@PROFILE
@given(value=raw_values, f=st.sampled_from(ALL_FIELDS))
def test_check_value_never_raises(value: Any, f: Field) -> None:
    clean, error = check_value(f, value)
    assert (clean is None) or (error is None)
    if error is not None:
        assert isinstance(error, str) and error
    if isinstance(clean, float):
        assert math.isfinite(clean)


@PROFILE
@given(value=raw_values, f=st.sampled_from(ALL_FIELDS))
def test_canonical_values_round_trip(value: Any, f: Field) -> None:
    """What a field accepts once, it accepts again unchanged."""
    clean, error = check_value(f, value)
    if error is None and clean is not None:
        again, error2 = check_value(f, clean)
        assert error2 is None, (f.key, value, clean, error2)
        assert again == clean, (f.key, value, clean, again)


@PROFILE
@given(x=st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_round_trip_through_text(x: float) -> None:
    assert parse_number(x) == x
    assert parse_number(repr(x)) == x
    assert parse_number(f"{x:,}") == x or abs(x) >= 1e16  # thousands separators


@PROFILE
@given(x=st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_and_percent(x: int) -> None:
    assert parse_integer(str(x)) == x
    assert parse_integer(f"{x:,}") == x
    assert parse_percent(f"{x}%") == float(x)
    full = str(x).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert parse_number(full) == float(x)  # full-width digits from a Chinese IME


@PROFILE
@given(d=st.dates(min_value=dt.date(1000, 1, 1)))
def test_dates_round_trip(d: dt.date) -> None:
    iso = d.isoformat()
    assert parse_date(d) == iso
    assert parse_date(iso) == iso
    assert parse_date(f"{d.year}年{d.month}月{d.day}日") == iso
    assert parse_date(f"{d.year}/{d.month}/{d.day}") == iso
    assert parse_date(dt.datetime(d.year, d.month, d.day, 8, 30)) == iso
    assert parse_date(f"{d.year}年{d.month}月") == f"{d.year:04d}-{d.month:02d}"


@PROFILE
@given(y=st.integers(min_value=1949, max_value=2100))
def test_years_round_trip(y: int) -> None:
    assert parse_year(y) == parse_year(str(y)) == parse_year(f"{y}年") == y


@PROFILE
@given(y=st.integers().filter(lambda y: not 1949 <= y <= 2100))
def test_years_out_of_range_are_invalid(y: int) -> None:
    with pytest.raises(Invalid):
        parse_year(y)


_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
uscc_body = st.tuples(
    st.text(alphabet=_USCC, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=_USCC, min_size=9, max_size=9),
).map("".join)


@PROFILE
@given(body=uscc_body)
def test_credit_codes_round_trip(body: str) -> None:
    check = uscc_check_digit(body)
    assert check is not None and check in _USCC
    code = body + check
    assert parse_credit_code(code) == code
    assert parse_credit_code(code.lower()) == code
    wrong = _USCC[(_USCC.index(check) + 1) % 31]
    with pytest.raises(Invalid):
        parse_credit_code(body + wrong)


phones = st.one_of(
    st.from_regex(r"\A1[3-9][0-9]{9}\Z"),
    st.from_regex(r"\A0[0-9]{2,3}-[0-9]{7,8}\Z"),
    st.from_regex(r"\A[0-9]{7,8}\Z"),
)


@PROFILE
@given(phone=phones)
def test_phones_round_trip(phone: str) -> None:
    assert parse_phone(phone) == phone
    assert parse_phone(f" {phone} ") == phone


@PROFILE
@given(f=st.sampled_from([f for f in ALL_FIELDS if f.type == FieldType.ENUM]), data=st.data())
def test_choices_round_trip(f: Field, data: st.DataObject) -> None:
    choice = data.draw(st.sampled_from(f.choices))
    assert parse_value(f, choice) == choice
    assert parse_value(f, f" {choice}\u3000") == choice


@PROFILE
@given(text=st.text(max_size=300), f=st.sampled_from([f for f in ALL_FIELDS if not f.required]))
@example(text="\x1b\r0", f=CATEGORIES[0].field("measure_unit"))  # once kept a leading space
def test_text_fields_keep_no_control_characters(text: str, f: Field) -> None:
    if f.type not in (FieldType.TEXT, FieldType.LONGTEXT):
        return
    clean, _error = check_value(f, text)
    if clean is not None:
        allowed = {"\n"} if f.type == FieldType.LONGTEXT else set()
        assert not any(ord(c) < 32 and c not in allowed for c in clean)
        assert clean == clean.strip() or f.type == FieldType.LONGTEXT


@PROFILE
@given(
    cat=st.sampled_from(CATEGORIES),
    data=st.data(),
)
def test_validate_row_never_raises(cat: Any, data: st.DataObject) -> None:
    # validate_row checks canonical values (what check_value made of the raw ones).
    row = {f.key: check_value(f, data.draw(raw_values))[0] for f in cat.fields}
    problems = validate_row(cat, row)
    assert all(p.message for p in problems)


def test_empty_markers() -> None:
    for value in (None, float("nan"), "", " ", "/", "—", "无", "N/A", "\u3000"):
        assert is_empty(value)
    assert not is_empty(decimal.Decimal(0))
