"""Parsing and validation of cell values, driven by the field declarations.

Every parser takes what a clerk types or pastes (full-width digits, thousands
separators, 2025年3月, units typed after the number …) and returns either a
canonical value or a Chinese error message. Validators never raise.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .categories import Category, Field, FieldType

EMPTY_MARKERS = frozenset({"", "/", "-", "—", "--", "——", "无", "N/A", "n/a"})

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8}(-\d{1,6})?)$")


class Invalid(ValueError):
    """A value that does not pass its field's check; the message is Chinese."""


@dataclass(frozen=True)
class Problem:
    """One validation problem of one entry field."""

    key: str
    label: str
    message: str
    row: int | None = None  # 0-based row in its table, when known

    def __str__(self) -> str:
        return f"{self.label}：{self.message}"


def normalise_text(value: Any) -> str:
    """NFKC-normalise (full-width digits and letters become ASCII) and strip."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    return text.replace("\u3000", " ").strip()


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and normalise_text(value) in EMPTY_MARKERS


def parse_number(value: Any, unit: str = "") -> float:
    """Parse a number typed or pasted by a clerk; raise :class:`Invalid`."""
    if isinstance(value, bool):
        raise Invalid("不是数字")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float range, e.g. from a tampered cell
            raise Invalid("数值过大") from None
    else:
        text = normalise_text(value)
        for suffix in filter(None, (unit, unicodedata.normalize("NFKC", unit))):
            if text.endswith(suffix):
                text = text[: -len(suffix)].strip()
        text = text.replace(",", "").replace("，", "").replace(" ", "").replace("_", "")
        if text.startswith("¥") or text.startswith("￥"):
            text = text[1:]
        if not _NUMBER_RE.match(text):
            raise Invalid(f"“{normalise_text(value)}”不是有效的数字")
        number = float(text)
    if math.isnan(number) or math.isinf(number):
        raise Invalid("不是有效的数字")
    return number


def parse_percent(value: Any) -> float:
    """Percentage points: "85%", "85", 85 → 85.0."""
    if isinstance(value, str):
        text = normalise_text(value)
        if text.endswith("%"):
            return parse_number(text[:-1])
    return parse_number(value, "%")


def parse_integer(value: Any, unit: str = "") -> int:
    number = parse_number(value, unit)
    if not number.is_integer():
        raise Invalid("应为整数")
    return int(number)


def parse_year(value: Any) -> int:
    """A year; a month or a day (2025年3月, 2025-03, 2025年3月1日) gives its year."""
    text = normalise_text(value)
    if not isinstance(value, int | float) and any(
        p.match(text) for p in (*_MONTH_PATTERNS, *_DATE_PATTERNS[:2])
    ):
        text = parse_date(text)[:4]
    if text.endswith("年"):
        text = text[:-1]
    try:
        year = parse_integer(text if not isinstance(value, int | float) else value)
    except Invalid:
        raise Invalid(f"“{normalise_text(value)}”不是有效的年份") from None
    if not 1949 <= year <= 2100:
        raise Invalid(f"年份{year}超出范围")
    return year


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})年(\d{1,2})月(?:底|末|份)?$"),
    re.compile(r"^(\d{4})[-/.](\d{1,2})$"),
)


def parse_date(value: Any) -> str:
    """ISO date ``2025-03-31``, or ``2025-03`` for a month such as 2025年3月."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = normalise_text(value)
    if re.match(r"^\S+ \d{1,2}:\d{2}(:\d{2})?$", text):  # "2025-03-31 00:00:00"
        text = text.split(" ")[0]
    text = text.replace(" ", "")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mo, d).isoformat()
            except ValueError:
                raise Invalid(f"“{text}”不是有效的日期") from None
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo = (int(g) for g in m.groups())
            if 1 <= mo <= 12:
                return f"{y:04d}-{mo:02d}"
            raise Invalid(f"“{text}”的月份无效")
    raise Invalid(f"“{normalise_text(value)}”不是有效的日期（如 2025-03-31、2025年3月）")


def uscc_check_digit(code17: str) -> str | None:
    """Check digit of a 统一社会信用代码, or None if it cannot be computed.

    Uses python-stdnum's algorithm but never lets it raise: its format check is
    not applied here (it wrongly rejects registration authorities N, Y, A …).
    """
    if not isinstance(code17, str) or len(code17) != 17:
        return None  # stdnum would happily compute a "check digit" of any length
    try:
        from stdnum.cn import uscc

        return str(uscc.calc_check_digit(code17))
    except Exception:  # stdnum raises KeyError/ValueError on odd input
        return _uscc_check_digit_fallback(code17)


def _uscc_check_digit_fallback(code17: str) -> str | None:
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    try:
        total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(code17, weights, strict=True))
    except ValueError:
        return None
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def parse_credit_code(value: Any) -> str:
    code = normalise_text(value).upper().replace(" ", "").replace("-", "")
    if len(code) != 18:
        raise Invalid(f"统一社会信用代码应为18位，实为{len(code)}位")
    if not _USCC_RE.match(code):
        raise Invalid("统一社会信用代码含有无效字符（不使用 I、O、Z、S、V，第3–8位为行政区划码）")
    if uscc_check_digit(code[:17]) != code[17]:
        raise Invalid("统一社会信用代码校验位错误")
    return code


