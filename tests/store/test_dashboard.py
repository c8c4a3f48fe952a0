"""区看板 figures in SQL: the same numbers as scoring each ledger, and one by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xihu_desktop.core import scoring
from xihu_desktop.core.ranking import competition_ranks
from xihu_desktop.store import InvalidData, Store

YEAR = 2025
AUG1 = dt.date(2025, 8, 1)  # elapsed 212/365 = 58.08 %: yellow from 43.08 %
AFTER = dt.date(2026, 3, 1)  # the year is over: below 100 % is red
LIGHTS = (scoring.GREEN, scoring.YELLOW, scoring.RED)


def assert_same_as_scoring(store: Store, year: int, as_of: dt.date) -> int:
    """Every ledger's dashboard figures equal store.assessment.score; the ledgers checked."""
    checked = 0
    for f in store.dashboard.figures(year, as_of=as_of):
        if f.ledger_id is None:
            assert f.total is None and f.grade is None and not f.categories
            continue
        score = store.assessment.score(f.ledger_id, as_of)
        assert f.total == pytest.approx(score.total, abs=1e-9), f.unit_name
        assert f.base == pytest.approx(score.base, abs=1e-9)
        assert (f.bonus, f.deduction) == pytest.approx((score.bonus, score.deduction))
        assert f.grade == score.grade, f.unit_name
        assert {k: f.lights[k] for k in LIGHTS} == {k: score.lights[k] for k in LIGHTS}
        assert f.vetoed == len(score.vetoed)
        used = {k for k, items in _by_category(score).items() if items}
        assert set(f.categories) == used
        for key, figure in f.categories.items():
            assert figure.score == pytest.approx(score.category_scores[key], abs=1e-9)
            assert figure.points == pytest.approx(score.category_points[key], abs=1e-9)
            points = score.category_points[key]
            if points > 0:  # a category worth 0 points still shows its completion
                expected = 100.0 * score.category_scores[key] / points
                assert figure.completion == pytest.approx(expected, abs=1e-9)
            assert figure.entries == len(_by_category(score)[key])
        checked += 1
    return checked


def _by_category(score: scoring.LedgerScore) -> dict[str, list[scoring.EntryScore]]:
    found: dict[str, list[scoring.EntryScore]] = {}
    for e in score.entries:
        found.setdefault(e.category, []).append(e)
    return found


@pytest.mark.parametrize("as_of", [AUG1, AFTER, dt.date(2025, 3, 1)])
def test_every_demo_ledger_scores_as_the_ledger_window_does(
    demo_store: Store, as_of: dt.date
) -> None:
    ledgers = demo_store.ledgers.list(year=YEAR)
    assert len(ledgers) > 10
    assert assert_same_as_scoring(demo_store, YEAR, as_of) == len(ledgers)
    assert assert_same_as_scoring(demo_store, 2024, as_of) == len(
        demo_store.ledgers.list(year=2024)
    )


def test_the_same_with_other_settings_the_veto_and_adjustments(demo_store: Store) -> None:
    settings = demo_store.assessment.scoring_settings(YEAR)
    settings.category_points.update({"indicator": 40, "talent": 0})
    settings.status_rates.update({"推进中": 0.6, "滞后": 0.1})
    settings.yellow_margin = 30.0
    settings.veto_enabled = True
    settings.grade_bands = [(95.0, "优秀"), (85.0, "良好"), (70.0, "合格")]
    demo_store.assessment.save_scoring_settings(YEAR, settings)
    ledger = next(lg for lg in demo_store.ledgers.list(year=YEAR) if lg.status == "草稿")
    demo_store.assessment.add_adjustment(ledger.id, 2.5, "获省级表彰")
    demo_store.assessment.add_adjustment(ledger.id, -4, "数据报送不及时")
    entry = next(
        e
        for e in demo_store.entries.list(ledger.id, "indicator")
        if e.values.get("direction") != "越小越好" and (e.values.get("goal") or 0) > 0
    )
    changes = demo_store.entries.update_many([(entry.id, {"attribute": "约束性", "actual": "0"})])
    assert not changes.problems
    assert assert_same_as_scoring(demo_store, YEAR, AUG1) > 10
    figures = demo_store.dashboard.figures(YEAR, as_of=AUG1)
    mine = next(f for f in figures if f.ledger_id == ledger.id)
    assert mine.vetoed >= 1 and mine.grade == "不合格"  # capped by the unmet 约束性 indicator
    assert (mine.bonus, mine.deduction) == (2.5, 4.0)


