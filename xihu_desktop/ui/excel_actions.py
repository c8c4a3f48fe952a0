"""文件 menu actions for Excel returns: export a ledger, export the district summary, import.

Long work runs through the shared job runner (ui/jobs.py) while a modal progress dialog (shown
after 600 ms, with a working 取消 button) keeps the window responsive:

* exports run entirely in the worker — the window is modal meanwhile, so the
  store (which serialises access with its lock) is not used from two places;
* imports parse and validate in the worker (no store access: the link lookups
  are built beforehand on the main thread); the preview, the administrator's
  confirmation and the write (one transaction per file) happen on the main thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.categories import CATEGORY_BY_KEY
from ..core.enums import Role
from ..exchange import excel_export, excel_import
from ..exchange.xlsx_safety import UnusableFile
from ..store import Store
from ..store.errors import StoreError
from . import file_places
from .jobs import JobResult, Report, run_job

log = logging.getLogger(__name__)

XLSX_FILTER = "Excel 工作簿 (*.xlsx)"


_EXPECTED = (UnusableFile, StoreError, excel_import.ImportRefused)


def run_in_background(
    parent: QWidget | None, title: str, label: str, work: Callable[[Report], Any]
) -> JobResult:
    """Excel work through the shared job runner, with the Excel module's known errors."""
    return run_job(parent, title, label, work, expected=_EXPECTED)


def _status(parent: QWidget | None, text: str) -> None:
    """A line in the status bar of the window ``parent`` belongs to, if it has one."""
    window = parent.window() if parent is not None else None
    if isinstance(window, QMainWindow):
        window.statusBar().showMessage(text, 8000)


