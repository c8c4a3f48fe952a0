"""The Excel return as a user sees it: layout, formats, print setup, safety of text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xihu_desktop.core.categories import CATEGORIES, PROJECT, FieldType
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.store import Store


def _ledger(store: Store, year: int = 2025):
    return store.ledgers.list(year=year)[0]


def test_return_layout_follows_the_declarations(demo_store: Store, tmp_path: Path) -> None:
    ledger = _ledger(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        layout.COVER_SHEET,
        *(c.label for c in CATEGORIES),
        layout.PROGRESS_SHEET,
        layout.ADJUSTMENT_SHEET,
        layout.META_SHEET,
    ]
    meta = {r[0]: r[1] for r in wb[layout.META_SHEET].iter_rows(values_only=True)}
    assert wb[layout.META_SHEET].sheet_state == "veryHidden"
    assert meta["fingerprint"] == ledger_fingerprint(demo_store, ledger.id)
    assert meta["unit_code"] == ledger.unit_code and meta["year"] == str(ledger.year)

    ws = wb[PROJECT.label]
    columns = layout.category_columns(PROJECT)
    headers = [ws.cell(3, c + 1).value for c in range(len(columns))]
    # a column without group is merged over both header rows: its text is in row 2
    assert headers[0] is None and ws.cell(2, 1).value == "序号"
    assert headers[1:-1] == [f.header for f in PROJECT.fields]
    assert "总投资（万元）" in headers
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A1:{openpyxl.utils.get_column_letter(len(columns))}1" in merged
    assert "A2:A3" in merged
    # the upper header level is the field group, merged over its columns
    first_group = PROJECT.fields[0].group
    span = sum(
        1
        for _ in __import__("itertools").takewhile(lambda f: f.group == first_group, PROJECT.fields)
    )
    assert ws.cell(2, 2).value == first_group
    assert f"B2:{openpyxl.utils.get_column_letter(1 + span)}2" in merged

    assert ws.freeze_panes == "C4"
    assert ws.print_title_rows == "$2:$3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.column_dimensions["B"].width >= PROJECT.field("name").width * 2

    formats = {f.key: ws.cell(4, c + 1).number_format for c, f in enumerate(columns)}
    for f in PROJECT.fields:
        if f.type == FieldType.MONEY:
            assert formats[f.key] == "#,##0.00", f.key
        if f.type == FieldType.YEAR:
            assert formats[f.key] == "0", f.key
    assert ws.column_dimensions[openpyxl.utils.get_column_letter(len(columns))].hidden
    assert layout.parse_entry_key(ws.cell(4, len(columns)).value) is not None  # a UUID

    validations = {
        str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation
    }
    for c, f in enumerate(columns):
        if f.type == FieldType.ENUM:
            letter = openpyxl.utils.get_column_letter(c + 1)
            assert all(choice in validations[f"{letter}4"] for choice in f.choices)

    cover = {r[0]: r[1] for r in wb[layout.COVER_SHEET].iter_rows(values_only=True) if r[0]}
    assert cover["责任单位"] == ledger.unit_name
    assert cover["责任领导"] == ledger.leader
    assert cover["台账状态"] == ledger.status
    assert "总分" in cover


def test_linked_targets_are_written_as_readable_text(demo_store: Store, tmp_path: Path) -> None:
    ledger = _ledger(demo_store)
    entry = next(
        e for e in demo_store.entries.list(ledger.id, "indicator") if e.values.get("target_id")
    )
    target = demo_store.catalogue.target(entry.values["target_id"])
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(out)["一批重点指标"]
    values = [c.value for c in ws["C"]]
    assert layout.target_label(target) in values
    assert layout.target_label(target).startswith(f"{target['seq']} {target['name']}")


def test_formula_like_text_is_a_string_and_controls_are_stripped(
    store: Store, tmp_path: Path
) -> None:
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    names = ["=1+2", "+SUM(A1:A3)", "-2+3", "@cmd", '=HYPERLINK("http://x","y")']
    for name in names:
        store.entries.add(ledger.id, "platform", {"name": name, "annual_goal": "目标"})
    e = store.entries.get(
        store.entries.add(ledger.id, "platform", {"name": "ok", "annual_goal": "x"}).id
    )
    # a control character that slipped into the database must not crash the export
    store.conn.execute("UPDATE entries SET name = ? WHERE id = ?", ("a\x01b\x1fc", e.id))
    out = ee.export_ledger(store, ledger.id, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(out)["一批重点平台"]
    cells = [ws.cell(r, 2) for r in range(4, 4 + len(names) + 1)]
    for cell, name in zip(cells, names, strict=False):
        assert cell.data_type == "s" and cell.value == name
        assert cell.quotePrefix
    assert cells[-1].value == "abc"


def test_district_summary(demo_store: Store, tmp_path: Path) -> None:
    ledgers = demo_store.ledgers.list(year=2025)
    out = ee.export_summary(demo_store, 2025, tmp_path / "s.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:2] == [layout.SUMMARY_SHEET, layout.RANKING_SHEET]
    completion = wb[layout.SUMMARY_SHEET]
    rows = [r for r in completion.iter_rows(min_row=4, values_only=True) if r[0] is not None]
    assert [r[1] for r in rows] == [ledger.unit_name for ledger in ledgers]
    assert completion.cell(2, 4).value == CATEGORIES[0].short
    ranking = [r for r in wb[layout.RANKING_SHEET].iter_rows(min_row=4, values_only=True) if r[0]]
    totals = [r[6] for r in ranking]
    assert totals == sorted(totals, reverse=True)
    assert ranking[0][0] == 1
    best = max(ledgers, key=lambda ledger: demo_store.assessment.score(ledger.id).total)
    assert ranking[0][1] == best.unit_name
    ws = wb[PROJECT.label]
    total = sum(len(demo_store.entries.list(ledger.id, "project")) for ledger in ledgers)
    data = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(data) == total
    assert ws.cell(2, 1).value == "责任单位"
    assert {r[0] for r in data} <= {ledger.unit_name for ledger in ledgers}
    assert ws.freeze_panes == "C4" and ws.print_title_rows == "$2:$3"


def test_summary_of_a_year_without_ledgers_is_refused(store: Store, tmp_path: Path) -> None:
    from xihu_desktop.store.errors import NotFound

    with pytest.raises(NotFound):
        ee.export_summary(store, 2025, tmp_path / "s.xlsx")
    assert not (tmp_path / "s.xlsx").exists()


def test_cancelled_export_leaves_no_file(demo_store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "r.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(ee.Cancelled):
        ee.export_ledger(demo_store, _ledger(demo_store).id, out, progress=lambda d, t: d < 3)
    assert out.read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["r.xlsx"]
