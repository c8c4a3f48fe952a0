"""任务分解 in the store: hand-computed totals, the mismatch flag, keys, checks, rights."""

from __future__ import annotations

import pytest

from xihu_desktop.core.decomposition import is_additive, mismatch
from xihu_desktop.store import InvalidData, PermissionDenied, Store

YEAR = 2025


def _target(store: Store, name: str):
    return next(t for t in store.catalogue.targets() if t.name == name)


def _unit(store: Store, name: str) -> int:
    return store.units.find(name).id


@pytest.mark.parametrize(
    ("name", "unit", "additive"),
    [
        ("地区生产总值", "亿元", True),
        ("上市企业数", "家", True),
        ("引进人才数", "万人", True),
        ("做地总量", "亩", True),
        ("人均GDP", "万元", False),
        ("数字经济核心产业增加值占GDP比", "%", False),
        ("每万人高价值发明专利拥有量", "件", False),
        ("每千人拥有3岁以下婴幼儿托位数", "个", False),
        ("失智老人专区照护床位数", "张/千人", False),
        ("人均预期寿命", "岁", False),
        ("旅游总收入增速", "%", False),
        ("亿元GDP生产安全事故死亡率", "人/亿元", False),
    ],
)
def test_which_targets_add_up(name: str, unit: str, additive: bool) -> None:
    assert is_additive(name, unit) is additive


def test_mismatch_within_rounding() -> None:
    assert mismatch("地区生产总值", "亿元", 100.0, [33.33, 33.33, 33.34]) is None
    assert mismatch("地区生产总值", "亿元", 100.0, [33.33, 33.33, 33.33]) is None  # 0.01 off
    found = mismatch("地区生产总值", "亿元", 100.0, [60.0, 30.0])
    assert found is not None and found.message() == "各单位分解合计 90，与区年度目标 100 不一致"
    assert mismatch("人均GDP", "万元", 20.0, [18.0]) is None  # not additive
    assert mismatch("地区生产总值", "亿元", 100.0, []) is None  # not decomposed yet


def test_grid_totals_by_hand_and_the_flag(store: Store) -> None:
    dec = store.decomposition
    gdp = _target(store, "地区生产总值")
    rate = _target(store, "优质义务教育覆盖率")
    a, b, c = _unit(store, "三墩镇"), _unit(store, "双浦镇"), _unit(store, "紫金港科技城")
    dec.set_goal(YEAR, gdp.id, 2000)
    dec.set_lead(YEAR, gdp.id, _unit(store, "区统计局"))
    dec.set_share(YEAR, gdp.id, a, 1200.5)
    dec.set_share(YEAR, gdp.id, b, 499.5)
    dec.set_goal(YEAR, rate.id, "99")
    dec.set_share(YEAR, rate.id, _unit(store, "区教育局"), 99)
    rows = {r.target.id: r for r in dec.grid(YEAR).rows}
    assert len(rows) == 43
    assert rows[gdp.id].total == pytest.approx(1700.0)
    assert rows[gdp.id].count == 2
    assert rows[gdp.id].mismatch is not None
    assert rows[gdp.id].mismatch.message() == "各单位分解合计 1700，与区年度目标 2000 不一致"
    assert rows[rate.id].mismatch is None and not rows[rate.id].additive
    dec.set_share(YEAR, gdp.id, c, "300")
    row = next(r for r in dec.grid(YEAR).rows if r.target.id == gdp.id)
    assert row.total == pytest.approx(2000.0) and row.mismatch is None
    assert dec.units_with_tasks(YEAR) == [a, b, c, _unit(store, "区教育局")]


def test_a_share_keeps_its_key_across_edits(store: Store) -> None:
    dec = store.decomposition
    gdp = _target(store, "地区生产总值")
    a = _unit(store, "三墩镇")
    dec.set_share(YEAR, gdp.id, a, 100)
    key = dec.shares(YEAR)[0].key
    changes = dec.set_share(YEAR, gdp.id, a, 120)
    assert changes.district == frozenset({YEAR})
    assert dec.shares(YEAR)[0].key == key and dec.shares(YEAR)[0].goal == 120
    dec.clear_share(YEAR, gdp.id, a)
    assert dec.shares(YEAR) == []
    dec.set_share(YEAR, gdp.id, a, 100)
    assert dec.shares(YEAR)[0].key != key  # a new share gets a fresh key


def test_undo_of_a_cleared_share_brings_its_key_back(store: Store) -> None:
    dec = store.decomposition
    gdp = _target(store, "地区生产总值")
    a = _unit(store, "三墩镇")
    dec.set_share(YEAR, gdp.id, a, 100)
    key = dec.shares(YEAR)[0].key
    undo = dec.clear_share(YEAR, gdp.id, a).undo
    assert undo is not None
    store.apply(undo)
    assert [(s.goal, s.key) for s in dec.shares(YEAR)] == [(100, key)]


