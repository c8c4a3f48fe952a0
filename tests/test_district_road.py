"""The district's road in one test, through the command line and the files a USB stick
carries: decompose → package for 三墩镇 → import into a fresh unit file → fill and export
the return → the district imports it with two other returns, one of them conflicting →
resolve → return with a reason → receipt → the unit imports it and sees 退回 and the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xihu_desktop import cli
from xihu_desktop.core.enums import ArrivalStatus, LedgerStatus, ReviewState
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.exchange.conflicts import differences
from xihu_desktop.exchange.import_plan import plan_import
from xihu_desktop.exchange.inbox_returns import apply_chosen
from xihu_desktop.exchange.return_read import Lookups, read_return
from xihu_desktop.store import Entry, Store

YEAR = 2025
SEQ = 10  # 做地总量 (亩): an additive target the towns share
SHARES = {"三墩镇": 1200.0, "双浦镇": 500.0, "北山街道": 300.0}


def _run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _ok(capsys: pytest.CaptureFixture[str], *argv: Any) -> str:
    code, out, err = _run(capsys, *argv)
    assert code == 0, (argv, out, err)
    return out


def _header(ws: Any) -> tuple[int, dict[str, int]]:
    """The last of a sheet's two header rows and its columns by text (both rows)."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        texts = {str(c.value).strip(): c.column for c in row if c.value is not None}
        if "序号" in texts or "名称" in texts:
            below = ws[row[0].row + 1]
            texts.update({str(c.value).strip(): c.column for c in below if c.value is not None})
            return row[0].row + 1, texts
    raise AssertionError(f"no header in {ws.title}")


def _decompose(capsys: pytest.CaptureFixture[str], district: Path, tmp_path: Path) -> None:
    """Plan in Excel as an office does: shares of 做地总量 and one project to 三墩镇."""
    table = tmp_path / "任务分解.xlsx"
    _ok(capsys, "decompose", "--db", district, "--year", YEAR, "--out", table)
    wb = openpyxl.load_workbook(table)
    ws = wb["指标分解"]
    h, cols = _header(ws)
    row = next(r for r in range(h + 1, ws.max_row + 1) if ws.cell(r, cols["序号"]).value == SEQ)
    goal_col = next(c for t, c in cols.items() if "区年度目标" in t)
    ws.cell(row, goal_col).value = sum(SHARES.values())
    for unit, share in SHARES.items():
        ws.cell(row, cols[unit]).value = share
    items = wb["项目分配"]
    h, cols = _header(items)
    name_col = next(c for t, c in cols.items() if t in ("名称", "项目名称", "条目名称"))
    unit_col = next(c for t, c in cols.items() if "责任单位" in t)
    project = next(
        r
        for r in range(h + 1, items.max_row + 1)
        if items.cell(r, name_col).value == "三墩镇文体中心"
    )
    items.cell(project, unit_col).value = "三墩镇"
    wb.save(table)
    out = _ok(capsys, "decompose", "--db", district, "--year", YEAR, "--from", table)
    assert "任务分解" in out or "新增" in out or "更新" in out


def _unit_file(
    capsys: pytest.CaptureFixture[str], district: Path, tmp_path: Path, unit: str
) -> Path:
    """The unit's own file, started from the package the district sent."""
    package = tmp_path / f"{unit}任务包.xlsx"
    _ok(capsys, "package", "--db", district, "--year", YEAR, "--unit", unit, "--out", package)
    own = tmp_path / f"{unit}.sqlite3"
    _ok(capsys, "init", "--db", own)  # an empty file: the package binds it
    out = _ok(capsys, "import-excel", "--db", own, package)
    assert "新增" in out
    return own


def _share_entry(store: Store) -> Entry:
    ledger = store.ledgers.list(year=YEAR)[0]
    return next(e for e in store.entries.list(ledger.id, "indicator") if e.assigned)


def _export(capsys: pytest.CaptureFixture[str], own: Path, unit: str, out: Path) -> Path:
    _ok(capsys, "export-excel", "--db", own, "--year", YEAR, "--unit", unit, "--out", out)
    return out


