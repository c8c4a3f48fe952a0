"""Importing Excel returns: exact round trip, hand-edited files, problems, permissions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from xihu_desktop.core.categories import CATEGORIES, ENTERPRISE, PROJECT
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.fingerprint import canonical_ledger, ledger_fingerprint
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Store]:
    """A second database: same catalogue and units, no ledgers."""
    s = Store.open(tmp_path / "district.sqlite3")
    initialise(s)
    yield s
    s.close()


def _draft(store: Store) -> Any:
    return next(ledger for ledger in store.ledgers.list(year=2025) if ledger.status == "草稿")


def _audit_rows(store: Store) -> int:
    return store.counts()["audit_log"]


def _same_ledger(a: Store, b: Store, ledger: Any) -> Any:
    other = b.ledgers.find(b.units.find(ledger.unit_code).id, ledger.year)
    assert other is not None
    return other


def _edit(path: Path, sheet: str, change: Callable[[list[list[Any]]], list[list[Any]]]) -> None:
    """Rewrite one sheet's values by hand, as a clerk in Excel would (drops merges)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    index = wb.sheetnames.index(sheet)
    wb.remove(ws)
    ws = wb.create_sheet(sheet, index)
    for r in change(rows):
        ws.append(r)
    wb.save(path)


def _admin_enters_adjustments(src: Store, dst: Store, ledger: Any, other: Any) -> None:
    """A return's 加减分 are not imported: the district administrator enters them."""
    for a in src.assessment.adjustments(ledger.id):
        dst.assessment.add_adjustment(other.id, a.points, a.reason)


def _col(cat: Any, key: str) -> int:
    return [f.key for f in layout.category_columns(cat)].index(key)


# ---------------------------------------------------------------- round trip


@pytest.mark.parametrize("cat", CATEGORIES, ids=[c.key for c in CATEGORIES])
def test_round_trip_is_exact_for_every_category(
    demo_store: Store, fresh: Store, tmp_path: Path, cat: Any
) -> None:
    ledger = max(
        demo_store.ledgers.list(year=2025),
        key=lambda lg: len(demo_store.entries.list(lg.id, cat.key)),
    )
    assert demo_store.entries.list(ledger.id, cat.key), "the demo must fill this category"
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    plan = ei.import_file(fresh, out, allow_locked=True, new_ledger=True)
    assert plan.count("new") == sum(demo_store.entries.counts(ledger.id).values())
    other = _same_ledger(demo_store, fresh, ledger)
    _admin_enters_adjustments(demo_store, fresh, ledger, other)
    a, b = canonical_ledger(demo_store, ledger.id), canonical_ledger(fresh, other.id)
    assert [e for e in a["entries"] if e["category"] == cat.key] == [
        e for e in b["entries"] if e["category"] == cat.key
    ]
    assert a == b
    assert ledger_fingerprint(fresh, other.id) == ledger_fingerprint(demo_store, ledger.id)


def test_round_trip_of_awkward_values(store: Store, fresh: Store, tmp_path: Path) -> None:
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    store.ledgers.update(
        ledger.id,
        {
            "leader": "张三",
            "contact": None,
            "preparer": "=李四",
            "self_assessment": "第一行\n第二行",
        },
    )
    e1 = store.entries.get(
        store.entries.add(
            ledger.id,
            "project",
            {
                "name": "=SUM(A1)",
                "owner_org": "+业主",
                "nature": "续建",
                "total_investment": 123456789.123456,
                "goal": 0.01,
                "remark": "多行\n说明\n-减号",
                "weight": 0,
            },
        ).id
    )
    e2 = store.entries.get(
        store.entries.add(
            ledger.id, "indicator", {"name": "无关联指标", "goal": -3.5, "status": None}
        ).id
    )
    store.progress.set(e1.id, 2, {"value": 5, "status": "推进中", "follow_up": True})
    store.progress.set(e2.id, 1, {})  # a quarter that exists with nothing in it
    store.entries.update(e1.id, {"actual": 4})  # actual differs from the latest progress value
    store.assessment.add_adjustment(ledger.id, 1.5, "加分理由")
    store.assessment.add_adjustment(ledger.id, -0.25, "@扣分")
    out = ee.export_ledger(store, ledger.id, tmp_path / "r.xlsx")
    plan = ei.import_file(fresh, out, new_ledger=True)
    assert any("加减分" in line for line in plan.ignored)
    other = _same_ledger(store, fresh, ledger)
    assert fresh.assessment.adjustments(other.id) == []
    _admin_enters_adjustments(store, fresh, ledger, other)
    assert canonical_ledger(fresh, other.id) == canonical_ledger(store, ledger.id)


