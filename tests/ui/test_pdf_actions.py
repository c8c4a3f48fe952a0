"""Window actions of the PDF sheet: preview, print, save, export all (with cancel), verify."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QTimer
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from xihu_desktop.exchange import pdf_sheet
from xihu_desktop.store import Store
from xihu_desktop.ui import pdf_actions
from xihu_desktop.ui.pdf_actions import SheetPreviewDialog


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []

    def box(kind: str):
        def show(parent: Any, title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
            seen.append((kind, text))
            return QMessageBox.StandardButton.Ok

        return show

    monkeypatch.setattr(QMessageBox, "information", box("info"))
    monkeypatch.setattr(QMessageBox, "warning", box("warning"))
    return seen


@pytest.fixture(autouse=True)
def quarter_combo(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], int]]:
    """The print action's quarter question: answered with its default, questions kept."""
    asked: list[tuple[list[str], int]] = []

    def get_item(parent: Any, title: str, label: str, items: list[str], current: int, *a: Any):
        asked.append((list(items), current))
        return items[current], True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    return asked


def test_print_sheet_asks_the_quarter(
    qtbot: Any,
    parent: QWidget,
    demo_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    quarter_combo: list[tuple[list[str], int]],
) -> None:
    ledger = next(lg for lg in demo_store.ledgers.list(year=2025) if lg.status == "草稿")
    entry = demo_store.entries.list(ledger.id, "project")[0]
    for q in (1, 2, 3, 4):
        demo_store.progress.clear(entry.id, q)
    demo_store.progress.set(entry.id, 3, {"value": 6570.0})
    latest = pdf_actions.default_quarter(demo_store, ledger.id)
    assert latest is not None
    pdf_actions.print_sheet(parent, demo_store, ledger.id)
    items, current = quarter_combo[-1]
    assert items[current] == f"第{'一二三四'[latest - 1]}季度"  # default: the latest reported
    dialog = parent.findChild(SheetPreviewDialog)
    assert dialog.sheet.quarter == latest and dialog.sheet.as_of in dialog.info.text()
    dialog.reject()
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("第二季度", True))
    pdf_actions.print_sheet(parent, demo_store, ledger.id)
    dialogs = [d for d in parent.findChildren(SheetPreviewDialog) if d.isVisible()]
    assert [d.sheet.quarter for d in dialogs] == [2] and "截至第二季度" in dialogs[0].info.text()
    dialogs[0].reject()
    printed = len(demo_store.prints.list(ledger.id))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("", False))
    pdf_actions.print_sheet(parent, demo_store, ledger.id)  # cancelled: nothing printed
    assert len(demo_store.prints.list(ledger.id)) == printed


def _three_ledgers(store: Store) -> None:
    with store.transaction() as c:
        c.execute(
            "DELETE FROM ledgers WHERE year = 2025 AND id NOT IN "
            "(SELECT id FROM ledgers WHERE year = 2025 ORDER BY id LIMIT 3)"
        )


def test_print_sheet_preview_print_save_close(
    qtbot: Any, parent: QWidget, demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = demo_store.ledgers.list(year=2025)[0]
    pdf_actions.print_sheet(parent, demo_store, ledger.id)
    dialog = parent.findChild(SheetPreviewDialog)
    assert dialog is not None and dialog.isVisible()
    pages = dialog.document.pageCount()
    assert pages >= 1
    assert "第 1 版" in dialog.info.text() and dialog.sheet.code in dialog.info.text()
    assert demo_store.prints.last(ledger.id) is not None
    assert not pdf_actions.needs_reprint(demo_store, ledger.id)

    printed = tmp_path / "printed.pdf"

    def fake_exec(self: QPrintDialog) -> int:
        printer = self.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        printer.setResolution(72)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintDialog, "exec", fake_exec)
    dialog.print_button.click()
    assert len(PdfReader(printed).pages) == pages
    assert "已发送" in dialog.status.text()

    saved = tmp_path / "saved"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    dialog.save_button.click()
    copy = saved.with_suffix(".pdf")
    assert copy.read_bytes() == dialog.pdf_path.read_bytes()

    temp_folder = dialog.pdf_path.parent
    dialog.close_button.click()
    assert not temp_folder.exists()


def test_print_sheet_cancelled_print_dialog_prints_nothing(
    qtbot: Any, parent: QWidget, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf_actions.print_sheet(parent, demo_store, demo_store.ledgers.list(year=2025)[0].id)
    dialog = parent.findChild(SheetPreviewDialog)
    monkeypatch.setattr(QPrintDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert dialog.print_sheet() is False
    dialog.reject()


def test_print_sheet_error_is_a_message(
    parent: QWidget, demo_store: Store, messages: list[tuple[str, str]]
) -> None:
    pdf_actions.print_sheet(parent, demo_store, 987654)
    assert parent.findChild(SheetPreviewDialog) is None
    assert messages and messages[0][0] == "warning" and "987654" in messages[0][1]


def test_export_all_sheets(
    parent: QWidget,
    demo_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, str]],
) -> None:
    _three_ledgers(demo_store)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    out = pdf_actions.export_all_sheets(parent, demo_store, 2025)
    assert out == tmp_path
    assert len(list(tmp_path.glob("*.pdf"))) == 4
    box = parent.findChild(QMessageBox)  # the export's message, with 打开所在文件夹
    assert box is not None and "3 个单位" in box.text()
    box.close()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    assert pdf_actions.export_all_sheets(parent, demo_store, 2025) is None


