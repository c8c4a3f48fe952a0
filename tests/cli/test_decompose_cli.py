"""``xihu decompose``: export, import, dry run, delete-missing, refusals."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from xihu_desktop import cli
from xihu_desktop.store import Store


def _run(capsys, *argv: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_export_then_import_is_the_same(demo_store: Store, tmp_path: Path, capsys) -> None:
    db = demo_store.path
    demo_store.close()
    out = tmp_path / "d.xlsx"
    code, text, _ = _run(capsys, "decompose", "--db", db, "--year", 2025, "--out", out)
    assert code == 0 and out.exists() and "2025" in text
    code, text, _ = _run(capsys, "decompose", "--db", db, "--year", 2025, "--from", out, "--json")
    report = json.loads(text)
    assert code == 0 and report["status"] == "相同" and report["kind"] == "decomposition"
    assert report["counts"]["修改"] == 0


def test_delete_missing_and_dry_run(demo_store: Store, tmp_path: Path, capsys) -> None:
    db = demo_store.path
    sandun = demo_store.units.find("三墩镇").id
    demo_store.close()
    out = tmp_path / "d.xlsx"
    _run(capsys, "decompose", "--db", db, "--year", 2025, "--out", out)
    wb = load_workbook(out)
    ws = wb["指标分解"]
    col = next(c.column for c in ws[3] if c.value == "三墩镇")
    row = next(c.row for c in ws["B"] if c.value == "地区生产总值")
    ws.cell(row, col).value = None
    wb.save(out)
    code, text, _ = _run(capsys, "decompose", "--db", db, "--year", 2025, "--from", out)
    assert code == 0 and "未删除 1" in text and "（相同）" in text
    code, text, _ = _run(
        capsys,
        "decompose",
        "--db",
        db,
        "--year",
        2025,
        "--from",
        out,
        "--delete-missing",
        "--dry-run",
    )
    assert code == 0 and "删除 1" in text and "检查" in text
    with Store.open(db) as s:
        assert sandun in {
            x.unit_id for x in s.decomposition.shares(2025) if x.target.name == "地区生产总值"
        }
    code, text, _ = _run(
        capsys, "decompose", "--db", db, "--year", 2025, "--from", out, "--delete-missing"
    )
    assert code == 0 and "（更新）" in text
    with Store.open(db) as s:
        assert sandun not in {
            x.unit_id for x in s.decomposition.shares(2025) if x.target.name == "地区生产总值"
        }


def test_wrong_year_and_missing_file_are_refused(demo_store: Store, tmp_path: Path, capsys) -> None:
    db = demo_store.path
    demo_store.close()
    out = tmp_path / "d.xlsx"
    _run(capsys, "decompose", "--db", db, "--year", 2025, "--out", out)
    code, _, err = _run(capsys, "decompose", "--db", db, "--year", 2024, "--from", out)
    assert code == 2 and "不是2024年" in err
    code, _, err = _run(
        capsys, "decompose", "--db", db, "--year", 2025, "--from", tmp_path / "no.xlsx"
    )
    assert code == 2 and "不存在" in err
