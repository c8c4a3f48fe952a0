"""The inbox window: files added as the clerk would, received off the UI thread, statuses
shown; a conflict resolved by ticking one field; the 区级 menu's review actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
from ledger_helpers import make_window
from openpyxl.utils import get_column_letter
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QInputDialog

from xihu_desktop.core.categories import PROJECT
from xihu_desktop.core.enums import ArrivalStatus, ReviewState
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.store import Ledger, Store
from xihu_desktop.ui.conflict_dialog import TAKE, ConflictDialog
from xihu_desktop.ui.inbox_dialog import InboxDialog

YEAR = 2025


def _col(key: str) -> str:
    return get_column_letter([f.key for f in layout.category_columns(PROJECT)].index(key) + 1)


def _ledger(store: Store, name: str) -> Ledger:
    found = store.ledgers.find(store.units.find(name).id, YEAR)
    assert found is not None
    return found


def _edit(path: Path, cells: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(path)
    for cell, value in cells.items():
        wb[PROJECT.label][cell] = value
    wb.save(path)


def _statuses(dialog: InboxDialog) -> list[str]:
    return [dialog.model.cells(r)[4] for r in range(dialog.model.rowCount())]


def test_inbox_receives_files_and_folders(qtbot: Any, demo_store: Store, tmp_path: Path) -> None:
    same = ee.export_ledger(demo_store, _ledger(demo_store, "双浦镇").id, tmp_path / "a.xlsx")
    changed = ee.export_ledger(demo_store, _ledger(demo_store, "三墩镇").id, tmp_path / "b.xlsx")
    _edit(changed, {f"{_col('remark')}4": "收件箱"})
    folder = tmp_path / "收件"
    folder.mkdir()
    (folder / "坏.xlsx").write_bytes(b"not a zip")
    (folder / "~$坏.xlsx").write_bytes(b"lock")
    dialog = InboxDialog(demo_store)
    qtbot.addWidget(dialog)
    dialog.add_paths([same, changed])
    mime = QMimeData()  # a folder dropped onto the dialog
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    drop = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    dialog.dropEvent(drop)
    assert _statuses(dialog) == ["待接收"] * 3
    result = dialog.receive()
    assert result.ok, result.error
    assert _statuses(dialog) == ["相同", "更新", "错误"]
    assert dialog.model.cells(1)[2] == "三墩镇" and dialog.model.cells(2)[5]
    colour = dialog.model.data(dialog.model.index(2, 4), Qt.ItemDataRole.ForegroundRole)
    assert colour.color().name() == "#c0392b"
    assert dialog.received == 1 and not dialog.receive_button.isEnabled()
    assert len(demo_store.review.inbox(YEAR)) == 2  # the broken file names no year
    assert len(demo_store.review.inbox()) == 3


def test_conflict_resolved_by_ticking_one_field(
    qtbot: Any, demo_store: Store, tmp_path: Path
) -> None:
    ledger = _ledger(demo_store, "双浦镇")
    ret = ee.export_ledger(demo_store, ledger.id, tmp_path / "双浦镇.xlsx")
    dialog = InboxDialog(demo_store)
    qtbot.addWidget(dialog)
    dialog.add_paths([ret])
    dialog.receive()
    demo_store.review.accept(YEAR, ledger.unit_id)
    old = demo_store.entries.list(ledger.id, "project")[0].values
    _edit(ret, {f"{_col('remark')}4": "文件的备注", f"{_col('owner_org')}4": "文件的业主"})
    dialog.model.paths.clear()
    dialog.model.reports.clear()
    dialog.add_paths([ret])
    dialog.receive()
    assert _statuses(dialog) == ["冲突"]
    dialog.view.selectRow(0)
    assert dialog.resolve_button.isEnabled()
    report = dialog.model.reports[0]
    assert report is not None
    resolver = ConflictDialog(demo_store, ret, report, dialog)
    qtbot.addWidget(resolver)
    model = resolver.model
    fields = [model.index(r, 1).data() for r in range(model.rowCount())]
    assert sorted(fields) == sorted(["备注", PROJECT.field("owner_org").label])
    row = fields.index("备注")
    assert model.index(row, 2).data() == (old.get("remark") or "")
    assert model.index(row, 3).data() == "文件的备注"
    resolver.findChildren(type(dialog.resolve_button))[0].click()  # 全部采用文件值
    assert model.chosen() == {d.id for d in model.diffs}
    resolver.findChildren(type(dialog.resolve_button))[1].click()  # 全部保留
    assert model.chosen() == set()
    assert model.setData(
        model.index(row, TAKE), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
    )
    resolver.apply()
    assert resolver.result_report is not None
    assert resolver.result_report.status == ArrivalStatus.UPDATED
    values = demo_store.entries.list(ledger.id, "project")[0].values
    assert values["remark"] == "文件的备注" and values.get("owner_org") == old.get("owner_org")
    assert demo_store.review.state(YEAR, ledger.unit_id).state == ReviewState.ACCEPTED


def test_district_menu_reviews_the_ledger_shown(
    qtbot: Any, demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = _ledger(demo_store, "双浦镇")
    ret = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    from xihu_desktop.exchange.inbox import receive

    receive(demo_store, [ret])
    window = make_window(qtbot, demo_store, tmp_path, ledger.unit_id, YEAR)
    titles = [a.text() for a in window.menuBar().actions()]
    assert "区级(&D)" in titles
    answers = iter([("", True), ("数据不全", True)])  # an empty reason is asked again
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    monkeypatch.setattr(
        "xihu_desktop.ui.review_actions.QMessageBox.information", lambda *a, **k: None
    )
    window.menu_actions["review_return"].trigger()
    review = demo_store.review.state(YEAR, ledger.unit_id)
    assert review.state == ReviewState.RETURNED and review.reason == "数据不全"
    assert window.header.review_label.text() == "退回：数据不全"
    window.menu_actions["review_accept"].trigger()
    assert demo_store.review.state(YEAR, ledger.unit_id).state == ReviewState.ACCEPTED
    assert window.header.review_label.text() == "已审"
    monkeypatch.setattr(
        "xihu_desktop.ui.review_actions.QFileDialog.getExistingDirectory",
        lambda *a, **k: str(tmp_path / "回执"),
    )
    window.menu_actions["make_receipt"].trigger()
    assert sorted(p.suffix for p in (tmp_path / "回执").iterdir()) == [".pdf", ".xlsx"]
    demo_store.act_as("clerk", "operator", ledger.unit_id)
    window.user_changed()
    assert not window.menu_actions["review_accept"].isEnabled()