def test_whole_demo_district_round_trips(demo_store: Store, fresh: Store, tmp_path: Path) -> None:
    for ledger in demo_store.ledgers.list(year=2025):
        out = ee.export_ledger(demo_store, ledger.id, tmp_path / f"{ledger.id}.xlsx")
        ei.import_file(fresh, out, allow_locked=True, new_ledger=True)
        other = _same_ledger(demo_store, fresh, ledger)
        _admin_enters_adjustments(demo_store, fresh, ledger, other)
        assert ledger_fingerprint(fresh, other.id) == ledger_fingerprint(demo_store, ledger.id)


def test_importing_twice_changes_nothing(demo_store: Store, fresh: Store, tmp_path: Path) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    ei.import_file(fresh, out, new_ledger=True)
    other = _same_ledger(demo_store, fresh, ledger)
    before, rows = ledger_fingerprint(fresh, other.id), _audit_rows(fresh)
    revision = fresh.ledgers.get(other.id).revision
    plan = ei.import_file(fresh, out)
    assert not plan.has_changes
    assert "无需导入" in plan.summary() and "相同" in plan.summary()
    assert ledger_fingerprint(fresh, other.id) == before
    assert _audit_rows(fresh) == rows
    assert fresh.ledgers.get(other.id).revision == revision


def test_return_into_its_own_ledger_updates_in_place(demo_store: Store, tmp_path: Path) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    rows = _audit_rows(demo_store)
    assert not ei.import_file(demo_store, out).has_changes
    assert _audit_rows(demo_store) == rows
    projects = demo_store.entries.list(ledger.id, "project")
    first = projects[0]
    name_col = _col(PROJECT, "name")

    def rename(rows: list[list[Any]]) -> list[list[Any]]:
        rows[3][name_col] = "改过名字的项目"
        return rows

    _edit(out, PROJECT.label, rename)
    plan = ei.import_file(demo_store, out)
    assert (plan.count("changed"), plan.count("new"), plan.count("removed")) == (1, 0, 0)
    after = demo_store.entries.list(ledger.id, "project")
    assert [e.id for e in after] == [e.id for e in projects]
    assert demo_store.entries.get(first.id).name == "改过名字的项目"
    assert demo_store.progress.of_entry(first.id)  # the progress stays with the entry


# ---------------------------------------------------------------- hand-edited returns


