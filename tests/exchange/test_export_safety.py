"""Export safety: hostile text in every text field survives the Excel return, the
district summary and the PDF sheet — as text, never as a formula; the PDF renders.

Values reach the database two ways: through the store (validated: control characters
stripped, at most 4,000 characters) and written raw (as an older version, a hand-edited
file or a bug might leave them: control characters and 10,000 characters).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from xihu_desktop.core.categories import CATEGORIES, FieldType
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import pdf_sheet
from xihu_desktop.store import Store

LONG = "鑫" * 10_000
CONTROLS = "控" + "".join(chr(c) for c in range(32)) + "制"
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+1",
    "-1",
    "=1+1",
    "=cmd|' /C calc'!A0",
    "\t=2+3",
    "<b>不是标签</b> & 符号",
]
TEXT_TYPES = (FieldType.TEXT, FieldType.LONGTEXT)


def _without_controls(text: str, keep: str = "\t\r\n") -> str:
    return "".join(c for c in text if ord(c) >= 32 or c in keep)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture
def hostile(store: Store) -> tuple[Store, int, list[str]]:
    """A ledger whose every text field holds a hostile value; returns what was stored."""
    unit = store.units.list()[0]
    store.units.update(unit.id, {"name": "=单位名称()"})
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    store.ledgers.update(
        ledger.id,
        {"leader": "@SUM(A1)", "contact": "+1", "preparer": "-1", "self_assessment": LONG[:3000]},
    )
    values = iter(HOSTILE * 20)
    stored: list[str] = []
    raw_entry: dict[str, int] = {}
    for cat in CATEGORIES:
        texts = {f.key: next(values) for f in cat.fields if f.type in TEXT_TYPES}
        entry = store.entries.get(store.entries.add(ledger.id, cat.key, texts).id)
        stored.extend(str(v) for v in entry.values.values() if isinstance(v, str))
        raw = store.entries.get(store.entries.add(ledger.id, cat.key, {"name": "原始写入"}).id)
        raw_entry[cat.key] = raw.id
        store.progress.set(
            entry.id, 1, {"value": 1, "problems": '=HYPERLINK("http://x","y")', "next_steps": "@A1"}
        )
    store.assessment.add_adjustment(ledger.id, 1, "=加分理由()")
    # Raw writes: what validation would have refused or cleaned.
    for cat in CATEGORIES:
        long_field = next(
            (
                f.key
                for f in cat.fields
                if f.type == FieldType.LONGTEXT and not f.is_column and not f.in_pdf
            ),
            None,
        )
        data = {long_field: LONG} if long_field else {}
        store.conn.execute(
            "UPDATE entries SET name = ?, data = json_patch(data, ?) WHERE id = ?",
            (CONTROLS, json.dumps(data, ensure_ascii=False), raw_entry[cat.key]),
        )
    return store, ledger.id, stored


def _cells(path: Path) -> list[Any]:
    wb = load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    formulas = [f"{c.parent.title}!{c.coordinate}={c.value}" for c in cells if c.data_type == "f"]
    assert formulas == [], "hostile text became a formula"
    # xlsx escapes a carriage return as _x000D_, which openpyxl leaves as it is.
    return [c.value.replace("_x000D_", "\r") for c in cells if isinstance(c.value, str)]


def test_excel_return_keeps_hostile_text_as_text(hostile, tmp_path: Path) -> None:
    store, ledger_id, stored = hostile
    values = _cells(ee.export_ledger(store, ledger_id, tmp_path / "报表.xlsx"))
    for text in {*HOSTILE, "=单位名称()", "@SUM(A1)", "=加分理由()", "@A1"}:
        assert text in values or text.strip() in values, text
    for text in stored:
        assert text in values, text
    assert LONG in values  # 10,000 characters, whole
    assert _without_controls(CONTROLS) in values  # no control character left behind
    assert not any(re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", v) for v in values)


def test_summary_keeps_hostile_text_as_text(hostile, tmp_path: Path) -> None:
    store, _ledger_id, stored = hostile
    values = _cells(ee.export_summary(store, 2025, tmp_path / "汇总.xlsx"))
    assert "=单位名称()" in values
    names = [s for s in stored if s in HOSTILE]
    assert names and all(n in values for n in names)


def test_pdf_renders_hostile_text(hostile, tmp_path: Path) -> None:
    store, ledger_id, _stored = hostile
    out = pdf_sheet.export_sheet(store, ledger_id, tmp_path / "考核表.pdf", record=False).path
    reader = PdfReader(out)
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "\x00" not in text  # control characters are dropped, not drawn as blank glyphs
    flat = _squash(text)
    for value in ('=HYPERLINK("http://x","y")', "@SUM(A1)", "=单位名称()", "=加分理由()"):
        assert _squash(value) in flat, value
    assert "<b>不是标签</b>&符号" in flat or _squash("<b>不是标签</b> & 符号") in flat
    assert _squash(_without_controls(CONTROLS, keep="")) in flat
    assert flat.count("鑫") >= 3000  # the long self-assessment, wrapped over lines


def test_pdf_prints_longest_texts(store: Store, tmp_path: Path) -> None:
    """The longest name the validator accepts (4,000 characters), and 10,000 written raw,
    print whole (a row taller than a page continues on the next)."""
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    store.entries.add(ledger.id, "indicator", {"name": "鑫" * 4000})
    raw = store.entries.get(store.entries.add(ledger.id, "platform", {"name": "原始"}).id)
    store.conn.execute("UPDATE entries SET name = ? WHERE id = ?", ("淼" * 10_000, raw.id))
    out = pdf_sheet.export_sheet(store, ledger.id, tmp_path / "长.pdf", record=False).path
    text = "".join(page.extract_text() or "" for page in PdfReader(out).pages)
    assert text.count("鑫") >= 4000
    assert text.count("淼") >= 10_000
