"""The one door (exchange/inbox.py): kinds, statuses, conflicts and their resolution,
reviews, the inbox log; files as a suspicious district office would send them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from arrivals_at_once import twice_at_once
from openpyxl.utils import get_column_letter

from xihu_desktop import cli
from xihu_desktop.core.categories import PROJECT
from xihu_desktop.core.enums import ArrivalStatus, LedgerStatus, ReviewState
from xihu_desktop.exchange import decomposition_xlsx, packages
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.arrival import ArrivalReport
from xihu_desktop.exchange.conflicts import differences
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.exchange.import_plan import plan_import
from xihu_desktop.exchange.inbox import expand, receive
from xihu_desktop.exchange.inbox_returns import apply_chosen
from xihu_desktop.exchange.return_read import Lookups, read_return
from xihu_desktop.store import InvalidData, Ledger, PermissionDenied, Store
from xihu_desktop.store.seed import initialise

YEAR = 2025


def _ledger(store: Store, name: str = "双浦镇") -> Ledger:
    unit = store.units.find(name)
    found = store.ledgers.find(unit.id, YEAR)
    assert found is not None
    return found


def _col(key: str) -> str:
    return get_column_letter([f.key for f in layout.category_columns(PROJECT)].index(key) + 1)


def _edit(path: Path, change: Callable[[Any], None]) -> Path:
    wb = openpyxl.load_workbook(path)
    change(wb[PROJECT.label])
    wb.save(path)
    return path


def _set(cell: str, value: Any) -> Callable[[Any], None]:
    def change(ws: Any) -> None:
        ws[cell] = value

    return change


def _one(store: Store, path: Path, **options: Any) -> ArrivalReport:
    (report,) = receive(store, [path], **options)
    return report


@pytest.fixture
def ledger(demo_store: Store) -> Ledger:
    found = _ledger(demo_store)
    if found.status == LedgerStatus.DRAFT:  # a submitted one: the district needs no flag
        demo_store.ledgers.set_status(found.id, LedgerStatus.SUBMITTED)
    return demo_store.ledgers.get(found.id)


@pytest.fixture
def ret(demo_store: Store, ledger: Ledger, tmp_path: Path) -> Path:
    return ee.export_ledger(demo_store, ledger.id, tmp_path / "双浦镇.xlsx")


def _remark(store: Store, ledger: Ledger) -> Any:
    return store.entries.list(ledger.id, "project")[0].values.get("remark")


# ---------------------------------------------------------------- statuses


def test_same_then_updated_then_same_again(demo_store: Store, ledger: Ledger, ret: Path) -> None:
    assert demo_store.review.state(YEAR, ledger.unit_id).state == ReviewState.NOT_REPORTED
    first = _one(demo_store, ret)
    assert first.status == ArrivalStatus.SAME and first.unit == "双浦镇" and first.year == YEAR
    review = demo_store.review.state(YEAR, ledger.unit_id)
    assert review.state == ReviewState.REPORTED and review.file == ret.name
    assert review.fingerprint == ledger_fingerprint(demo_store, ledger.id)

    _edit(ret, _set(f"{_col('remark')}4", "区里收到的新备注"))
    updated = _one(demo_store, ret)
    assert updated.status == ArrivalStatus.UPDATED, updated.lines
    assert _remark(demo_store, ledger) == "区里收到的新备注"
    assert demo_store.ledgers.get(ledger.id).status == LedgerStatus.SUBMITTED  # flag untouched

    audit, revision = demo_store.counts()["audit_log"], demo_store.ledgers.get(ledger.id).revision
    again = _one(demo_store, ret)
    assert again.status == ArrivalStatus.SAME
    assert demo_store.counts()["audit_log"] == audit  # the second writes nothing
    assert demo_store.ledgers.get(ledger.id).revision == revision
    log = [a.status for a in demo_store.review.inbox(YEAR)]
    assert log[:3] == [ArrivalStatus.SAME, ArrivalStatus.UPDATED, ArrivalStatus.SAME]


def test_new_ledger_only_when_the_district_expects_it(
    demo_store: Store, ledger: Ledger, ret: Path, tmp_path: Path
) -> None:
    fresh = Store.open(tmp_path / "fresh.sqlite3")
    initialise(fresh)
    unit = fresh.units.find("双浦镇")
    refused = _one(fresh, ret)
    assert refused.status == ArrivalStatus.ERROR and "--new-ledger" in refused.summary()
    assert fresh.ledgers.find(unit.id, YEAR) is None
    with fresh.transaction():  # the package slice's record of a package issued
        fresh.execute(
            "INSERT INTO packages (year, unit_id, revision, issued_at) VALUES (?, ?, 1, 'x')",
            (YEAR, unit.id),
        )
    created = _one(fresh, ret)
    assert created.status == ArrivalStatus.NEW, created.lines
    assert fresh.ledgers.find(unit.id, YEAR) is not None
    assert fresh.review.state(YEAR, unit.id).state == ReviewState.REPORTED
    assert [a.status for a in fresh.review.inbox()] == [ArrivalStatus.NEW, ArrivalStatus.ERROR]
    fresh.close()


def test_errors_are_reported_and_logged_and_never_stop_the_others(
    demo_store: Store, ledger: Ledger, ret: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text("a,b\n")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK not really")
    other = _ledger(demo_store, "三墩镇")
    relabelled = ee.export_ledger(demo_store, other.id, tmp_path / "改过.xlsx")
    wb = openpyxl.load_workbook(relabelled)
    wb[layout.META_SHEET]["B5"] = "x"  # break the unit code: parts of the file disagree
    for row in wb[layout.META_SHEET].iter_rows():
        if row[0].value == layout.META_UNIT_CODE:
            row[1].value = demo_store.units.find("双浦镇").code
        if row[0].value == layout.META_UNIT_NAME:
            row[1].value = "双浦镇"
    wb.save(relabelled)
    reports = receive(demo_store, [csv, broken, relabelled, ret])
    assert [r.status for r in reports] == [ArrivalStatus.ERROR] * 3 + [ArrivalStatus.SAME]
    assert "不是 xlsx" in reports[0].summary()
    assert all(r.summary() for r in reports[:3])
    assert len(demo_store.review.inbox()) == 4
    assert {a.status for a in demo_store.review.inbox()} == {"错误", "相同"}


def test_a_folder_expands_to_its_xlsx_without_lock_files(ret: Path, tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    folder.mkdir()
    (folder / "b.xlsx").write_bytes(ret.read_bytes())
    (folder / "a.xlsx").write_bytes(ret.read_bytes())
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "说明.txt").write_text("hello")
    (folder / "sub").mkdir()
    assert [p.name for p in expand([folder])] == ["a.xlsx", "b.xlsx"]


def test_folder_received_in_order(demo_store: Store, ret: Path, tmp_path: Path) -> None:
    folder = tmp_path / "收件"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(ret.read_bytes())
    (folder / "~$a.xlsx").write_bytes(b"lock")
    (folder / "说明.txt").write_text("hello")
    seen: list[tuple[int, int]] = []
    reports = receive(demo_store, [folder], progress=lambda d, t, _label="": seen.append((d, t)))
    assert [r.file for r in reports] == ["a.xlsx"] and seen[-1] == (1, 1)


# ---------------------------------------------------------------- conflicts


def _accepted(store: Store, ledger: Ledger, ret: Path) -> None:
    assert _one(store, ret).status == ArrivalStatus.SAME
    store.review.accept(YEAR, ledger.unit_id)


def test_accepted_and_differing_is_a_conflict_nothing_written(
    demo_store: Store, ledger: Ledger, ret: Path
) -> None:
    _accepted(demo_store, ledger, ret)
    before = ledger_fingerprint(demo_store, ledger.id)
    assert _one(demo_store, ret).status == ArrivalStatus.SAME  # identical: 相同
    _edit(ret, _set(f"{_col('remark')}4", "审核后又改的备注"))
    report = _one(demo_store, ret)
    assert report.status == ArrivalStatus.CONFLICT
    assert ledger_fingerprint(demo_store, ledger.id) == before
    (diff,) = report.data["differences"]
    assert diff["field"] == "备注" and diff["file"] == "审核后又改的备注"
    assert demo_store.review.state(YEAR, ledger.unit_id).state == ReviewState.ACCEPTED

    taken = _one(demo_store, ret, take_file=True)
    assert taken.status == ArrivalStatus.UPDATED
    assert _remark(demo_store, ledger) == "审核后又改的备注"
    assert demo_store.review.state(YEAR, ledger.unit_id).state == ReviewState.ACCEPTED


def test_conflict_resolved_per_field(demo_store: Store, ledger: Ledger, ret: Path) -> None:
    _accepted(demo_store, ledger, ret)
    old_goal = demo_store.entries.list(ledger.id, "project")[0].values.get("goal")

    def change(ws: Any) -> None:
        ws[f"{_col('remark')}4"] = "采用这个"
        ws[f"{_col('goal')}4"] = 0.5

    _edit(ret, change)
    plan = plan_import(demo_store, read_return(ret, Lookups.of(demo_store)))
    diffs = differences(demo_store, plan)
    assert {d.field for d in diffs} >= {"备注", "年度计划投资"}
    remark = next(d for d in diffs if d.field == "备注")
    report = apply_chosen(demo_store, ret, {remark.id})
    assert report.status == ArrivalStatus.UPDATED
    entry = demo_store.entries.list(ledger.id, "project")[0]
    assert entry.values["remark"] == "采用这个" and entry.values.get("goal") == old_goal
    assert demo_store.review.state(YEAR, ledger.unit_id).state == ReviewState.ACCEPTED


def test_conflict_cli_keeps_then_takes_file(
    demo_store: Store, ledger: Ledger, ret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    assert cli.main(["import-excel", "--db", db, str(ret)]) == 0
    unit = demo_store.units.get(ledger.unit_id).code
    assert cli.main(["review", "--db", db, "--year", "2025", "--unit", unit, "--accept"]) == 0
    _edit(ret, _set(f"{_col('remark')}4", "冲突"))
    capsys.readouterr()
    assert cli.main(["import-excel", "--db", db, str(ret)]) == 1
    out = capsys.readouterr().out
    assert f"{ret.name}：冲突：" in out and "备注" in out
    assert _remark(demo_store, ledger) != "冲突"
    assert cli.main(["import-excel", "--db", db, str(ret), "--take-file"]) == 0
    assert _remark(demo_store, ledger) == "冲突"


# ---------------------------------------------------------------- review


def test_review_accept_and_return(demo_store: Store, ledger: Ledger, ret: Path) -> None:
    unit_id = ledger.unit_id
    with pytest.raises(InvalidData, match="尚未收到"):
        demo_store.review.accept(YEAR, unit_id)
    _one(demo_store, ret)
    with pytest.raises(InvalidData, match="理由"):
        demo_store.review.send_back(YEAR, unit_id, "  ")
    changes = demo_store.review.send_back(YEAR, unit_id, "项目投资数据与统计口径不符")
    assert changes.district == frozenset({YEAR}) and ledger.id in changes.ledgers
    review = demo_store.review.state(YEAR, unit_id)
    assert review.state == ReviewState.RETURNED and review.reason == "项目投资数据与统计口径不符"
    assert review.reviewer and review.reviewed_at
    assert demo_store.audit.log(ledger.id, 5)[0]["action"] == "退回报表"
    demo_store.review.accept(YEAR, unit_id)
    assert demo_store.review.state(YEAR, unit_id).state == ReviewState.ACCEPTED
    assert [r.unit_id for r in demo_store.review.list(YEAR)] == [unit_id]
    demo_store.act_as("clerk", "operator", unit_id)
    with pytest.raises(PermissionDenied):
        demo_store.review.send_back(YEAR, unit_id, "理由")


def test_review_cli_refuses_an_empty_reason(
    demo_store: Store, ledger: Ledger, ret: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    _one(demo_store, ret)
    code = demo_store.units.get(ledger.unit_id).code
    assert cli.main(["review", "--db", db, "--year", "2025", "--unit", code, "--return", ""]) == 2
    assert "理由" in capsys.readouterr().err
    assert cli.main(["review", "--db", db, "--year", "2025", "--unit", code, "--return", "缺"]) == 0
    assert "退回：缺" in capsys.readouterr().out


# ---------------------------------------------------------------- the other kinds


def _kind_file(path: Path, kind: str) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    meta = wb.create_sheet(layout.META_SHEET)
    meta.append([layout.META_KIND, kind])
    wb.save(path)
    return path


def test_dispatch_by_kind(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str, dict[str, Any]]] = []

    def fake(kind: str) -> Callable[..., ArrivalReport]:
        def importer(store: Store, path: Path, **kw: Any) -> ArrivalReport:
            calls.append((kind, Path(path).name, kw))
            return ArrivalReport(Path(path).name, kind, ArrivalStatus.NEW, "三墩镇", YEAR, ["ok"])

        return importer

    monkeypatch.setattr(packages, "import_package", fake(layout.KIND_PACKAGE))
    monkeypatch.setattr(decomposition_xlsx, "import_decomposition", fake(layout.KIND_DECOMPOSITION))
    pkg = _kind_file(tmp_path / "p.xlsx", layout.KIND_PACKAGE)
    dec = _kind_file(tmp_path / "d.xlsx", layout.KIND_DECOMPOSITION)
    summary = _kind_file(tmp_path / "s.xlsx", layout.KIND_SUMMARY)
    unknown = _kind_file(tmp_path / "u.xlsx", "weird")
    reports = receive(demo_store, [pkg, dec, summary, unknown], delete_missing=True)
    assert [r.status for r in reports] == ["新增", "新增", "错误", "错误"]
    assert calls == [
        ("package", "p.xlsx", {"dry_run": False}),
        ("decomposition", "d.xlsx", {"dry_run": False, "delete_missing": True}),
    ]
    assert "汇总表" in reports[2].summary() and "weird" in reports[3].summary()


def test_a_bogus_package_is_an_error_and_a_dry_run_logs_nothing(
    demo_store: Store, tmp_path: Path
) -> None:
    pkg = _kind_file(tmp_path / "p.xlsx", layout.KIND_PACKAGE)
    (report,) = receive(demo_store, [pkg], dry_run=True)
    assert report.status == ArrivalStatus.ERROR and demo_store.review.inbox() == []


# ---------------------------------------------------------------- twice at once


def test_the_same_return_twice_at_once(demo_store: Store, ledger: Ledger, ret: Path) -> None:
    _edit(ret, _set(f"{_col('remark')}4", "同时导入"))
    path = demo_store.path
    assert path is not None
    results = twice_at_once(path, ret)
    assert sorted(r.status for r in results) == sorted(["更新", "相同"]), [r.lines for r in results]
    assert _remark(demo_store, ledger) == "同时导入"
    assert demo_store.review.state(YEAR, ledger.unit_id).state == ReviewState.REPORTED