def test_hand_edited_return_is_understood(demo_store: Store, tmp_path: Path) -> None:
    ledger = _draft(demo_store)
    before = demo_store.entries.list(ledger.id, "project")
    assert len(before) >= 2
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    cols = {f.key: i for i, f in enumerate(layout.category_columns(PROJECT))}

    def edit(rows: list[list[Any]]) -> list[list[Any]]:
        header = rows[2]
        header[cols["name"]] = " 项目 名称 "
        header[cols["total_investment"]] = "总投资(万元)"
        header[cols["start_year"]] = "开工年份"
        data = rows[3:]
        data[0][cols["total_investment"]] = "１,２３４,５６７.５"  # above any annual goal
        data[0][cols["start_year"]] = "2021年"
        data[1][cols["goal"]] = " 88 "
        new = [None] * len(header)
        new[cols["name"]] = "手工新增项目"
        new[cols["owner_org"]] = "某某公司"
        new[cols["nature"]] = "新 建"
        new[cols["goal"]] = "１００"
        blank = [None] * len(header)
        table = [rows[0], rows[1], header, blank, *data, blank, blank, new]
        # columns reordered: move 总投资 to the far left
        order = [
            cols["total_investment"],
            *(i for i in range(len(header)) if i != cols["total_investment"]),
        ]
        return [[r[i] if i < len(r) else None for i in order] for r in table]

    _edit(out, PROJECT.label, edit)
    plan = ei.import_file(demo_store, out)
    assert not plan.problems
    after = demo_store.entries.list(ledger.id, "project")
    assert [e.id for e in after[:-1]] == [e.id for e in before]
    assert after[0].values["total_investment"] == 1234567.5
    assert after[0].values["start_year"] == 2021
    assert after[1].values["goal"] == 88
    added = after[-1]
    assert added.name == "手工新增项目" and added.values["nature"] == "新建"
    assert added.values["goal"] == 100


def test_merged_data_cells_are_refused_naming_the_range(demo_store: Store, tmp_path: Path) -> None:
    """Merging two name cells used to give the second entry the first one's name."""
    ledger = _draft(demo_store)
    before = [(e.id, e.values) for e in demo_store.entries.list(ledger.id, "project")]
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[PROJECT.label]
    name = get_column_letter(_col(PROJECT, "name") + 1)
    goal = get_column_letter(_col(PROJECT, "goal") + 1)
    ws.merge_cells(f"{name}4:{name}5")
    ws.merge_cells(f"{goal}4:{goal}5")
    wb.save(out)
    with pytest.raises(ei.ImportHasProblems, match=f"{name}4:{name}5") as info:
        ei.import_file(demo_store, out)
    assert f"{goal}4:{goal}5" in str(info.value) and "合并单元格" in str(info.value)
    plan = ei.import_file(demo_store, out, valid_only=True)  # the merged rows are skipped
    assert plan.count("skipped") == 2
    assert [(e.id, e.values) for e in demo_store.entries.list(ledger.id, "project")] == before


def test_a_row_missing_from_the_return_is_kept_unless_deletion_is_asked_for(
    demo_store: Store, tmp_path: Path
) -> None:
    ledger = _draft(demo_store)
    before = demo_store.entries.list(ledger.id, "project")
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    _edit(out, PROJECT.label, lambda rows: rows[:3] + rows[4:])
    # its progress rows go too, or they would point at nothing
    _edit(out, layout.PROGRESS_SHEET, lambda rows: [r for r in rows if r[-1] != before[0].key])
    plan = ei.import_file(demo_store, out)
    assert (plan.count("missing"), plan.count("removed")) == (1, 0)
    assert f"“{before[0].name}”" in "\n".join(plan.report())
    assert "未删除" in plan.summary()
    assert [e.id for e in demo_store.entries.list(ledger.id, "project")] == [e.id for e in before]
    plan = ei.import_file(demo_store, out, delete_missing=True)
    assert plan.count("removed") == 1
    assert [e.id for e in demo_store.entries.list(ledger.id, "project")] == [
        e.id for e in before[1:]
    ]


# ---------------------------------------------------------------- problems