def _ask_save_path(parent: QWidget | None, title: str, default_name: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(
        parent, title, file_places.start_path(parent, default_name), XLSX_FILTER
    )
    if not name:
        return None
    path = Path(name)
    if path.suffix.lower() != ".xlsx":
        path = path.with_name(path.name + ".xlsx")
    file_places.remember(parent, path)
    return path


def _finish_export(parent: QWidget | None, title: str, result: JobResult, what: str) -> Path | None:
    if result.ok:
        path = Path(result.value)
        _status(parent, f"已导出{what}：{path}")
        file_places.show_exported(parent, title, path, what)
        return path
    if result.error:
        QMessageBox.warning(parent, title, result.error)
    elif result.cancelled:
        _status(parent, "已取消导出")
    return None


# ---------------------------------------------------------------- exports


def export_return(parent: QWidget, store: Store, ledger_id: int) -> Path | None:
    """文件 → 导出报表: the Excel return of one ledger."""
    ledger = store.ledgers.get(ledger_id)
    path = _ask_save_path(parent, "导出报表", excel_export.default_return_name(ledger))
    if path is None:
        return None
    result = run_in_background(
        parent,
        "导出报表",
        f"正在导出{ledger.unit_name}{ledger.year}年报表…",
        lambda report: excel_export.export_ledger(store, ledger_id, path, report),
    )
    return _finish_export(parent, "导出报表", result, f"{ledger.unit_name}{ledger.year}年报表")


def export_summary(parent: QWidget, store: Store, year: int) -> Path | None:
    """文件 → 导出全区汇总: every category across all units, completion and ranking."""
    if not store.ledgers.list(year=year):
        QMessageBox.information(parent, "导出全区汇总", f"{year}年还没有任何台账，无法汇总。")
        return None
    path = _ask_save_path(parent, "导出全区汇总表", excel_export.default_summary_name(year))
    if path is None:
        return None
    result = run_in_background(
        parent,
        "导出全区汇总表",
        f"正在汇总{year}年全区台账…",
        lambda report: excel_export.export_summary(store, year, path, report),
    )
    return _finish_export(parent, "导出全区汇总表", result, f"{year}年全区汇总表")


# ---------------------------------------------------------------- import


@dataclass
class FileOutcome:
    path: Path
    parsed: excel_import.ParsedReturn | None = None
    plan: excel_import.ImportPlan | None = None
    error: str = ""  # the file cannot be imported at all

    @property
    def importable(self) -> bool:
        return not self.error and self.plan is not None and not self.plan.fatal

    @property
    def clean(self) -> bool:
        return self.importable and not (self.plan and self.plan.problems)


class ImportPreviewDialog(QDialog):
    """What each file will change, and its problems, before anything is written."""

    IMPORT, VALID_ONLY = "all", "valid"

    def __init__(self, outcomes: list[FileOutcome], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导入报表 — 预览")
        self.resize(860, 520)
        self.choice: str | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("以下是导入后将发生的变化。有问题的文件不会写入，除非选择“仅导入有效行”。")
        )
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["文件 / 条目", "说明"])
        self.tree.setColumnWidth(0, 360)
        layout.addWidget(self.tree)
        for o in outcomes:
            self._add_file(o)
        self.tree.expandAll()
        missing = sum(o.plan.count("missing") for o in outcomes if o.importable and o.plan)
        self.delete_missing = QCheckBox(f"同时删除报表中没有的 {missing} 个条目（默认保留）")
        self.delete_missing.setEnabled(missing > 0)
        self.delete_missing.setToolTip("这些条目在上面列为“文件中没有（保留）”；删除前会再逐条确认")
        layout.addWidget(self.delete_missing)
        buttons = QDialogButtonBox()
        self.import_button = QPushButton("导入")
        self.valid_button = QPushButton("仅导入有效行")
        self.cancel_button = QPushButton("取消")
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.valid_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.setEnabled(any(o.clean for o in outcomes))
        self.valid_button.setEnabled(any(o.importable and not o.clean for o in outcomes))
        self.import_button.setToolTip("导入没有问题的文件；有问题的文件不写入")
        self.valid_button.setToolTip("跳过有问题的行，其余内容照常导入（每个文件一个事务）")
        self.import_button.clicked.connect(lambda: self._choose(self.IMPORT))
        self.valid_button.clicked.connect(lambda: self._choose(self.VALID_ONLY))
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def _add_file(self, o: FileOutcome) -> None:
        top = QTreeWidgetItem(self.tree, [o.path.name, ""])
        if o.error:
            top.setText(1, o.error)
            return
        assert o.plan is not None
        plan = o.plan
        top.setText(1, plan.summary())
        if plan.fatal:
            return
        labels = {
            "new": "新增",
            "changed": "修改",
            "missing": "文件中没有（保留）",
            "removed": "删除",
            "skipped": "跳过（有问题）",
        }
        for change in plan.entries:
            if change.kind not in labels:
                continue
            cat = CATEGORY_BY_KEY[change.category]
            detail = cat.label
            if change.changes:
                detail += "：" + "、".join(cat.field(k).label for k in change.changes)
            QTreeWidgetItem(top, [f"{labels[change.kind]}　{change.name}", detail])
        for key, (old, new) in plan.header_changes.items():
            label = dict(excel_export.COVER_FIELDS).get(key, key)
            QTreeWidgetItem(top, [f"台账信息　{label}", f"{old or '（空）'} → {new or '（空）'}"])
        if plan.progress_changes:
            QTreeWidgetItem(top, ["进度填报", f"{plan.progress_changes} 个季度的进度有变化"])
        for line in plan.ignored:
            QTreeWidgetItem(top, ["忽略", line])
        for p in plan.problems:
            where = " ".join(x for x in (p.sheet, p.cell, p.field) if x)
            item = QTreeWidgetItem(top, [f"问题　{where}", p.message])
            item.setForeground(1, Qt.GlobalColor.darkRed)


MAX_REPORT_LINES = 12


