"""文件 menu Excel actions, driven like a user: file dialogs, progress, preview, buttons."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from xihu_desktop.core.categories import PROJECT
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.store import Store
from xihu_desktop.ui import excel_actions
from xihu_desktop.ui.excel_actions import ImportPreviewDialog


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Record message boxes instead of showing them; question() answers from 'answers'."""
    seen: dict[str, list[str]] = {"warning": [], "information": [], "question": [], "answers": []}

    def record(kind: str) -> Callable[..., Any]:
        def box(_parent: Any, _title: str, text: str, *args: Any) -> Any:
            seen[kind].append(text)
            if kind == "question":
                return seen["answers"].pop(0) if seen["answers"] else QMessageBox.StandardButton.No
            return QMessageBox.StandardButton.Ok

        return box

    for kind in ("warning", "information", "question"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(record(kind)))
    return seen


def _save_as(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> list[str]:
    asked: list[str] = []

    def dialog(_parent: Any, _title: str, default: str, _filter: str) -> tuple[str, str]:
        asked.append(default)
        return (str(path) if path else "", _filter)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(dialog))
    return asked


def _open_files(monkeypatch: pytest.MonkeyPatch, paths: list[Path]) -> None:
    monkeypatch.setattr(
        QFileDialog,
        "getOpenFileNames",
        staticmethod(lambda *a: ([str(p) for p in paths], excel_actions.XLSX_FILTER)),
    )


def _when_preview(
    qtbot: Any, act: Callable[[ImportPreviewDialog], None]
) -> list[ImportPreviewDialog]:
    """Act on the preview dialog as soon as it is shown (it runs its own event loop)."""
    seen: list[ImportPreviewDialog] = []

    def poll() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, ImportPreviewDialog) and w.isVisible() and w not in seen:
                seen.append(w)
                act(w)
                return
        QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def _click(qtbot: Any, name: str) -> Callable[[ImportPreviewDialog], None]:
    return lambda d: qtbot.mouseClick(getattr(d, name), Qt.MouseButton.LeftButton)


def _draft(store: Store) -> Any:
    return next(lg for lg in store.ledgers.list(year=2025) if lg.status == "草稿")


def _set_cell(path: Path, key: str, value: Any, row: int = 4) -> None:
    wb = openpyxl.load_workbook(path)
    col = [f.key for f in ee.category_columns(PROJECT)].index(key) + 1
    wb[PROJECT.label][f"{get_column_letter(col)}{row}"] = value
    wb.save(path)


# ---------------------------------------------------------------- export


def test_export_return(
    parent: QWidget, demo_store: Store, tmp_path: Path, monkeypatch, boxes
) -> None:
    ledger = _draft(demo_store)
    asked = _save_as(monkeypatch, tmp_path / "报表")
    path = excel_actions.export_return(parent, demo_store, ledger.id)
    assert path == tmp_path / "报表.xlsx"
    assert Path(asked[0]).name == f"{ledger.unit_name}_{ledger.year}年六个一批报表.xlsx"
    wb = openpyxl.load_workbook(path)
    assert PROJECT.label in wb.sheetnames
    assert not boxes["warning"]


def test_export_cancelled_in_the_file_dialog(
    parent: QWidget, demo_store: Store, monkeypatch
) -> None:
    _save_as(monkeypatch, None)
    assert excel_actions.export_return(parent, demo_store, _draft(demo_store).id) is None


