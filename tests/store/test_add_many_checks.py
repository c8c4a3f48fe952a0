"""The store checks every value a bulk insert writes, column by column (clean_many),
and says exactly what the row-by-row check (clean_values) says: same clean values,
same problems, same Chinese messages, in the same order."""

from __future__ import annotations

import random
from typing import Any

import pytest

from tests.core.test_quick_check import _GOOD_CODE, _WRONG_DIGIT, VALUES
from xihu_desktop.core.categories import CATEGORIES, Field, FieldType
from xihu_desktop.core.entry_values import clean_many, clean_values
from xihu_desktop.store import Store
from xihu_desktop.store.errors import InvalidData


def _rows(cat_key: str, seed: int) -> list[dict[str, Any]]:
    """Rows mixing canonical, edge, dirty and missing values, plus a foreign key."""
    cat = next(c for c in CATEGORIES if c.key == cat_key)
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for i in range(len(VALUES) * 2):
        row: dict[str, Any] = {}
        for f in cat.fields:
            pick = rng.random()
            if pick < 0.15:
                continue  # missing: the default, or "必填项不能为空"
            if pick < 0.45 and f.choices:
                row[f.key] = rng.choice(f.choices)
            else:
                row[f.key] = VALUES[(i + rng.randrange(len(VALUES))) % len(VALUES)]
        if i % 17 == 0:
            row["不存在的字段"] = "x"
        rows.append(row)
    return rows


@pytest.mark.parametrize("cat", CATEGORIES, ids=lambda c: c.key)
@pytest.mark.parametrize("partial", [False, True])
def test_column_by_column_says_what_row_by_row_says(cat: Any, partial: bool) -> None:
    for seed in range(3):
        rows = _rows(cat.key, seed)
        many = clean_many(cat.key, rows, partial=partial)
        for row, (clean, problems) in zip(rows, many, strict=True):
            want_clean, want_problems = clean_values(cat.key, row, partial=partial)
            assert clean == want_clean, (cat.key, row)
            assert list(clean) == list(want_clean)  # the same key order
            assert problems == want_problems, (cat.key, row)


def test_equal_numbers_of_other_types_are_not_mixed_up() -> None:
    """1, 1.0 and True, 0.0 and -0.0 are equal in Python: a memo of verdicts by value
    would hand one's verdict to the other (a name "True" is not a name "1")."""
    rows = [{"name": v, "goal": v} for v in (1, 1.0, True, 0.0, -0.0, "1", None)]
    many = clean_many("indicator", rows)
    for row, got in zip(rows, many, strict=True):
        assert got == clean_values("indicator", row)


_PLAIN = {"name": "甲企业", "credit_code": _GOOD_CODE, "contact": "13812345678"}


def _valid(f: Field) -> Any:
    if f.choices:
        return f.choices[0]
    if f.type in (FieldType.TEXT, FieldType.LONGTEXT):
        return "一个有效的值"
    return 10 if f.maximum is None or f.maximum >= 10 else f.maximum


def _ledger(store: Store) -> int:
    return store.ledgers.create(store.units.list()[0].id, 2025).id


@pytest.mark.parametrize(
    ("field", "bad", "message"),
    [
        ("credit_code", _WRONG_DIGIT, "统一社会信用代码校验位错误"),
        ("credit_code", _GOOD_CODE[:17], "统一社会信用代码应为18位，实为17位"),
        ("contact", "１２３", "不是有效的电话号码"),
        ("status", "完成了", "不在可选值中"),
        ("kind", "央企 ", None),  # not a choice either, trailing space or not
        ("name", "无", "必填项不能为空"),
        ("goal", -1.0, None),
    ],
)
def test_add_many_refuses_a_bad_value_handed_to_it_directly(
    store: Store, field: str, bad: Any, message: str | None
) -> None:
    """Not through an import: a caller handing the store a bad value gets InvalidData
    naming the row and the field, and nothing is written."""
    ledger_id = _ledger(store)
    cat = next(c for c in CATEGORIES if field in c.keys)
    good = {f.key: _valid(f) for f in cat.fields if f.required}
    good.update({k: v for k, v in _PLAIN.items() if k in cat.keys})
    if field == "goal" and cat.field("goal").minimum is None:
        bad = "不是数"
        message = "不是有效的数字"
    rows = [dict(good), {**good, field: bad}, dict(good)]
    before = store.counts()
    audit = store.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(InvalidData) as info:
        store.entries.add_many(ledger_id, cat.key, rows)
    assert "第2条" in str(info.value)
    problem = info.value.problems[0]
    assert problem.row == 1 and problem.key == field
    if message:
        assert message in problem.message
    assert store.counts() == before
    assert store.scalar("SELECT count(*) FROM audit_log") == audit
    # the same rows, the bad one left out, are written with their clean values
    created = store.entries.add_many(ledger_id, cat.key, [rows[0], rows[2]]).created
    assert len(created) == 2
    entry = store.entries.get(created[0])
    for key, value in good.items():
        assert entry.values[key] == value
