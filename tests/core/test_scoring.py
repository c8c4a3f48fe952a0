"""Scoring examples computed by hand (core/scoring.py; rules in DESIGN.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from xihu_desktop.core.scoring import (
    GREEN,
    RED,
    YELLOW,
    Adjustment,
    ScoreInput,
    ScoringSettings,
    completion_rate,
    elapsed_share,
    grade_for,
    light,
    score_ledger,
)

YEAR = 2025
# 2025 has 365 days. 15 March is day 73 → 73/365 = 20 % of the year elapsed;
# 8 August is day 219 (31+28+31+30+31+30+31 = 212, +7) → 219/365 = 60 %.
MARCH_15 = dt.date(2025, 3, 15)
AUGUST_8 = dt.date(2025, 8, 8)
NEW_YEAR = dt.date(2026, 1, 1)


def by_id(result, entry_id: int):
    return next(e for e in result.entries if e.id == entry_id)


# ---------------------------------------------------------------- a full ledger


def full_ledger() -> list[ScoreInput]:
    return [
        # 重点指标 (30 points), weights 2 : 1 : 1 → 15, 7.5, 7.5 points
        ScoreInput(1, "indicator", "规上工业增加值", goal=100, actual=90, weight=2),
        ScoreInput(2, "indicator", "PM2.5平均浓度", goal=32, actual=40, lower_is_better=True),
        ScoreInput(3, "indicator", "新增市场主体", goal=50, actual=60),
        # 重点平台 (15 points), no weights → 7.5 each; qualitative by status
        ScoreInput(4, "platform", "云谷建设", status="已完成"),
        ScoreInput(5, "platform", "紫金港科技城", status="推进中"),
        # 重大项目 (25 points), one entry
        ScoreInput(6, "project", "之江文化中心", goal=1000, actual=800),
        # 领军企业 (10 points) → 5 each
        ScoreInput(7, "enterprise", "拟上市企业股改", status="基本完成"),
        ScoreInput(8, "enterprise", "高企复审", status="未启动"),
        # 领先人才 (10 points)
        ScoreInput(9, "talent", "领军人才引育", goal=5, actual=5),
        # 发展资源 (10 points) → 5 each
        ScoreInput(10, "resource", "产业用地出让", status=None),
        ScoreInput(11, "resource", "楼宇腾挪", status="滞后"),
    ]


def test_full_ledger_by_hand() -> None:
    result = score_ledger(
        full_ledger(),
        ScoringSettings(),
        YEAR,
        AUGUST_8,
        [Adjustment(2, "承办现场推进会"), Adjustment(-1, "报表逾期")],
    )
    # indicator: 15 × 90/100 = 13.5; PM2.5 lower is better: 7.5 × 32/40 = 7.5 × 0.8 = 6.0;
    #            7.5 × min(60/50, 1) = 7.5 → 27.0
    assert by_id(result, 1).points == pytest.approx(15.0)
    assert by_id(result, 1).score == pytest.approx(13.5)
    assert by_id(result, 2).completion == pytest.approx(0.8)
    assert by_id(result, 2).score == pytest.approx(6.0)
    assert by_id(result, 3).completion == pytest.approx(1.2)  # not capped as a rate …
    assert by_id(result, 3).score == pytest.approx(7.5)  # … but capped in the score
    assert result.category_scores["indicator"] == pytest.approx(27.0)
    # platform: 7.5 × 100 % + 7.5 × 50 % = 11.25
    assert result.category_scores["platform"] == pytest.approx(11.25)
    assert by_id(result, 4).quantitative is False
    # project: 25 × 800/1000 = 20.0
    assert result.category_scores["project"] == pytest.approx(20.0)
    # enterprise: 5 × 80 % + 5 × 0 % = 4.0
    assert result.category_scores["enterprise"] == pytest.approx(4.0)
    # talent: 10 × 5/5 = 10.0
    assert result.category_scores["talent"] == pytest.approx(10.0)
    # resource: 5 × 0 (no status) + 5 × 30 % (滞后) = 1.5
    assert result.category_scores["resource"] == pytest.approx(1.5)
    # base 27 + 11.25 + 20 + 4 + 10 + 1.5 = 73.75; +2 −1 → 74.75 → 合格 (60 ≤ 74.75 < 80)
    assert result.base == pytest.approx(73.75)
    assert result.bonus == pytest.approx(2.0)
    assert result.deduction == pytest.approx(1.0)
    assert result.total == pytest.approx(74.75)
    assert result.grade == "合格"
    assert result.vetoed == []
    assert sum(result.category_points.values()) == pytest.approx(100.0)


def test_full_ledger_lights() -> None:
    """8 August: 60 % of the year elapsed; yellow down to 45 %, red below."""
    result = score_ledger(full_ledger(), ScoringSettings(), YEAR, AUGUST_8)
    lights = {e.id: e.light for e in result.entries}
    assert lights == {
        1: GREEN,  # 90 % ≥ 60 %
        2: GREEN,  # 80 %
        3: GREEN,  # 120 %
        4: GREEN,  # 已完成 100 %
        5: YELLOW,  # 推进中 50 %: 45 ≤ 50 < 60
        6: GREEN,  # 80 %
        7: GREEN,  # 基本完成 80 %
        8: RED,  # 未启动 0 % < 45
        9: GREEN,  # 100 %
        10: RED,  # nothing reported: 0 %
        11: RED,  # 滞后 is red whatever the time
    }
    assert result.lights == {GREEN: 7, YELLOW: 1, RED: 3, None: 0}


def test_explicit_category_points_and_weights() -> None:
    settings = ScoringSettings()
    settings.category_points.update(
        {"indicator": 40, "platform": 10, "project": 20, "enterprise": 10, "talent": 10}
    )  # resource stays 10 → still 100 in all
    items = [
        ScoreInput(1, "indicator", "a", goal=10, actual=5, weight=3),  # 40 × 3/4 = 30 pts × 0.5
        ScoreInput(2, "indicator", "b", goal=10, actual=10, weight=1),  # 40 × 1/4 = 10 pts × 1
        ScoreInput(3, "platform", "c", status="已完成"),  # 10 × 1
        ScoreInput(4, "project", "d", goal=200, actual=150),  # 20 × 0.75 = 15
        ScoreInput(5, "enterprise", "e", status="基本完成"),  # 10 × 0.8 = 8
        ScoreInput(6, "talent", "f", goal=4, actual=1),  # 10 × 0.25 = 2.5
        ScoreInput(7, "resource", "g", status="推进中", weight=0),  # weight 0 → 0 points
        ScoreInput(8, "resource", "h", status="已完成", weight=5),  # 10 × 5/5 = 10
    ]
    result = score_ledger(items, settings, YEAR, AUGUST_8)
    assert by_id(result, 1).points == pytest.approx(30.0)
    assert by_id(result, 1).score == pytest.approx(15.0)
    assert by_id(result, 2).points == pytest.approx(10.0)
    assert by_id(result, 7).points == pytest.approx(0.0)
    assert by_id(result, 8).points == pytest.approx(10.0)
    # 15 + 10 + 10 + 15 + 8 + 2.5 + 0 + 10 = 70.5
    assert result.total == pytest.approx(70.5)
    assert result.grade == "合格"


def test_status_rates_are_editable() -> None:
    settings = ScoringSettings.from_dict({"status_rates": {"推进中": 0.6}})
    result = score_ledger(
        [ScoreInput(1, "platform", "x", status="推进中")], settings, YEAR, AUGUST_8
    )
    # the only category → scaled to 100 points; 100 × 60 % = 60
    assert result.total == pytest.approx(60.0)
    assert result.grade == "合格"


def test_empty_categories_are_rescaled() -> None:
    items = [
        ScoreInput(1, "indicator", "a", goal=10, actual=10),
        ScoreInput(2, "project", "b", goal=100, actual=50),
    ]
    result = score_ledger(items, ScoringSettings(), YEAR, AUGUST_8)
    # only 30 + 25 = 55 points are in use → scale 100/55
    # indicator 30 × 100/55 = 54.545…, full; project 25 × 100/55 = 45.45… × 0.5 = 22.727…
    assert result.category_points == pytest.approx({"indicator": 3000 / 55, "project": 2500 / 55})
    assert result.total == pytest.approx((30 + 12.5) * 100 / 55)  # 77.27…
    assert result.grade == "合格"
    assert set(result.category_scores) >= {"platform", "talent"}
    assert result.category_scores["platform"] == 0.0


def test_empty_ledger_scores_zero() -> None:
    result = score_ledger([], ScoringSettings(), YEAR, AUGUST_8, [Adjustment(-3, "x")])
    assert result.total == 0.0  # never negative
    assert result.grade == "不合格"


# ---------------------------------------------------------------- completion rates


@pytest.mark.parametrize(
    ("goal", "actual", "lower", "expected"),
    [
        (100, 90, False, 0.9),
        (100, 120, False, 1.2),
        (100, None, False, 0.0),
        (None, 5, False, None),
        (32, 40, True, 0.8),  # PM2.5: goal 32, actual 40 → 32/40
        (32, 30, True, 32 / 30),  # better than the goal
        (0.002, 0.003, True, 2 / 3),  # accident rate
        (32, 0, True, 1.0),
        (0, 0, False, 1.0),
        (-5, -4, False, 1.0),  # a negative goal, beaten
        (-5, -10, False, 0.0),  # 1 − 5/5
        (-5, -6, False, 0.8),  # 1 − 1/5
        (100, -10, False, 0.0),
    ],
)
def test_completion_rate(
    goal: float | None, actual: float | None, lower: bool, expected: float | None
) -> None:
    result = completion_rate(goal, actual, lower)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected)


# ---------------------------------------------------------------- grades


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (100, "优秀"),
        (90, "优秀"),
        (89.99, "良好"),
        (80, "良好"),
        (79.99, "合格"),
        (60, "合格"),
        (59.9, "不合格"),
        (0, "不合格"),
        (105, "优秀"),
    ],
)
def test_grade_bands(total: float, grade: str) -> None:
    assert grade_for(total, ScoringSettings()) == grade


def test_grade_bands_are_editable() -> None:
    settings = ScoringSettings.from_dict(
        {"grade_bands": [[95, "优秀"], [85, "良好"], [70, "合格"]]}
    )
    assert grade_for(94, settings) == "良好"
    assert grade_for(69.9, settings) == "不合格"


def test_ledger_total_exactly_on_a_boundary() -> None:
    # Indicator only → 30 points scaled to 100 (30 × 100/30, which is not exactly 100.0
    # in floating point); 90/100 done → 90 → 优秀, not 良好.
    items = [ScoreInput(1, "indicator", "a", goal=100, actual=90)]
    result = score_ledger(items, ScoringSettings(), YEAR, AUGUST_8)
    assert result.total == pytest.approx(90.0)
    assert result.grade == "优秀"
    # a deduction of 0.01 → 89.99 → 良好
    result = score_ledger(items, ScoringSettings(), YEAR, AUGUST_8, [Adjustment(-0.01, "x")])
    assert result.total == pytest.approx(89.99)
    assert result.grade == "良好"
    # 60 + ... : 60/100 done → 60 → 合格; −0.1 → 59.9 → 不合格
    items = [ScoreInput(1, "indicator", "a", goal=100, actual=60)]
    assert score_ledger(items, ScoringSettings(), YEAR, AUGUST_8).grade == "合格"
    low = score_ledger(items, ScoringSettings(), YEAR, AUGUST_8, [Adjustment(-0.1, "x")])
    assert low.total == pytest.approx(59.9)
    assert low.grade == "不合格"


def test_bonus_can_lift_the_total_above_100() -> None:
    items = [ScoreInput(1, "talent", "a", goal=1, actual=1)]
    result = score_ledger(items, ScoringSettings(), YEAR, AUGUST_8, [Adjustment(3, "表彰")])
    assert result.total == pytest.approx(103.0)
    assert result.grade == "优秀"


# ---------------------------------------------------------------- 一票否决


def veto_items(actual: float) -> list[ScoreInput]:
    # indicator only: two entries of 50 points each (30 scaled to 100, shared equally)
    return [
        ScoreInput(1, "indicator", "单位GDP能耗降低", goal=100, actual=actual, binding=True),
        ScoreInput(2, "indicator", "新增就业", goal=10, actual=10),
    ]


def test_veto_caps_the_grade() -> None:
    settings = ScoringSettings(veto_enabled=True, veto_cap="合格")
    result = score_ledger(veto_items(99), settings, YEAR, NEW_YEAR)
    # 50 × 0.99 + 50 = 99.5 → 优秀, but the binding indicator is unmet → capped to 合格
    assert result.total == pytest.approx(99.5)
    assert result.grade == "合格"
    assert result.vetoed == ["单位GDP能耗降低"]


def test_veto_disabled_does_nothing() -> None:
    result = score_ledger(veto_items(99), ScoringSettings(), YEAR, NEW_YEAR)
    assert result.total == pytest.approx(99.5)
    assert result.grade == "优秀"
    assert result.vetoed == []


def test_veto_with_binding_indicator_met() -> None:
    settings = ScoringSettings(veto_enabled=True, veto_cap="合格")
    result = score_ledger(veto_items(100), settings, YEAR, NEW_YEAR)
    assert result.grade == "优秀"
    assert result.vetoed == []


def test_veto_default_cap_and_never_raises_a_grade() -> None:
    settings = ScoringSettings(veto_enabled=True)  # default cap: 不合格
    assert score_ledger(veto_items(99), settings, YEAR, NEW_YEAR).grade == "不合格"
    settings = ScoringSettings(veto_enabled=True, veto_cap="良好")
    # 50 × 0.1 + 50 = 55 → 不合格 already; a cap of 良好 does not lift it
    result = score_ledger(veto_items(10), settings, YEAR, NEW_YEAR)
    assert result.total == pytest.approx(55.0)
    assert result.grade == "不合格"


def test_veto_settings_round_trip() -> None:
    settings = ScoringSettings(veto_enabled=True, veto_cap="良好", yellow_margin=10)
    again = ScoringSettings.from_dict(settings.to_dict())
    assert again == settings


# ---------------------------------------------------------------- lights


def test_elapsed_share() -> None:
    assert elapsed_share(YEAR, dt.date(2025, 1, 1)) == 0.0
    assert elapsed_share(YEAR, MARCH_15) == pytest.approx(0.2)
    assert elapsed_share(YEAR, AUGUST_8) == pytest.approx(0.6)
    assert elapsed_share(YEAR, NEW_YEAR) == 1.0
    assert elapsed_share(YEAR, dt.date(2024, 6, 1)) == 0.0


@pytest.mark.parametrize(
    ("completion", "as_of", "status", "expected"),
    [
        (0.60, AUGUST_8, None, GREEN),  # exactly on the elapsed share
        (0.5999, AUGUST_8, None, YELLOW),
        (0.45, AUGUST_8, None, YELLOW),  # exactly 15 points below
        (0.4499, AUGUST_8, None, RED),
        (0.20, MARCH_15, None, GREEN),
        (0.05, MARCH_15, None, YELLOW),
        (0.0499, MARCH_15, None, RED),
        (0.0, dt.date(2025, 1, 1), None, GREEN),  # nothing due yet
        (1.2, AUGUST_8, "滞后", RED),  # reported as lagging
        (0.99, NEW_YEAR, None, RED),  # past due and not complete
        (1.0, NEW_YEAR, None, GREEN),
        (1.0, dt.date(2026, 3, 1), "已完成", GREEN),
        (None, AUGUST_8, None, None),
    ],
)
def test_light(completion: float | None, as_of: dt.date, status: str | None, expected) -> None:
    assert light(completion, YEAR, as_of, 15.0, status) == expected


def test_yellow_margin_is_editable() -> None:
    # 60 % elapsed, margin 5 → yellow only down to 55 %
    assert light(0.56, YEAR, AUGUST_8, yellow_margin=5) == YELLOW
    assert light(0.54, YEAR, AUGUST_8, yellow_margin=5) == RED
