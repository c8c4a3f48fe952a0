"""Verify compares figures: those printed on the PDF, in its metadata and the QR code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from xihu_desktop import cli
from xihu_desktop.exchange import pdf_sheet, sheet_data
from xihu_desktop.exchange.verify import verify_pdf, verify_text
from xihu_desktop.store import Store


def _printed(store: Store, tmp_path: Path) -> tuple[Path, sheet_data.SheetData]:
    ledger = next(lg for lg in store.ledgers.list(year=2025) if lg.status == "草稿")
    out = tmp_path / "sheet.pdf"
    result = pdf_sheet.export_sheet(store, ledger.id, out)
    return out, result.sheets[0]


def _edit_page_text(src: Path, dest: Path, old: bytes, new: bytes, page: int = 0) -> None:
    """Rewrite a text operand in a page's content stream (as a forger would)."""
    writer = PdfWriter(clone_from=PdfReader(src))
    target = writer.pages[page]
    contents = target.get_contents()
    assert contents is not None
    data = contents.get_data()
    assert old in data
    contents.set_data(data.replace(old, new))
    target.replace_contents(contents)
    writer.write(dest)


def _edit_metadata(src: Path, dest: Path, old: str, new: str) -> None:
    reader = PdfReader(src)
    writer = PdfWriter(clone_from=reader)
    meta = {k: str(v).replace(old, new) for k, v in (reader.metadata or {}).items()}
    writer.add_metadata(meta)
    writer.write(dest)


def test_result_carries_the_figures_of_the_paper(demo_store: Store, tmp_path: Path) -> None:
    out, sheet = _printed(demo_store, tmp_path)
    [result] = verify_pdf(demo_store, out)
    assert result.ok, result.message
    text = "\n".join(result.lines())
    total = sheet_data.points_text(sheet.score.total)
    for wanted in (sheet.unit_name, "2025", "第 1 版", total, sheet.score.grade, sheet.code):
        assert wanted in text
    for cat in sheet_data.CATEGORIES:
        count = len(sheet.rows[cat.key])
        assert f"{cat.label}：{count} 项" in text


def test_changed_printed_total_fails(
    demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, sheet = _printed(demo_store, tmp_path)
    total = sheet_data.points_text(sheet.score.total)
    forged_total = f"{sheet.score.total + 8:.2f}"
    forged = tmp_path / "forged.pdf"
    _edit_page_text(out, forged, f"({total}) Tj".encode(), f"({forged_total}) Tj".encode())
    [result] = verify_pdf(demo_store, forged)
    assert not result.ok
    assert f"印刷的总分 {forged_total} 与数据 {total} 不符" in result.message

    db = demo_store.path
    demo_store.close()
    assert cli.main(["verify", "--db", str(db), str(forged)]) == 1
    captured = capsys.readouterr()
    assert f"印刷的总分 {forged_total} 与数据 {total} 不符" in captured.err
    assert f"考核总分：{total}" in captured.out  # the data's figure, to compare with the paper
    assert cli.main(["verify", "--db", str(db), str(out)]) == 0  # the original still passes


def test_changed_printed_count_fails(demo_store: Store, tmp_path: Path) -> None:
    out, sheet = _printed(demo_store, tmp_path)
    forged = tmp_path / "forged.pdf"
    reader = PdfReader(out)
    n = len(sheet.rows["indicator"])
    # the subtotal line's count of the first category, as drawn
    old = f"({n}) Tj".encode()
    if old not in reader.pages[-1].get_contents().get_data():  # type: ignore[union-attr]
        pytest.skip("score table layout differs")
    _edit_page_text(out, forged, old, f"({n + 1}) Tj".encode(), page=len(reader.pages) - 1)
    [result] = verify_pdf(demo_store, forged)
    assert not result.ok and "条目数" in result.message


def test_metadata_revision_or_fingerprint_edited_fails(demo_store: Store, tmp_path: Path) -> None:
    out, sheet = _printed(demo_store, tmp_path)
    other = tmp_path / "rev.pdf"
    _edit_metadata(out, other, "|rev=1|", "|rev=2|")
    [result] = verify_pdf(demo_store, other)
    assert not result.ok and "打印版次" in result.message

    fake = tmp_path / "sha.pdf"
    _edit_metadata(out, fake, sheet.fingerprint, "0" * 64)
    [result] = verify_pdf(demo_store, fake)
    assert not result.ok and "验证码" in result.message


def test_print_record_disagreeing_with_pdf_fails(demo_store: Store, tmp_path: Path) -> None:
    """Revision 1 of this file recorded other data than the sheet that claims to be it."""
    _out, sheet = _printed(demo_store, tmp_path)
    entry = demo_store.entries.list(sheet.ledger_id)[0]
    demo_store.entries.update(entry.id, {"name": entry.name + "X"})
    payload = sheet_data.make_payload(sheet.ledger_id, sheet.unit_code, 2025, 1, "a" * 64)
    [result] = verify_text(demo_store, payload)
    assert not result.ok and "打印记录中第 1 版" in result.message


def test_qr_text_is_readable_and_verifies(demo_store: Store, tmp_path: Path) -> None:
    _out, sheet = _printed(demo_store, tmp_path)
    total = sheet_data.points_text(sheet.score.total)
    first, payload = sheet.qr_text.split("\n")
    assert first == (
        f"西湖区“六个一批”考核表 | {sheet.unit_name} | 2025（{sheet.as_of}） | 第1版 | 总分 {total} | "
        f"验证码 {sheet.code}"
    )
    assert sheet.fingerprint in payload
    [result] = verify_text(demo_store, sheet.qr_text)
    assert result.ok, result.message
    [only_line] = verify_text(demo_store, first)  # the readable line alone: code and total
    assert only_line.ok
    forged = first.replace(f"总分 {total}", "总分 99.99")
    [bad] = verify_text(demo_store, forged)
    assert not bad.ok and f"总分 99.99 与数据 {total} 不符" in bad.message

    db = demo_store.path
    demo_store.close()
    assert cli.main(["verify", "--db", str(db), "--code", sheet.qr_text]) == 0


@pytest.mark.skipif(
    not (shutil.which("zbarimg") and shutil.which("pdftoppm")), reason="zbarimg/pdftoppm missing"
)
def test_qr_code_decodes_to_the_text(demo_store: Store, tmp_path: Path) -> None:
    out, sheet = _printed(demo_store, tmp_path)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", str(out), str(tmp_path / "p")],
        check=True,
    )
    [png] = tmp_path.glob("p*.png")
    done = subprocess.run(
        ["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == sheet.qr_text