def test_export_all_sheets_cancel(
    qtbot: Any,
    parent: QWidget,
    demo_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, str]],
) -> None:
    steps: list[int] = []

    def slow_export(
        store: Store, year: int, out: Path, progress: Any, quarter: Any = None
    ) -> list[Path]:
        for i in range(500):
            progress(i, 500, f"单位{i}")
            steps.append(i)
            time.sleep(0.01)
        return []

    monkeypatch.setattr(pdf_sheet, "export_year", slow_export)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))

    def cancel() -> None:
        dialog = parent.findChild(QProgressDialog)
        assert dialog is not None
        dialog.findChild(QPushButton).click()  # the 取消 button, as the user does

    QTimer.singleShot(100, cancel)
    assert pdf_actions.export_all_sheets(parent, demo_store, 2025) is None
    assert 0 < len(steps) < 500
    assert messages[-1][0] == "info" and "已取消" in messages[-1][1]


def test_export_all_sheets_error(
    parent: QWidget,
    demo_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, str]],
) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(tmp_path))
    assert pdf_actions.export_all_sheets(parent, demo_store, 1999) is None
    assert messages[-1][0] == "warning" and "1999" in messages[-1][1]


def test_verify_sheet_by_code_and_pdf(
    parent: QWidget,
    demo_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, str]],
) -> None:
    ledger = next(x for x in demo_store.ledgers.list(year=2025) if x.status == "草稿")
    out = tmp_path / "s.pdf"
    code = pdf_sheet.export_sheet(demo_store, ledger.id, out).sheets[0].code

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (code, True))
    pdf_actions.verify_sheet(parent, demo_store)
    assert messages[-1][0] == "info" and "核验通过" in messages[-1][1]

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", True))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(out), ""))
    pdf_actions.verify_sheet(parent, demo_store)
    assert messages[-1][0] == "info" and ledger.unit_name in messages[-1][1]

    entry = demo_store.entries.list(ledger.id)[0]
    demo_store.entries.update(entry.id, {"name": entry.name + "（改）"})
    assert pdf_actions.needs_reprint(demo_store, ledger.id)
    pdf_actions.verify_sheet(parent, demo_store)
    assert messages[-1][0] == "warning" and "不一致" in messages[-1][1]
    assert ledger.unit_name in messages[-1][1]

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("abc", True))
    pdf_actions.verify_sheet(parent, demo_store)
    assert messages[-1][0] == "warning" and "无法核验" in messages[-1][1]

    count = len(messages)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", False))
    pdf_actions.verify_sheet(parent, demo_store)
    assert len(messages) == count  # cancelled: nothing shown


def test_export_summary(
    parent: QWidget,
    demo_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, str]],
) -> None:
    target = tmp_path / "汇总"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    out = pdf_actions.export_summary(parent, demo_store, 2025)
    assert out == target.with_suffix(".pdf") and len(PdfReader(out).pages) >= 2
    box = parent.findChild(QMessageBox)  # the export's message, with 打开文件
    assert box is not None and str(out) in box.text()
    box.close()
    assert pdf_actions.export_summary(parent, demo_store, 1999) is None
    assert messages[-1][0] == "warning" and "1999" in messages[-1][1]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert pdf_actions.export_summary(parent, demo_store, 2025) is None


def test_verify_shows_the_figures_and_fails_on_a_forged_total(
    parent: QWidget,
    demo_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, str]],
) -> None:
    from pypdf import PdfReader, PdfWriter

    ledger = next(x for x in demo_store.ledgers.list(year=2025) if x.status == "草稿")
    out = tmp_path / "s.pdf"
    sheet = pdf_sheet.export_sheet(demo_store, ledger.id, out).sheets[0]
    total = f"{sheet.score.total:.2f}"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (sheet.qr_text, True))
    pdf_actions.verify_sheet(parent, demo_store)
    assert messages[-1][0] == "info" and f"考核总分：{total}" in messages[-1][1]
    assert "一批重点指标：" in messages[-1][1]

    writer = PdfWriter(clone_from=PdfReader(out))
    contents = writer.pages[0].get_contents()
    assert contents is not None
    contents.set_data(contents.get_data().replace(f"({total}) Tj".encode(), b"(98.26) Tj"))
    writer.pages[0].replace_contents(contents)
    forged = tmp_path / "forged.pdf"
    writer.write(forged)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("", True))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(forged), ""))
    pdf_actions.verify_sheet(parent, demo_store)
    assert messages[-1][0] == "warning"
    assert f"印刷的总分 98.26 与数据 {total} 不符" in messages[-1][1]


def test_viewer_cannot_print_a_sheet(
    qtbot: Any, parent: QWidget, demo_store: Store, messages: list[tuple[str, str]]
) -> None:
    """Printing numbers the sheet: a viewer gets a message, no file and no print record."""
    from ledger_helpers import make_window

    ledger = demo_store.ledgers.list(year=2025)[0]
    before = demo_store.prints.list(ledger.id)
    demo_store.act_as("查看者", "viewer")
    pdf_actions.print_sheet(parent, demo_store, ledger.id)
    assert parent.findChild(SheetPreviewDialog) is None
    assert messages and messages[0][0] == "warning" and "不能打印" in messages[0][1]
    assert demo_store.prints.list(ledger.id) == before
    window = make_window(qtbot, demo_store, Path(str(demo_store.path)).parent, ledger.unit_id, 2025)
    assert not window.menu_actions["print_sheet"].isEnabled()
    assert not window.menu_actions["export_all_sheets"].isEnabled()
