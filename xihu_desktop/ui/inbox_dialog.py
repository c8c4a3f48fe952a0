"""The district's inbox: many arriving files at once (multi-selection, a folder, or drag
and drop), received through the one door off the UI thread, one row per file with its
status and reason; a 冲突 row opens the field-by-field resolver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.enums import ArrivalStatus
from ..exchange.arrival import KIND_LABELS, ArrivalReport
from ..store import Store
from . import file_places
from .jobs import JobResult, Report, run_job

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("文件", "类型", "单位", "年度", "状态", "理由")
STATUS_COLOURS = {
    ArrivalStatus.NEW: "#2e7d32",
    ArrivalStatus.UPDATED: "#2463a5",
    ArrivalStatus.SAME: "#6b6b6b",
    ArrivalStatus.CONFLICT: "#b36b00",
    ArrivalStatus.ERROR: "#c0392b",
}
WAITING = "待接收"


class InboxModel(QAbstractTableModel):
    """One row per file: the path, and its report once received."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.paths: list[Path] = []
        self.reports: list[ArrivalReport | None] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.paths)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def cells(self, row: int) -> tuple[str, str, str, str, str, str]:
        path, report = self.paths[row], self.reports[row]
        if report is None:
            return (path.name, "", "", "", WAITING, "")
        reason = "" if report.status == ArrivalStatus.SAME else report.summary()
        return (
            report.file,
            KIND_LABELS.get(report.kind, report.kind),
            report.unit or "",
            str(report.year or ""),
            str(report.status),
            reason,
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self.cells(row)[col]
            report = self.reports[row]
            if role == Qt.ItemDataRole.ToolTipRole and report is not None and col == 5:
                return "\n".join(report.lines)
            return text
        if role == Qt.ItemDataRole.ForegroundRole and col == 4:
            report = self.reports[row]
            if report is not None:
                return QBrush(QColor(STATUS_COLOURS.get(report.status, "#000")))
        if role == Qt.ItemDataRole.UserRole:
            return self.reports[row]
        return None

    def add(self, paths: list[Path]) -> None:
        new = [p for p in paths if p not in self.paths]
        if not new:
            return
        self.beginInsertRows(QModelIndex(), len(self.paths), len(self.paths) + len(new) - 1)
        self.paths += new
        self.reports += [None] * len(new)
        self.endInsertRows()

    def set_report(self, row: int, report: ArrivalReport) -> None:
        self.reports[row] = report
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def waiting(self) -> list[int]:
        return [i for i, r in enumerate(self.reports) if r is None]


class InboxDialog(QDialog):
    """收件箱: add files or folders, 接收, then resolve conflicts row by row."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("收件箱：导入各单位交来的文件")
        self.setAcceptDrops(True)
        self.resize(900, 480)
        self.model = InboxModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().hide()
        self.view.doubleClicked.connect(lambda _index: self.resolve_selected())
        add_files = QPushButton("添加文件…", self)
        add_files.clicked.connect(self.choose_files)
        add_folder = QPushButton("添加文件夹…", self)
        add_folder.clicked.connect(self.choose_folder)
        self.receive_button = QPushButton("接收", self)
        self.receive_button.setDefault(True)
        self.receive_button.clicked.connect(self.receive)
        self.resolve_button = QPushButton("处理冲突…", self)
        self.resolve_button.setEnabled(False)
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.dataChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        for b in (add_files, add_folder, self.receive_button, self.resolve_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        self.note = QLabel(
            "可以把文件或文件夹拖到这里。每个文件单独导入，一个出错不影响其他文件。", self
        )
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(self.view, 1)
        layout.addWidget(close)
        self.received = 0  # files that changed data (新增/更新), for the window

    # ------------------------------------------------------------ adding files

    def add_paths(self, paths: list[str | Path]) -> None:
        """Add files, and each folder's ``*.xlsx`` (the one door's expansion)."""
        from ..exchange.inbox import expand

        self.model.add(expand(paths))
        self._update_buttons()

    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, "选择要导入的文件", str(file_places.start_dir(self)), "Excel 文件 (*.xlsx)"
        )
        if names:
            file_places.remember(self, names[0])
            self.add_paths(list(names))

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "选择文件夹", str(file_places.start_dir(self))
        )
        if folder:
            self.add_paths([folder])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths: list[str | Path] = [
            u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()
        ]
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    # ------------------------------------------------------------ receiving

    def receive(self) -> JobResult:
        """Receive the waiting files on a worker thread (progress and 取消)."""
        from ..exchange.inbox import receive

        rows = self.model.waiting()
        if not rows:
            return JobResult(value=[])
        paths = [self.model.paths[r] for r in rows]
        store = self.store
        model = self.model

        out: list[ArrivalReport] = []  # kept when cancelled: those files were received

        def work(report: Report) -> list[ArrivalReport]:
            for i, path in enumerate(paths):
                report(i, len(paths), path.name)
                out.extend(receive(store, [path]))
            report(len(paths), len(paths), "")
            return out

        result = run_job(self, "收件箱", "正在导入收到的文件…", work)
        for row, arrival in zip(rows, out, strict=False):
            model.set_report(row, arrival)
        self.received += sum(
            1 for a in out if a.status in (ArrivalStatus.NEW, ArrivalStatus.UPDATED)
        )
        if result.error:
            self.note.setText(result.error)
        elif result.cancelled:
            self.note.setText("已取消：未接收的文件仍在列表中，可再次接收。")
        else:
            counts: dict[str, int] = {}
            for a in out:
                counts[str(a.status)] = counts.get(str(a.status), 0) + 1
            self.note.setText("接收完毕：" + "，".join(f"{k} {v}" for k, v in counts.items()))
        return result

    # ------------------------------------------------------------ conflicts

    def selected_row(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _update_buttons(self, *_args: object) -> None:
        row = self.selected_row()
        report = self.model.reports[row] if row is not None else None
        self.resolve_button.setEnabled(
            report is not None and report.status == ArrivalStatus.CONFLICT
        )
        self.receive_button.setEnabled(bool(self.model.waiting()))

    def resolve_selected(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        report = self.model.reports[row]
        if report is None or report.status != ArrivalStatus.CONFLICT:
            return
        from .conflict_dialog import ConflictDialog

        dialog = ConflictDialog(self.store, self.model.paths[row], report, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_report is not None:
            self.model.set_report(row, dialog.result_report)
            self.received += 1
