"""The audit dialog: filters, read-only model, Excel export."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from xihu_desktop.store import Store
from xihu_desktop.ui import audit_view as A


def _changes(store: Store) -> tuple[int, int]:
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    entry = store.entries.get(
        store.entries.add(ledger.id, "indicator", {"name": "地区生产总值"}).id
    )
    store.entries.update(entry.id, {"name": '=HYPERLINK("http://x","y")'})
    store.act_as("李四", "operator", unit.id)
    store.progress.set(entry.id, 1, {"value": 12.5})
    store.act_as("本机用户", "admin")
    return ledger.id, entry.id


def test_model_is_read_only_and_passes_qmodeltester(qtbot, qtmodeltester, store: Store) -> None:
    _changes(store)
    model = A.AuditModel(store)
    model.load()
    qtmodeltester.check(model)
    index = model.index(0, 0)
    assert not model.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(index, "x")


def test_filters(qtbot, store: Store) -> None:
    ledger_id, _ = _changes(store)
    dialog = A.AuditDialog(store, ledger_id)
    qtbot.addWidget(dialog)
    total = dialog.model.rowCount()
    assert total >= 4 and "共" in dialog.count_label.text()
    dialog.user_box.setCurrentText("李四")
    assert {r["user"] for r in dialog.model.rows} == {"李四"}
    assert all(r["action"] in ("进度填报", "进度同步") for r in dialog.model.rows)
    dialog.user_box.setCurrentIndex(0)
    dialog.action_box.setCurrentText("修改")
    assert [r["field"] for r in dialog.model.rows] == ["name"]
    row = dialog.model.rows[0]
    values = [dialog.model.data(dialog.model.index(0, c)) for c in range(8)]
    assert values[6] == "地区生产总值" and values[7].startswith("=HYPERLINK")
    assert "2025" in values[3]
    dialog.action_box.setCurrentIndex(0)
    dialog.text_edit.setText("12.5")
    dialog.reload()
    assert dialog.model.rowCount() >= 1 and row not in dialog.model.rows
    dialog.text_edit.clear()
    assert dialog.model.rowCount() == total
    dialog.date_box.setChecked(True)
    dialog.since_edit.setDate(dialog.since_edit.date().addYears(5))
    assert dialog.model.rowCount() == 0


def test_whole_log_and_export(qtbot, store: Store, tmp_path: Path, monkeypatch) -> None:
    _changes(store)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    dialog = A.AuditDialog(store, None)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "审计日志"
    dest = tmp_path / "审计日志.xlsx"
    assert dialog.export(dest) == dest
    ws = load_workbook(dest).active
    assert ws.max_row == len(store.audit.log(limit=None)) + 1
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert any(isinstance(c.value, str) and c.value.startswith("=HYPERLINK") for c in cells)
    assert shown and "已导出" in shown[0]
    # Cancelled file dialog: nothing happens.
    monkeypatch.setattr(A.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert dialog.export() is None


def test_export_failure_is_a_message(qtbot, store: Store, tmp_path: Path, monkeypatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    dialog = A.AuditDialog(store, None)
    qtbot.addWidget(dialog)
    folder = tmp_path / "a-folder.xlsx"
    folder.mkdir()
    assert dialog.export(folder) is None
    assert warnings and "无法导出" in warnings[0]


def test_grouped_progress_sync_row_is_shown_readably(qtbot, store: Store) -> None:
    """A progress sync logs one row per entry (issue 15): the viewer shows its keys and
    both values as text, not raw JSON."""
    ledger_id, entry_id = _changes(store)
    store.progress.set(entry_id, 2, {"value": 30, "status": "滞后"})
    dialog = A.AuditDialog(store, ledger_id)
    qtbot.addWidget(dialog)
    dialog.action_box.setCurrentText("进度同步")
    model = dialog.model
    shown = [[model.data(model.index(r, c)) for c in range(8)] for r in range(model.rowCount())]
    grouped = [row for row in shown if row[5] == "actual、status"]
    assert len(grouped) == 1 and grouped[0][4] == entry_id
    assert grouped[0][6] == "actual=12.5；status=未启动"
    assert grouped[0][7] == "actual=30.0；status=滞后"