def test_problems_name_sheet_cell_and_field_and_nothing_is_written(
    demo_store: Store, tmp_path: Path
) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    nature, remark = _col(PROJECT, "nature"), _col(PROJECT, "remark")

    def bad_project(rows: list[list[Any]]) -> list[list[Any]]:
        rows[4][nature] = "扩建"
        rows[3][remark] = "有效的修改"
        return rows

    _edit(out, PROJECT.label, bad_project)
    code = _col(ENTERPRISE, "credit_code")
    _edit(
        out,
        ENTERPRISE.label,
        lambda rows: [*rows[:3], [*rows[3][:code], "123", *rows[3][code + 1 :]], *rows[4:]],
    )
    fingerprint, rows = ledger_fingerprint(demo_store, ledger.id), _audit_rows(demo_store)
    with pytest.raises(ei.ImportHasProblems) as info:
        ei.import_file(demo_store, out)
    message = str(info.value)
    assert f"工作表“{PROJECT.label}” {get_column_letter(nature + 1)}5 建设性质" in message
    assert "扩建" in message
    assert f"{get_column_letter(code + 1)}4 统一社会信用代码" in message
    assert ledger_fingerprint(demo_store, ledger.id) == fingerprint
    assert _audit_rows(demo_store) == rows

    dry = ei.import_file(demo_store, out, dry_run=True)
    assert len(dry.problems) == 2 and dry.count("skipped") == 2
    assert _audit_rows(demo_store) == rows

    projects = demo_store.entries.list(ledger.id, "project")
    plan = ei.import_file(demo_store, out, valid_only=True)
    assert plan.count("skipped") == 2
    after = demo_store.entries.list(ledger.id, "project")
    assert [e.id for e in after] == [e.id for e in projects]  # the invalid row's entry stays
    assert after[0].values["remark"] == "有效的修改"
    assert after[1].values["nature"] == projects[1].values["nature"]


def test_formula_without_cached_value_is_reported(demo_store: Store, tmp_path: Path) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    letter = get_column_letter(_col(PROJECT, "remark") + 1)
    wb[PROJECT.label][f"{letter}4"] = "=1+1"
    wb.save(out)
    plan = ei.import_file(demo_store, out, dry_run=True)
    assert any(p.cell == f"{letter}4" and "公式" in p.message for p in plan.problems)
    with pytest.raises(ei.ImportHasProblems):
        ei.import_file(demo_store, out)


def test_unknown_unit_is_fatal(demo_store: Store, tmp_path: Path) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    other = Store.open(tmp_path / "other.sqlite3")
    initialise(other)
    other.conn.execute(
        "UPDATE units SET code = 'ZZ', name = '别的单位' WHERE code = ?", (ledger.unit_code,)
    )
    with pytest.raises(ei.ImportRefused, match="不存在"):
        ei.import_file(other, out, valid_only=True)
    other.close()


# ---------------------------------------------------------------- permissions


def test_submitted_ledger_needs_the_administrator(demo_store: Store, tmp_path: Path) -> None:
    ledger = next(lg for lg in demo_store.ledgers.list(year=2024) if lg.status == "已锁定")
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    remark = _col(PROJECT, "remark")

    def edit(rows: list[list[Any]]) -> list[list[Any]]:
        rows[3][remark] = "区里改的"
        return rows

    _edit(out, PROJECT.label, edit)
    rows = _audit_rows(demo_store)
    with pytest.raises(ei.ImportRefused, match="已锁定"):
        ei.import_file(demo_store, out)
    demo_store.act_as("填报员", "operator", ledger.unit_id)
    with pytest.raises(ei.ImportRefused, match="管理员"):
        ei.import_file(demo_store, out, allow_locked=True)
    assert _audit_rows(demo_store) == rows
    demo_store.act_as("管理员", "admin")
    ei.import_file(demo_store, out, allow_locked=True)
    assert demo_store.entries.list(ledger.id, "project")[0].values["remark"] == "区里改的"
    assert demo_store.ledgers.get(ledger.id).status == "已锁定"


def test_import_into_an_empty_draft_ledger(demo_store: Store, fresh: Store, tmp_path: Path) -> None:
    ledger = next(lg for lg in demo_store.ledgers.list(year=2025) if lg.status == "已提交")
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    empty = fresh.ledgers.get(fresh.ledgers.create(fresh.units.find(ledger.unit_code).id, 2025).id)
    plan = ei.import_file(fresh, out)  # the draft in this database needs no administrator
    assert plan.ledger_id == empty.id
    assert fresh.ledgers.get(empty.id).status == "草稿"
    _admin_enters_adjustments(demo_store, fresh, ledger, empty)
    assert ledger_fingerprint(fresh, empty.id) == ledger_fingerprint(demo_store, ledger.id)
