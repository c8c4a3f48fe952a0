"""store.monitoring: the units' figures of the plan targets (hand-computed from the
entries the test inserts) and the per-target override of the rules."""

from __future__ import annotations

import sqlite3

import pytest

from xihu_desktop.core.monitoring import ActualRule, PathRule
from xihu_desktop.store import InvalidData, NotFound, PermissionDenied, Store
from xihu_desktop.store.monitoring import Figure

YEAR = 2023


def _target(store: Store, name: str) -> int:
    return next(t.id for t in store.catalogue.targets() if t.name == name)


def _unit(store: Store, name: str) -> int:
    return store.units.find(name).id


def report(
    store: Store, unit: str, target: str, actual: float | None, year: int = YEAR, **extra
) -> int:
    """An indicator entry of ``unit``'s ledger linked to ``target`` with its actual."""
    ledger = store.ledgers.ensure(_unit(store, unit), year)
    values = {"name": f"{target}（{unit}）", "target_id": _target(store, target), **extra}
    if actual is not None:
        values["actual"] = actual
    return store.entries.add(ledger.id, "indicator", values).id


def figures(store: Store, year: int = YEAR) -> dict[int, Figure]:
    return {f.target_id: f for f in store.monitoring.figures(year, year)}


def test_the_sum_over_units_by_hand(store: Store) -> None:
    report(store, "三墩镇", "地区生产总值", 120.5)
    report(store, "双浦镇", "地区生产总值", 80.25)
    report(store, "双浦镇", "地区生产总值", 10)  # a second linked entry of the same unit
    report(store, "紫金港科技城", "地区生产总值", None)  # linked, nothing reported yet
    report(store, "三墩镇", "地区生产总值", 999, year=2024)  # another year
    gdp = figures(store)[_target(store, "地区生产总值")]
    assert gdp.total == pytest.approx(120.5 + 80.25 + 10)
    assert (gdp.entries, gdp.reported, gdp.units) == (4, 3, 2)
    assert gdp.lead_unit_id is None and gdp.lead is None  # two units report, no lead set
    # both years at once: one row per (target, year)
    both = store.monitoring.figures(2023, 2024)
    assert [(f.year, f.total) for f in both] == [(2023, pytest.approx(210.75)), (2024, 999)]


def test_only_indicator_entries_linked_to_the_target_count(store: Store) -> None:
    report(store, "三墩镇", "地区生产总值", 100)
    ledger = store.ledgers.ensure(_unit(store, "三墩镇"), YEAR)
    # an indicator entry not linked to any target is not the district's figure
    store.entries.add(ledger.id, "indicator", {"name": "自定指标", "actual": 50})
    assert figures(store)[_target(store, "地区生产总值")].total == 100
    assert len(store.monitoring.figures(YEAR, YEAR)) == 1


def test_the_lead_units_value_only(store: Store) -> None:
    rate = _target(store, "优质义务教育覆盖率")
    edu = _unit(store, "区教育局")
    store.decomposition.set_lead(YEAR, rate, edu)
    report(store, "区教育局", "优质义务教育覆盖率", 98.7)
    report(store, "三墩镇", "优质义务教育覆盖率", 100)  # another unit's figure: ignored
    f = figures(store)[rate]
    assert f.lead_unit_id == edu
    assert f.lead == pytest.approx(98.7)
    assert f.total == pytest.approx(198.7)


def test_a_lead_unit_that_reported_nothing_gives_nothing(store: Store) -> None:
    rate = _target(store, "优质义务教育覆盖率")
    store.decomposition.set_lead(YEAR, rate, _unit(store, "区教育局"))
    report(store, "三墩镇", "优质义务教育覆盖率", 100)
    assert figures(store)[rate].lead is None


def test_without_a_lead_the_single_reporting_unit(store: Store) -> None:
    rate = _target(store, "优质义务教育覆盖率")
    report(store, "三墩镇", "优质义务教育覆盖率", 97.5)
    report(store, "双浦镇", "优质义务教育覆盖率", None)  # linked but empty: not reporting
    assert figures(store)[rate].lead == pytest.approx(97.5)
    report(store, "双浦镇", "优质义务教育覆盖率", 99)
    assert figures(store)[rate].lead is None  # two units report: whose is the district's?