@pytest.fixture
def hand(store: Store) -> tuple[Store, int]:
    """One ledger of T01 whose figures are computed by hand in the tests below."""
    unit = store.units.find("T01")
    ledger_id = store.ledgers.create(unit.id, YEAR).id
    add = store.entries.add
    add(ledger_id, "indicator", {"name": "甲指标", "goal": "100", "actual": "80", "weight": "2"})
    add(ledger_id, "indicator",
        {"name": "PM2.5浓度", "goal": "30", "actual": "40", "direction": "越小越好"})  # fmt: skip
    add(ledger_id, "indicator", {"name": "丙指标", "goal": "50", "actual": "60"})
    add(ledger_id, "indicator", {"goal": "10", "actual": "0"})  # a draft: not scored
    add(ledger_id, "platform", {"name": "平台一", "status": "已完成"})
    add(ledger_id, "platform", {"name": "平台二", "status": "推进中", "weight": "3"})
    add(ledger_id, "platform", {"name": "平台三", "status": "滞后"})
    store.assessment.add_adjustment(ledger_id, 3, "获奖")
    store.assessment.add_adjustment(ledger_id, -1.5, "迟报")
    return store, ledger_id


def test_a_ledger_computed_by_hand(hand: tuple[Store, int]) -> None:
    store, ledger_id = hand
    (f,) = [f for f in store.dashboard.figures(YEAR, as_of=AUG1) if f.ledger_id == ledger_id]
    # 重点指标: weights 2, 1, 1; completion 0.8, 30/40 = 0.75, 60/50 capped at 1
    assert f.completion("indicator") == pytest.approx(100 * (2 * 0.8 + 0.75 + 1) / 4)  # 83.75
    # 重点平台: 已完成 1.0 × 1, 推进中 0.5 × 3, 滞后 0.3 × 1
    assert f.completion("platform") == pytest.approx(100 * (1 + 1.5 + 0.3) / 5)  # 56
    assert f.completion("project") is None  # no entry: the other categories scale to 100
    assert f.categories["indicator"].points == pytest.approx(30 * 100 / 45)
    assert f.categories["indicator"].entries == 3  # the draft is left out
    base = 30 * 100 / 45 * 0.8375 + 15 * 100 / 45 * 0.56
    assert base == pytest.approx(74.5)
    assert f.base == pytest.approx(74.5)
    assert f.total == pytest.approx(74.5 + 3 - 1.5)
    assert f.grade == "合格"
    # 80 %, 75 %, 120 %, 100 % ≥ 58.08 %: green; 50 %: yellow; 滞后: red
    assert dict(f.lights) == {"green": 4, "yellow": 1, "red": 1}
    late = store.dashboard.figures(YEAR, as_of=AFTER)
    (f,) = [g for g in late if g.ledger_id == ledger_id]
    assert dict(f.lights) == {"green": 2, "yellow": 0, "red": 4}  # the year is over
    assert store.assessment.score(ledger_id, AUG1).total == pytest.approx(76.0)


def test_the_veto_caps_the_grade_by_hand(hand: tuple[Store, int]) -> None:
    store, ledger_id = hand
    settings = store.assessment.scoring_settings(YEAR)
    settings.veto_enabled = True
    settings.veto_cap = "合格"
    store.assessment.save_scoring_settings(YEAR, settings)
    store.assessment.add_adjustment(ledger_id, 10, "重大贡献")  # 86: 良好 before the cap
    (f,) = [f for f in store.dashboard.figures(YEAR, as_of=AUG1) if f.ledger_id == ledger_id]
    assert (f.total, f.grade, f.vetoed) == (pytest.approx(86.0), "良好", 0)
    entry = next(e for e in store.entries.list(ledger_id, "indicator") if e.name == "甲指标")
    store.entries.update_many([(entry.id, {"attribute": "约束性"})])  # 80 % of its goal
    (f,) = [f for f in store.dashboard.figures(YEAR, as_of=AUG1) if f.ledger_id == ledger_id]
    assert (f.total, f.grade, f.vetoed) == (pytest.approx(86.0), "合格", 1)
    assert store.assessment.score(ledger_id, AUG1).grade == "合格"