def is_valid_credit_code(value: Any) -> bool:
    try:
        parse_credit_code(value)
    except Invalid:
        return False
    return True


def parse_phone(value: Any) -> str:
    text = normalise_text(value).replace(" ", "").replace("－", "-")
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not _PHONE_RE.match(text):
        raise Invalid(f"“{text}”不是有效的电话号码")
    return text


def parse_choice(value: Any, choices: tuple[str, ...]) -> str:
    text = normalise_text(value)
    if text in choices:
        return text
    for choice in choices:  # tolerate width and spacing differences
        if normalise_text(choice) == text:
            return choice
    raise Invalid(f"“{text}”不在可选值中：{'、'.join(choices)}")


def parse_value(f: Field, value: Any) -> Any:
    """Canonical value of ``value`` for field ``f``; None for empty; raise Invalid."""
    if is_empty(value):
        if f.required:
            raise Invalid("必填项不能为空")
        return None
    t = f.type
    if t in (FieldType.TEXT, FieldType.LONGTEXT):
        # No NFKC here: it would turn the Chinese punctuation of names and measures
        # （，：） into ASCII. Only numbers, codes and choices are normalised.
        text = str(value).strip()
        text = _strip_controls(text, keep_newlines=t == FieldType.LONGTEXT).strip()
        if len(text) > 4000:
            raise Invalid("文字过长（不超过4000字）")
        if f.required and not text:
            raise Invalid("必填项不能为空")
        return text or None
    if t == FieldType.NUMBER:
        result: Any = parse_number(value, f.unit)
    elif t == FieldType.MONEY:
        result = round(parse_number(value, f.unit or "万元"), 6)
        if result < 0 and f.minimum is None:  # investments, revenues, funds: never debts
            raise Invalid("金额不能为负数")
    elif t == FieldType.PERCENT:
        result = parse_percent(value)
    elif t == FieldType.INTEGER:
        result = parse_integer(value, f.unit)
        if result < 0 and f.minimum is None:  # counts of people, enterprises, projects
            raise Invalid("数量不能为负数")
    elif t == FieldType.YEAR:
        result = parse_year(value)
    elif t == FieldType.DATE:
        result = parse_date(value)
    elif t == FieldType.ENUM:
        result = parse_choice(value, f.choices)
    elif t == FieldType.CREDIT_CODE:
        result = parse_credit_code(value)
    elif t == FieldType.PHONE:
        result = parse_phone(value)
    elif t in (FieldType.TARGET, FieldType.CATALOGUE):
        result = parse_integer(value)
    else:  # pragma: no cover - every type is handled above
        raise Invalid("未知的字段类型")
    if isinstance(result, float | int) and f.type not in (FieldType.YEAR,):
        if f.minimum is not None and result < f.minimum:
            raise Invalid(f"不能小于{_fmt(f.minimum)}")
        if f.maximum is not None and result > f.maximum:
            raise Invalid(f"不能大于{_fmt(f.maximum)}")
    return result


def check_value(f: Field, value: Any) -> tuple[Any, str | None]:
    """Like :func:`parse_value` but returns ``(value, error)`` and never raises."""
    try:
        return parse_value(f, value), None
    except Invalid as exc:
        return None, str(exc)
    except Exception as exc:  # a validator must never crash the caller
        return None, f"无法识别的值（{type(exc).__name__}）"


#: Control characters a text keeps out (``_strip_controls``); a LONGTEXT keeps ``\n``.
_TEXT_DIRTY = re.compile(r"[\x00-\x1f\x7f]")
_LONGTEXT_DIRTY = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_INF = float("inf")


def _in_bounds(f: Field, number: float) -> bool:
    return (f.minimum is None or number >= f.minimum) and (f.maximum is None or number <= f.maximum)


def quick_check(f: Field) -> Callable[[Any], tuple[Any, None] | None]:
    """A checker for one column of values in the form a spreadsheet or the editor gives.

    It returns what :func:`check_value` returns for a value it can judge at a glance (a
    finite number in range, a plain text longer than any empty marker), and None for
    anything else, which the caller then gives to :func:`check_value`. An import checks a
    column of thousands of such values; this keeps their check to a few operations each
    (tests hold it to :func:`check_value` over every field of every category).
    """
    known = _QUICK.get(id(f))
    if known is None or known[0] is not f:
        known = _QUICK[id(f)] = (f, _make_quick_check(f))
    return known[1]


#: id(field) → (field, its checker): declared fields live as long as the program, and
#: hashing a frozen dataclass on every call would cost more than the check itself.
_QUICK: dict[int, tuple[Field, Callable[[Any], tuple[Any, None] | None]]] = {}


