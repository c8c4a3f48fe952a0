"""年度监测 with pandas: the district's actual by rule and the path values of each year,
computed by hand from the entries the test inserts."""

from __future__ import annotations

import pytest

from xihu_desktop.core.monitoring import ActualRule, PathRule
from xihu_desktop.exchange.monitoring import (
    COLUMNS,
    counts,
    find_target,
    monitor,
    monitor_frame,
    rules_of,
)
from xihu_desktop.store import InvalidData, Store

MID = 2023  # 中期评估


def _target(store: Store, name: str) -> int:
    return next(t.id for t in store.catalogue.targets() if t.name == name)


def _unit(store: Store, name: str) -> int:
    return store.units.find(name).id


def report(store: Store, unit: str, target: str, actual: float, year: int = MID) -> None:
    ledger = store.ledgers.ensure(_unit(store, unit), year)
    values = {"name": target, "target_id": _target(store, target), "actual": actual}
    store.entries.add(ledger.id, "indicator", values)


def lead(store: Store, target: str, unit: str, year: int = MID) -> None:
    store.decomposition.set_lead(year, _target(store, target), _unit(store, unit))


def row(rows, name: str):
    return next(r for r in rows if r.name == name)


@pytest.fixture
def district(store: Store) -> Store:
    """The 2021–2023 figures of a few targets, reported by several units."""
    # additive: the sum over the units
    report(store, "三墩镇", "地区生产总值", 1000)
    report(store, "双浦镇", "地区生产总值", 900)
    # a rate: the lead unit's figure; a town's figure is not the district's
    lead(store, "优质义务教育覆盖率", "区教育局")
    report(store, "区教育局", "优质义务教育覆盖率", 98.7)
    report(store, "三墩镇", "优质义务教育覆盖率", 90)
    # a five-year total [10000]: the running total since 2021
    report(store, "三墩镇", "做地总量", 2100, year=2021)
    report(store, "三墩镇", "做地总量", 1000, year=2022)
    report(store, "双浦镇", "做地总量", 900, year=2022)
    report(store, "三墩镇", "做地总量", 1000, year=2023)
    report(store, "双浦镇", "做地总量", 900, year=2023)
    # binding targets: PM2.5 (lower is better) on its path, two others off it
    lead(store, "PM2.5平均浓度", "杭州市生态环境局西湖分局")
    report(store, "杭州市生态环境局西湖分局", "PM2.5平均浓度", 31.0)
    lead(store, "空气质量优良天数比率", "杭州市生态环境局西湖分局")
    report(store, "杭州市生态环境局西湖分局", "空气质量优良天数比率", 84)
    lead(store, "亿元GDP生产安全事故死亡率", "区应急管理局")
    report(store, "区应急管理局", "亿元GDP生产安全事故死亡率", 0.003)
    # a rate target: the annual rate
    report(store, "区文化和广电旅游体育局", "旅游总收入增速", 6.5)
    return store


def test_all_43_rows_with_paths_and_actuals_by_hand(district: Store) -> None:
    rows = monitor(district, MID)
    assert len(rows) == 43
    gdp = row(rows, "地区生产总值")
    assert gdp.rule is PathRule.GEOMETRIC and gdp.actual_rule is ActualRule.SUM
    assert gdp.expected == pytest.approx(1587.6 * (2000 / 1587.6) ** (3 / 5))
    assert gdp.actual == pytest.approx(1000 + 900)
    assert gdp.on_track is True
    assert gdp.history == {2021: None, 2022: None, 2023: pytest.approx(1900)}
    assert gdp.path[2021] == pytest.approx(1587.6 * (2000 / 1587.6) ** (1 / 5))

    edu = row(rows, "优质义务教育覆盖率")
    assert edu.rule is PathRule.LINEAR and edu.actual_rule is ActualRule.LEAD
    assert edu.expected == pytest.approx(98 + (99 - 98) * 3 / 5)
    assert edu.actual == pytest.approx(98.7)  # the town's 90 is ignored
    assert edu.on_track is True

    land = row(rows, "做地总量")
    assert land.rule is PathRule.CUMULATIVE and land.goal == 10000
    assert land.history == {2021: 2100, 2022: 4000, 2023: 5900}
    assert land.path == {2021: 2000, 2022: 4000, 2023: 6000}
    assert (land.expected, land.actual, land.on_track) == (6000, 5900, False)

    pm = row(rows, "PM2.5平均浓度")
    assert pm.expected == pytest.approx(30.4 + (32 - 30.4) * 3 / 5)  # 31.36
    assert pm.actual == 31.0 and pm.on_track is True  # below the path: on track

    tourism = row(rows, "旅游总收入增速")
    assert (tourism.rule, tourism.expected, tourism.actual) == (PathRule.RATE, 7, 6.5)
    assert tourism.on_track is False and tourism.status == "未达路径"

    none = row(rows, "单位GDP能耗降低率")
    assert (none.rule, none.expected, none.on_track, none.status) == (
        PathRule.NONE,
        None,
        None,
        "无数据",
    )