def _confirm_deletions(parent: QWidget, outcomes: list[FileOutcome]) -> bool:
    """Deleting entries a return lacks: the user sees them by name and says yes."""
    names = [
        f"{o.path.name}：{name}"
        for o in outcomes
        if o.importable and o.plan is not None
        for name in o.plan.named("missing")
    ]
    listed = "\n".join(names[:40]) + (f"\n……共 {len(names)} 条" if len(names) > 40 else "")
    answer = QMessageBox.question(
        parent,
        "确认删除",
        f"以下 {len(names)} 个条目在报表中没有，将被删除（可在备份中找回）：\n\n{listed}\n\n确定删除吗？",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def _confirm_new_ledger(parent: QWidget, plan: excel_import.ImportPlan) -> bool:
    answer = QMessageBox.question(
        parent,
        "确认新建台账",
        f"本数据文件中还没有{plan.unit_name}{plan.year}年台账。\n"
        f"导入“{plan.parsed.file}”将新建这本台账。请核对报表的单位和年度无误后再继续。\n\n"
        "新建台账并导入吗？",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def _parse_files(
    paths: list[Path], lookups: excel_import.Lookups, report: Report
) -> list[FileOutcome]:
    out = []
    for i, path in enumerate(paths):
        if not report(i, len(paths)):
            raise excel_export.Cancelled("已取消")
        try:
            out.append(FileOutcome(path, parsed=excel_import.read_return(path, lookups)))
        except UnusableFile as exc:
            out.append(FileOutcome(path, error=str(exc)))
        except Exception as exc:  # one odd file must not stop the others
            log.exception("reading %s failed", path)
            out.append(FileOutcome(path, error=f"无法读取（{type(exc).__name__}：{exc}）"))
    report(len(paths), len(paths))
    return out


def import_returns(parent: QWidget, store: Store, paths: list[Path] | None = None) -> int:
    """导入报表: choose files (unless given), preview, confirm, write. Returns files imported."""
    if paths is None:
        names, _ = QFileDialog.getOpenFileNames(
            parent, "导入报表", str(file_places.start_dir(parent)), XLSX_FILTER
        )
        if not names:
            return 0
        paths = [Path(n) for n in names]
        file_places.remember(parent, paths[0])
    lookups = excel_import.Lookups.of(store)
    result = run_in_background(
        parent,
        "导入报表",
        f"正在读取并校验 {len(paths)} 个文件…",
        lambda report: _parse_files(paths, lookups, report),
    )
    if not result.ok:
        if result.error:
            QMessageBox.warning(parent, "导入报表", result.error)
        return 0
    outcomes: list[FileOutcome] = result.value
    for o in outcomes:
        if o.parsed is not None:
            try:
                o.plan = excel_import.plan_import(store, o.parsed)
            except StoreError as exc:
                o.error = str(exc)
    dialog = ImportPreviewDialog(outcomes, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
        return 0
    valid_only = dialog.choice == ImportPreviewDialog.VALID_ONLY
    delete_missing = dialog.delete_missing.isChecked() and _confirm_deletions(parent, outcomes)
    imported, messages = 0, []
    for o in outcomes:
        if not o.importable or (not valid_only and not o.clean):
            continue
        assert o.plan is not None and o.parsed is not None
        if o.plan.new_ledger and not _confirm_new_ledger(parent, o.plan):
            messages.append(f"{o.path.name}：未确认新建台账，已跳过。")
            continue
        allow = False
        if o.plan.needs_admin and o.plan.has_changes:
            if store.role != Role.ADMIN:
                messages.append(
                    f"{o.path.name}：台账{o.plan.ledger_status}，需区管理员导入，已跳过。"
                )
                continue
            answer = QMessageBox.question(
                parent,
                "确认导入",
                f"{o.plan.unit_name}{o.plan.year}年台账{o.plan.ledger_status}。\n"
                f"导入“{o.path.name}”将以区管理员身份修改这本台账，是否继续？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                messages.append(f"{o.path.name}：未确认，已跳过。")
                continue
            allow = True
        try:
            plan = excel_import.apply_import(
                store,
                o.parsed,
                valid_only=valid_only,
                allow_locked=allow,
                delete_missing=delete_missing,
                new_ledger=o.plan.new_ledger,
            )
        except StoreError as exc:
            messages.append(f"{o.path.name}：{exc}")
            continue
        imported += 1
        messages.append(f"{o.path.name}：" + "\n　".join(plan.report()[:MAX_REPORT_LINES]))
    if messages:
        QMessageBox.information(parent, "导入报表", "\n".join(messages))
    _status(parent, f"已导入 {imported} 份报表")
    return imported
