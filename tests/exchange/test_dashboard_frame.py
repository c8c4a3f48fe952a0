"""The 区看板 as a pandas frame: units × categories and the ranking."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.exchange.dashboard import (
    CODE,
    GRADE,
    LEDGER_ID,
    RANK,
    RED,
    TOTAL,
    UNIT,
    UNIT_ID,
    dashboard_frame,
    ranking_records,
)
from xihu_desktop.store import Store

YEAR = 2025
AUG1 = dt.date(2025, 8, 1)


def test_the_frame_pivots_the_store_figures(demo_store: Store) -> None:
    frame = dashboard_frame(demo_store, YEAR, as_of=AUG1)
    figures = {f.unit_id: f for f in demo_store.dashboard.figures(YEAR, as_of=AUG1)}
    assert len(frame) == len(figures) == frame[UNIT_ID].nunique()
    for record in frame.to_dict("records"):
        f = figures[record[UNIT_ID]]
        assert record[UNIT] == f.unit_name
        for cat in CATEGORIES:
            value = f.completion(cat.key)
            if value is None:
                assert math.isnan(record[cat.short])
            else:
                assert record[cat.short] == pytest.approx(value)
        if f.total is None:
            assert math.isnan(record[TOTAL]) and record[LEDGER_ID] in (None, pd.NA)
        else:
            assert record[TOTAL] == pytest.approx(f.total) and record[GRADE] == f.grade
            assert record[RED] == f.lights["red"]


def test_the_ranking_agrees_with_the_store(demo_store: Store) -> None:
    frame = dashboard_frame(demo_store, YEAR, as_of=AUG1)
    ranking = demo_store.dashboard.ranking(YEAR, as_of=AUG1)
    rows = ranking_records(frame)
    assert [(r[RANK], r[CODE]) for r in rows] == [(rank, f.unit_code) for rank, f in ranking]
    totals = [r[TOTAL] for r in rows if r[TOTAL] is not None]
    assert totals == sorted(totals, reverse=True) and rows[0][RANK] == 1
    assert rows[-1][RANK] is None and rows[-1][TOTAL] is None  # no ledger: last, no rank


def test_ties_share_a_rank_in_the_frame(store: Store) -> None:
    for code, actual in (("T01", "80"), ("T02", "90"), ("T03", "80"), ("T04", "100")):
        ledger_id = store.ledgers.create(store.units.find(code).id, YEAR).id
        store.entries.add(ledger_id, "indicator", {"name": "指标", "goal": "100", "actual": actual})
    rows = ranking_records(dashboard_frame(store, YEAR, as_of=AUG1))
    ranked = [(r[RANK], r[CODE], r[TOTAL]) for r in rows[:4]]
    assert ranked == [(1, "T04", 100.0), (2, "T02", 90.0), (3, "T01", 80.0), (3, "T03", 80.0)]
    assert {r[GRADE] for r in rows[:4]} == {"优秀", "良好"}


def test_the_kind_filter_ranks_within_the_kind(demo_store: Store) -> None:
    frame = dashboard_frame(demo_store, YEAR, "镇街", as_of=AUG1)
    towns = demo_store.units.list(kind="town", active_only=True)
    assert sorted(frame[CODE]) == sorted(u.code for u in towns)
    assert list(frame[RANK].dropna()) == list(range(1, frame[TOTAL].notna().sum() + 1))