def _make_quick_check(f: Field) -> Callable[[Any], tuple[Any, None] | None]:
    t = f.type
    if t in (FieldType.TEXT, FieldType.LONGTEXT):
        dirty = (_LONGTEXT_DIRTY if t == FieldType.LONGTEXT else _TEXT_DIRTY).search

        def text(value: Any) -> tuple[Any, None] | None:
            if value.__class__ is not str:
                return None
            stripped = value.strip()
            # longer than every EMPTY_MARKERS word: NFKC cannot turn it into one
            # no control character (isprintable: the common case, without a regex)
            if 3 < len(stripped) <= 4000 and (stripped.isprintable() or dirty(stripped) is None):
                return stripped, None
            return None

        return text
    special = _QUICK_BY_TYPE.get(t)
    if special is not None:
        return special(f)
    if t not in _QUICK_NUMBERS:
        return _no_quick_check
    money = t == FieldType.MONEY
    integer = t in (FieldType.INTEGER, FieldType.TARGET, FieldType.CATALOGUE)
    unsigned = (money or t == FieldType.INTEGER) and f.minimum is None

    def number(value: Any) -> tuple[Any, None] | None:
        if value.__class__ is not float and value.__class__ is not int:
            return None  # bool, text, dates … take the full check
        try:
            result: Any = float(value)
        except OverflowError:
            return None
        if result != result or result in (_INF, -_INF):
            return None
        if money:
            result = round(result, 6)
        elif integer:
            if not result.is_integer():
                return None
            result = int(result)
        if (unsigned and result < 0) or not _in_bounds(f, result):
            return None
        return result, None

    return number


def _no_quick_check(value: Any) -> None:
    return None


_QUICK_NUMBERS = (
    FieldType.NUMBER,
    FieldType.MONEY,
    FieldType.PERCENT,
    FieldType.INTEGER,
    FieldType.TARGET,
    FieldType.CATALOGUE,
)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_PHONE_ASCII = re.compile(_PHONE_RE.pattern.replace(r"\d", "[0-9]"))


def _quick_choice(f: Field) -> Callable[[Any], tuple[Any, None] | None]:
    # a choice as declared is itself, unless NFKC, an empty marker or an earlier choice
    # alike but for spaces (which the import's tolerance would pick) says otherwise
    plain = {
        c
        for c in f.choices
        if normalise_text(c) == c
        and c not in EMPTY_MARKERS
        and next(d for d in f.choices if _squeezed(d) == _squeezed(c)) == c
    }

    def choice(value: Any) -> tuple[Any, None] | None:
        return (value, None) if value.__class__ is str and value in plain else None

    return choice


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _quick_phone(f: Field) -> Callable[[Any], tuple[Any, None] | None]:
    def phone(value: Any) -> tuple[Any, None] | None:
        if value.__class__ is str and _PHONE_ASCII.fullmatch(value):
            return value, None
        return None

    return phone


def _quick_credit_code(f: Field) -> Callable[[Any], tuple[Any, None] | None]:
    def credit_code(value: Any) -> tuple[Any, None] | None:
        # already clean (18 characters of the code's alphabet): only the check digit
        if (
            value.__class__ is str
            and len(value) == 18
            and _USCC_RE.match(value)
            and uscc_check_digit(value[:17]) == value[17]
        ):
            return value, None
        return None

    return credit_code


def _quick_year(f: Field) -> Callable[[Any], tuple[Any, None] | None]:
    def year(value: Any) -> tuple[Any, None] | None:
        plain = value.__class__ is int or value.__class__ is float
        if plain and 1949 <= value <= 2100 and value == int(value):
            return int(value), None
        return None

    return year


def _quick_date(f: Field) -> Callable[[Any], tuple[Any, None] | None]:
    def date(value: Any) -> tuple[Any, None] | None:
        if value.__class__ is str:
            if _ISO_DAY.fullmatch(value):
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    return None
                return value, None
            return (value, None) if _ISO_MONTH.fullmatch(value) else None
        if value.__class__ is dt.date:
            return value.isoformat(), None
        if value.__class__ is dt.datetime:
            return value.date().isoformat(), None
        return None

    return date


_QUICK_BY_TYPE: dict[FieldType, Callable[[Field], Callable[[Any], tuple[Any, None] | None]]] = {
    FieldType.ENUM: _quick_choice,
    FieldType.PHONE: _quick_phone,
    FieldType.CREDIT_CODE: _quick_credit_code,
    FieldType.YEAR: _quick_year,
    FieldType.DATE: _quick_date,
}


def validate_row(cat: Category, row: Mapping[str, Any]) -> list[Problem]:
    """Check a whole entry (already canonical values) against its category."""
    problems: list[Problem] = []
    for f in cat.fields:
        value = row.get(f.key)
        if value is None or value == "":
            if f.required:
                problems.append(Problem(f.key, f.label, "必填项不能为空"))
            continue
        _, error = check_value(f, value)
        if error:
            problems.append(Problem(f.key, f.label, error))
    for check in cat.row_checks:
        for key, message in check(row):
            problems.append(Problem(key, cat.field(key).label, message))
    return problems


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _strip_controls(text: str, keep_newlines: bool) -> str:
    text = _CONTROL_RE.sub("", text)
    if not keep_newlines:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return text


def _fmt(number: float) -> str:
    return f"{number:g}"
