"""`xihu export-excel` and `xihu import-excel`."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from xihu_desktop import cli
from xihu_desktop.core.categories import PROJECT
from xihu_desktop.core.enums import LedgerStatus
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise


def _run(*args: str) -> int:
    return cli.main([str(a) for a in args])


def test_export_and_import_round_trip(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = demo_store.path
    ledger = next(
        lg for lg in demo_store.ledgers.list(year=2025) if lg.status == LedgerStatus.SUBMITTED
    )
    out = tmp_path / "r.xlsx"
    assert (
        _run("export-excel", "--db", db, "--year", 2025, "--unit", ledger.unit_code, "--out", out)
        == 0
    )
    assert "已导出" in capsys.readouterr().out
    summary = tmp_path / "s.xlsx"
    assert _run("export-excel", "--db", db, "--year", 2025, "--out", summary) == 0
    assert openpyxl.load_workbook(summary, read_only=True).sheetnames[0] == layout.SUMMARY_SHEET

    target = tmp_path / "district.sqlite3"
    fresh = Store.open(target)
    initialise(fresh)
    fresh.close()
    assert _run("import-excel", "--db", target, out, "--dry-run") == 0
    assert "新增" in capsys.readouterr().out
    assert _run("import-excel", "--db", target, out) == 2  # the ledger would be created
    assert "--new-ledger" in capsys.readouterr().err
    assert _run("import-excel", "--db", target, out, "--new-ledger") == 0
    with Store.open(target) as s:
        other = s.ledgers.find(s.units.find(ledger.unit_code).id, 2025)
        assert other is not None
        for a in demo_store.assessment.adjustments(ledger.id):  # the administrator's own
            s.assessment.add_adjustment(other.id, a.points, a.reason)
        assert ledger_fingerprint(s, other.id) == ledger_fingerprint(demo_store, ledger.id)
    capsys.readouterr()

    # the ledger it came from is submitted: an unchanged return is fine, a changed one
    # needs --allow-submitted in the unit's own file (at the district a return for a
    # ledger not yet accepted needs no flag: tests/exchange/test_inbox.py)
    demo_store.settings.set(BOUND_UNIT, ledger.unit_code)
    assert _run("import-excel", "--db", db, out) == 0
    assert "无需导入" in capsys.readouterr().out
    wb = openpyxl.load_workbook(out)
    letter = get_column_letter(layout.category_columns(PROJECT).index(PROJECT.field("remark")) + 1)
    wb[PROJECT.label][f"{letter}4"] = "区里补充的备注"
    wb.save(out)
    assert _run("import-excel", "--db", db, out) == 2
    assert "已提交" in capsys.readouterr().err
    assert _run("import-excel", "--db", db, out, "--allow-submitted") == 0
    assert demo_store.entries.list(ledger.id, "project")[0].values["remark"] == "区里补充的备注"


def test_import_with_problems_exits_1_and_writes_nothing(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = next(
        lg for lg in demo_store.ledgers.list(year=2025) if lg.status == LedgerStatus.DRAFT
    )
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    letter = get_column_letter(layout.category_columns(PROJECT).index(PROJECT.field("goal")) + 1)
    wb[PROJECT.label][f"{letter}4"] = "很多"
    wb.save(out)
    rows = demo_store.counts()["audit_log"]
    assert _run("import-excel", "--db", demo_store.path, out) == 1
    err = capsys.readouterr().err
    assert f"{letter}4 年度计划投资" in err and "不是有效的数字" in err
    assert demo_store.counts()["audit_log"] == rows
    assert _run("import-excel", "--db", demo_store.path, out, "--valid-only") == 0


def test_export_bad_input(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = demo_store.path
    assert (
        _run(
            "export-excel",
            "--db",
            db,
            "--year",
            2025,
            "--unit",
            "不存在",
            "--out",
            tmp_path / "a.xlsx",
        )
        == 2
    )
    assert _run("export-excel", "--db", db, "--year", 2025, "--out", tmp_path / "a.csv") == 2
    assert _run("export-excel", "--db", db, "--year", 1999, "--out", tmp_path / "a.xlsx") == 2
    err = capsys.readouterr().err
    assert "不存在" in err and ".xlsx" in err and "Traceback" not in err
    assert not (tmp_path / "a.xlsx").exists()
