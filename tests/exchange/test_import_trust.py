"""Issue 11: imports that must never lose or misplace data, each fault as a hostile user
would cause it. Every test here failed on the import before entry keys and the one-rule
identity (relabelled returns, deletions, percent cells, merged cells, duplicates …)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xihu_desktop.core.categories import INDICATOR, PROJECT
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.store import Ledger, Store

REPO = Path(__file__).resolve().parents[2]


def _ledger(store: Store, name: str, year: int = 2025) -> Ledger:
    ledger = store.ledgers.find(store.units.find(name).id, year)
    assert ledger is not None
    return ledger


def _export(store: Store, ledger: Ledger, tmp_path: Path, name: str = "r.xlsx") -> Path:
    return ee.export_ledger(store, ledger.id, tmp_path / name)


def _col(cat: Any, key: str) -> int:
    return [f.key for f in layout.category_columns(cat)].index(key) + 1


def _workbook(path: Path, change: Callable[[openpyxl.Workbook], None]) -> None:
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)


def _fingerprints(store: Store) -> dict[int, str]:
    return {lg.id: ledger_fingerprint(store, lg.id) for lg in store.ledgers.list()}


@pytest.fixture
def shuangpu(demo_store: Store) -> Iterator[Ledger]:
    ledger = _ledger(demo_store, "双浦镇")
    if ledger.status != "草稿":
        demo_store.ledgers.set_status(ledger.id, "草稿")
    yield demo_store.ledgers.get(ledger.id)


# ---------------------------------------------------------------- 1. relabelled returns


def _relabel_meta(wb: openpyxl.Workbook) -> None:
    ws = wb[layout.META_SHEET]
    for row in ws.iter_rows():
        if row[0].value == layout.META_UNIT_CODE:
            row[1].value = "J03"  # 灵隐街道's code in the demo? replaced below by name
        if row[0].value == layout.META_UNIT_NAME:
            row[1].value = "灵隐街道"


def _relabel_cover(wb: openpyxl.Workbook, code: str) -> None:
    ws = wb[layout.COVER_SHEET]
    for row in ws.iter_rows():
        if row[0].value == layout.COVER_UNIT:
            row[1].value = "灵隐街道"
        if row[0].value == layout.COVER_UNIT_CODE:
            row[1].value = code


@pytest.mark.parametrize("how", ["metadata", "cover", "cover without metadata"])
def test_a_relabelled_return_never_touches_another_unit(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path, how: str
) -> None:
    lingyin = demo_store.units.find("灵隐街道")
    out = _export(demo_store, shuangpu, tmp_path)

    def relabel(wb: openpyxl.Workbook) -> None:
        if how == "metadata":
            ws = wb[layout.META_SHEET]
            for row in ws.iter_rows():
                if row[0].value == layout.META_UNIT_CODE:
                    row[1].value = lingyin.code
                if row[0].value == layout.META_UNIT_NAME:
                    row[1].value = lingyin.name
        else:
            _relabel_cover(wb, lingyin.code)
            if how == "cover without metadata":
                del wb[layout.META_SHEET]

    _workbook(out, relabel)
    before = _fingerprints(demo_store)
    with pytest.raises(ei.ImportRefused) as info:
        ei.import_file(demo_store, out, allow_locked=True, delete_missing=True)
    message = str(info.value)
    assert "灵隐街道" in message and "双浦镇" in message  # names both
    assert _fingerprints(demo_store) == before


def test_entry_keys_of_another_ledger_are_refused_even_when_every_label_agrees(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    """Metadata removed, cover and every title relabelled: the keys still give it away."""
    lingyin = demo_store.units.find("灵隐街道")
    out = _export(demo_store, shuangpu, tmp_path)

    def relabel(wb: openpyxl.Workbook) -> None:
        _relabel_cover(wb, lingyin.code)
        del wb[layout.META_SHEET]
        for ws in wb.worksheets:
            title = ws.cell(1, 1).value
            if isinstance(title, str) and title.startswith("双浦镇"):
                ws.cell(1, 1).value = title.replace("双浦镇", "灵隐街道")

    _workbook(out, relabel)
    before = _fingerprints(demo_store)
    with pytest.raises(ei.ImportRefused, match="属于双浦镇2025年台账"):
        ei.import_file(demo_store, out, allow_locked=True)
    assert _fingerprints(demo_store) == before


def test_a_return_with_an_edited_year_creates_no_ledger_unless_confirmed(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    out = _export(demo_store, shuangpu, tmp_path)

    def to_2026(wb: openpyxl.Workbook) -> None:
        del wb[layout.META_SHEET]
        for row in wb[layout.COVER_SHEET].iter_rows():
            if row[0].value == layout.COVER_YEAR:
                row[1].value = "2023"
        for ws in wb.worksheets:
            title = ws.cell(1, 1).value
            if isinstance(title, str):
                ws.cell(1, 1).value = title.replace("2025年", "2023年")

    _workbook(out, to_2026)
    counts = demo_store.counts()
    with pytest.raises(ei.ImportRefused):  # keys of the 2025 ledger, or a new ledger
        ei.import_file(demo_store, out)
    assert demo_store.counts() == counts
    assert demo_store.ledgers.find(shuangpu.unit_id, 2023) is None


def test_a_new_ledger_needs_a_confirmation(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    out = _export(demo_store, shuangpu, tmp_path)
    other = Store.open(tmp_path / "district.sqlite3")
    from xihu_desktop.store.seed import initialise

    initialise(other)
    with pytest.raises(ei.NeedsNewLedger, match="新建"):
        ei.import_file(other, out)
    assert other.ledgers.list() == []
    plan = ei.import_file(other, out, new_ledger=True)
    assert other.ledgers.get(plan.ledger_id or 0).status == "草稿"
    assert "（None）" not in plan.summary()
    other.close()


# ---------------------------------------------------------------- 2. nothing deleted unasked


def test_valid_only_with_an_unnamed_invalid_row_deletes_nothing_even_when_asked(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    """An invalid row without key or name may be the entry the return lacks."""
    out = _export(demo_store, shuangpu, tmp_path)
    projects = demo_store.entries.list(shuangpu.id, "project")

    def blank_first(wb: openpyxl.Workbook) -> None:
        ws = wb[PROJECT.label]
        ws.cell(4, _col(PROJECT, "name")).value = None
        ws.cell(4, _col(PROJECT, "_key")).value = None
        ws.cell(4, _col(PROJECT, "nature")).value = "扩建"  # invalid

    _workbook(out, blank_first)
    plan = ei.import_file(demo_store, out, valid_only=True, delete_missing=True)
    assert plan.count("removed") == 0 and plan.count("skipped") == 1
    assert [e.id for e in demo_store.entries.list(shuangpu.id, "project")] == [
        e.id for e in projects
    ]


# ---------------------------------------------------------------- 3. twice at once


def test_the_same_return_imported_twice_at_once_is_applied_once(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    out = _export(demo_store, shuangpu, tmp_path)

    def add_rows(wb: openpyxl.Workbook) -> None:
        ws = wb[PROJECT.label]
        for i in range(200):
            r = ws.max_row + 1
            ws.cell(r, _col(PROJECT, "name")).value = f"并发新增项目{i}"
            ws.cell(r, _col(PROJECT, "owner_org")).value = "某集团"
            ws.cell(r, _col(PROJECT, "nature")).value = "新建"
            ws.cell(r, _col(PROJECT, "goal")).value = 10

    _workbook(out, add_rows)
    before = len(demo_store.entries.list(shuangpu.id, "project"))
    db = str(demo_store.path)
    demo_store.close()
    code = (
        "import sys, json; from xihu_desktop.cli import main; "
        "sys.exit(main(['import-excel', '--db', sys.argv[1], sys.argv[2], '--json']))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, db, str(out)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    reports = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in results]
    assert sorted(r["counts"]["added"] for r in reports) == [0, 200]  # the second: 相同
    with Store.open(db) as again:
        names = [e.name for e in again.entries.list(shuangpu.id, "project")]
    assert len(names) == before + 200 and len(set(names)) == len(names)


# ---------------------------------------------------------------- 4. cells as the clerk saw them


def test_percent_cells_mean_what_the_clerk_saw(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    indicators = demo_store.entries.list(shuangpu.id, "indicator")
    first = indicators[0]
    demo_store.entries.update(first.id, {"measure_unit": "%", "goal": 99})
    second = indicators[1]
    demo_store.entries.update(second.id, {"measure_unit": "%", "goal": 90})
    third = indicators[2]
    demo_store.entries.update(third.id, {"measure_unit": "亿元"})
    out = _export(demo_store, shuangpu, tmp_path)
    actual = _col(INDICATOR, "actual")
    rows = {e.id: 4 + i for i, e in enumerate(demo_store.entries.list(shuangpu.id, "indicator"))}

    def typed(wb: openpyxl.Workbook) -> None:
        ws = wb[INDICATOR.label]
        cell = ws.cell(rows[first.id], actual)
        cell.value, cell.number_format = 0.985, "0.0%"  # Excel's 98.5%
        ws.cell(rows[second.id], actual).value = "85%"

    _workbook(out, typed)
    ei.import_file(demo_store, out)
    assert demo_store.entries.get(first.id).values["actual"] == pytest.approx(98.5)
    assert demo_store.entries.get(second.id).values["actual"] == 85

    def wrong_unit(wb: openpyxl.Workbook) -> None:
        cell = wb[INDICATOR.label].cell(rows[third.id], actual)
        cell.value, cell.number_format = 0.5, "0%"

    _workbook(out, wrong_unit)
    with pytest.raises(ei.ImportHasProblems, match="百分比格式"):
        ei.import_file(demo_store, out)


def test_money_and_counts(demo_store: Store, shuangpu: Ledger, tmp_path: Path) -> None:
    out = _export(demo_store, shuangpu, tmp_path)

    def negative(wb: openpyxl.Workbook) -> None:
        wb[PROJECT.label].cell(4, _col(PROJECT, "goal")).value = -100

    _workbook(out, negative)
    with pytest.raises(ei.ImportHasProblems, match="不能为负数"):
        ei.import_file(demo_store, out)
    if not demo_store.entries.list(shuangpu.id, "talent"):
        pytest.skip("no talent entry in this demo ledger")
    out = _export(demo_store, shuangpu, tmp_path, "t.xlsx")
    from xihu_desktop.core.categories import TALENT

    def fraction(wb: openpyxl.Workbook) -> None:
        wb[TALENT.label].cell(4, _col(TALENT, "goal")).value = 4.1

    _workbook(out, fraction)
    with pytest.raises(ei.ImportHasProblems, match="整数"):
        ei.import_file(demo_store, out)


# ---------------------------------------------------------------- 6. duplicated rows


def test_a_duplicated_row_is_refused_naming_both_rows(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    out = _export(demo_store, shuangpu, tmp_path)
    before = len(demo_store.entries.list(shuangpu.id, "project"))

    def duplicate(wb: openpyxl.Workbook) -> None:
        ws = wb[PROJECT.label]
        r = ws.max_row + 1
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = ws.cell(4, c).value

    _workbook(out, duplicate)
    with pytest.raises(ei.ImportHasProblems, match="第4行是同一条目"):
        ei.import_file(demo_store, out)
    plan = ei.import_file(demo_store, out, valid_only=True)
    assert plan.count("new") == 0
    assert len(demo_store.entries.list(shuangpu.id, "project")) == before


# ---------------------------------------------------------------- 7. what the clerk may not write


def test_the_returns_own_adjustments_are_ignored_and_reported(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    out = _export(demo_store, shuangpu, tmp_path)

    def bonus(wb: openpyxl.Workbook) -> None:
        ws = wb[layout.ADJUSTMENT_SHEET]
        r = ws.max_row + 1
        ws.cell(r, 2).value, ws.cell(r, 3).value = 10, "自己给自己加分"

    _workbook(out, bonus)
    before = demo_store.assessment.adjustments(shuangpu.id)
    plan = ei.import_file(demo_store, out)
    assert demo_store.assessment.adjustments(shuangpu.id) == before
    assert any("加减分" in line for line in plan.report())


# ---------------------------------------------------------------- 8. first row deleted


def test_deleting_the_first_row_with_its_progress_is_not_refused(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    out = _export(demo_store, shuangpu, tmp_path)
    first = demo_store.entries.list(shuangpu.id, "indicator")[0]  # the first row of all

    def drop(wb: openpyxl.Workbook) -> None:
        wb[INDICATOR.label].delete_rows(4)
        ws = wb[layout.PROGRESS_SHEET]
        for r in range(ws.max_row, 3, -1):
            if ws.cell(r, ws.max_column).value == first.key:
                ws.delete_rows(r)

    _workbook(out, drop)
    plan = ei.import_file(demo_store, out)
    assert plan.count("missing") == 1
    assert demo_store.entries.get(first.id).name == first.name


# ---------------------------------------------------------------- 9. re-sorted returns


def test_a_re_sorted_return_is_one_reorder_not_one_move_per_row(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path
) -> None:
    out = _export(demo_store, shuangpu, tmp_path)
    projects = demo_store.entries.list(shuangpu.id, "project")

    def reverse(wb: openpyxl.Workbook) -> None:
        ws = wb[PROJECT.label]
        data = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
        for r, values in enumerate(reversed(data), start=4):
            for c, v in enumerate(values, start=1):
                ws.cell(r, c).value = v

    _workbook(out, reverse)
    audit = demo_store.counts()["audit_log"]
    plan = ei.import_file(demo_store, out)
    assert plan.count("changed") == 0 and plan.count("unchanged") >= len(projects)
    assert [e.id for e in demo_store.entries.list(shuangpu.id, "project")] == [
        e.id for e in reversed(projects)
    ]
    assert demo_store.counts()["audit_log"] - audit == 1  # one 调整顺序 row


# ---------------------------------------------------------------- the report


def test_report_as_json_counts_every_kind(
    demo_store: Store, shuangpu: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from xihu_desktop import cli

    out = _export(demo_store, shuangpu, tmp_path)
    _workbook(out, lambda wb: wb[PROJECT.label].delete_rows(4))
    code = cli.main(["import-excel", "--db", str(demo_store.path), str(out), "--json"])
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code in (0, 1)
    assert set(report["counts"]) == {
        "added",
        "changed",
        "unchanged",
        "not_deleted",
        "deleted",
        "ignored",
        "progress",
        "reordered",
    }
    assert report["file"] == "r.xlsx" and report["unit"] == "双浦镇" and report["year"] == 2025
