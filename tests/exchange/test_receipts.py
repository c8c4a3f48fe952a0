"""Receipts (回执): the PDF read back, the xlsx into the unit's own file, and every way a
suspicious unit might feed it (another unit's, edited by hand, older, into the district)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from xihu_desktop import cli
from xihu_desktop.core.enums import ArrivalStatus, LedgerStatus, ReviewState
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.fingerprint import short_code
from xihu_desktop.exchange.inbox import receive
from xihu_desktop.exchange.receipts import export_receipt, import_receipt
from xihu_desktop.store import InvalidData, Ledger, Store

YEAR = 2025
REASON = "重大项目年度投资与统计口径不符，请核实后重报"


@pytest.fixture
def ledger(demo_store: Store) -> Ledger:
    unit = demo_store.units.find("双浦镇")
    found = demo_store.ledgers.find(unit.id, YEAR)
    assert found is not None
    if found.status == LedgerStatus.DRAFT:
        demo_store.ledgers.set_status(found.id, LedgerStatus.SUBMITTED)
    return demo_store.ledgers.get(found.id)


@pytest.fixture
def returned(demo_store: Store, ledger: Ledger, tmp_path: Path) -> tuple[Path, Path]:
    ret = ee.export_ledger(demo_store, ledger.id, tmp_path / "双浦镇报表.xlsx")
    assert receive(demo_store, [ret])[0].status == ArrivalStatus.SAME
    demo_store.review.send_back(YEAR, ledger.unit_id, REASON)
    return export_receipt(demo_store, YEAR, ledger.unit_id, tmp_path / "回执")


def _unit_file(demo_store: Store, tmp_path: Path, code: str | None) -> Store:
    """A copy of the data as a unit's own file (bound to ``code``)."""
    dest = tmp_path / f"unit-{code}.sqlite3"
    demo_store.backup(dest)
    unit = Store.open(dest)
    if code is not None:
        unit.settings.set(BOUND_UNIT, code)
    return unit


def test_receipt_pdf_says_what_was_received_and_decided(
    demo_store: Store, ledger: Ledger, returned: tuple[Path, Path], tmp_path: Path
) -> None:
    pdf, xlsx = returned
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 1
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    review = demo_store.review.state(YEAR, ledger.unit_id)
    assert review.fingerprint
    for expected in (
        "回执",
        "双浦镇",
        "2025",
        "退回",
        "双浦镇报表.xlsx",
        short_code(review.fingerprint),
    ):
        assert expected in text, expected
    assert REASON[:10] in text.replace("\n", "").replace(" ", "")
    png = tmp_path / "receipt"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(png)], check=True)
    assert (tmp_path / "receipt.png").stat().st_size > 5000
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[0] == "回执"
    shown = {r[0].value: r[1].value for r in wb["回执"].iter_rows(min_row=3) if r[0].value}
    assert shown["审核结果"] == "退回" and shown["退回理由"] == REASON


def test_no_receipt_before_a_decision(demo_store: Store, ledger: Ledger, tmp_path: Path) -> None:
    with pytest.raises(InvalidData, match="不能生成回执"):
        export_receipt(demo_store, YEAR, ledger.unit_id, tmp_path)


def test_returned_receipt_into_the_unit_file_makes_the_ledger_editable(
    demo_store: Store, ledger: Ledger, returned: tuple[Path, Path], tmp_path: Path
) -> None:
    unit = _unit_file(demo_store, tmp_path, ledger.unit_code)
    with unit.transaction():  # the unit's file knew nothing of the review yet
        unit.execute("DELETE FROM reviews")
    unit.act_as("clerk", "operator", ledger.unit_id)
    assert not unit.can_write(unit.ledgers.get(ledger.id))
    (report,) = receive(unit, [returned[1]])
    assert report.status == ArrivalStatus.NEW, report.lines
    review = unit.review.state(YEAR, ledger.unit_id)
    assert review.state == ReviewState.RETURNED and review.reason == REASON
    assert unit.ledgers.get(ledger.id).status == LedgerStatus.DRAFT
    assert unit.can_write(unit.ledgers.get(ledger.id))
    actions = [r["action"] for r in unit.audit.log(ledger.id, 5)]
    assert "退回台账" in actions and "导入回执" in actions
    again = import_receipt(unit, returned[1])
    assert again.status == ArrivalStatus.SAME
    unit.close()


