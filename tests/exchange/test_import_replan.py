"""The write transaction of an import plans again only when another program wrote to the
file since the first plan (PRAGMA data_version); what it writes is always what the file
holds at that moment."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xihu_desktop.core.categories import category
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.store import Store

YEAR = 2025


def _raised_goal(store: Store, tmp_path: Path) -> tuple[Path, int, float]:
    """A return of one ledger with the first indicator's goal raised by one."""
    ledger = next(
        lg for lg in store.ledgers.list(year=YEAR) if store.entries.list(lg.id, "indicator")
    )
    entry = store.entries.list(ledger.id, "indicator")[0]
    path = ee.export_ledger(store, ledger.id, tmp_path / "报表.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.sheet_name(category("indicator"))]
    keys = [f.key for f in layout.category_columns(category("indicator"))]
    col = keys.index("goal") + 1
    row = next(
        r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, keys.index("name") + 1).value == entry.name
    )
    goal = float(ws.cell(row, col).value) + 1
    ws.cell(row, col).value = goal
    wb.save(path)
    return path, entry.id, goal


def _counting(monkeypatch: pytest.MonkeyPatch, between: Any = None) -> list[int]:
    calls: list[int] = []
    real = ei.plan_import

    def plan(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1 and between is not None:
            between()
        return result

    monkeypatch.setattr(ei, "plan_import", plan)
    return calls


def test_nothing_written_meanwhile_plans_once(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, entry_id, goal = _raised_goal(demo_store, tmp_path)
    calls = _counting(monkeypatch)
    plan = ei.import_file(demo_store, path, allow_locked=True)
    assert len(calls) == 1
    assert plan.count("changed") == 1
    assert demo_store.entries.get(entry_id).values["goal"] == goal


def test_a_write_by_another_program_meanwhile_is_seen(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the first plan and the write, another program sets the same goal: the
    import plans again, finds the entry as the file has it and changes nothing."""
    path, entry_id, goal = _raised_goal(demo_store, tmp_path)
    db = demo_store.path
    assert db is not None

    def other_program() -> None:
        conn = sqlite3.connect(db)
        conn.execute("UPDATE entries SET goal = ? WHERE id = ?", (goal, entry_id))
        conn.commit()
        conn.close()

    calls = _counting(monkeypatch, other_program)
    plan = ei.import_file(demo_store, path, allow_locked=True)
    assert len(calls) == 2
    assert plan.count("changed") == 0
    assert demo_store.entries.get(entry_id).values["goal"] == goal
