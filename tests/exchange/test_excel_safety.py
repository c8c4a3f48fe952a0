"""Unusable files get one clear Chinese message (exit code 2), never a traceback."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from xihu_desktop import cli
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange import xlsx_read, xlsx_safety
from xihu_desktop.exchange.xlsx_safety import UnusableFile, check_xlsx
from xihu_desktop.store import Store


@pytest.fixture
def good(demo_store: Store, tmp_path: Path) -> Path:
    ledger = demo_store.ledgers.list(year=2025)[0]
    return ee.export_ledger(demo_store, ledger.id, tmp_path / "good.xlsx")


def test_defusedxml_is_active() -> None:
    assert openpyxl.DEFUSEDXML is True
    xlsx_safety.require_defusedxml()


def test_without_defusedxml_nothing_is_read(
    good: Path, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(UnusableFile, match="defusedxml"):
        ei.read_return(good, ei.Lookups.of(demo_store))


def test_good_return_passes(good: Path) -> None:
    check_xlsx(good)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("protected.xlsx", xlsx_safety.OLE_MAGIC + b"\0" * 600, "已加密或为旧版 .xls"),
        ("old.xls", xlsx_safety.OLE_MAGIC + b"\0" * 600, "已加密或为旧版 .xls"),
        ("data.csv", "单位,指标\n北山街道,1\n".encode(), "CSV 文本文件，不是 xlsx 报表"),
        ("renamed.xlsx", b"hello, not a spreadsheet", "不是 xlsx 报表"),
        ("empty.xlsx", b"", "空文件"),
    ],
)
def test_other_files_are_refused(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnusableFile, match=message) as info:
        check_xlsx(path)
    assert name in str(info.value)


def test_ods_and_plain_zip_are_refused(tmp_path: Path) -> None:
    ods = tmp_path / "table.ods"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<x/>")
    with pytest.raises(UnusableFile, match=r"OpenDocument 表格（\.ods），不是 xlsx 报表"):
        check_xlsx(ods)
    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "x")
    with pytest.raises(UnusableFile, match="不是 xlsx 报表"):
        check_xlsx(other)


def test_truncated_file_is_refused(good: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(UnusableFile, match="已损坏"):
        check_xlsx(cut)


def test_zip_bomb_is_refused_from_the_directory(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (24 * 1024 * 1024) + b"/>")
    assert bomb.stat().st_size < 100_000
    with pytest.raises(UnusableFile, match="压缩炸弹"):
        check_xlsx(bomb)


def test_too_many_parts_or_too_much_xml(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_safety, "MAX_ENTRIES", 5)
    with pytest.raises(UnusableFile, match="部件"):
        check_xlsx(good)
    monkeypatch.setattr(xlsx_safety, "MAX_ENTRIES", 2000)
    monkeypatch.setattr(xlsx_safety, "MAX_TOTAL_UNCOMPRESSED", 10_000)
    with pytest.raises(UnusableFile, match="超过上限"):
        check_xlsx(good)


def test_row_cap(good: Path, demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx_read, "MAX_ROWS", 5)
    with pytest.raises(UnusableFile, match="超过上限 5 行"):
        ei.read_return(good, ei.Lookups.of(demo_store))


def test_xml_entity_attack_is_refused(good: Path, demo_store: Store, tmp_path: Path) -> None:
    evil = tmp_path / "evil.xlsx"
    laughs = (
        b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet'
    )
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(evil, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"<worksheet", laughs, 1).replace(
                    b"<sheetData>",
                    b'<sheetData><row r="90"><c r="A90" t="inlineStr"><is><t>&b;</t></is></c>'
                    b'<c r="B90"><f>1+1</f></c></row>',
                    1,
                )
            zout.writestr(info, data)
    with pytest.raises(UnusableFile, match="不安全"):
        ei.read_return(evil, ei.Lookups.of(demo_store))


def test_cli_exit_code_2_for_unusable_files(
    good: Path, demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "x.csv"
    csv.write_text("a,b\n")
    rows = demo_store.counts()["audit_log"]
    assert demo_store.path is not None
    code = cli.main(["import-excel", "--db", str(demo_store.path), str(csv)])
    err = capsys.readouterr().err
    assert code == 2
    assert "x.csv" in err and "不是 xlsx 报表" in err and "Traceback" not in err
    assert demo_store.counts()["audit_log"] == rows
