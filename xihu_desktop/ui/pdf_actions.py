"""Window actions for the PDF assessment sheet: print with preview, export all, verify.

The main window calls these functions (lazily imported from its menus):
:func:`print_sheet`, :func:`export_all_sheets`, :func:`verify_sheet`,
:func:`needs_reprint` and :func:`export_summary` (the district summary). Sheets are
generated off the UI thread with a progress dialog (shown after 600 ms) that can
cancel; the window holds no SQL.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.progress_fields import CN_QUARTERS
from ..exchange import pdf_sheet
from ..exchange.atomic import atomic_write_bytes
from ..exchange.sheet_data import default_quarter
from ..exchange.verify import VerifyError, VerifyResult, verify_pdf, verify_text
from ..exchange.verify import needs_reprint as _needs_reprint
from ..store import Store, StoreError
from . import file_places
from .jobs import Report, run_job

log = logging.getLogger(__name__)

TITLE_PRINT = "打印考核表"
TITLE_VERIFY = "核验考核表"
MAX_RENDER_DPI = 300  # enough for print; a 1200 dpi page image would take 560 MB


def needs_reprint(store: Store, ledger_id: int) -> bool:
    """True when the ledger changed after its last printing (window: 已修改，需重新打印)."""
    return _needs_reprint(store, ledger_id)


# ---------------------------------------------------------------- background work


def _run(parent: QWidget | None, title: str, label: str, work: Callable[[Report], Any]) -> Any:
    """Sheet work through the shared job runner; warns on failure, None unless it finished."""
    result = run_job(parent, title, label, work, expected=(StoreError, ValueError))
    if result.error:
        QMessageBox.warning(parent, title, f"无法生成：{result.error}")
    return result


def _progress(report: Report) -> pdf_sheet.Progress:
    """The job's report as the sheet exporter's progress callback."""

    def progress(done: int, total: int, label: str) -> None:
        report(done, total, label)

    return progress


# ---------------------------------------------------------------- the quarter line

LATEST_ITEM = "各单位已填报进度的最近一个季度"


def quarter_items() -> list[str]:
    return [f"第{CN_QUARTERS[q]}季度" for q in CN_QUARTERS]


def ask_quarter(parent: QWidget | None, default: int | None, per_ledger: bool = False) -> Any:
    """Ask as of which quarter the sheet's figures stand (a combo, ``default`` selected).

    Returns the quarter, None for each ledger's latest (``per_ledger``), or False when
    the clerk cancels.
    """
    items = ([LATEST_ITEM] if per_ledger else []) + quarter_items()
    current = 0 if default is None else items.index(quarter_items()[default - 1])
    text, ok = QInputDialog.getItem(
        parent, TITLE_PRINT, "考核表的数据截至：", items, current, False
    )
    if not ok:
        return False
    return None if text == LATEST_ITEM else quarter_items().index(text) + 1


# ---------------------------------------------------------------- preview and print


class SheetPreviewDialog(QDialog):
    """The generated sheet in a QtPdf view, with 打印…, 另存为… and 关闭."""

    def __init__(self, parent: QWidget | None, pdf_path: Path, sheet: pdf_sheet.SheetData) -> None:
        super().__init__(parent)
        self.pdf_path = pdf_path
        self.sheet = sheet
        self.setWindowTitle(f"{TITLE_PRINT} — {sheet.unit_name} {sheet.year} 年")
        self.resize(820, 960)
        self.document = QPdfDocument(self)
        self.document.load(str(pdf_path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.info = QLabel(
            f"{sheet.unit_name} {sheet.year} 年考核表"
            f"{f'（{sheet.as_of}）' if sheet.as_of else ''} · 第 {sheet.revision} 版 · "
            f"验证码 {sheet.code} · 共 {self.document.pageCount()} 页 · 总分 "
            f"{sheet.score.total:.2f}（{sheet.score.grade}）"
        )
        self.status = QLabel("")
        buttons = QDialogButtonBox(self)
        self.print_button = QPushButton("打印…")
        self.save_button = QPushButton("另存为…")
        self.close_button = QPushButton("关闭")
        buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.print_button.clicked.connect(self.print_sheet)
        self.save_button.clicked.connect(self.save_as)
        self.close_button.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

    def print_sheet(self) -> bool:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setDocName(self.pdf_path.name)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(TITLE_PRINT)
        dialog.setMinMax(1, max(self.document.pageCount(), 1))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        pages = self.render_to(printer)
        self.status.setText(f"已发送 {pages} 页到打印机。")
        return pages > 0

    def render_to(self, printer: QPrinter) -> int:
        """Render the chosen pages into ``printer``; returns the number of pages."""
        count = self.document.pageCount()
        first, last = printer.fromPage(), printer.toPage()
        if first <= 0 or last <= 0:
            first, last = 1, count
        last = min(last, count)
        painter = QPainter()
        if not painter.begin(printer):
            QMessageBox.warning(self, TITLE_PRINT, "无法连接打印机，请检查打印机设置。")
            return 0
        dpi = min(printer.resolution(), MAX_RENDER_DPI)
        printed = 0
        try:
            for index in range(first - 1, last):
                if printed:
                    printer.newPage()
                points = self.document.pagePointSize(index)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                image = self.document.render(index, size)
                target = painter.viewport()
                scaled = size.scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                target.setSize(scaled)
                painter.setViewport(target)
                painter.setWindow(image.rect())
                painter.drawImage(0, 0, image)
                printed += 1
        finally:
            painter.end()
        return printed

    def save_as(self) -> Path | None:
        default = file_places.start_path(self, pdf_sheet.sheet_filename(self.sheet))
        name, _ = QFileDialog.getSaveFileName(self, "另存为", default, "PDF 文件 (*.pdf)")
        if not name:
            return None
        file_places.remember(self.parentWidget(), name)
        dest = Path(name)
        if dest.suffix.lower() != ".pdf":
            dest = dest.with_name(dest.name + ".pdf")
        try:
            atomic_write_bytes(dest, self.pdf_path.read_bytes())
        except OSError as exc:
            QMessageBox.warning(self, TITLE_PRINT, f"无法保存到“{dest}”：{exc.strerror or exc}")
            return None
        self.status.setText(f"已保存到 {dest}")
        file_places.show_exported(self, "另存为", dest, "考核表")
        return dest

    def done(self, result: int) -> None:
        self.document.close()  # release the file before the temporary folder goes
        shutil.rmtree(self.pdf_path.parent, ignore_errors=True)
        super().done(result)


def _ledger_default_quarter(store: Store, ledger_id: int) -> tuple[bool, int | None]:
    """(whether to ask, the default quarter): no question for a ledger without progress,
    nor for a user who may not print it (the printing then says why)."""
    try:
        ledger = store.ledgers.get(ledger_id)
        quarter = default_quarter(store, ledger_id)
    except StoreError:
        return False, None
    return quarter is not None and store.prints.may_print(ledger), quarter


def print_sheet(parent: QWidget, store: Store, ledger_id: int) -> None:
    """Ask as of which quarter, generate the ledger's sheet (recording the printing) and
    show the preview."""
    ask, quarter = _ledger_default_quarter(store, ledger_id)
    if ask:
        quarter = ask_quarter(parent, quarter)
        if quarter is False:
            return
    folder = Path(tempfile.mkdtemp(prefix="xihu-sheet-"))
    path = folder / "考核表.pdf"

    def work(progress: Report) -> pdf_sheet.ExportResult:
        progress(0, 1, "考核表")
        result = pdf_sheet.export_sheet(store, ledger_id, path, quarter=quarter)
        progress(1, 1, "完成")
        return result

    job = _run(parent, TITLE_PRINT, "正在生成考核表…", work)
    if not job.ok:
        shutil.rmtree(folder, ignore_errors=True)
        return
    dialog = SheetPreviewDialog(parent, path, job.value.sheets[0])
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def export_all_sheets(parent: QWidget, store: Store, year: int) -> Path | None:
    """Choose a folder; write every unit's sheet of ``year`` plus one combined file.

    The work runs on a worker thread (the window keeps painting); 取消 leaves the folder
    and the print records as they were (:func:`pdf_sheet.export_year` is all or nothing).
    """
    folder = QFileDialog.getExistingDirectory(
        parent, f"选择保存 {year} 年考核表的文件夹", str(file_places.start_dir(parent))
    )
    if not folder:
        return None
    file_places.remember(parent, folder)
    quarter = ask_quarter(parent, None, per_ledger=True)
    if quarter is False:
        return None
    out = Path(folder)
    job = _run(
        parent,
        TITLE_PRINT,
        f"正在生成 {year} 年全部单位的考核表…",
        lambda report: pdf_sheet.export_year(
            store, year, out, progress=_progress(report), quarter=quarter
        ),
    )
    if job.error:
        return None
    result = job.value
    if job.cancelled:
        QMessageBox.information(
            parent,
            TITLE_PRINT,
            f"已取消：“{out}”中没有写入任何考核表，也没有登记打印版次（全部完成才保存）。",
        )
        return None
    file_places.show_exported(
        parent,
        TITLE_PRINT,
        out,
        f" {len(result) - 1} 个单位的考核表和合并打印文件“{result[-1].name}”到文件夹",
    )
    return out


def result_text(result: VerifyResult) -> str:
    """The verdict, then the data's figures to compare with the paper (as the CLI prints)."""
    lines = result.lines()
    if not lines:
        return result.message
    figures = "\n".join(f"    {line}" for line in lines)
    return f"{result.message}\n数据文件中的数字（请与纸质考核表对照）：\n{figures}"