def _unit_window_shows_the_return(qtbot: Any, own: Path, tmp_path: Path, reason: str) -> None:
    """The clerk opens her file: 退回 and the reason on the header, the ledger editable."""
    from PySide6.QtCore import QSettings

    from xihu_desktop.ui.main_window import MainWindow

    with Store.open(own) as u:
        window = MainWindow(u, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.select(u.units.find("三墩镇").id, YEAR)
        window.show()
        label = window.header.review_label
        assert label.isVisible() and "退回" in label.text() and reason in label.text()
        assert window.ledger is not None and window.ledger.status == LedgerStatus.DRAFT
        assert "区级(&D)" not in [a.text() for a in window.menuBar().actions() if a.isVisible()]
        window.close()


def test_the_district_road(capsys: pytest.CaptureFixture[str], tmp_path: Path, qtbot: Any) -> None:
    district = tmp_path / "区发改局.sqlite3"
    _ok(capsys, "init", "--db", district)
    _decompose(capsys, district, tmp_path)
    with Store.open(district) as d:
        tasks = d.decomposition.for_unit(YEAR, d.units.find("三墩镇").id)
        share_key = next(s.key for s in tasks.shares if s.target.seq == SEQ)
        assert [a.item.name for a in tasks.assignments] == ["三墩镇文体中心"]

    # 三墩镇: a fresh unit file from its package keeps the district's keys.
    sandun = _unit_file(capsys, district, tmp_path, "三墩镇")
    with Store.open(sandun) as u:
        assert u.settings.get(BOUND_UNIT) == u.units.find("三墩镇").code
        entry = _share_entry(u)
        assert entry.key == share_key and entry.values["goal"] == SHARES["三墩镇"]
        assert entry.values["target_id"] is not None
        u.entries.update(entry.id, {"actual": 640, "status": "推进中"})
        u.progress.set(entry.id, 2, {"value": 640, "status": "推进中", "problems": "拆迁进度慢"})
        # the assigned project: the unit fills what the package left to it
        project = next(e for e in u.entries.list(entry.ledger_id, "project") if e.assigned)
        u.entries.update(
            project.id,
            {"owner_org": "三墩镇人民政府", "nature": "续建", "goal": 3000, "owner": "王伟"},
        )
    ret_sandun = _export(capsys, sandun, "三墩镇", tmp_path / "三墩镇2025年报表.xlsx")

    # 双浦镇 reported earlier and was accepted; then it changed two figures.
    shuangpu = _unit_file(capsys, district, tmp_path, "双浦镇")
    with Store.open(shuangpu) as u:
        entry = _share_entry(u)
        u.entries.update(entry.id, {"actual": 200, "status": "推进中"})
    first = _export(capsys, shuangpu, "双浦镇", tmp_path / "双浦镇第一次.xlsx")
    _ok(capsys, "import-excel", "--db", district, first)
    _ok(capsys, "review", "--db", district, "--year", YEAR, "--unit", "双浦镇", "--accept")
    with Store.open(shuangpu) as u:
        entry = _share_entry(u)
        u.entries.update(entry.id, {"actual": 260, "remark": "补报二季度"})
    ret_shuangpu = _export(capsys, shuangpu, "双浦镇", tmp_path / "双浦镇第二次.xlsx")

    # 北山街道 has a share but no package: its own return starts its ledger at the district.
    beishan = tmp_path / "北山街道.sqlite3"
    _ok(capsys, "init", "--db", beishan, "--unit", "北山街道")
    with Store.open(beishan) as u:
        ledger = u.ledgers.ensure(u.units.find("北山街道").id, YEAR)
        u.entries.add(ledger.id, "indicator", {"name": "做地", "goal": 300, "actual": 90})
    ret_beishan = _export(capsys, beishan, "北山街道", tmp_path / "北山街道报表.xlsx")

    # The district's inbox: three returns at once, one of them conflicting.
    code, out, err = _run(
        capsys, "import-excel", "--db", district, "--json", ret_sandun, ret_shuangpu, ret_beishan
    )
    assert code == 1, (out, err)  # a conflict waits for the administrator
    reports = {r["file"]: r for r in map(json.loads, out.strip().splitlines())}
    assert reports[ret_sandun.name]["status"] == ArrivalStatus.UPDATED  # package made the ledger
    assert reports[ret_beishan.name]["status"] == ArrivalStatus.NEW
    assert reports[ret_shuangpu.name]["status"] == ArrivalStatus.CONFLICT
    with Store.open(district) as d:
        sp = d.units.find("双浦镇")
        ledger = d.ledgers.find(sp.id, YEAR)
        assert ledger is not None
        kept = next(e for e in d.entries.list(ledger.id, "indicator") if e.assigned)
        assert kept.values["actual"] == 200  # nothing written by the conflict
        # Resolve field by field: take the file's 完成值, keep the stored 备注.
        plan = plan_import(d, read_return(ret_shuangpu, Lookups.of(d)))
        diffs = differences(d, plan)
        take = {x.id for x in diffs if x.field == "完成值"}
        assert take and any(x.field == "备注" for x in diffs)
        assert apply_chosen(d, ret_shuangpu, take).status == ArrivalStatus.UPDATED
        resolved = d.entries.get(kept.id)
        assert resolved.values["actual"] == 260 and not resolved.values.get("remark")
        assert d.review.state(YEAR, sp.id).state == ReviewState.ACCEPTED
        assert d.review.state(YEAR, d.units.find("三墩镇").id).state == ReviewState.REPORTED

    # Returned with a reason; the receipt goes back on the stick.
    reason = "做地进度与台账不符，请补充拆迁说明"
    _ok(capsys, "review", "--db", district, "--year", YEAR, "--unit", "三墩镇", "--return", reason)
    folder = tmp_path / "回执"
    _ok(capsys, "receipt", "--db", district, "--year", YEAR, "--unit", "三墩镇", "--out", folder)
    receipts = sorted(folder.glob("*.xlsx"))
    assert len(receipts) == 1 and len(list(folder.glob("*.pdf"))) == 1
    with Store.open(sandun) as u:  # the unit submits meanwhile
        ledger = u.ledgers.list(year=YEAR)[0]
        u.ledgers.set_status(ledger.id, LedgerStatus.SUBMITTED)
    out = _ok(capsys, "import-excel", "--db", sandun, receipts[0])
    with Store.open(sandun) as u:
        state = u.review.state(YEAR, u.units.find("三墩镇").id)
        assert state.state == ReviewState.RETURNED and state.reason == reason
        ledger = u.ledgers.list(year=YEAR)[0]
        assert ledger.status == LedgerStatus.DRAFT  # editable again for the unit
        entry = _share_entry(u)
        u.entries.update(entry.id, {"remark": "已补充拆迁说明"})
    _unit_window_shows_the_return(qtbot, sandun, tmp_path, reason)

    # The overview: 三墩镇 owes the deadline again after the send-back.
    _ok(
        capsys, "deadline", "--db", district, "--year", YEAR, "--quarter", 2, "--date", "2025-07-10"
    )
    out = _ok(capsys, "status", "--db", district, "--year", YEAR, "--json", "--today", "2030-01-01")
    rows = {r["unit"]: r for r in json.loads(out)}
    assert rows["三墩镇"]["review"] == "退回" and rows["三墩镇"]["reason"] == reason
    assert rows["双浦镇"]["review"] == "已审"
