"""The district's commands on arriving returns: the inbox, 审核通过, 退回… and 生成回执…
(menu 区级); each takes the window, whose store, ledger and refresh it uses."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from ..core.settings import BOUND_UNIT
from ..store import Ledger, Store, StoreError
from . import file_places


class Window(Protocol):
    store: Store
    ledger: Ledger | None

    def reload_all(self) -> None: ...

    def show_message(self, text: str) -> None: ...


def is_district(store: Store) -> bool:
    return not store.settings.get(BOUND_UNIT)


def open_inbox(window: Window, parent: QWidget) -> int:
    """The inbox dialog; returns how many files changed data."""
    from .inbox_dialog import InboxDialog

    dialog = InboxDialog(window.store, parent)
    dialog.exec()
    if dialog.received:
        window.reload_all()
        window.show_message(f"收件箱：{dialog.received} 个文件导入了数据")
    return dialog.received


def import_files(window: Window, parent: QWidget) -> int:
    """文件 → 导入文件… in a unit's own file: returns get the preview and confirmations of
    the return import; task packages and receipts go through the one door (the inbox)."""
    from ..exchange.arrival import file_kind
    from ..exchange.return_layout import KIND_LEDGER
    from ..exchange.xlsx_safety import UnusableFile
    from . import excel_actions
    from .inbox_dialog import InboxDialog

    names, _ = QFileDialog.getOpenFileNames(
        parent,
        "导入文件（任务包、回执或报表）",
        str(file_places.start_dir(parent)),
        "Excel 文件 (*.xlsx)",
    )
    if not names:
        return 0
    paths = [Path(n) for n in names]
    file_places.remember(parent, paths[0])
    returns: list[Path] = []
    others: list[Path] = []
    for path in paths:
        try:
            kind = file_kind(path)
        except UnusableFile:
            kind = KIND_LEDGER  # the return import names what is wrong with it
        (returns if kind == KIND_LEDGER else others).append(path)
    changed = 0
    if others:
        dialog = InboxDialog(window.store, parent)
        dialog.setWindowTitle("导入文件：任务包和回执")
        dialog.add_paths(list(others))
        dialog.receive()
        dialog.exec()
        changed += dialog.received
    if returns:
        changed += excel_actions.import_returns(parent, window.store, returns)
    if changed:
        window.reload_all()
    return changed


def _warn(parent: QWidget, exc: StoreError) -> None:
    QMessageBox.warning(parent, "操作失败", str(exc))


def accept(window: Window, parent: QWidget) -> bool:
    ledger = window.ledger
    if ledger is None:
        return False
    try:
        window.store.review.accept(ledger.year, ledger.unit_id)
    except StoreError as exc:
        _warn(parent, exc)
        return False
    window.reload_all()
    window.show_message(f"{ledger.unit_name}{ledger.year}年报表已审核通过")
    return True


def ask_reason(parent: QWidget, ledger: Ledger) -> str | None:
    """The reason of a return (None: cancelled); asks again while it is empty."""
    while True:
        text, ok = QInputDialog.getText(
            parent,
            "退回报表",
            f"退回{ledger.unit_name}{ledger.year}年报表的理由（必填）：",
            QLineEdit.EchoMode.Normal,
        )
        if not ok:
            return None
        if text.strip():
            return text.strip()
        QMessageBox.information(parent, "退回报表", "请写明退回的理由。")


def send_back(window: Window, parent: QWidget) -> bool:
    ledger = window.ledger
    if ledger is None:
        return False
    reason = ask_reason(parent, ledger)
    if reason is None:
        return False
    try:
        window.store.review.send_back(ledger.year, ledger.unit_id, reason)
    except StoreError as exc:
        _warn(parent, exc)
        return False
    window.reload_all()
    window.show_message(f"{ledger.unit_name}{ledger.year}年报表已退回")
    return True


def make_receipt(window: Window, parent: QWidget) -> tuple[Path, Path] | None:
    from ..exchange.receipts import export_receipt

    ledger = window.ledger
    if ledger is None:
        return None
    folder = QFileDialog.getExistingDirectory(
        parent, "回执保存到文件夹", str(file_places.start_dir(parent))
    )
    if not folder:
        return None
    try:
        pdf, xlsx = export_receipt(window.store, ledger.year, ledger.unit_id, folder)
    except (StoreError, OSError) as exc:
        QMessageBox.warning(parent, "生成回执", str(exc))
        return None
    file_places.remember(parent, pdf)
    window.show_message(f"已生成回执：{pdf.name}、{xlsx.name}")
    return pdf, xlsx


def issue_packages(window: Window, parent: QWidget, year: int) -> list[Path]:
    """区级 → 下发任务包…: one package per unit with tasks, into a folder (a USB stick)."""
    from ..exchange.packages import export_packages
    from .jobs import Report, run_job

    folder = QFileDialog.getExistingDirectory(
        parent, f"{year}年任务包保存到文件夹", str(file_places.start_dir(parent))
    )
    if not folder:
        return []
    store = window.store

    def work(report: Report) -> list[Path]:
        # report() raises Cancelled between two units: the packages written stay whole
        return export_packages(store, year, folder, progress=report)

    result = run_job(parent, "下发任务包", f"正在生成{year}年各单位的任务包…", work)
    if result.error:
        QMessageBox.warning(parent, "下发任务包", result.error)
        return []
    paths: list[Path] = result.value or []
    if not paths:
        QMessageBox.information(
            parent, "下发任务包", f"{year}年还没有分解到单位的任务，请先在“任务分解”中分解。"
        )
        return []
    file_places.remember(parent, paths[0])
    window.show_message(f"已生成 {len(paths)} 个单位的{year}年任务包：{folder}")
    return paths
