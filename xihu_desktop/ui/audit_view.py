"""The audit trail: who changed what, when — view, filter, export. Never edit or delete.

``show_audit_log(parent, store, ledger_id)`` opens the dialog, for one ledger or all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..exchange.audit_export import display_value
from ..store import Store, StoreError
from .list_model import RecordListModel

ALL = "（全部）"
ROW_LIMIT = 5000


class AuditModel(RecordListModel):
    """Rows of ``Store.audit_log``; read-only (flags never include ItemIsEditable)."""

    HEADERS = ("时间", "用户", "操作", "台账", "条目", "字段", "原值", "新值")

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.ledger_names = {lg.id: f"{lg.unit_name} {lg.year}" for lg in store.ledgers.list()}

    def load(self, ledger_id: int | None = None, **filters: Any) -> None:
        self.set_rows(self.store.audit.log(ledger_id, ROW_LIMIT, **filters))

    def values(self, row: dict[str, Any]) -> tuple[Any, ...]:
        lid = row["ledger_id"]
        return (
            str(row["ts"]).replace("T", " "),
            row["user"],
            row["action"],
            self.ledger_names.get(lid, str(lid)) if lid is not None else "",
            row["entry_id"] if row["entry_id"] is not None else "",
            row["field"] or "",
            display_value(row["old"]),
            display_value(row["new"]),
        )


class AuditDialog(QDialog):
    def __init__(self, store: Store, ledger_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.ledger_id = ledger_id
        title = "审计日志"
        if ledger_id is not None:
            ledger = store.ledgers.get(ledger_id)
            title += f" — {ledger.unit_name} {ledger.year}年台账"
        self.setWindowTitle(title)
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        choices = store.audit.choices()
        self.user_box = QComboBox()
        self.user_box.setObjectName("auditUser")
        self.user_box.addItems([ALL, *choices["user"]])
        self.action_box = QComboBox()
        self.action_box.setObjectName("auditAction")
        self.action_box.addItems([ALL, *choices["action"]])
        self.date_box = QCheckBox("日期")
        self.date_box.setObjectName("auditDateOn")
        today = QDate.currentDate()
        self.since_edit = QDateEdit(today.addMonths(-1))
        self.until_edit = QDateEdit(today)
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setEnabled(False)
            edit.dateChanged.connect(self.reload)
        self.date_box.toggled.connect(self.since_edit.setEnabled)
        self.date_box.toggled.connect(self.until_edit.setEnabled)
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("auditText")
        self.text_edit.setPlaceholderText("字段或值中的文字")
        self.text_edit.setClearButtonEnabled(True)
        for label, widget in (
            ("用户", self.user_box),
            ("操作", self.action_box),
            (None, self.date_box),
            (None, self.since_edit),
            ("至", self.until_edit),
            ("查找", self.text_edit),
        ):
            if label:
                filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        layout.addLayout(filters)
        self.user_box.currentIndexChanged.connect(self.reload)
        self.action_box.currentIndexChanged.connect(self.reload)
        self.date_box.toggled.connect(self.reload)
        self.text_edit.returnPressed.connect(self.reload)
        self.text_edit.textChanged.connect(self._text_changed)
        self.model = AuditModel(store)
        self.view = QTableView()
        self.view.setObjectName("auditTable")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((140, 90, 90, 150, 50, 110, 150)):
            self.view.setColumnWidth(col, width)
        layout.addWidget(self.view)
        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.count_label.setObjectName("auditCount")
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        note = QLabel("审计日志只能查看和导出，不能修改或删除。")
        note.setStyleSheet("color: gray")
        bottom.addWidget(note)
        self.export_button = QPushButton("导出 Excel…")
        self.export_button.setObjectName("auditExport")
        self.export_button.clicked.connect(self.export)
        bottom.addWidget(self.export_button)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.reload()

    def filters(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.user_box.currentIndex() > 0:
            out["user"] = self.user_box.currentText()
        if self.action_box.currentIndex() > 0:
            out["action"] = self.action_box.currentText()
        if self.date_box.isChecked():
            out["since"] = self.since_edit.date().toString("yyyy-MM-dd")
            out["until"] = self.until_edit.date().toString("yyyy-MM-dd")
        if self.text_edit.text().strip():
            out["text"] = self.text_edit.text().strip()
        return out

    def _text_changed(self, text: str) -> None:
        if not text:
            self.reload()

    def reload(self) -> None:
        self.model.load(self.ledger_id, **self.filters())
        n = self.model.rowCount()
        more = f"（只显示最新的{n}条，请缩小范围）" if n >= ROW_LIMIT else ""
        self.count_label.setText(f"共 {n} 条{more}")

    def export(self, dest: str | Path | None = None) -> Path | None:
        from ..exchange.audit_export import export_audit_xlsx

        if dest is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "导出审计日志", "审计日志.xlsx", "Excel 工作簿 (*.xlsx)"
            )
            if not name:
                return None
            dest = name if name.lower().endswith(".xlsx") else name + ".xlsx"
        try:
            rows = self.store.audit.log(self.ledger_id, None, **self.filters())
            path = export_audit_xlsx(rows, dest, self.model.ledger_names)
        except (OSError, StoreError) as exc:
            QMessageBox.warning(self, "导出审计日志", f"无法导出到“{dest}”：{exc}")
            return None
        QMessageBox.information(self, "导出审计日志", f"已导出 {len(rows)} 条记录：\n{path}")
        return path


def show_audit_log(parent: QWidget | None, store: Store, ledger_id: int | None = None) -> None:
    AuditDialog(store, ledger_id, parent).exec()