def test_the_lead_is_the_lead_of_that_year(store: Store) -> None:
    rate = _target(store, "优质义务教育覆盖率")
    store.decomposition.set_lead(2023, rate, _unit(store, "区教育局"))
    store.decomposition.set_lead(2024, rate, _unit(store, "三墩镇"))
    for year in (2023, 2024):
        report(store, "区教育局", "优质义务教育覆盖率", 98.0, year=year)
        report(store, "三墩镇", "优质义务教育覆盖率", 96.0, year=year)
    by_year = {f.year: f.lead for f in store.monitoring.figures(2023, 2024) if f.target_id == rate}
    assert by_year == {2023: 98.0, 2024: 96.0}


# ---------------------------------------------------------------- rules


def test_set_rule_overrides_audits_and_undoes(store: Store) -> None:
    gdp = _target(store, "地区生产总值")
    assert store.monitoring.rules() == {}
    changes = store.monitoring.set_rule(gdp, path_rule="linear")
    assert changes.catalogue
    rules = store.monitoring.rules()[gdp]
    assert (rules.path_rule, rules.actual_rule) == (PathRule.LINEAR, None)
    # None leaves a rule as it is
    store.monitoring.set_rule(gdp, actual_rule=ActualRule.LEAD)
    rules = store.monitoring.rules()[gdp]
    assert (rules.path_rule, rules.actual_rule) == (PathRule.LINEAR, ActualRule.LEAD)
    log = store.audit.log(action="修改监测规则")
    assert [r.field for r in log] == [
        f"target_rules.{gdp}.actual_rule",
        f"target_rules.{gdp}.path_rule",
    ]
    assert log[1].new is not None and "linear" in log[1].new and "地区生产总值" in log[1].new
    # the undo of the last write puts the actual rule back
    second = store.monitoring.set_rule(gdp, actual_rule="sum")
    assert second.undo is not None
    store.apply(second.undo)
    assert store.monitoring.rules()[gdp].actual_rule is ActualRule.LEAD
    # "default" drops the overrides; with none left the row goes
    store.monitoring.set_rule(gdp, path_rule="default", actual_rule="default")
    assert store.monitoring.rules() == {}
    # nothing to change: no write, no audit row
    before = len(store.audit.log(limit=None))
    assert store.monitoring.set_rule(gdp, path_rule="default").empty
    assert len(store.audit.log(limit=None)) == before


def test_set_rule_refuses_bad_input_and_writes_nothing(store: Store) -> None:
    gdp = _target(store, "地区生产总值")
    with pytest.raises(InvalidData, match="规划路径规则“exponential”无效"):
        store.monitoring.set_rule(gdp, path_rule="exponential")
    with pytest.raises(InvalidData, match="实际值取数规则"):
        store.monitoring.set_rule(gdp, actual_rule="average")
    with pytest.raises(NotFound, match="规划指标"):
        store.monitoring.set_rule(999_999, path_rule="linear")
    assert store.monitoring.rules() == {}


def test_only_the_administrator_changes_rules(store: Store) -> None:
    gdp = _target(store, "地区生产总值")
    store.act_as("查看员", "viewer")
    with pytest.raises(PermissionDenied, match="区管理员"):
        store.monitoring.set_rule(gdp, path_rule="linear")
    store.act_as("三墩镇填报员", "operator", _unit(store, "三墩镇"))
    with pytest.raises(PermissionDenied):
        store.monitoring.set_rule(gdp, path_rule="linear")
    assert store.monitoring.rules() == {}


def test_the_table_checks_its_values(store: Store) -> None:
    gdp = _target(store, "地区生产总值")
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.execute(
            "INSERT INTO target_rules (target_id, path_rule) VALUES (?, 'spline')", (gdp,)
        )
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.execute("INSERT INTO target_rules (target_id, actual_rule) VALUES (?, 'max')", (gdp,))
    assert store.monitoring.rules() == {}