def test_receipts_refused(
    demo_store: Store, ledger: Ledger, returned: tuple[Path, Path], tmp_path: Path
) -> None:
    xlsx = returned[1]
    # into the district's own file
    (district,) = receive(demo_store, [xlsx])
    assert district.status == ArrivalStatus.ERROR and "区级数据文件" in district.summary()
    # into another unit's file
    other = _unit_file(demo_store, tmp_path, demo_store.units.find("三墩镇").code)
    (wrong,) = receive(other, [xlsx])
    assert wrong.status == ArrivalStatus.ERROR and "双浦镇" in wrong.summary()
    other.close()
    # edited by hand
    unit = _unit_file(demo_store, tmp_path, ledger.unit_code)
    edited = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(xlsx)
    for row in wb[layout.META_SHEET].iter_rows():
        if row[0].value == "state":
            row[1].value = "已审"
    wb.save(edited)
    (hand,) = receive(unit, [edited])
    assert hand.status == ArrivalStatus.ERROR and "改动" in hand.summary()
    assert unit.review.state(YEAR, ledger.unit_id).state == ReviewState.RETURNED  # as copied
    # for a year without a ledger
    with unit.transaction():
        unit.execute("DELETE FROM reviews")
    unit.close()
    # older than the one already imported
    time.sleep(1.1)  # reviewed_at has seconds
    demo_store.review.accept(YEAR, ledger.unit_id)
    _pdf, newer = export_receipt(demo_store, YEAR, ledger.unit_id, tmp_path / "新回执")
    unit = Store.open(unit.path or "")
    assert receive(unit, [newer])[0].status == ArrivalStatus.NEW
    assert unit.review.state(YEAR, ledger.unit_id).state == ReviewState.ACCEPTED
    (old,) = receive(unit, [xlsx])
    assert old.status == ArrivalStatus.ERROR and "旧" in old.summary()
    assert unit.review.state(YEAR, ledger.unit_id).state == ReviewState.ACCEPTED
    unit.close()


def test_receipt_for_a_year_without_a_ledger(
    demo_store: Store, ledger: Ledger, returned: tuple[Path, Path], tmp_path: Path
) -> None:
    unit = _unit_file(demo_store, tmp_path, ledger.unit_code)
    with unit.transaction():
        unit.execute("DELETE FROM progress")
        unit.execute("DELETE FROM entries WHERE ledger_id = ?", (ledger.id,))
        unit.execute("DELETE FROM adjustments WHERE ledger_id = ?", (ledger.id,))
        unit.execute("DELETE FROM ledgers WHERE id = ?", (ledger.id,))
    (report,) = receive(unit, [returned[1]])
    assert report.status == ArrivalStatus.ERROR and "没有双浦镇2025年台账" in report.summary()
    unit.close()


def test_receipt_cli(
    demo_store: Store, ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_store.path)
    code = ledger.unit_code
    out = tmp_path / "回执"
    args = ["receipt", "--db", db, "--year", "2025", "--unit", code, "--out", str(out)]
    assert cli.main(args) == 2  # nothing received, nothing decided
    ret = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    assert cli.main(["import-excel", "--db", db, str(ret)]) == 0
    assert cli.main(["review", "--db", db, "--year", "2025", "--unit", code, "--accept"]) == 0
    assert cli.main(args) == 0
    assert sorted(p.suffix for p in out.iterdir()) == [".pdf", ".xlsx"]
    assert "已生成" in capsys.readouterr().out
