"""Verification of printed sheets: match, mismatch (which ledger, when printed), bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfgen.canvas import Canvas

from xihu_desktop import cli
from xihu_desktop.exchange import pdf_sheet, sheet_data
from xihu_desktop.exchange.verify import (
    VerifyError,
    verify_code,
    verify_payload,
    verify_pdf,
)
from xihu_desktop.store import Store


def _draft(store: Store):
    return next(ledger for ledger in store.ledgers.list(year=2025) if ledger.status == "草稿")


def test_pdf_matches_then_mismatches_after_an_edit(demo_store: Store, tmp_path: Path) -> None:
    ledger = _draft(demo_store)
    out = tmp_path / "sheet.pdf"
    pdf_sheet.export_sheet(demo_store, ledger.id, out)
    [result] = verify_pdf(demo_store, out)
    assert result.ok
    assert result.ledger_id == ledger.id and result.revision == 1
    assert "一致" in result.message and ledger.unit_name in result.message

    entry = demo_store.entries.list(ledger.id, "project")[0]
    demo_store.entries.update(entry.id, {"goal": (entry.values["goal"] or 0) + 10})
    [result] = verify_pdf(demo_store, out)
    assert not result.ok
    assert ledger.unit_name in result.message and "2025" in result.message
    assert "已修改" in result.message and "第 1 版" in result.message
    assert result.printed_at and result.printed_at.replace("T", " ") in result.message
    assert "1 处修改" in result.message


def test_code_match_and_mismatch(demo_store: Store, tmp_path: Path) -> None:
    ledger = _draft(demo_store)
    result = pdf_sheet.export_sheet(demo_store, ledger.id, tmp_path / "s.pdf")
    code = result.sheets[0].code
    assert verify_code(demo_store, code).ok
    assert verify_code(demo_store, code.lower().replace("-", " ")).ok  # typed loosely
    demo_store.ledgers.update(ledger.id, {"self_assessment": "改写的自评"})
    bad = verify_code(demo_store, code)
    assert not bad.ok and ledger.unit_name in bad.message and "已修改" in bad.message


def test_code_without_print_record_matches_by_data(demo_store: Store, tmp_path: Path) -> None:
    """A sheet printed from another copy of the data: no record here, same data."""
    ledger = demo_store.ledgers.list(year=2025)[2]
    result = pdf_sheet.export_sheet(demo_store, ledger.id, tmp_path / "s.pdf", record=False)
    check = verify_code(demo_store, result.sheets[0].code)
    assert check.ok and check.ledger_id == ledger.id
    assert not verify_code(demo_store, "00000-00000").ok


def test_payload_of_another_district_file(demo_store: Store, tmp_path: Path) -> None:
    """The district's copy (imported return) has other ledger ids: matched by unit and year."""
    ledger = demo_store.ledgers.list(year=2025)[0]
    sheet = sheet_data.collect_sheet(demo_store, ledger.id)
    payload = sheet_data.make_payload(999, ledger.unit_code, 2025, 4, sheet.fingerprint)
    assert verify_payload(demo_store, payload).ok
    assert not verify_payload(
        demo_store, sheet_data.make_payload(1, "NOPE", 2025, 1, sheet.fingerprint)
    ).ok
    assert not verify_payload(
        demo_store, sheet_data.make_payload(1, ledger.unit_code, 2019, 1, sheet.fingerprint)
    ).ok


@pytest.mark.parametrize(
    "payload", ["", "XHLG1|ledger=1", "XHLG1|ledger=x|unit=a|year=1|rev=1|sha256=00"]
)
def test_bad_payload_is_unusable(demo_store: Store, payload: str) -> None:
    with pytest.raises(VerifyError):
        verify_payload(demo_store, payload)


def test_unusable_files(demo_store: Store, tmp_path: Path) -> None:
    text = tmp_path / "a.pdf"
    text.write_text("not a pdf")
    with pytest.raises(VerifyError, match="不是 PDF"):
        verify_pdf(demo_store, text)
    foreign = tmp_path / "foreign.pdf"
    c = Canvas(str(foreign))
    c.drawString(100, 100, "hello")
    c.save()
    with pytest.raises(VerifyError, match="没有考核表的验证信息"):
        verify_pdf(demo_store, foreign)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n garbage")
    with pytest.raises(VerifyError):
        verify_pdf(demo_store, broken)
    with pytest.raises(VerifyError):
        verify_pdf(demo_store, tmp_path / "missing.pdf")
    with pytest.raises(VerifyError, match="格式不正确"):
        verify_code(demo_store, "12-34")


def test_cli_export_and_verify_exit_codes(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = demo_store.path
    ledger = _draft(demo_store)
    demo_store.close()
    out = tmp_path / "t.pdf"
    assert (
        cli.main(
            [
                "export-pdf",
                "--db",
                str(db),
                "--year",
                "2025",
                "--unit",
                ledger.unit_code,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "验证码" in capsys.readouterr().out
    assert cli.main(["verify", "--db", str(db), str(out)]) == 0
    assert "一致" in capsys.readouterr().out

    with Store.open(db) as store:
        entry = store.entries.list(ledger.id)[0]
        store.entries.update(entry.id, {"name": entry.name + "X"})
    assert cli.main(["verify", "--db", str(db), str(out)]) == 1
    err = capsys.readouterr().err
    assert ledger.unit_name in err and "已修改" in err

    assert cli.main(["verify", "--db", str(db), "--code", "ZZZZZ-ZZZZZ"]) == 1
    assert cli.main(["verify", "--db", str(db), "--code", "bad"]) == 2
    assert cli.main(["verify", "--db", str(db), str(db)]) == 2  # not a PDF
    assert cli.main(["verify", "--db", str(db)]) == 2  # neither file nor code
    assert "二者选一" in capsys.readouterr().err

    summary = tmp_path / "summary.pdf"
    assert (
        cli.main(
            ["export-pdf", "--db", str(db), "--year", "2025", "--summary", "--out", str(summary)]
        )
        == 0
    )
    assert summary.stat().st_size > 1000
    assert (
        cli.main(
            ["export-pdf", "--db", str(db), "--year", "1999", "--summary", "--out", str(summary)]
        )
        == 2
    )
    assert (
        cli.main(
            [
                "export-pdf",
                "--db",
                str(db),
                "--year",
                "2025",
                "--unit",
                "无此单位",
                "--out",
                str(out),
            ]
        )
        == 2
    )


def test_cli_export_all(demo_store: Store, tmp_path: Path) -> None:
    db = demo_store.path
    with demo_store.transaction() as c:  # three units keep the test fast
        c.execute(
            "DELETE FROM ledgers WHERE year = 2025 AND id NOT IN "
            "(SELECT id FROM ledgers WHERE year = 2025 ORDER BY id LIMIT 3)"
        )
    demo_store.close()
    out = tmp_path / "all"
    assert (
        cli.main(["export-pdf", "--db", str(db), "--year", "2025", "--all", "--out", str(out)]) == 0
    )
    files = sorted(out.glob("*.pdf"))
    assert len(files) == 4
    combined = out / pdf_sheet.combined_filename(2025)
    assert cli.main(["verify", "--db", str(db), str(combined)]) == 0


def test_verify_does_not_import_reportlab() -> None:
    """Checking a sheet needs its data and payload only, not the PDF machinery."""
    code = (
        "import sys; import xihu_desktop.exchange.verify; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'reportlab'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert done.stdout.strip() == "[]"
