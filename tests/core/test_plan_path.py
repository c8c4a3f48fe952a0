"""规划路径: the rule of each 专栏2 target and its path values, computed by hand."""

from __future__ import annotations

import pytest

from xihu_desktop.core.catalogue import load_catalogue
from xihu_desktop.core.monitoring import ActualRule, PathRule
from xihu_desktop.core.plan_path import actual_rule, expected, goal_figure, on_track, path_rule

TARGETS = load_catalogue()["targets"]


def target(name: str, sub: str | None = None) -> dict:
    return next(t for t in TARGETS if t["name"] == name and t["sub"] == sub)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("地区生产总值", PathRule.GEOMETRIC),
        # a goal AND a bracket: the bracket is the five-year increment, still a quantity
        ("数字经济核心产业增加值", PathRule.GEOMETRIC),
        ("国家高新技术企业数", PathRule.GEOMETRIC),
        ("人均GDP", PathRule.LINEAR),
        ("数字经济核心产业增加值占GDP比", PathRule.LINEAR),
        # a % target with a goal and a bracket is linear
        ("全社会研究与试验发展经费占GDP比重", PathRule.LINEAR),
        ("每万人高价值发明专利拥有量", PathRule.LINEAR),
        ("每千人拥有3岁以下婴幼儿托位数", PathRule.LINEAR),
        ("失智老人专区照护床位数", PathRule.LINEAR),  # 张/千人
        ("人均预期寿命", PathRule.LINEAR),  # 岁
        ("PM2.5平均浓度", PathRule.LINEAR),
        ("亿元GDP生产安全事故死亡率", PathRule.LINEAR),
        ("做地总量", PathRule.CUMULATIVE),
        ("引进人才数", PathRule.CUMULATIVE),
        ("旅游总收入增速", PathRule.RATE),  # "7"
        ("社会消费品零售总额增速", PathRule.RATE),  # "6%"
        ("居民人均可支配收入增速", PathRule.NONE),  # 与经济增长基本同步
        ("单位GDP能耗降低率", PathRule.NONE),  # 市下达指标
    ],
)
def test_the_rule_is_read_from_the_target(name: str, rule: PathRule) -> None:
    assert path_rule(target(name)) is rule


def test_every_row_of_column_2_gets_a_rule() -> None:
    rules = [path_rule(t) for t in TARGETS]
    assert len(rules) == 43
    assert rules.count(PathRule.NONE) == 2
    assert rules.count(PathRule.RATE) == 2
    assert rules.count(PathRule.CUMULATIVE) == 6


def test_actual_rules() -> None:
    assert actual_rule(target("地区生产总值")) is ActualRule.SUM
    assert actual_rule(target("做地总量")) is ActualRule.SUM
    assert actual_rule(target("人均GDP")) is ActualRule.LEAD
    assert actual_rule(target("优质义务教育覆盖率")) is ActualRule.LEAD
    assert actual_rule(target("每万人高价值发明专利拥有量")) is ActualRule.LEAD


def test_geometric_path_by_hand() -> None:
    gdp = target("地区生产总值")
    rule = path_rule(gdp)
    assert expected(gdp, rule, 2023) == pytest.approx(1587.6 * (2000 / 1587.6) ** (3 / 5))
    assert expected(gdp, rule, 2020) == pytest.approx(1587.6)
    assert expected(gdp, rule, 2025) == pytest.approx(2000)
    # 1823.54: the geometric path lies below the straight line (1587.6 + 3/5 × 412.4 = 1835.04)
    assert 1823 < expected(gdp, rule, 2023) < 1824


def test_linear_path_by_hand() -> None:
    share = target("数字经济核心产业增加值占GDP比")  # 37.2 → 45 %
    assert expected(share, PathRule.LINEAR, 2023) == pytest.approx(37.2 + (45 - 37.2) * 3 / 5)
    assert expected(share, PathRule.LINEAR, 2021) == pytest.approx(38.76)


def test_cumulative_path_by_hand() -> None:
    land = target("做地总量")  # [10000] over five years
    assert goal_figure(land, PathRule.CUMULATIVE) == 10000
    assert expected(land, PathRule.CUMULATIVE, 2023) == pytest.approx(6000)
    assert expected(land, PathRule.CUMULATIVE, 2025) == pytest.approx(10000)
    assert on_track(PathRule.CUMULATIVE, False, 6000, 5999) is False
    assert on_track(PathRule.CUMULATIVE, False, 6000, 6000) is True


def test_rate_path_is_the_rate_every_year() -> None:
    tourism = target("旅游总收入增速")
    assert [expected(tourism, PathRule.RATE, y) for y in (2021, 2023, 2025)] == [7, 7, 7]
    retail = target("社会消费品零售总额增速")
    assert expected(retail, PathRule.RATE, 2022) == 6


def test_lower_is_better_is_on_track_at_or_below_its_path() -> None:
    pm = target("PM2.5平均浓度")  # 30.4 → 32, linear, lower is better
    assert pm["lower_is_better"] is True
    path = expected(pm, PathRule.LINEAR, 2023)
    assert path == pytest.approx(30.4 + (32 - 30.4) * 3 / 5)  # 31.36
    assert on_track(PathRule.LINEAR, True, path, 31.0) is True
    assert on_track(PathRule.LINEAR, True, path, 31.36) is True
    assert on_track(PathRule.LINEAR, True, path, 31.4) is False
    # the same figures for a higher-is-better target read the other way
    assert on_track(PathRule.LINEAR, False, path, 31.0) is False


def test_no_figure_no_verdict() -> None:
    assert expected(target("单位GDP能耗降低率"), PathRule.NONE, 2023) is None
    assert expected(target("养老保险参保率"), PathRule.LINEAR, 2023) is None  # no baseline
    assert on_track(PathRule.LINEAR, False, None, 5) is None
    assert on_track(PathRule.LINEAR, False, 5, None) is None
    assert on_track(PathRule.NONE, False, 5, 5) is None


def test_an_override_changes_the_path() -> None:
    gdp = target("地区生产总值")
    linear = expected(gdp, PathRule.LINEAR, 2023)
    assert linear == pytest.approx(1587.6 + (2000 - 1587.6) * 3 / 5)
    assert linear != pytest.approx(expected(gdp, PathRule.GEOMETRIC, 2023))