def test_every_active_unit_is_listed_once_with_or_without_a_ledger(
    hand: tuple[Store, int],
) -> None:
    store, ledger_id = hand
    units = store.units.list(active_only=True)
    figures = store.dashboard.figures(YEAR, as_of=AUG1)
    assert [f.unit_id for f in figures] == [u.id for u in units]
    assert [f.ledger_id for f in figures if f.ledger_id is not None] == [ledger_id]
    empty = figures[1]
    assert empty.total is None and empty.completion("indicator") is None
    # another year: nobody has a ledger
    assert all(f.ledger_id is None for f in store.dashboard.figures(2024))
    # an inactive unit is left out
    store.units.update(units[0].id, {"active": False})
    assert units[0].id not in {f.unit_id for f in store.dashboard.figures(YEAR)}


def test_the_kind_filter(demo_store: Store) -> None:
    everyone = demo_store.dashboard.figures(YEAR, as_of=AUG1)
    for kind, label in (("platform", "平台"), ("town", "镇街"), ("department", "部门")):
        by_value = demo_store.dashboard.figures(YEAR, kind, as_of=AUG1)
        assert by_value == demo_store.dashboard.figures(YEAR, label, as_of=AUG1)
        assert {f.unit_kind for f in by_value} == {kind}
        assert by_value == [f for f in everyone if f.unit_kind == kind]
    with pytest.raises(InvalidData, match="单位类型“乡”无效"):
        demo_store.dashboard.figures(YEAR, "乡")


def test_ranks_share_ties_and_skip(store: Store) -> None:
    assert competition_ranks([90.0, 95.0, 90.004, None, 80.0]) == [2, 1, 2, None, 4]
    assert competition_ranks([]) == []
    ids = {}
    for code, actual in (("T01", "80"), ("T02", "80"), ("T03", "90"), ("T04", "70")):
        unit = store.units.find(code)
        ledger_id = store.ledgers.create(unit.id, YEAR).id
        store.entries.add(ledger_id, "indicator", {"name": "指标", "goal": "100", "actual": actual})
        ids[code] = unit.id
    ranking = store.dashboard.ranking(YEAR, as_of=AUG1)
    ranked = [(rank, f.unit_code) for rank, f in ranking if rank is not None]
    assert ranked == [(1, "T03"), (2, "T01"), (2, "T02"), (4, "T04")]
    assert all(rank is None for rank, f in ranking[4:])  # no ledger: no rank, last
    assert len(ranking) == len(store.units.list(active_only=True))


def test_as_json_keys(hand: tuple[Store, int]) -> None:
    from xihu_desktop.store.dashboard import JSON_KEYS

    store, _ = hand
    rank, f = store.dashboard.ranking(YEAR, as_of=AUG1)[0]
    data = f.as_json(rank)
    assert tuple(data) == JSON_KEYS
    assert data["rank"] == 1 and data["total"] == 76.0 and data["code"] == "T01"
    assert data["completion"]["indicator"] == 83.75 and data["completion"]["project"] is None
    assert data["lights"] == {"green": 4, "yellow": 1, "red": 1}


# ---------------------------------------------------------------- one path for every ranking