def _show_results(parent: QWidget, results: list[VerifyResult]) -> None:
    text = "\n\n".join(result_text(r) for r in results)
    if all(r.ok for r in results):
        QMessageBox.information(parent, TITLE_VERIFY, f"核验通过。\n\n{text}")
    else:
        QMessageBox.warning(
            parent, TITLE_VERIFY, f"核验不通过：纸质考核表与现有数据不一致。\n\n{text}"
        )


def verify_sheet(parent: QWidget, store: Store) -> None:
    """Type a verification code, or leave it empty to pick a PDF; show the result."""
    code, ok = QInputDialog.getText(
        parent,
        TITLE_VERIFY,
        "请输入考核表上的验证码（如 AB12C-3D4E5），或粘贴扫描二维码得到的文字；\n"
        "留空则选择考核表 PDF 文件：",
    )
    if not ok:
        return
    if code.strip():
        try:
            results = verify_text(store, code)
        except (VerifyError, StoreError) as exc:
            QMessageBox.warning(parent, TITLE_VERIFY, f"无法核验：{exc}")
            return
    else:
        name, _ = QFileDialog.getOpenFileName(
            parent, "选择要核验的考核表", str(file_places.start_dir(parent)), "PDF 文件 (*.pdf)"
        )
        if not name:
            return
        file_places.remember(parent, name)
        # reading the printed figures of a combined file takes a while: off the UI thread
        job = run_job(
            parent,
            TITLE_VERIFY,
            "正在读取考核表…",
            lambda _report: verify_pdf(store, name),
            expected=(VerifyError, StoreError),
        )
        if job.error:
            QMessageBox.warning(parent, TITLE_VERIFY, f"无法核验：{job.error}")
        if not job.ok:
            return
        results = job.value
    _show_results(parent, results)


def export_summary(parent: QWidget, store: Store, year: int) -> Path | None:
    """Choose a file; write the district summary PDF (ranking table and bar chart)."""
    from ..exchange.pdf_summary import render_summary

    default = file_places.start_path(parent, f"西湖区{year}年考核汇总表.pdf")
    name, _ = QFileDialog.getSaveFileName(
        parent, f"保存 {year} 年考核汇总表", default, "PDF 文件 (*.pdf)"
    )
    if not name:
        return None
    dest = Path(name) if name.lower().endswith(".pdf") else Path(name + ".pdf")
    file_places.remember(parent, dest)
    job = _run(
        parent,
        "考核汇总表",
        f"正在生成 {year} 年考核汇总表…",
        lambda progress: render_summary(store, year, dest),
    )
    if not job.ok:
        return None
    file_places.show_exported(parent, "考核汇总表", dest, "考核汇总表")
    return dest
