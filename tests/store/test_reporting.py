"""报送情况: deadlines and the per-unit overview, with overdue days computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from reporting_helpers import add_arrival, add_review

from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.exchange import return_layout
from xihu_desktop.store import InvalidData, NotFound, PermissionDenied, Store
from xihu_desktop.store.reporting import JSON_KEYS, NOT_RETURNS, UnitStatus, first_unmet

YEAR = 2025
Q1, Q2, Q3, Q4 = (
    dt.date(2025, 4, 10),
    dt.date(2025, 7, 10),
    dt.date(2025, 10, 10),
    dt.date(2026, 1, 15),
)
AUG1 = dt.date(2025, 8, 1)


def set_year(store: Store) -> None:
    for quarter, due in enumerate((Q1, Q2, Q3, Q4), start=1):
        store.reporting.set_deadline(YEAR, quarter, due)


def row(store: Store, code: str, today: dt.date = AUG1) -> UnitStatus:
    return next(s for s in store.reporting.status(YEAR, today) if s.code == code)


def uid(store: Store, code: str) -> int:
    return store.units.find(code).id


# ---------------------------------------------------------------- deadlines


def test_deadlines_are_set_listed_audited_and_cleared(store: Store) -> None:
    changes = store.reporting.set_deadline(YEAR, 2, Q2)
    assert changes.district == frozenset({YEAR})
    assert store.reporting.deadlines(YEAR) == {2: Q2}
    store.reporting.set_deadline(YEAR, 1, Q1)
    assert list(store.reporting.deadlines(YEAR)) == [1, 2]
    moved = dt.date(2025, 4, 15)
    store.reporting.set_deadline(YEAR, 1, moved)
    assert store.reporting.deadlines(YEAR)[1] == moved
    assert store.reporting.set_deadline(YEAR, 1, moved).empty  # the same date: nothing to do
    log = [r for r in store.audit.log(None, 100) if r["action"] == "设置截止日期"]
    assert (f"deadlines.{YEAR}.1", Q1.isoformat(), moved.isoformat()) in [
        (r["field"], r["old"], r["new"]) for r in log
    ]
    assert len(log) == 3
    assert store.reporting.clear_deadline(YEAR, 1).district == frozenset({YEAR})
    assert store.reporting.deadlines(YEAR) == {2: Q2}
    assert store.reporting.deadlines(YEAR - 1) == {}


@pytest.mark.parametrize("quarter", [0, 5, -1, True])
def test_a_bad_quarter_is_refused_naming_it(store: Store, quarter: int) -> None:
    with pytest.raises(InvalidData, match=f"季度“{quarter}”"):
        store.reporting.set_deadline(YEAR, quarter, Q1)
    assert store.reporting.deadlines(YEAR) == {}


def test_a_bad_date_is_refused_naming_it(store: Store) -> None:
    with pytest.raises(InvalidData, match="2024-12-31"):
        store.reporting.set_deadline(YEAR, 1, dt.date(2024, 12, 31))
    with pytest.raises(InvalidData, match="2027-01-01"):
        store.reporting.set_deadline(YEAR, 4, dt.date(2027, 1, 1))
    with pytest.raises(InvalidData, match="无效"):
        store.reporting.set_deadline(YEAR, 1, "2025-04-10")  # type: ignore[arg-type]
    assert store.reporting.deadlines(YEAR) == {}


def test_deadlines_stay_in_quarter_order(store: Store) -> None:
    store.reporting.set_deadline(YEAR, 2, Q2)
    with pytest.raises(InvalidData, match="须早于第2季度"):
        store.reporting.set_deadline(YEAR, 1, Q2)
    with pytest.raises(InvalidData, match="须晚于第2季度"):
        store.reporting.set_deadline(YEAR, 3, dt.date(2025, 7, 1))
    assert store.reporting.deadlines(YEAR) == {2: Q2}


def test_a_year_outside_every_plan_is_refused(store: Store) -> None:
    with pytest.raises(NotFound, match="2031"):
        store.reporting.set_deadline(2031, 1, dt.date(2031, 4, 10))


def test_an_operator_or_viewer_may_not_set_deadlines(store: Store) -> None:
    store.act_as("clerk", "operator", uid(store, "T01"))
    with pytest.raises(PermissionDenied, match="截止日期"):
        store.reporting.set_deadline(YEAR, 1, Q1)
    with pytest.raises(PermissionDenied):
        store.reporting.clear_deadline(YEAR, 1)
    store.act_as("look", "viewer")
    with pytest.raises(PermissionDenied):
        store.reporting.set_deadline(YEAR, 1, Q1)
    assert store.reporting.deadlines(YEAR) == {}
    assert store.reporting.status(YEAR, AUG1)  # reading stays possible


# ---------------------------------------------------------------- the overview


def test_a_unit_with_no_return_is_overdue_since_the_first_deadline(store: Store) -> None:
    set_year(store)
    s = row(store, "T01")
    # 10 Apr → 1 Aug: 20 (Apr) + 31 + 30 + 31 + 1 = 113 days
    assert (s.review, s.last_return, s.deadline, s.overdue_days) == (
        "未报",
        None,
        "2025-04-10",
        113,
    )
    assert s.ledger_status == "无台账" and s.reason is None
    assert row(store, "T01", Q1).overdue_days == 0  # on the day itself: not yet overdue
    assert row(store, "T01", Q1 + dt.timedelta(days=1)).overdue_days == 1


def test_a_unit_that_reported_on_time_shows_its_next_deadline(store: Store) -> None:
    set_year(store)
    t02 = uid(store, "T02")
    add_arrival(store, YEAR, t02, "2025-04-08T09:30:00")
    add_review(store, YEAR, t02, "已审", last_return_at="2025-07-09T16:00:00")
    s = row(store, "T02")
    assert (s.review, s.last_return, s.deadline, s.overdue_days) == (
        "已审",
        "2025-07-09T16:00:00",
        "2025-10-10",
        0,
    )
    # a return on the deadline's own day answers that deadline, not the next one
    t03 = uid(store, "T03")
    add_arrival(store, YEAR, t03, "2025-04-10T23:59:00")
    assert (row(store, "T03").deadline, row(store, "T03").overdue_days) == ("2025-07-10", 22)


def test_late_returns(store: Store) -> None:
    set_year(store)
    # Q1 on time (5 Apr), nothing for Q2: overdue since 10 Jul → 1 Aug = 22 days
    t04 = uid(store, "T04")
    add_arrival(store, YEAR, t04, "2025-04-05T10:00:00")
    assert (row(store, "T04").deadline, row(store, "T04").overdue_days) == ("2025-07-10", 22)
    # then late on 20 Jul: received after 10 Jul, it meets 10 Jul (late) and 10 Oct (the
    # rule: a deadline is met by a return after the previous one); next is 15 Jan
    add_arrival(store, YEAR, t04, "2025-07-20T10:00:00", status="更新")
    s = row(store, "T04")
    assert (s.last_return, s.deadline, s.overdue_days) == ("2025-07-20T10:00:00", "2026-01-15", 0)
    # a return after the last deadline meets them all
    t05 = uid(store, "T05")
    add_arrival(store, YEAR, t05, "2026-01-20T08:00:00")
    assert (row(store, "T05", dt.date(2026, 2, 1)).deadline, row(store, "T05").overdue_days) == (
        None,
        0,
    )


def test_a_unit_sent_back_owes_the_deadline_until_it_sends_again(store: Store) -> None:
    set_year(store)
    t06 = uid(store, "T06")
    add_arrival(store, YEAR, t06, "2025-04-02T10:00:00")
    add_review(
        store,
        YEAR,
        t06,
        "退回",
        reason="项目投资数据不全",
        last_return_at="2025-07-05T10:00:00",
        reviewed_at="2025-07-20T15:00:00",
    )
    s = row(store, "T06")
    # the 5 Jul return answered 10 Jul; sent back, 10 Jul is owed: 1 Aug − 10 Jul = 22
    assert (s.review, s.reason, s.deadline, s.overdue_days) == (
        "退回",
        "项目投资数据不全",
        "2025-07-10",
        22,
    )
    # another return before the send-back does not count; one after it does
    add_arrival(store, YEAR, t06, "2025-07-08T10:00:00")
    assert row(store, "T06").overdue_days == 22
    add_arrival(store, YEAR, t06, "2025-07-25T10:00:00")
    s = row(store, "T06")
    assert (s.last_return, s.deadline, s.overdue_days) == ("2025-07-25T10:00:00", "2026-01-15", 0)


def test_errors_other_kinds_and_other_years_are_not_returns(store: Store) -> None:
    set_year(store)
    t07 = uid(store, "T07")
    add_arrival(store, YEAR, t07, "2025-04-01T10:00:00", status="错误")
    add_arrival(store, YEAR, t07, "2025-04-01T10:00:00", kind=return_layout.KIND_PACKAGE)
    add_arrival(store, YEAR, t07, "2025-04-01T10:00:00", kind=return_layout.KIND_RECEIPT)
    add_arrival(store, YEAR - 1, t07, "2025-04-01T10:00:00")
    add_arrival(store, YEAR, None, "2025-04-01T10:00:00", kind=return_layout.KIND_DECOMPOSITION)
    s = row(store, "T07")
    assert (s.last_return, s.deadline, s.overdue_days) == (None, "2025-04-10", 113)
    add_arrival(store, YEAR, t07, "2025-04-01T10:00:00", status="冲突", kind=None)
    assert row(store, "T07").deadline == "2025-07-10"


def test_the_not_returns_list_matches_the_file_kinds() -> None:
    assert set(NOT_RETURNS) == {
        return_layout.KIND_PACKAGE,
        return_layout.KIND_DECOMPOSITION,
        return_layout.KIND_RECEIPT,
        return_layout.KIND_SUMMARY,
        return_layout.KIND_EVALUATION,
    }


def test_without_deadlines_nothing_is_due(store: Store) -> None:
    s = row(store, "T01")
    assert (s.deadline, s.overdue_days) == (None, 0)


def test_rows_follow_unit_order_active_units_and_ledger_status(store: Store) -> None:
    units = store.units.list(active_only=True)
    rows = store.reporting.status(YEAR, AUG1)
    assert [r.code for r in rows] == [u.code for u in units]
    kinds = [r.kind for r in rows]
    assert kinds == sorted(kinds, key=["town", "platform", "department"].index)
    store.units.update(units[1].id, {"active": 0})
    ledger = store.ledgers.create(units[0].id, YEAR).id
    store.ledgers.set_status(ledger, "已提交")
    rows = store.reporting.status(YEAR, AUG1)
    assert units[1].code not in [r.code for r in rows]
    assert (rows[0].ledger_status, rows[0].ledger_id) == ("已提交", ledger)
    assert rows[1].ledger_status == "无台账"


@pytest.mark.parametrize(
    ("kind", "stored"), [("平台", "platform"), ("town", "town"), ("部门", "department")]
)
def test_kind_filter(store: Store, kind: str, stored: str) -> None:
    rows = store.reporting.status(YEAR, AUG1, kind=kind)
    assert rows and {r.kind for r in rows} == {stored}
    assert len(rows) == len(store.units.list(kind=stored, active_only=True))


def test_a_bad_kind_is_refused_naming_it(store: Store) -> None:
    with pytest.raises(InvalidData, match="“街道”"):
        store.reporting.status(YEAR, AUG1, kind="街道")


def test_a_units_own_file_shows_that_unit_only(store: Store) -> None:
    store.settings.set(BOUND_UNIT, "T03")
    rows = store.reporting.status(YEAR, AUG1)
    assert [r.code for r in rows] == ["T03"]
    assert store.reporting.status(YEAR, AUG1, kind="平台") == []


def test_json_has_exactly_the_agreed_keys_and_types(store: Store) -> None:
    set_year(store)
    add_review(store, YEAR, uid(store, "T02"), "已报", last_return_at="2025-04-08T09:30:00")
    rows = [r.as_json() for r in store.reporting.status(YEAR, AUG1)]
    assert all(tuple(r) == JSON_KEYS for r in rows)
    assert JSON_KEYS == (
        "unit",
        "code",
        "kind",
        "ledger_status",
        "review",
        "reason",
        "last_return",
        "deadline",
        "overdue_days",
    )
    first, second = rows[0], rows[1]
    assert first["overdue_days"] == 113 and type(first["overdue_days"]) is int
    assert first["last_return"] is None and first["reason"] is None
    assert second["last_return"] == "2025-04-08T09:30:00" and second["overdue_days"] == 22


def test_one_query_per_table_whatever_the_number_of_units(store: Store) -> None:
    set_year(store)
    for i in range(30):
        store.units.add(f"D9{i:02d}", f"测试部门{i}", "department")
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)
    try:
        rows = store.reporting.status(YEAR, AUG1)
    finally:
        store.db.set_trace_callback(None)
    assert len(rows) > 60
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 7, selects


def test_first_unmet_by_hand() -> None:
    due = [Q1, Q2]
    at = dt.datetime.fromisoformat
    assert first_unmet([], None) is None
    assert first_unmet(due, None) == Q1
    assert first_unmet(due, at("2025-01-02T00:00")) == Q2
    assert first_unmet(due, at("2025-07-10T18:00")) is None
    assert first_unmet(due, at("2025-07-11T08:00")) is None
    # sent back: the deadline the return answered is owed again
    assert first_unmet(due, at("2025-07-11T08:00"), at("2025-07-12T08:00"), True) == Q2
    assert first_unmet(due, at("2025-05-01T08:00"), None, True) == Q2
    assert first_unmet(due, at("2025-05-03T08:00"), at("2025-05-02T08:00"), True) is None


def test_several_deadlines_move_past_each_other_in_one_transaction(store: Store) -> None:
    store.reporting.set_deadlines(YEAR, {1: Q1, 2: Q2})
    later1, later2 = dt.date(2025, 7, 20), dt.date(2025, 10, 1)
    changes = store.reporting.set_deadlines(YEAR, {2: later2, 1: later1, 3: None})
    assert changes.district == frozenset({YEAR})
    assert store.reporting.deadlines(YEAR) == {1: later1, 2: later2}
    # one bad date: nothing of the batch is written
    with pytest.raises(InvalidData, match="须晚于第1季度"):
        store.reporting.set_deadlines(YEAR, {1: Q1, 2: dt.date(2025, 3, 1)})
    with pytest.raises(InvalidData, match="“9”"):
        store.reporting.set_deadlines(YEAR, {1: Q1, 9: Q2})
    assert store.reporting.deadlines(YEAR) == {1: later1, 2: later2}