def test_for_unit_and_assignments(store: Store) -> None:
    dec = store.decomposition
    gdp = _target(store, "地区生产总值")
    a = _unit(store, "三墩镇")
    item = store.catalogue.items("platform")[0]
    dec.set_share(YEAR, gdp.id, a, 100)
    dec.assign(YEAR, item.id, [a, _unit(store, "蒋村街道")])
    tasks = dec.for_unit(YEAR, a)
    assert [(s.target.name, s.goal) for s in tasks.shares] == [("地区生产总值", 100)]
    assert [x.item.name for x in tasks.assignments] == [item.name]
    keys = {x.key for x in dec.assignments(YEAR)}
    assert len(keys) == 2  # one key per assignment
    dec.set_item_units(YEAR, item.id, [a])
    assert [x.unit_id for x in dec.assignments(YEAR)] == [a]
    assert dec.for_unit(YEAR, _unit(store, "双浦镇")).empty


def test_every_write_is_audited(store: Store) -> None:
    before = store.counts()["audit_log"]
    gdp = _target(store, "地区生产总值")
    store.decomposition.set_share(YEAR, gdp.id, _unit(store, "三墩镇"), 100)
    rows = store.audit.log(None, 1)
    assert store.counts()["audit_log"] == before + 1
    assert rows[0].action == "任务分解" and rows[0].field == "2025年·地区生产总值·三墩镇"
    assert rows[0].new == "100.0"


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda d, t, u, s: d.set_goal(2031, t, 1), "不在任何规划期"),
        (lambda d, t, u, s: d.set_goal(YEAR, t, "很多"), "不是有效的数字"),
        (lambda d, t, u, s: d.set_goal(YEAR, t, -5), "不能为负数"),
        (lambda d, t, u, s: d.set_share(YEAR, t, u, -1), "不能为负数"),
        (lambda d, t, u, s: d.set_lead(YEAR, t, 99999), "不存在"),
        (lambda d, t, u, s: d.set_lead(YEAR, t, s), "已停用"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(store: Store, write, message: str) -> None:
    gdp = _target(store, "地区生产总值")
    stopped = _unit(store, "双浦镇")
    store.units.update(stopped, {"active": False})
    before = store.counts()
    with pytest.raises(InvalidData, match=message):
        write(store.decomposition, gdp.id, _unit(store, "三墩镇"), stopped)
    assert store.counts() == before
    assert not store.decomposition.has_any(YEAR)


def test_a_growth_rate_may_be_negative(store: Store) -> None:
    growth = _target(store, "社会消费品零售总额增速")
    store.decomposition.set_goal(YEAR, growth.id, -2.5)
    assert store.decomposition.goals(YEAR)[growth.seq - 1].goal == -2.5


def test_an_operator_is_refused(store: Store) -> None:
    a = _unit(store, "三墩镇")
    store.act_as("clerk", "operator", a)
    with pytest.raises(PermissionDenied):
        store.decomposition.set_share(YEAR, _target(store, "地区生产总值").id, a, 1)


def test_the_demo_decomposes_along_the_geography(demo_store: Store) -> None:
    dec = demo_store.decomposition
    grid = dec.grid(2025)
    names = {u.id: u.name for u in grid.units}
    rows = {r.target.name: r for r in grid.rows}
    assert all(r.mismatch is None for r in grid.rows)
    assert rows["地区生产总值"].goal == 2000 and rows["地区生产总值"].count == 21
    assert names[rows["地区生产总值"].lead_unit_id] in ("区统计局", "区发展和改革局")
    assert names[rows["国家高新技术企业数"].lead_unit_id] == "区科学技术局"
    assert names[rows["优质义务教育覆盖率"].lead_unit_id] == "区教育局"
    assert names[rows["PM2.5平均浓度"].lead_unit_id] == "杭州市生态环境局西湖分局"
    assert names[rows["亿元GDP生产安全事故死亡率"].lead_unit_id] == "区应急管理局"
    assert rows["旅游总收入增速"].goal == 7  # given only as a rate: the rate each year
    assert rows["做地总量"].goal == 2000  # [10000] / 5, shared so that it adds up
    assert rows["做地总量"].total == pytest.approx(2000)
    assert rows["单位GDP能耗降低率"].goal is None  # 市下达指标: words, no figure
    # 2024 lies on the path between the 2020 baseline and the 2025 goal
    gdp_2024 = next(r for r in dec.grid(2024).rows if r.target.name == "地区生产总值").goal
    assert 1587.6 < gdp_2024 < 2000
    # a platform goes to its platform unit and the towns of its area (北强)
    zjg = next(i for i in demo_store.catalogue.items("platform") if i.name == "紫金港科技城")
    units = {names[a.unit_id] for a in dec.assignments(2025) if a.catalogue_id == zjg.id}
    assert units == {"紫金港科技城", "三墩镇", "蒋村街道"}
    # a project with a location goes to that unit
    sandun = dec.for_unit(2025, demo_store.units.find("三墩镇").id)
    assert "三墩派出所" in {a.item.name for a in sandun.assignments}
    hr = dec.for_unit(2025, demo_store.units.find("区人力资源和社会保障局").id)
    assert {a.item.kind for a in hr.assignments} == {"talent_programme"}
