"""Every kind of arriving file, imported twice at once through the one door from two
connections to the same data file: exactly one import writes, the other finds nothing
left to do, and nothing is applied twice (returns and packages: see test_inbox.py and
test_packages.py)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from arrivals_at_once import twice_at_once

from xihu_desktop.core.enums import ArrivalStatus, LedgerStatus, ReviewState
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange.decomposition_xlsx import export_decomposition
from xihu_desktop.exchange.inbox import receive
from xihu_desktop.exchange.receipts import export_receipt
from xihu_desktop.store import Store

YEAR = 2025


def test_a_decomposition_twice_at_once_is_applied_once(demo_store: Store, tmp_path: Path) -> None:
    table = export_decomposition(demo_store, YEAR, tmp_path / "分解.xlsx")
    wb = openpyxl.load_workbook(table)
    ws = wb["指标分解"]
    # the first share cell of 地区生产总值's row (序号 1), raised by hand
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, 1).value == 1)
    col = next(c for c in range(6, ws.max_column) if isinstance(ws.cell(row, c).value, int | float))
    unit_name = next(
        ws.cell(r, col).value for r in (3, 2) if ws.cell(r, col).value
    )  # the unit's name heads its column
    raised = float(ws.cell(row, col).value) + 1
    ws.cell(row, col).value = raised
    wb.save(table)
    before = len(demo_store.decomposition.shares(YEAR))
    path = demo_store.path
    assert path is not None
    results = twice_at_once(path, table)
    assert sorted(r.status for r in results) == sorted(
        [ArrivalStatus.UPDATED, ArrivalStatus.SAME]
    ), [r.lines for r in results]
    with Store.open(path) as again:
        shares = again.decomposition.shares(YEAR)
        assert len(shares) == before  # no share twice
        unit = again.units.find(str(unit_name))
        (share,) = [s for s in shares if s.unit_id == unit.id and s.target.seq == 1]
        assert share.goal == raised


def test_a_receipt_twice_at_once_is_applied_once(demo_store: Store, tmp_path: Path) -> None:
    unit = demo_store.units.find("双浦镇")
    ledger = demo_store.ledgers.find(unit.id, YEAR)
    assert ledger is not None
    ret = ee.export_ledger(demo_store, ledger.id, tmp_path / "双浦镇报表.xlsx")
    receive(demo_store, [ret])
    own = tmp_path / "双浦镇.sqlite3"
    demo_store.backup(own)  # the unit's own copy, before the district decides
    demo_store.review.send_back(YEAR, unit.id, "请补充说明")
    _pdf, receipt = export_receipt(demo_store, YEAR, unit.id, tmp_path / "回执")
    with Store.open(own) as u:
        u.settings.set(BOUND_UNIT, unit.code)
        u.ledgers.set_status(ledger.id, LedgerStatus.SUBMITTED)
        audit_before = len(u.audit.log(None, None))
        u.review.inbox()  # (the unit's copy also holds the district's inbox log)
    results = twice_at_once(own, receipt)
    assert sorted(r.status for r in results) == sorted([ArrivalStatus.NEW, ArrivalStatus.SAME]), [
        r.lines for r in results
    ]
    with Store.open(own) as u:
        assert u.review.state(YEAR, unit.id).state == ReviewState.RETURNED
        assert u.ledgers.get(ledger.id).status == LedgerStatus.DRAFT
        new = u.audit.log(None, None)[: len(u.audit.log(None, None)) - audit_before]
        assert sum(1 for r in new if r["action"] == "退回台账") == 1