def test_export_failure_is_a_message(
    parent: QWidget, demo_store: Store, tmp_path: Path, monkeypatch, boxes
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _save_as(monkeypatch, blocker / "sub" / "r.xlsx")  # a folder that cannot exist
    assert excel_actions.export_return(parent, demo_store, _draft(demo_store).id) is None
    assert boxes["warning"] and "无法读写文件" in boxes["warning"][0]


def test_export_summary(
    parent: QWidget, demo_store: Store, tmp_path: Path, monkeypatch, boxes
) -> None:
    _save_as(monkeypatch, tmp_path / "s.xlsx")
    path = excel_actions.export_summary(parent, demo_store, 2025)
    assert path is not None and openpyxl.load_workbook(path).sheetnames[0] == ee.SUMMARY_SHEET
    assert excel_actions.export_summary(parent, demo_store, 1999) is None
    assert "还没有任何台账" in boxes["information"][0]


def test_background_work_can_be_cancelled(parent: QWidget, qtbot: Any) -> None:
    def work(report: Callable[[int, int], bool]) -> str:
        step = 0
        while report(step, 1000) and step < 1000:  # never hang the test
            step += 1
            time.sleep(0.005)
        return "not cancelled"

    def press_cancel() -> None:
        dialog = parent.findChild(QProgressDialog)
        button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "取消")
        button.click()

    QTimer.singleShot(100, press_cancel)
    result = excel_actions.run_in_background(parent, "测试", "运行中", work)
    assert not result.ok and result.cancelled and result.error is None


# ---------------------------------------------------------------- import


def test_import_with_preview(
    parent, demo_store: Store, tmp_path: Path, monkeypatch, qtbot, boxes
) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    _set_cell(out, "remark", "从报表导入的备注")
    _open_files(monkeypatch, [out])
    seen = _when_preview(qtbot, _click(qtbot, "import_button"))
    assert excel_actions.import_returns(parent, demo_store) == 1
    dialog = seen[0]
    top = dialog.tree.topLevelItem(0)
    assert top.text(0) == "r.xlsx" and "修改 1 条" in top.text(1)
    assert any("修改" in top.child(i).text(0) for i in range(top.childCount()))
    assert demo_store.entries.list(ledger.id, "project")[0].values["remark"] == "从报表导入的备注"
    assert "r.xlsx" in boxes["information"][0]


def test_import_cancel_writes_nothing(
    parent, demo_store: Store, tmp_path: Path, monkeypatch, qtbot, boxes
) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    _set_cell(out, "remark", "不应写入")
    fingerprint = ledger_fingerprint(demo_store, ledger.id)
    _open_files(monkeypatch, [out])
    _when_preview(qtbot, _click(qtbot, "cancel_button"))
    assert excel_actions.import_returns(parent, demo_store) == 0
    assert ledger_fingerprint(demo_store, ledger.id) == fingerprint


def test_import_problems_and_valid_rows_only(
    parent, demo_store: Store, tmp_path: Path, monkeypatch, qtbot, boxes
) -> None:
    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    _set_cell(out, "remark", "有效行")
    _set_cell(out, "nature", "扩建", row=5)
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n")
    _open_files(monkeypatch, [out, bad])
    state: dict[str, Any] = {}

    def act(d: ImportPreviewDialog) -> None:
        state["import"] = d.import_button.isEnabled()
        state["valid"] = d.valid_button.isEnabled()
        items = [d.tree.topLevelItem(i) for i in range(d.tree.topLevelItemCount())]
        state["texts"] = [
            (
                it.text(0),
                it.text(1),
                [it.child(i).text(0) + " " + it.child(i).text(1) for i in range(it.childCount())],
            )
            for it in items
        ]
        qtbot.mouseClick(d.valid_button, Qt.MouseButton.LeftButton)

    _when_preview(qtbot, act)
    assert excel_actions.import_returns(parent, demo_store) == 1
    assert state["import"] is False and state["valid"] is True
    (name, summary, children), (bad_name, bad_text, _) = state["texts"]
    assert name == "r.xlsx" and "问题 1 处" in summary
    letter = get_column_letter([f.key for f in ee.category_columns(PROJECT)].index("nature") + 1)
    assert any(f"{PROJECT.label} {letter}5 建设性质" in c and "扩建" in c for c in children)
    assert bad_name == "x.csv" and "不是 xlsx 报表" in bad_text
    projects = demo_store.entries.list(ledger.id, "project")
    assert projects[0].values["remark"] == "有效行"
    assert projects[1].values["nature"] != "扩建"


