"""The assessment sheet says as of which quarter its figures are, and prints that quarter's."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from xihu_desktop import cli
from xihu_desktop.core.categories import category
from xihu_desktop.core.progress_fields import as_of_quarter
from xihu_desktop.exchange import pdf_sheet, sheet_data
from xihu_desktop.exchange.pdf_tables import category_columns
from xihu_desktop.exchange.verify import verify_pdf
from xihu_desktop.store import Ledger, Progress, Store


def _ledger_with_project(store: Store) -> tuple[Ledger, int]:
    """A draft ledger whose first project reports 6,570.25 in Q2 and 8,421.50 in Q4."""
    ledger = next(lg for lg in store.ledgers.list(year=2025) if lg.status == "草稿")
    entry = store.entries.list(ledger.id, "project")[0]
    for q in (1, 2, 3, 4):
        store.progress.clear(entry.id, q)
    store.progress.set(entry.id, 2, {"value": 6570.25, "status": "推进中"})
    store.progress.set(entry.id, 4, {"value": 8421.5, "status": "已完成"})
    return ledger, entry.id


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_sheet_as_of_q2_and_q4(demo_store: Store, tmp_path: Path) -> None:
    ledger, _ = _ledger_with_project(demo_store)
    db = Path(str(demo_store.path))
    q2, q4 = tmp_path / "q2.pdf", tmp_path / "q4.pdf"
    args = ["export-pdf", "--db", str(db), "--year", "2025", "--unit", ledger.unit_code]
    assert cli.main([*args, "--quarter", "2", "--out", str(q2)]) == 0
    assert cli.main([*args, "--out", str(q4)]) == 0  # default: the latest quarter reported
    text2, text4 = _text(q2), _text(q4)
    assert "截至第二季度" in text2 and "截至第四季度" not in text2
    assert "截至第四季度" in text4
    assert "6,570.25" in text2 and "8,421.50" not in text2
    assert "8,421.50" in text4 and "6,570.25" not in text4
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", str(q2), "-"], capture_output=True, text=True).stdout
        assert "截至第二季度" in out and "6,570.25" in out
    # the quarter is in the metadata, and each sheet verifies as of its own quarter
    assert "|q=2|" in str(PdfReader(q2).metadata["/Keywords"])
    for path, quarter in ((q2, 2), (q4, 4)):
        [result] = verify_pdf(demo_store, path)
        assert result.ok, result.message
        assert result.quarter == quarter
    s2 = sheet_data.collect_sheet(demo_store, ledger.id, quarter=2)
    s4 = sheet_data.collect_sheet(demo_store, ledger.id, quarter=4)
    assert s2.score.total != s4.score.total  # the score follows the quarter too
    [r2] = verify_pdf(demo_store, q2)
    assert r2.figures is not None and r2.figures.total == sheet_data.points_text(s2.score.total)


def test_forged_quarter_line_fails(demo_store: Store, tmp_path: Path) -> None:
    ledger, _ = _ledger_with_project(demo_store)
    q2 = tmp_path / "q2.pdf"
    pdf_sheet.export_sheet(demo_store, ledger.id, q2, quarter=2)
    reader = PdfReader(q2)
    writer = PdfWriter(clone_from=reader)
    meta = {k: str(v).replace("|q=2|", "|q=4|") for k, v in (reader.metadata or {}).items()}
    writer.add_metadata(meta)
    forged = tmp_path / "forged.pdf"
    writer.write(forged)
    [result] = verify_pdf(demo_store, forged)
    assert not result.ok and "季度" in result.message


def test_quarter_view_takes_the_latest_quarter_up_to_it() -> None:
    rows = [Progress(1, 1, 10.0, "推进中"), Progress(1, 3, 30.0, None)]
    values = {"actual": 99.0, "status": "已完成"}
    assert as_of_quarter(values, rows, 1) == {"actual": 10.0, "status": "推进中"}
    assert as_of_quarter(values, rows, 2) == {"actual": 10.0, "status": "推进中"}
    assert as_of_quarter(values, rows, 4) == {"actual": 30.0, "status": "推进中"}
    assert as_of_quarter(values, [Progress(1, 2, 5.0)], 1) == {"actual": None, "status": "已完成"}
    assert as_of_quarter(values, [], 1) == values  # no progress: the entry's own figures


def test_bad_quarter_refused(demo_store: Store, tmp_path: Path) -> None:
    ledger = demo_store.ledgers.list(year=2025)[0]
    with pytest.raises(ValueError, match="季度"):
        sheet_data.collect_sheet(demo_store, ledger.id, quarter=5)


def test_header_with_nested_brackets_puts_the_unit_on_its_own_line(
    demo_store: Store, tmp_path: Path
) -> None:
    talent = category("talent")
    headers = [c.header for c in category_columns(talent)]
    assert "引育目标\n人（个）" in headers
    ledger = next(
        lg for lg in demo_store.ledgers.list(year=2025) if demo_store.entries.list(lg.id, "talent")
    )
    out = tmp_path / "sheet.pdf"
    pdf_sheet.export_sheet(demo_store, ledger.id, out, record=False)
    lines = [line.strip() for line in _text(out).splitlines()]
    assert "引育目标" in lines and "人（个）" in lines
    assert not any(re.fullmatch(r"[）)]+", line) for line in lines)


def test_whole_number_fields_print_without_decimals() -> None:
    indicator, talent = category("indicator"), category("talent")
    goal = indicator.field("goal")
    assert sheet_data.format_value(goal, 12.0, {}, whole=True) == "12"
    assert sheet_data.format_value(goal, 12.5, {}, whole=False) == "12.5"
    assert sheet_data.format_value(talent.field("goal"), 4.0, {}) == "4"
    year = category("project").field("start_year")
    assert sheet_data.format_value(year, 2025.0, {}) == "2025"