def test_the_summaries_rank_with_the_dashboards_figures(demo_store: Store) -> None:
    """The PDF and Excel summaries' ranking: every ledger's total, grade and category
    scores equal store.assessment.score, ranked by the dashboard's rule."""
    from xihu_desktop.exchange import pdf_summary

    settings = demo_store.assessment.scoring_settings(YEAR)
    settings.veto_enabled = True
    demo_store.assessment.save_scoring_settings(YEAR, settings)
    ledgers = demo_store.ledgers.list(year=YEAR)
    figures = demo_store.dashboard.ledger_figures(YEAR, AUG1)
    assert [f.ledger_id for f in figures] == [lg.id for lg in ledgers]
    scores = {lg.id: demo_store.assessment.score(lg.id, AUG1) for lg in ledgers}
    for f in figures:
        score = scores[f.ledger_id]
        assert f.total == pytest.approx(score.total, abs=1e-9)
        assert f.grade == score.grade
        assert list(f.veto_names) == score.vetoed  # names, in the ledger's order
    assert any(f.veto_names for f in figures)  # the demo has unmet 约束性 indicators

    rows = pdf_summary.ranking(demo_store, YEAR, AUG1)
    assert len(rows) == len(ledgers)
    names = {lg.id: lg.unit_name for lg in ledgers}
    by_name = {names[lid]: s for lid, s in scores.items()}
    for row in rows:
        score = by_name[row.unit_name]
        assert row.total == pytest.approx(score.total, abs=1e-9)
        assert row.grade == score.grade
        assert row.adjustment == pytest.approx(score.bonus - score.deduction)
        for key, got in row.category_scores.items():
            assert got == pytest.approx(score.category_scores.get(key, 0.0), abs=1e-9)
    expected = competition_ranks([s.total for s in scores.values()])
    assert sorted(r.rank for r in rows) == sorted(r for r in expected if r is not None)
    assert [r.total for r in rows] == sorted((r.total for r in rows), reverse=True)


def test_an_inactive_units_ledger_is_still_in_the_summary(demo_store: Store) -> None:
    ledger = demo_store.ledgers.list(year=YEAR)[0]
    demo_store.units.update(ledger.unit_id, {"active": False})
    assert ledger.id not in {f.ledger_id for f in demo_store.dashboard.figures(YEAR)}
    assert ledger.id in {f.ledger_id for f in demo_store.dashboard.ledger_figures(YEAR)}


def test_the_excel_summary_ranking_sheet_holds_the_same_totals(
    demo_store: Store, tmp_path: Path
) -> None:
    import openpyxl

    from xihu_desktop.exchange import excel_summary
    from xihu_desktop.exchange import return_layout as layout

    out = excel_summary.export_summary(demo_store, YEAR, tmp_path / "sum.xlsx")
    ws = openpyxl.load_workbook(out, read_only=True)[layout.RANKING_SHEET]
    found = {}
    for row in ws.iter_rows(values_only=True):
        if isinstance(row[0], int) and isinstance(row[1], str):
            found[row[1]] = (row[0], row[6], row[7])
    ledgers = demo_store.ledgers.list(year=YEAR)
    assert len(found) == len(ledgers)
    scores = [demo_store.assessment.score(lg.id) for lg in ledgers]
    ranks = competition_ranks([s.total for s in scores])
    for lg, score, expected in zip(ledgers, scores, ranks, strict=True):
        rank, total, grade = found[lg.unit_name]
        assert total == pytest.approx(round(score.total, 2)) and grade == score.grade
        assert rank == expected


# ---------------------------------------------------------------- the cache


def test_only_the_edited_ledger_is_recomputed(demo_store: Store) -> None:
    dashboard = demo_store.dashboard
    n = len(demo_store.ledgers.list(year=YEAR))
    before = dashboard.recomputed
    first = dashboard.figures(YEAR, as_of=AUG1)
    assert dashboard.recomputed - before == n  # nothing cached yet: every ledger
    assert dashboard.figures(YEAR, as_of=AUG1) == first
    assert dashboard.recomputed - before == n  # nothing changed: all from the cache

    mine = next(f for f in first if f.ledger_id is not None and f.categories.get("indicator"))
    assert mine.ledger_id is not None
    entry = next(
        e
        for e in demo_store.entries.list(mine.ledger_id, "indicator")
        if (e.values.get("goal") or 0) > 0 and e.values.get("direction") != "越小越好"
    )
    demo_store.entries.update_many([(entry.id, {"actual": "0"})])
    again = dashboard.figures(YEAR, as_of=AUG1)
    assert dashboard.recomputed - before == n + 1  # only the edited ledger
    changed = [a.unit_code for a, b in zip(first, again, strict=True) if a != b]
    assert changed == [mine.unit_code]
    assert assert_same_as_scoring(demo_store, YEAR, AUG1) == n

    # another reader (another process) edits: the revision tells this store's cache
    other = Store.open(demo_store.path)  # type: ignore[arg-type]
    try:
        other.entries.update_many([(entry.id, {"actual": "1"})])
    finally:
        other.close()
    dashboard.figures(YEAR, as_of=AUG1)
    assert dashboard.recomputed - before == n + 2
    assert assert_same_as_scoring(demo_store, YEAR, AUG1) == n


