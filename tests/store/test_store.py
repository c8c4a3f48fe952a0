"""The Store API: entries, validation, audit log, locking, roles, atomic writes, scoring."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from xihu_desktop.core.settings import PDF_FONT_PATH
from xihu_desktop.store import (
    InvalidData,
    Ledger,
    LedgerLocked,
    NotFound,
    PermissionDenied,
    Store,
)

VALID_CODE = "N2330106MA2H3K7P0T"


@pytest.fixture
def ledger(store: Store) -> Ledger:
    town = store.units.list("town")[0]
    return store.ledgers.get(store.ledgers.create(town.id, 2025).id)


def audit_count(store: Store) -> int:
    return int(store.scalar("SELECT count(*) FROM audit_log"))


def snapshot(store: Store) -> dict[str, list[tuple]]:
    return {
        t: store.query(f"SELECT * FROM {t} ORDER BY rowid")
        for t in ("ledgers", "entries", "progress", "adjustments", "audit_log")
    }


def project_values(**over: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "之江文化中心",
        "owner_org": "之江城投集团",
        "nature": "续建",
        "start_year": "2022",
        "end_year": "2026年",
        "total_investment": "120,000万元",
        "goal": "３０００",
    }
    values.update(over)
    return values


# ---------------------------------------------------------------- entries


def test_add_entry_parses_raw_values(store: Store, ledger: Ledger) -> None:
    entry = store.entries.get(
        store.entries.add(ledger.id, "project", project_values(), validate=True).id
    )
    assert entry.category == "project"
    assert entry.position == 1
    assert entry.values["total_investment"] == 120000.0
    assert entry.values["goal"] == 3000.0
    assert entry.values["start_year"] == 2022
    assert entry.values["end_year"] == 2026
    assert entry.values["status"] == "未启动"  # the declared default
    # common fields are columns, the rest is JSON
    row = store.query("SELECT name, goal, data FROM entries WHERE id = ?", (entry.id,))[0]
    assert row[0] == "之江文化中心" and row[1] == 3000.0
    assert '"owner_org": "之江城投集团"' in row[2]
    second = store.entries.get(store.entries.add(ledger.id, "project", {"name": "第二个"}).id)
    assert second.position == 2
    first = store.entries.get(
        store.entries.add(ledger.id, "project", {"name": "插到最前"}, position=1).id
    )
    assert [e.name for e in store.entries.list(ledger.id, "project")] == [
        first.name,
        "之江文化中心",
        "第二个",
    ]


def test_required_fields(store: Store, ledger: Ledger) -> None:
    with pytest.raises(InvalidData) as info:
        store.entries.add(ledger.id, "enterprise", {"name": "杭州某某科技有限公司"}, validate=True)
    message = str(info.value)
    assert "统一社会信用代码：必填项不能为空" in message
    assert "企业类型：必填项不能为空" in message
    assert {p.key for p in info.value.problems} == {"credit_code", "kind"}
    assert store.entries.list(ledger.id) == []
    # a new, still empty editor row may lack required fields
    draft = store.entries.get(store.entries.add(ledger.id, "enterprise", {}).id)
    assert draft.name == ""


@pytest.mark.parametrize(
    ("category", "values", "label"),
    [
        ("enterprise", {"credit_code": VALID_CODE[:17] + "A"}, "统一社会信用代码"),
        ("project", {"goal": "三千万"}, "年度计划投资"),
        ("project", {"nature": "改建"}, "建设性质"),
        ("project", {"start_year": "明年"}, "开工年份"),
        ("indicator", {"contact": "12345"}, "联系电话"),
        ("indicator", {"weight": "150"}, "权重"),
        ("resource", {"land": "-3亩"}, "土地"),
        ("talent", {"no_such_field": "x"}, "没有这个字段"),
    ],
)
def test_invalid_values_rejected_naming_the_field(
    store: Store, ledger: Ledger, category: str, values: dict, label: str
) -> None:
    before = snapshot(store)
    with pytest.raises(InvalidData, match=label):
        store.entries.add(ledger.id, category, values)
    assert snapshot(store) == before
    entry = store.entries.get(store.entries.add(ledger.id, category, {"name": "x"}).id)
    with pytest.raises(InvalidData, match=label):
        store.entries.update(entry.id, values)


def test_update_entry_row_check(store: Store, ledger: Ledger) -> None:
    entry = store.entries.get(
        store.entries.add(ledger.id, "project", project_values(), validate=True).id
    )
    with pytest.raises(InvalidData, match="竣工年份"):
        store.entries.update(entry.id, {"end_year": 2020})
    with pytest.raises(InvalidData, match="年度计划投资超过总投资"):
        store.entries.update(entry.id, {"goal": 999999})
    assert store.entries.get(entry.id).values["end_year"] == 2026


def test_update_delete_restore(store: Store, ledger: Ledger) -> None:
    a = store.entries.get(
        store.entries.add(
            ledger.id, "indicator", {"name": "甲", "goal": 10, "measure_unit": "亿元"}
        ).id
    )
    b = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "乙", "goal": 20}).id)
    c = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "丙", "goal": 30}).id)
    store.progress.set(b.id, 1, {"value": 5, "status": "推进中", "problems": "无"})

    store.entries.update(b.id, {"goal": "25", "roadmap": "按月调度", "measure_unit": "/"})
    updated = store.entries.get(b.id)
    assert updated.values["goal"] == 25.0
    assert updated.values["roadmap"] == "按月调度"
    assert updated.values.get("measure_unit") is None
    store.entries.update(a.id, {"actual": "８"})
    assert store.entries.get(a.id).values["actual"] == 8.0

    before = {e.id: e.values for e in store.entries.list(ledger.id)}
    undo = store.entries.delete([b.id]).undo
    assert undo is not None
    assert [e.name for e in store.entries.list(ledger.id)] == ["甲", "丙"]
    assert store.progress.of_entry(b.id) == []
    with pytest.raises(NotFound):
        store.entries.get(b.id)

    store.apply(undo)
    after = store.entries.list(ledger.id)
    assert [e.name for e in after] == ["甲", "乙", "丙"]
    assert {e.id: e.values for e in after} == before
    restored = store.progress.of_entry(b.id)
    assert [(p.quarter, p.value, p.status, p.problems) for p in restored] == [
        (1, 5.0, "推进中", "无")
    ]
    assert c.id in {e.id for e in after}


def test_move_entry(store: Store, ledger: Ledger) -> None:
    ids = [store.entries.add(ledger.id, "talent", {"name": n}).id for n in "ABC"]
    store.entries.move(ids[2], 1)
    assert [e.name for e in store.entries.list(ledger.id, "talent")] == ["C", "A", "B"]
    assert [e.position for e in store.entries.list(ledger.id, "talent")] == [1, 2, 3]


# ---------------------------------------------------------------- audit log


def test_every_write_leaves_an_audit_row(store: Store, ledger: Ledger) -> None:
    actions: list[str] = []

    def step(action, *args, **kwargs):
        n = audit_count(store)
        result = action(*args, **kwargs)
        assert audit_count(store) > n, action.__name__
        actions.append(store.audit.log(limit=1)[0]["action"])
        return result

    entry = step(store.entries.add, ledger.id, "indicator", {"name": "甲", "goal": 10})
    step(store.entries.update, entry.id, {"goal": 12})
    step(store.progress.set, entry.id, 2, {"value": 6})
    step(store.entries.move, entry.id, 1)
    step(store.ledgers.update, ledger.id, {"preparer": "王芳"})
    adj = step(store.assessment.add_adjustment, ledger.id, 1.5, "承办现场会")
    step(store.assessment.remove_adjustment, adj.id)
    removed = step(store.entries.delete, [entry.id])
    step(store.apply, removed.undo)
    step(store.ledgers.set_status, ledger.id, "已提交")
    step(store.settings.set, PDF_FONT_PATH, "/fonts/simsun.ttc")
    step(store.units.add, "D99", "测试局", "department")
    assert "新增条目" in actions and "删除条目" in actions and "提交台账" in actions

    row = store.audit.log(ledger.id, limit=100)
    change = next(r for r in row if r["action"] == "修改" and r["field"] == "goal")
    assert (change["old"], change["new"], change["user"]) == ("10.0", "12.0", store.user)


def test_audit_log_cannot_be_changed(store: Store, ledger: Ledger) -> None:
    store.entries.add(ledger.id, "indicator", {"name": "甲"})
    n = audit_count(store)
    assert n > 0
    with pytest.raises(sqlite3.IntegrityError, match="审计日志不可修改"):
        store.conn.execute("UPDATE audit_log SET user = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="审计日志不可删除"):
        store.conn.execute("DELETE FROM audit_log")
    assert audit_count(store) == n
    assert store.scalar("SELECT count(*) FROM audit_log WHERE user = 'someone else'") == 0


def test_failed_write_leaves_no_audit_row(store: Store, ledger: Ledger) -> None:
    entry = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "甲"}).id)
    n = audit_count(store)
    with pytest.raises(InvalidData):
        store.entries.update(entry.id, {"goal": "很多"})
    assert audit_count(store) == n


# ---------------------------------------------------------------- locking and roles


def test_submitted_ledger_refuses_writes(store: Store, ledger: Ledger) -> None:
    entry = store.entries.get(
        store.entries.add(ledger.id, "indicator", {"name": "甲", "goal": 10}).id
    )
    store.ledgers.set_status(ledger.id, "已提交")
    before = snapshot(store)
    attempts = [
        lambda: store.entries.add(ledger.id, "indicator", {"name": "乙"}),
        lambda: store.entries.update(entry.id, {"goal": 11}),
        lambda: store.entries.update_many([(entry.id, {"goal": 11})]),
        lambda: store.entries.delete([entry.id]),
        lambda: store.progress.set(entry.id, 1, {"value": 3}),
        lambda: store.entries.move(entry.id, 1),
        lambda: store.ledgers.update(ledger.id, {"preparer": "某人"}),
    ]
    for attempt in attempts:
        with pytest.raises(LedgerLocked, match="已提交"):
            attempt()
    assert snapshot(store) == before

    with store.admin_override():
        store.entries.update(entry.id, {"goal": 11})
        store.progress.set(entry.id, 1, {"value": 3})
    assert store.entries.get(entry.id).values["goal"] == 11.0
    # the override ends with the block
    with pytest.raises(LedgerLocked):
        store.entries.update(entry.id, {"goal": 12})

    store.ledgers.set_status(ledger.id, "草稿")  # unlocked by the administrator
    store.entries.update(entry.id, {"goal": 12})


def test_viewer_cannot_write(store: Store, ledger: Ledger) -> None:
    entry = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "甲"}).id)
    store.act_as("x", "viewer")
    before = snapshot(store)
    with pytest.raises(PermissionDenied):
        store.entries.add(ledger.id, "indicator", {"name": "乙"})
    with pytest.raises(PermissionDenied):
        store.entries.update(entry.id, {"goal": 1})
    with pytest.raises(PermissionDenied):
        store.entries.delete([entry.id])
    with pytest.raises(PermissionDenied):
        store.progress.set(entry.id, 1, {"value": 1})
    with pytest.raises(PermissionDenied), store.admin_override():
        pass
    assert not store.can_write(store.ledgers.get(ledger.id))
    assert snapshot(store) == before
    assert [e.name for e in store.entries.list(ledger.id)] == ["甲"]  # reading is fine


def test_operator_writes_only_the_own_unit(store: Store, ledger: Ledger) -> None:
    other_unit = store.units.list("town")[1]
    other = store.ledgers.get(store.ledgers.create(other_unit.id, 2025).id)
    foreign = store.entries.get(store.entries.add(other.id, "indicator", {"name": "他人的指标"}).id)
    store.act_as("填报员甲", "operator", ledger.unit_id)

    own = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "本单位指标"}).id)
    store.entries.update(own.id, {"goal": 5})
    assert store.audit.log(limit=1)[0]["user"] == "填报员甲"

    before = snapshot(store)
    with pytest.raises(PermissionDenied, match="本单位"):
        store.entries.add(other.id, "indicator", {"name": "越权"})
    with pytest.raises(PermissionDenied):
        store.entries.update(foreign.id, {"goal": 1})
    with pytest.raises(PermissionDenied):
        store.entries.delete([foreign.id])
    with pytest.raises(PermissionDenied):
        store.progress.set(foreign.id, 1, {"value": 1})
    # a multi-row write touching the other unit is refused as a whole
    with pytest.raises(PermissionDenied):
        store.entries.update_many([(own.id, {"goal": 6}), (foreign.id, {"goal": 1})])
    assert snapshot(store) == before
    assert store.entries.get(own.id).values["goal"] == 5.0


def test_act_as_rejects_unknown_roles(store: Store) -> None:
    with pytest.raises(PermissionDenied):
        store.act_as("x", "superuser")
    with pytest.raises(PermissionDenied):
        store.act_as("x", "operator")  # an operator needs a unit


# ---------------------------------------------------------------- atomic multi-row writes


def test_update_entries_fails_as_a_whole(store: Store, ledger: Ledger) -> None:
    a = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "甲", "goal": 1}).id)
    b = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "乙", "goal": 2}).id)
    before = snapshot(store)
    with pytest.raises(NotFound):
        store.entries.update_many(
            [(a.id, {"goal": 10}), (999_999, {"goal": 20}), (b.id, {"goal": 30})]
        )
    assert snapshot(store) == before
    assert store.entries.get(a.id).values["goal"] == 1.0


def test_update_entries_skips_invalid_cells(store: Store, ledger: Ledger) -> None:
    a = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "甲", "goal": 1}).id)
    b = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "乙", "goal": 2}).id)
    problems = list(
        store.entries.update_many(
            [(a.id, {"goal": "10", "contact": "123"}), (b.id, {"goal": "二十"})]
        ).problems
    )
    assert [(p.row, p.label) for p in problems] == [(0, "联系电话"), (1, "年度目标值")]
    assert store.entries.get(a.id).values["goal"] == 10.0
    assert store.entries.get(b.id).values["goal"] == 2.0


def test_delete_entries_fails_as_a_whole(store: Store, ledger: Ledger) -> None:
    a = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "甲"}).id)
    before = snapshot(store)
    with pytest.raises(NotFound):
        store.entries.delete([a.id, 424242])
    assert snapshot(store) == before


def test_nested_transaction_rolls_back_everything(store: Store, ledger: Ledger) -> None:
    before = snapshot(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.entries.add(ledger.id, "indicator", {"name": "甲"})
        with store.transaction():
            store.entries.add(ledger.id, "indicator", {"name": "乙"})
        raise RuntimeError("boom")
    assert snapshot(store) == before
    assert not store.conn.in_transaction


# ---------------------------------------------------------------- progress and scoring


def test_set_progress_updates_actual_and_status(store: Store, ledger: Ledger) -> None:
    entry = store.entries.get(
        store.entries.add(ledger.id, "indicator", {"name": "甲", "goal": 100}).id
    )
    store.progress.set(entry.id, 1, {"value": "２５", "status": "推进中"})
    p = store.progress.get(entry.id, 1)
    assert (p.value, p.status) == (25.0, "推进中")
    assert store.entries.get(entry.id).values["actual"] == 25.0
    assert store.entries.get(entry.id).values["status"] == "推进中"
    store.progress.set(entry.id, 2, {"value": 60, "status": "滞后", "follow_up": True})
    values = store.entries.get(entry.id).values
    assert (values["actual"], values["status"]) == (60.0, "滞后")
    # a later edit of an earlier quarter does not override the newest quarter
    store.progress.set(entry.id, 1, {"value": 30})
    assert store.entries.get(entry.id).values["actual"] == 60.0
    assert [p.quarter for p in store.progress.of_entry(entry.id)] == [1, 2]
    assert store.progress.of_entry(entry.id)[1].follow_up is True
    # merging: a partial update keeps the other fields
    store.progress.set(entry.id, 2, {"problems": "征迁慢"})
    q2 = store.progress.of_entry(entry.id)[1]
    assert (q2.value, q2.status, q2.problems) == (60.0, "滞后", "征迁慢")


@pytest.mark.parametrize(
    ("quarter", "values", "match"),
    [
        (5, {"value": 1}, "季度"),
        (1, {"value": "很多"}, "数字"),
        (1, {"status": "差不多"}, "可选值"),
        (1, {"colour": "red"}, "字段"),
    ],
)
def test_set_progress_rejects_bad_input(
    store: Store, ledger: Ledger, quarter: int, values: dict, match: str
) -> None:
    entry = store.entries.get(
        store.entries.add(ledger.id, "indicator", {"name": "甲", "goal": 100}).id
    )
    before = snapshot(store)
    with pytest.raises(InvalidData, match=match):
        store.progress.set(entry.id, quarter, values)
    assert snapshot(store) == before


def test_score_of_a_small_ledger(store: Store, ledger: Ledger) -> None:
    pm25 = next(t for t in store.catalogue.targets() if "PM2.5" in t["name"])
    store.entries.add(
        ledger.id, "indicator", {"name": "PM2.5", "target_id": pm25["id"], "goal": 32, "actual": 40}
    )
    store.entries.add(
        ledger.id, "platform", {"name": "云谷", "annual_goal": "x", "status": "已完成"}
    )
    store.assessment.add_adjustment(ledger.id, 2, "表彰")
    result = store.assessment.score(ledger.id, as_of=dt.date(2025, 8, 8))
    # the target says lower is better: 32/40 = 0.8 of the indicator's 30 points, scaled by
    # 100/45 (only 30 + 15 in use): 30 × 100/45 × 0.8 + 15 × 100/45 + 2 = 53.33 + 33.33 + 2
    assert result.total == pytest.approx((24 + 15) * 100 / 45 + 2)
    assert result.bonus == 2


def test_score_of_a_demo_ledger(demo_store: Store) -> None:
    for ledger in demo_store.ledgers.list(2025)[:6]:
        bonus = sum(
            a["points"] for a in demo_store.assessment.adjustments(ledger.id) if a["points"] > 0
        )
        result = demo_store.assessment.score(ledger.id, as_of=dt.date(2025, 12, 31))
        assert 0 < result.total <= 100 + bonus + 1e-9
        assert result.grade in ("优秀", "良好", "合格", "不合格")
        assert len(result.entries) == len(demo_store.entries.list(ledger.id))


def test_entry_linked_to_a_target_inherits_direction_and_attribute(
    store: Store, ledger: Ledger
) -> None:
    pm25 = next(t for t in store.catalogue.targets() if "PM2.5" in t["name"])
    assert pm25["lower_is_better"] and pm25["attribute"] == "约束性"
    linked = store.entries.get(
        store.entries.add(ledger.id, "indicator", {"name": "PM2.5", "target_id": pm25["id"]}).id
    )
    assert linked.values["direction"] == "越小越好"
    assert linked.values["attribute"] == "约束性"
    # what the clerk chose wins
    chosen = store.entries.get(
        store.entries.add(
            ledger.id,
            "indicator",
            {
                "name": "PM2.5",
                "target_id": pm25["id"],
                "direction": "越大越好",
                "attribute": "预期性",
            },
        ).id
    )
    assert chosen.values["direction"] == "越大越好"
    assert chosen.values["attribute"] == "预期性"
    plain = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "自定指标"}).id)
    assert plain.values["direction"] == "越大越好"


@pytest.mark.parametrize(
    ("category", "values", "label"),
    [
        ("indicator", {"name": "x", "target_id": 99_999}, "关联规划指标"),
        ("platform", {"name": "x", "catalogue_id": 99_999}, "关联规划平台"),
    ],
)
def test_links_to_missing_catalogue_rows_rejected(
    store: Store, ledger: Ledger, category: str, values: dict, label: str
) -> None:
    before = snapshot(store)
    with pytest.raises(InvalidData, match=f"{label}：所选项目在规划目录中不存在"):
        store.entries.add(ledger.id, category, values)
    assert snapshot(store) == before
    entry = store.entries.get(store.entries.add(ledger.id, category, {"name": "x"}).id)
    link = next(k for k in values if k != "name")
    with pytest.raises(InvalidData, match=label):
        store.entries.update(entry.id, {link: values[link]})
    problems = list(
        store.entries.update_many(
            [(entry.id, {link: values[link], "roadmap": "按月调度"})]
        ).problems
    )
    assert [p.label for p in problems] == [label]
    assert store.entries.get(entry.id).values["roadmap"] == "按月调度"
    assert store.entries.get(entry.id).values[link] is None


def test_undo_may_empty_a_required_field_but_a_paste_may_not(store: Store, ledger: Ledger) -> None:
    entry = store.entries.get(store.entries.add(ledger.id, "project", project_values()).id)
    problems = list(store.entries.update_many([(entry.id, {"owner_org": ""})]).problems)
    assert [p.label for p in problems] == ["业主单位"]
    assert store.entries.get(entry.id).values["owner_org"] == "之江城投集团"
    before = audit_count(store)
    assert (
        store.entries.update_many(
            [(entry.id, {"owner_org": None})], allow_empty_required=True
        ).problems
        == ()
    )
    assert store.entries.get(entry.id).values.get("owner_org") is None
    # one audited change, not a delete and a restore
    actions = [r["action"] for r in store.audit.log(limit=audit_count(store) - before)]
    assert actions == ["修改"]
    # every other check still applies
    problems = list(
        store.entries.update_many([(entry.id, {"goal": "abc"})], allow_empty_required=True).problems
    )
    assert [p.label for p in problems] == ["年度计划投资"]