def test_binding_targets_off_their_path_come_first(district: Store) -> None:
    rows = monitor(district, MID)
    first = [(r.name, r.status) for r in rows[:2]]
    assert first == [
        ("亿元GDP生产安全事故死亡率", "未达路径（约束性）"),  # 0.003 > 0.0024
        ("空气质量优良天数比率", "未达路径（约束性）"),  # 84 < 85.4
    ]
    # then the rest in plan order (a binding target on its path stays in its place)
    flagged = {r.target_id for r in rows[:2]}
    plan_order = [t.id for t in district.catalogue.targets() if t.id not in flagged]
    assert [r.target_id for r in rows[2:]] == plan_order
    assert [r.seq for r in rows[2:]][:3] == [1, 2, 3]
    assert row(rows, "PM2.5平均浓度") in rows[2:]


def test_a_rule_override_changes_the_actual(district: Store) -> None:
    gdp = _target(district, "地区生产总值")
    lead(district, "地区生产总值", "区统计局")
    report(district, "区统计局", "地区生产总值", 1700)
    before = row(monitor(district, MID), "地区生产总值")
    assert before.actual == pytest.approx(1000 + 900 + 1700)  # SUM: every unit
    district.monitoring.set_rule(gdp, actual_rule="lead")
    after = row(monitor(district, MID), "地区生产总值")
    assert after.actual_rule is ActualRule.LEAD
    assert after.actual == 1700 and after.on_track is False  # below 1823.54
    district.monitoring.set_rule(gdp, path_rule="linear")
    linear = row(monitor(district, MID), "地区生产总值")
    assert linear.expected == pytest.approx(1587.6 + (2000 - 1587.6) * 3 / 5)
    assert rules_of(district, district.catalogue.target(gdp)) == (PathRule.LINEAR, ActualRule.LEAD)


def test_a_year_nobody_reported_leaves_the_running_total_empty(district: Store) -> None:
    report(district, "三墩镇", "做地总量", 3000, year=2025)
    land = row(monitor(district, 2025), "做地总量")
    assert land.history == {2021: 2100, 2022: 4000, 2023: 5900, 2024: None, 2025: 8900}
    assert land.on_track is False  # 8900 < 10000


def test_the_frame_for_the_reports(district: Store) -> None:
    frame = monitor_frame(district, MID)
    assert list(frame.columns) == list(COLUMNS)
    assert len(frame) == 43 * 3  # every target × 2021..2023
    gdp = frame[(frame["name"] == "地区生产总值") & (frame["year"] == MID)].iloc[0]
    assert gdp["total"] == 1900 and gdp["units"] == 2 and gdp["entries"] == 2


def test_counts_per_category(district: Store) -> None:
    got = counts(monitor(district, MID))
    assert got["经济发展"] == {"on": 1, "off": 2, "no_data": 14}  # GDP on; 做地, 旅游 off
    assert got["城乡环境"] == {"on": 1, "off": 1, "no_data": 2}
    assert got["民生福祉"] == {"on": 1, "off": 1, "no_data": 12}
    assert got["合计"] == {"on": 3, "off": 4, "no_data": 36}
    assert sum(got["合计"].values()) == 43


@pytest.mark.parametrize("year", [2020, 2026, 1999])
def test_a_year_outside_the_plan_is_refused(store: Store, year: int) -> None:
    with pytest.raises(InvalidData, match=f"{year}年不在规划期内"):
        monitor(store, year)


def test_find_target_by_seq_and_sub(store: Store) -> None:
    assert find_target(store, 10).name == "做地总量"
    assert find_target(store, 38, "药品").sub == "药品"
    with pytest.raises(InvalidData, match="38/"):
        find_target(store, 38)
    with pytest.raises(InvalidData, match="序号为99"):
        find_target(store, 99)


def test_the_demo_district_shows_real_figures(demo_store: Store) -> None:
    rows = monitor(demo_store, 2025)
    with_path = [r for r in rows if r.expected is not None]
    assert with_path and all(r.actual is not None for r in with_path)
    statuses = {r.on_track for r in with_path}
    assert statuses == {True, False}  # some on their path, some not
    # the district's GDP is the sum over the units' linked entries
    gdp = row(rows, "地区生产总值")
    by_hand = sum(
        e.values["actual"]
        for led in demo_store.ledgers.list(2025)
        for e in demo_store.entries.list(led.id, "indicator")
        if e.values.get("target_id") == gdp.target_id and e.values.get("actual") is not None
    )
    assert gdp.actual == pytest.approx(by_hand)
    assert 0.9 * 2000 < gdp.actual < 1.15 * 2000
