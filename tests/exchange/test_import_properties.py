"""Property: whatever a hostile clerk does to a return, an import never changes another
ledger and never makes an entry disappear unless deletion was asked for."""

from __future__ import annotations

import contextlib
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import MergedCell

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.exchange.xlsx_safety import UnusableFile
from xihu_desktop.store import Store

EDITS = ("reorder", "delete", "duplicate", "merge", "relabel", "percent", "retype", "blank_key")


def _data_rows(ws: Any) -> list[int]:
    return [r for r in range(4, ws.max_row + 1) if any(c.value for c in ws[r])]


def _apply(wb: openpyxl.Workbook, edit: str, rng: random.Random, other_unit: Any) -> None:
    sheets = [wb[c.label] for c in CATEGORIES if c.label in wb.sheetnames]
    ws = rng.choice(sheets)
    rows = _data_rows(ws)
    if not rows:
        return
    row = rng.choice(rows)
    width = ws.max_column
    if edit == "reorder":
        values = [[ws.cell(r, c).value for c in range(1, width + 1)] for r in rows]
        rng.shuffle(values)
        for r, vals in zip(rows, values, strict=True):
            for c, v in enumerate(vals, start=1):
                if not isinstance(ws.cell(r, c), MergedCell):  # merged by an earlier edit
                    ws.cell(r, c).value = v
    elif edit == "delete":
        ws.delete_rows(row)
    elif edit == "duplicate":
        new = ws.max_row + 1
        for c in range(1, width + 1):
            ws.cell(new, c).value = ws.cell(row, c).value
    elif edit == "merge" and row + 1 <= ws.max_row:
        col = rng.randint(2, max(2, width - 1))
        ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
    elif edit == "relabel":
        for r in wb[layout.COVER_SHEET].iter_rows():
            if r[0].value == layout.COVER_UNIT:
                r[1].value = other_unit.name
            if r[0].value == layout.COVER_UNIT_CODE:
                r[1].value = other_unit.code
        if rng.random() < 0.5 and layout.META_SHEET in wb.sheetnames:
            del wb[layout.META_SHEET]
    elif edit == "percent":
        cell = ws.cell(row, rng.randint(2, width - 1))
        if isinstance(cell.value, int | float):
            cell.value, cell.number_format = cell.value / 100, "0.0%"
    elif edit == "retype":
        ws.cell(row, rng.randint(2, width - 1)).value = rng.choice(["", "12.5", "abc", "-3", "85%"])
    elif edit == "blank_key":
        ws.cell(row, width).value = None


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    edits=st.lists(st.sampled_from(EDITS), min_size=1, max_size=4),
    seed=st.integers(0, 10_000),
    valid_only=st.booleans(),
    delete_missing=st.booleans(),
)
def test_no_other_ledger_changes_and_nothing_disappears_unasked(
    demo_template: Path,
    tmp_path: Path,
    edits: list[str],
    seed: int,
    valid_only: bool,
    delete_missing: bool,
) -> None:
    rng = random.Random(seed)
    here = Path(tempfile.mkdtemp(dir=tmp_path))  # examples share tmp_path: each its own folder
    db = here / "p.sqlite3"
    shutil.copy(demo_template, db)
    with Store.open(db) as store:
        drafts = [lg for lg in store.ledgers.list(year=2025) if lg.status == "草稿"]
        ledger = rng.choice(drafts)
        other_unit = rng.choice([u for u in store.units.list() if u.id != ledger.unit_id])
        out = ee.export_ledger(store, ledger.id, here / "r.xlsx")
        wb = openpyxl.load_workbook(out)
        for edit in sorted(edits, key=lambda e: e == "merge"):  # merged cells are read-only
            _apply(wb, edit, rng, other_unit)
        wb.save(out)
        others = {
            lg.id: ledger_fingerprint(store, lg.id)
            for lg in store.ledgers.list()
            if lg.id != ledger.id
        }
        ids = {e.id for e in store.entries.list(ledger.id)}
        with contextlib.suppress(ei.ImportRefused, UnusableFile):  # refused: nothing written
            ei.import_file(store, out, valid_only=valid_only, delete_missing=delete_missing)
        after = {
            lg.id: ledger_fingerprint(store, lg.id)
            for lg in store.ledgers.list()
            if lg.id != ledger.id
        }
        assert after == others, edits
        remaining = {e.id for e in store.entries.list(ledger.id)}
        if not delete_missing:
            assert ids <= remaining, edits