def test_submitted_ledger_asks_for_confirmation(
    parent, demo_store: Store, tmp_path: Path, monkeypatch, qtbot, boxes
) -> None:
    ledger = next(lg for lg in demo_store.ledgers.list(year=2025) if lg.status == "已提交")
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    _set_cell(out, "remark", "管理员导入")
    _open_files(monkeypatch, [out])
    boxes["answers"].append(QMessageBox.StandardButton.No)
    _when_preview(qtbot, _click(qtbot, "import_button"))
    assert excel_actions.import_returns(parent, demo_store) == 0
    assert "已提交" in boxes["question"][0]
    assert demo_store.entries.list(ledger.id, "project")[0].values.get("remark") != "管理员导入"

    boxes["answers"].append(QMessageBox.StandardButton.Yes)
    _when_preview(qtbot, _click(qtbot, "import_button"))
    assert excel_actions.import_returns(parent, demo_store) == 1
    assert demo_store.entries.list(ledger.id, "project")[0].values["remark"] == "管理员导入"
    assert demo_store.ledgers.get(ledger.id).status == "已提交"


def test_entries_the_return_lacks_are_kept_unless_the_user_ticks_and_confirms(
    parent, demo_store: Store, tmp_path: Path, monkeypatch, qtbot, boxes
) -> None:
    ledger = _draft(demo_store)
    projects = demo_store.entries.list(ledger.id, "project")
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    wb[PROJECT.label].delete_rows(4)
    progress = wb["进度填报"]
    for r in range(progress.max_row, 3, -1):
        if progress.cell(r, progress.max_column).value == projects[0].key:
            progress.delete_rows(r)
    wb.save(out)
    _open_files(monkeypatch, [out])
    state: dict[str, Any] = {}

    def keep(d: ImportPreviewDialog) -> None:
        state["box"] = d.delete_missing.text()
        top = d.tree.topLevelItem(0)
        state["rows"] = [top.child(i).text(0) for i in range(top.childCount())]
        qtbot.mouseClick(d.import_button, Qt.MouseButton.LeftButton)

    _when_preview(qtbot, keep)
    excel_actions.import_returns(parent, demo_store)
    assert "1 个条目" in state["box"]
    assert any("文件中没有（保留）" in t and projects[0].name in t for t in state["rows"])
    assert demo_store.entries.get(projects[0].id).name == projects[0].name

    def tick(d: ImportPreviewDialog) -> None:
        d.delete_missing.setChecked(True)
        qtbot.mouseClick(d.import_button, Qt.MouseButton.LeftButton)

    boxes["answers"].append(QMessageBox.StandardButton.Yes)
    _when_preview(qtbot, tick)
    excel_actions.import_returns(parent, demo_store)
    assert projects[0].name in boxes["question"][-1]  # the confirmation names it
    assert [e.id for e in demo_store.entries.list(ledger.id, "project")] == [
        e.id for e in projects[1:]
    ]


def test_a_new_ledger_is_created_only_after_a_confirmation(
    parent, demo_store: Store, tmp_path: Path, monkeypatch, qtbot, boxes
) -> None:
    from xihu_desktop.store.seed import initialise

    ledger = _draft(demo_store)
    out = ee.export_ledger(demo_store, ledger.id, tmp_path / "r.xlsx")
    district = Store.open(tmp_path / "district.sqlite3")
    initialise(district)
    _open_files(monkeypatch, [out])
    boxes["answers"].append(QMessageBox.StandardButton.No)
    _when_preview(qtbot, _click(qtbot, "import_button"))
    assert excel_actions.import_returns(parent, district) == 0
    assert "新建" in boxes["question"][-1] and district.ledgers.list() == []
    boxes["answers"].append(QMessageBox.StandardButton.Yes)
    _when_preview(qtbot, _click(qtbot, "import_button"))
    assert excel_actions.import_returns(parent, district) == 1
    assert len(district.ledgers.list()) == 1
    district.close()
