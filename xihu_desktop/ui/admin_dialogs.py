"""Administration: the plan catalogue, the unit list and a year's scoring weights."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core import scoring
from ..core.categories import CATEGORIES, STATUSES, UNIT_KINDS
from ..core.enums import Role
from ..core.validate import Invalid, is_empty, parse_number
from ..store import Store, StoreError

_KIND_LABELS = {"platform": "重点平台", "project": "重大项目", "talent_programme": "人才计划"}


def _item(value: Any, editable: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem("" if value is None else str(value))
    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    if editable:
        flags |= Qt.ItemFlag.ItemIsEditable
    item.setFlags(flags)
    return item


class CatalogueDialog(QDialog):
    """Plan targets (editable, each change one transaction) and catalogue items (read-only)."""

    TARGET_COLUMNS = (
        ("plan", "规划", False),
        ("seq", "序号", False),
        ("category", "类别", True),
        ("name", "指标名称", True),
        ("unit", "单位", True),
        ("baseline", "基期值", True),
        ("goal", "目标值", True),
        ("goal_text", "目标（原文）", True),
        ("growth", "年均增长", True),
        ("attribute", "属性", True),
    )

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("规划目录")
        editable = store.role == Role.ADMIN
        tabs = QTabWidget(self)
        self.targets = QTableWidget(self)
        self.targets.setColumnCount(len(self.TARGET_COLUMNS))
        self.targets.setHorizontalHeaderLabels([h for _, h, _ in self.TARGET_COLUMNS])
        self._loading = True
        rows = store.catalogue.targets()
        plan_names = {p["id"]: p["name"] for p in store.catalogue.plans()}
        self.targets.setRowCount(len(rows))
        for r, t in enumerate(rows):
            for c, (key, _, can_edit) in enumerate(self.TARGET_COLUMNS):
                if key == "plan":
                    value = plan_names.get(t["plan_id"], "")
                elif key == "seq":
                    value = f"{t['seq']}{t['sub'] or ''}"
                else:
                    value = t[key]
                item = _item(value, can_edit and editable)
                item.setData(Qt.ItemDataRole.UserRole, t["id"])
                self.targets.setItem(r, c, item)
        self._loading = False
        self.targets.itemChanged.connect(self._target_changed)
        self.targets.resizeColumnsToContents()
        self.targets.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        tabs.addTab(self.targets, "规划指标（专栏2）")
        items = store.catalogue.items()
        self.items = QTableWidget(len(items), 5, self)
        self.items.setHorizontalHeaderLabels(["类型", "编号", "专栏", "名称", "目标"])
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, i in enumerate(items):
            for c, value in enumerate(
                (
                    _KIND_LABELS.get(i["kind"], i["kind"]),
                    i["code"],
                    f"专栏{i['column_no']}" if i["column_no"] else "",
                    i["name"],
                    i["goal_text"],
                )
            ):
                self.items.setItem(r, c, _item(value))
        self.items.resizeColumnsToContents()
        self.items.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        tabs.addTab(self.items, "平台、项目与人才计划")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        self.add_plan_button = QPushButton("新增规划期…", self)
        self.add_plan_button.setToolTip("如“十五五”（2026–2030年）：可复制上一规划的指标和目录")
        self.add_plan_button.setEnabled(editable)
        self.add_plan_button.clicked.connect(self.add_plan)
        buttons.addButton(self.add_plan_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 80, em * 40)

    def add_plan(self) -> bool:
        """Ask for a new plan period and add it; the dialog's tables show it after reopening."""
        dialog = PlanDialog(self.store, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False

        try:
            self.store.catalogue.add_plan(**dialog.values())
        except StoreError as exc:
            QMessageBox.warning(self, "新增规划期", str(exc))
            return False
        QMessageBox.information(
            self,
            "新增规划期",
            f"已新增规划“{dialog.values()['name']}”。重新打开本窗口可查看其指标。",
        )
        return True

    def _target_changed(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        key = self.TARGET_COLUMNS[item.column()][0]
        text = item.text().strip()
        value: Any = text or None
        if key in ("baseline", "goal"):
            try:
                value = None if is_empty(text) else parse_number(text)
            except Invalid as exc:
                QMessageBox.warning(self, "规划目录", f"“{text}”：{exc}")
                return
        try:
            self.store.catalogue.update_target(
                int(item.data(Qt.ItemDataRole.UserRole)), {key: value}
            )
        except StoreError as exc:
            QMessageBox.warning(self, "规划目录", str(exc))


class PlanDialog(QDialog):
    """Code, name, years and an optional earlier plan to copy targets and catalogue from."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("新增规划期")
        plans = store.catalogue.plans()
        last = plans[-1] if plans else None
        start = (last["end_year"] + 1) if last else 2026
        self.code = QLineEdit("15th" if start == 2026 else "", self)
        self.name = QLineEdit("十五五" if start == 2026 else "", self)
        self.title_edit = QLineEdit(self)
        self.start = QSpinBox(self)
        self.end = QSpinBox(self)
        for box, value in ((self.start, start), (self.end, start + 4)):
            box.setRange(1950, 2100)
            box.setValue(value)
        self.copy_from = QComboBox(self)
        self.copy_from.addItem("不复制", None)
        for p in reversed(plans):
            self.copy_from.addItem(f"复制“{p['name']}”的指标和目录（数值留空）", p["code"])
        self.copy_from.setCurrentIndex(1 if plans else 0)
        form = QFormLayout(self)
        form.addRow("规划代码", self.code)
        form.addRow("规划名称", self.name)
        form.addRow("规划全称", self.title_edit)
        form.addRow("起始年份", self.start)
        form.addRow("结束年份", self.end)
        form.addRow("指标和目录", self.copy_from)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict[str, Any]:
        return {
            "code": self.code.text(),
            "name": self.name.text(),
            "start_year": self.start.value(),
            "end_year": self.end.value(),
            "title": self.title_edit.text().strip() or None,
            "copy_from": self.copy_from.currentData(),
        }


class UnitsDialog(QDialog):
    COLUMNS = (
        ("code", "代码"),
        ("name", "名称"),
        ("kind", "类型"),
        ("leader", "责任领导"),
        ("contact", "联系电话"),
        ("active", "启用"),
    )

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("责任单位")
        self.table = QTableWidget(self)
        self.table.setColumnCount(len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([h for _, h in self.COLUMNS])
        self.table.itemChanged.connect(self._changed)
        self.code = QLineEdit(self)
        self.code.setPlaceholderText("代码")
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("单位名称")
        self.kind = QComboBox(self)
        for key, label in UNIT_KINDS.items():
            self.kind.addItem(label, key)
        add = QPushButton("新增单位", self)
        add.clicked.connect(self._add)
        row = QHBoxLayout()
        for w in (self.code, self.name, self.kind, add):
            row.addWidget(w)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        if store.role == Role.ADMIN:
            layout.addLayout(row)
        layout.addWidget(buttons)
        self._load()
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 60, em * 36)

    def _load(self) -> None:
        self._loading = True
        editable = self.store.role == Role.ADMIN
        units = self.store.units.list()
        self.table.setRowCount(len(units))
        for r, u in enumerate(units):
            for c, (key, _) in enumerate(self.COLUMNS):
                if key == "kind":
                    item = _item(UNIT_KINDS.get(u.kind, u.kind))
                elif key == "active":
                    item = _item("")
                    if editable:
                        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                    item.setCheckState(
                        Qt.CheckState.Checked if u.active else Qt.CheckState.Unchecked
                    )
                else:
                    item = _item(getattr(u, key), editable)
                item.setData(Qt.ItemDataRole.UserRole, u.id)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self._loading = False

    def _changed(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        key = self.COLUMNS[item.column()][0]
        value: Any
        if key == "active":
            value = 1 if item.checkState() == Qt.CheckState.Checked else 0
        else:
            value = item.text().strip() or None
        try:
            self.store.units.update(int(item.data(Qt.ItemDataRole.UserRole)), {key: value})
        except StoreError as exc:
            QMessageBox.warning(self, "责任单位", str(exc))
            self._load()

    def _add(self) -> None:
        try:
            self.store.units.add(self.code.text(), self.name.text(), str(self.kind.currentData()))
        except StoreError as exc:
            QMessageBox.warning(self, "新增单位", str(exc))
            return
        self.code.clear()
        self.name.clear()
        self._load()


class WeightsDialog(QDialog):
    """Category points, status rates and the veto of one year."""

    def __init__(self, store: Store, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("考核权重")
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(year)
        self.year.setSuffix(" 年")
        self.year.valueChanged.connect(self._load)
        self.points: dict[str, QDoubleSpinBox] = {}
        points_box = QGroupBox("类别分值（合计100分）", self)
        form = QFormLayout(points_box)
        for cat in CATEGORIES:
            spin = QDoubleSpinBox(self)
            spin.setRange(0, 100)
            spin.setDecimals(1)
            spin.setSuffix(" 分")
            self.points[cat.key] = spin
            form.addRow(cat.label, spin)
        self.rates: dict[str, QDoubleSpinBox] = {}
        rates_box = QGroupBox("定性条目按状态计分", self)
        rform = QFormLayout(rates_box)
        for status in STATUSES:
            spin = QDoubleSpinBox(self)
            spin.setRange(0, 100)
            spin.setDecimals(0)
            spin.setSuffix(" %")
            self.rates[status] = spin
            rform.addRow(status, spin)
        self.veto = QCheckBox("启用一票否决（约束性指标未完成时封顶等次）", self)
        self.cap = QComboBox(self)
        self.cap.addItems(list(scoring.GRADES))
        veto_row = QHBoxLayout()
        veto_row.addWidget(self.veto)
        veto_row.addWidget(self.cap)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(store.role == Role.ADMIN)
        layout = QVBoxLayout(self)
        top = QFormLayout()
        top.addRow("年度", self.year)
        layout.addLayout(top)
        boxes = QHBoxLayout()
        boxes.addWidget(points_box)
        boxes.addWidget(rates_box)
        layout.addLayout(boxes)
        layout.addLayout(veto_row)
        layout.addWidget(buttons)
        self._load()

    def _load(self) -> None:
        settings = self.store.assessment.scoring_settings(self.year.value())
        self.current = settings
        for key, spin in self.points.items():
            spin.setValue(settings.category_points.get(key, 0.0))
        for key, spin in self.rates.items():
            spin.setValue(settings.status_rates.get(key, 0.0) * 100)
        self.veto.setChecked(settings.veto_enabled)
        self.cap.setCurrentText(settings.veto_cap)

    def settings(self) -> scoring.ScoringSettings:
        s = self.store.assessment.scoring_settings(self.year.value())
        s.category_points = {k: spin.value() for k, spin in self.points.items()}
        s.status_rates = {k: spin.value() / 100 for k, spin in self.rates.items()}
        s.veto_enabled = self.veto.isChecked()
        s.veto_cap = self.cap.currentText()
        return s

    def save(self) -> None:
        s = self.settings()
        total = sum(s.category_points.values())
        if abs(total - 100) > 1e-6:
            answer = QMessageBox.question(
                self,
                "考核权重",
                f"各类别分值合计为 {total:g} 分，不是100分（评分时会按比例折算）。仍要保存吗？",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        try:
            self.store.assessment.save_scoring_settings(self.year.value(), s)
        except StoreError as exc:
            QMessageBox.warning(self, "考核权重", str(exc))
            return
        self.accept()