def test_settings_the_day_and_the_targets_start_the_cache_afresh(demo_store: Store) -> None:
    dashboard = demo_store.dashboard
    n = len(demo_store.ledgers.list(year=YEAR))
    dashboard.figures(YEAR, as_of=AUG1)
    start = dashboard.recomputed
    dashboard.figures(YEAR, as_of=AFTER)  # the lights of another day
    assert dashboard.recomputed - start == n
    settings = demo_store.assessment.scoring_settings(YEAR)
    settings.status_rates.update({"推进中": 0.7})
    demo_store.assessment.save_scoring_settings(YEAR, settings)
    assert assert_same_as_scoring(demo_store, YEAR, AFTER) == n
    assert dashboard.recomputed - start == 2 * n
    target = next(t for t in demo_store.catalogue.targets() if not t.lower_is_better)
    demo_store.execute("UPDATE plan_targets SET lower_is_better = 1 WHERE id = ?", (target.id,))
    assert assert_same_as_scoring(demo_store, YEAR, AFTER) == n
    assert dashboard.recomputed - start == 3 * n
    # forget() drops the whole cache
    dashboard.forget()
    dashboard.figures(YEAR, as_of=AFTER)
    assert dashboard.recomputed - start == 4 * n


# ---------------------------------------------------------------- db/009's scoring columns


def _scored(store: Store, entry_id: int) -> tuple[object, object]:
    row = store.rows("SELECT scored_lower, scored_binding FROM entries WHERE id = ?", (entry_id,))
    return row[0][0], row[0][1]


def test_the_scoring_columns_follow_the_data_whatever_writes_it(hand: tuple[Store, int]) -> None:
    store, ledger_id = hand
    by_name = {e.name: e for e in store.entries.list(ledger_id, "indicator")}
    assert _scored(store, by_name["PM2.5浓度"].id)[0] == 1  # direction 越小越好
    before = _scored(store, by_name["甲指标"].id)
    assert before[0] in (None, 0) and before[1] in (None, 0)
    changes = store.entries.update_many(
        [(by_name["甲指标"].id, {"direction": "越小越好", "attribute": "约束性"})]
    )
    assert _scored(store, by_name["甲指标"].id) == (1, 1)
    assert changes.undo is not None
    store.apply(changes.undo)  # the undo writes the old data back
    assert _scored(store, by_name["甲指标"].id) == before
    store.entries.update_many([(by_name["PM2.5浓度"].id, {"direction": "越大越好"})])
    assert _scored(store, by_name["PM2.5浓度"].id)[0] == 0
    assert assert_same_as_scoring(store, YEAR, AUG1) == 1
    store.search.rebuild()  # sqlite-utils recreates its own triggers, not these
    store.entries.update_many([(by_name["丙指标"].id, {"attribute": "预期性"})])
    assert _scored(store, by_name["丙指标"].id)[1] == 0
    # every entry agrees with its JSON
    assert not store.query(
        "SELECT id FROM entries WHERE "
        "scored_lower IS NOT (json_extract(data, '$.direction') = '越小越好') OR "
        "scored_binding IS NOT (json_extract(data, '$.attribute') = '约束性')"
    )


def test_the_figures_read_one_covering_index(demo_store: Store) -> None:
    settings = demo_store.assessment.scoring_settings(YEAR)
    settings.veto_enabled = True
    sql, params = demo_store.dashboard._entry_sql(YEAR, None, settings, AUG1)
    plan = " ".join(str(r[3]) for r in demo_store.query("EXPLAIN QUERY PLAN " + sql, params))
    assert "COVERING INDEX entries_scoring" in plan, plan
    assert "SCAN e" not in plan
