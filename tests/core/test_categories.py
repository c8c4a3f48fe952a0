"""The six categories' field declarations: consistent, and enough to drive everything."""

from __future__ import annotations

import pytest

from xihu_desktop.core.categories import (
    CATEGORIES,
    ENTRY_COLUMNS,
    STATUSES,
    FieldType,
    category,
    find_category,
)
from xihu_desktop.core.scoring import ScoringSettings
from xihu_desktop.core.validate import check_value

LABELS = {
    "indicator": "一批重点指标",
    "platform": "一批重点平台",
    "project": "一批重大项目",
    "enterprise": "一批领军企业",
    "talent": "一批领先人才",
    "resource": "一批发展资源",
}


def test_six_categories_in_order_with_default_points() -> None:
    assert {c.key: c.label for c in CATEGORIES} == LABELS
    assert list(LABELS) == [c.key for c in CATEGORIES]
    assert {c.key: c.default_points for c in CATEGORIES} == {
        "indicator": 30,
        "platform": 15,
        "project": 25,
        "enterprise": 10,
        "talent": 10,
        "resource": 10,
    }
    assert sum(ScoringSettings().category_points.values()) == 100


@pytest.mark.parametrize("cat", CATEGORIES, ids=lambda c: c.key)
def test_declarations_are_consistent(cat) -> None:
    keys = cat.keys
    assert len(keys) == len(set(keys)), "duplicate field key"
    labels = [f.label for f in cat.fields]
    assert len(labels) == len(set(labels)), "duplicate label"
    # what scoring and listing need is there in every category
    for key in ("name", "goal", "actual", "status", "weight", "q1", "q4", "roadmap"):
        assert cat.has(key), key
    assert cat.field("name").required
    assert cat.label.endswith(cat.short)
    for f in cat.fields:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in f.label), f.key  # Chinese label
        assert f.width > 0
        if f.type == FieldType.ENUM:
            assert f.choices, f.key
            assert len(set(f.choices)) == len(f.choices)
        else:
            assert not f.choices, f.key
        if f.type == FieldType.CATALOGUE:
            assert f.link in ("platform", "project", "talent_programme")
        if f.default is not None:
            assert check_value(f, f.default) == (f.default, None), f.key
        if f.unit:
            assert f.header == f"{f.label}（{f.unit}）"
    # columns of the entries table are declared where they exist
    for key in ENTRY_COLUMNS:
        if cat.has(key):
            assert cat.field(key).is_column
    assert any(f.in_pdf for f in cat.fields)


def test_status_choices() -> None:
    for cat in CATEGORIES:
        assert cat.field("status").choices == STATUSES
    assert set(ScoringSettings().status_rates) == set(STATUSES)


def test_enterprise_declares_a_checked_credit_code() -> None:
    f = category("enterprise").field("credit_code")
    assert f.type == FieldType.CREDIT_CODE
    assert f.required
    assert f.label == "统一社会信用代码"


def test_project_money_in_wan_yuan() -> None:
    project = category("project")
    for key in ("total_investment", "goal", "actual"):
        assert project.field(key).type == FieldType.MONEY
        assert project.field(key).unit == "万元"
    assert project.field("nature").choices == ("新建", "续建", "前期")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("indicator", "indicator"),
        ("一批重大项目", "project"),
        ("领先人才", "talent"),
        (" 发展资源 ", "resource"),
    ],
)
def test_find_category(text: str, key: str) -> None:
    found = find_category(text)
    assert found is not None and found.key == key


def test_unknown_category() -> None:
    assert find_category("一批好东西") is None
    with pytest.raises(KeyError, match="未知的类别"):
        category("nonsense")
    with pytest.raises(KeyError):
        category("project").field("nonsense")
