"""Menu actions: back up now, restore from a backup.

``backup_now(parent, store)`` and ``restore_backup(parent, store) -> bool``; the latter
returns True after a restore, when the window must reload its data (or the program
restart, if the restored file needed a schema upgrade).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.enums import Role
from ..paths import backups_dir
from ..store import Store, StoreError, backups
from .list_model import RecordListModel


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def backup_now(parent: QWidget | None, store: Store) -> Path | None:
    """A manual backup into the 备份 folder, checked; tells where it went."""
    try:
        path = backups.make_backup(store, "manual")
    except (StoreError, OSError) as exc:
        QMessageBox.warning(parent, "备份", f"备份失败：{exc}")
        return None
    QMessageBox.information(
        parent,
        "备份",
        f"已备份并检查完好：\n{path}\n\n备份文件夹可以整个复制到U盘保存。",
    )
    return path


class BackupsModel(RecordListModel):
    HEADERS = ("时间", "类型", "大小", "文件")

    def __init__(self, db_path: Path) -> None:
        super().__init__(backups.list_backups(db_path))

    def values(self, b: Any) -> tuple[Any, ...]:
        return (b.created.strftime("%Y-%m-%d %H:%M:%S"), b.reason_label, _size(b.size), b.path.name)


class RestoreDialog(QDialog):
    """The list of backups; the chosen one (or a file from elsewhere) is ``chosen``."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.chosen: Path | None = None
        self.setWindowTitle("从备份恢复")
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "选择一个备份恢复。恢复前会先自动备份当前数据，恢复后可以再恢复回来。"
            f"\n备份文件夹：{backups_dir(store.path) if store.path else ''}"
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.model = BackupsModel(store.path) if store.path else None
        self.view = QTableView()
        self.view.setObjectName("backupTable")
        if self.model is not None:
            self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda _index: self.choose_selected())
        layout.addWidget(self.view)
        row = QHBoxLayout()
        open_folder = QPushButton("打开备份文件夹")
        open_folder.clicked.connect(self.open_folder)
        other = QPushButton("选择其他备份文件…")
        other.clicked.connect(self.choose_file)
        self.restore_button = QPushButton("恢复所选备份")
        self.restore_button.setObjectName("restoreSelected")
        self.restore_button.clicked.connect(self.choose_selected)
        cancel = QPushButton("取消")
        cancel.clicked.connect(self.reject)
        for w in (open_folder, other):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.restore_button)
        row.addWidget(cancel)
        layout.addLayout(row)
        if self.model is not None and self.model.rows:
            self.view.selectRow(0)

    def open_folder(self) -> None:
        if self.store.path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(backups_dir(self.store.path))))

    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "选择备份文件", "", "数据文件 (*.sqlite3 *.db);;所有文件 (*)"
        )
        if name:
            self.chosen = Path(name)
            self.accept()

    def choose_selected(self) -> None:
        rows = self.view.selectionModel().selectedRows() if self.model else []
        if not rows:
            QMessageBox.information(self, "从备份恢复", "请先选择一个备份。")
            return
        self.chosen = self.model.rows[rows[0].row()].path  # type: ignore[union-attr]
        self.accept()


def restore_backup(parent: QWidget | None, store: Store) -> bool:
    """Pick a backup, confirm, restore; True when the data changed."""
    if store.role != Role.ADMIN:
        QMessageBox.information(parent, "从备份恢复", "只有区管理员可以从备份恢复。")
        return False
    dialog = RestoreDialog(store, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
        return False
    source = dialog.chosen
    answer = QMessageBox.question(
        parent,
        "从备份恢复",
        f"用备份“{source.name}”替换当前的全部数据？\n\n当前数据会先备份到备份文件夹。",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    if answer != QMessageBox.StandardButton.Yes:
        return False
    try:
        safety = backups.restore(store, source)
    except StoreError as exc:
        QMessageBox.warning(parent, "从备份恢复", f"未恢复：{exc}\n当前数据未作改动。")
        return False
    QMessageBox.information(
        parent,
        "从备份恢复",
        f"已从“{source.name}”恢复。\n恢复前的数据已备份为“{safety.name}”。\n\n"
        "请重新启动程序（或重新载入台账）以显示恢复后的数据。",
    )
    return True
