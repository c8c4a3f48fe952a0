"""One vocabulary: every progress label in the window, the Excel return and the PDF sheet
comes from the one declaration (core.progress_fields.PROGRESS)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.core.progress_fields import PROGRESS, PROGRESS_BY_KEY
from xihu_desktop.exchange import excel_export
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.pdf_tables import category_columns
from xihu_desktop.exchange.xlsx_read import norm
from xihu_desktop.store import Store

FORMER = {alias for f in PROGRESS for alias in f.aliases}


def test_window_progress_columns_use_the_declaration() -> None:
    from xihu_desktop.ui.progress_tab import COLUMNS

    for key, header, field in COLUMNS:
        if key in PROGRESS_BY_KEY:
            assert header == PROGRESS_BY_KEY[key].label, key
            assert field is None or field is PROGRESS_BY_KEY[key], key
        assert header not in FORMER, header
    assert {k for k, _, _ in COLUMNS} >= set(PROGRESS_BY_KEY)


def test_excel_progress_sheet_uses_the_declaration(demo_store: Store, tmp_path: Path) -> None:
    assert layout.progress_fields() is PROGRESS
    for f in layout.progress_columns():
        key = f.key.partition(".")[2]
        if key in PROGRESS_BY_KEY:
            assert f.label == PROGRESS_BY_KEY[key].label
    ledger = demo_store.ledgers.list(year=2025)[0]
    out = tmp_path / "return.xlsx"
    excel_export.export_ledger(demo_store, ledger.id, out)
    ws = load_workbook(out, read_only=True)[layout.PROGRESS_SHEET]
    texts = {str(c) for row in ws.iter_rows(max_row=6, values_only=True) for c in row if c}
    for f in PROGRESS:
        assert f.label in texts
    assert not texts & FORMER, texts & FORMER


def test_pdf_and_category_fields_share_the_progress_names() -> None:
    """A category field the progress also has (推进状态, 完成值) carries the same name,
    and no category or PDF column uses a former name."""
    for cat in CATEGORIES:
        for f in cat.fields:
            assert f.label not in FORMER, (cat.key, f.label)
            if f.key == "status":
                assert f.label == PROGRESS_BY_KEY["status"].label
        for col in category_columns(cat):
            assert col.header.split("\n")[0] not in FORMER


def test_former_names_still_import() -> None:
    """Returns made before the names were unified still map their progress columns."""
    for f in PROGRESS:
        for alias in f.aliases:
            assert norm(alias) != norm(f.label)
    value = next(c for c in layout.progress_columns() if c.key == "q1.value")
    assert "进度值" in value.aliases


def test_a_return_with_the_former_names_imports(demo_store: Store, tmp_path: Path) -> None:
    """A return exported before the names were unified (进度值, 审核意见) still reads."""
    from xihu_desktop.exchange import excel_import

    ledger = next(lg for lg in demo_store.ledgers.list(year=2025) if lg.status == "草稿")
    entry = demo_store.entries.list(ledger.id, "project")[0]
    demo_store.progress.set(entry.id, 1, {"value": 10.0, "comment": "旧"})
    out = excel_export.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    wb = load_workbook(out)
    ws = wb[layout.PROGRESS_SHEET]
    value_col = comment_col = None
    for row in ws.iter_rows(max_row=6):
        for c in row:
            if c.value == "完成值" and value_col is None:
                c.value, value_col = "进度值", c.column
            elif c.value == "备注" and comment_col is None:
                c.value, comment_col = "审核意见", c.column
    assert value_col and comment_col
    for row in ws.iter_rows(min_row=4):
        if any(c.value == entry.name for c in row):
            row[value_col - 1].value = 12.0
            row[comment_col - 1].value = "新"
    wb.save(out)
    plan = excel_import.import_file(demo_store, out)
    assert not plan.problems, plan.problems
    q1 = demo_store.progress.get(entry.id, 1)
    assert q1 is not None and (q1.value, q1.comment) == (12.0, "新")
