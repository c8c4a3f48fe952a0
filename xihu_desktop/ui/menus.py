"""The window's commands declared as data: one table of actions, the menus and the toolbar.

Each action's ``key`` names its handler in the mapping the window passes to
:func:`build_actions`; ``enabled`` is the rule that decides, from the user's role
and the ledger shown, whether it may be used. Adding a command is one row here and
one handler in the window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar

from ..core.enums import Role


@dataclass(frozen=True)
class ActionState:
    """What the enabled rules look at."""

    role: str
    has_ledger: bool = False
    writable: bool = False  # the ledger shown may be edited by this user
    draft: bool = False  # the ledger shown is a draft
    district: bool = True  # the district's data file (False: a unit's own file)

    @property
    def admin(self) -> bool:
        return self.role == Role.ADMIN


Rule = Callable[[ActionState], bool]
Shortcut = QKeySequence.StandardKey | str


def _admin(s: ActionState) -> bool:
    return s.admin


def _has_ledger(s: ActionState) -> bool:
    return s.has_ledger


def _may_print(s: ActionState) -> bool:
    """Printing numbers the sheet: the administrator, or an operator (who sees her unit only)."""
    return s.has_ledger and s.role != Role.VIEWER


def _district_admin(s: ActionState) -> bool:
    return s.admin and s.district


def _district_ledger(s: ActionState) -> bool:
    return s.admin and s.district and s.has_ledger


def _may_import(s: ActionState) -> bool:
    """The district's administrator (the inbox), or anyone who may write in a unit's file."""
    return s.admin if s.district else s.role != Role.VIEWER


def _may_create(s: ActionState) -> bool:
    return not s.has_ledger and s.role != Role.VIEWER


@dataclass(frozen=True)
class ActionSpec:
    key: str  # also the handler's name in build_actions' mapping
    text: str
    tip: str = ""
    shortcut: Shortcut | None = None
    enabled: Rule | None = None  # None: always enabled
    stack: Literal["undo", "redo"] | None = None  # made by the undo stack, no handler
    district_only: bool = False  # hidden in a unit's own data file


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("undo", "撤销", shortcut=QKeySequence.StandardKey.Undo, stack="undo"),
    ActionSpec("redo", "重做", shortcut=QKeySequence.StandardKey.Redo, stack="redo"),
    ActionSpec("export_return", "导出报表…", "把本台账导出为 Excel 报表", enabled=_has_ledger),
    ActionSpec("export_summary", "导出区汇总…", "导出本年度全区汇总表", district_only=True),
    ActionSpec(
        "import_returns",
        "导入文件…",
        "导入报表、任务包或回执（按文件中的类型自动识别）",
        enabled=_may_import,
    ),
    ActionSpec(
        "print_sheet",
        "打印考核表…",
        "生成本台账的 PDF 考核表",
        QKeySequence.StandardKey.Print,
        enabled=_may_print,
    ),
    ActionSpec(
        "export_all_sheets",
        "批量导出考核表…",
        "为本年度所有单位生成考核表",
        enabled=_admin,
        district_only=True,
    ),
    ActionSpec("verify_sheet", "校验考核表…", "核对纸质考核表与数据是否一致"),
    ActionSpec("backup_now", "备份…", "把数据文件备份到文件夹或U盘"),
    ActionSpec("restore_backup", "从备份恢复…", "用备份替换当前数据", enabled=_admin),
    ActionSpec("quit", "退出", shortcut=QKeySequence.StandardKey.Quit),
    ActionSpec("new_ledger", "新建台账", "为所选单位和年度新建空白台账", enabled=_may_create),
    ActionSpec(
        "carry_over", "结转上年", "从上一年度台账复制条目（清空完成值）", enabled=_may_create
    ),
    ActionSpec(
        "submit",
        "提交",
        "校验并提交台账，提交后只读",
        "Ctrl+Shift+S",
        enabled=lambda s: s.writable and s.draft,
    ),
    ActionSpec(
        "unlock",
        "解锁",
        "区管理员解锁已提交的台账（记入审计日志）",
        enabled=lambda s: s.admin and s.has_ledger and not s.draft,
    ),
    ActionSpec("show_catalogue", "规划目录…", district_only=True),
    ActionSpec("show_units", "责任单位…", district_only=True),
    ActionSpec("show_weights", "考核权重…", district_only=True),
    ActionSpec("show_audit_log", "审计日志…", "查看谁在何时修改了什么"),
    ActionSpec("manage_users", "用户与登录…", "管理用户、角色和登录方式", enabled=_admin),
    ActionSpec(
        "export_summary_pdf",
        "导出区汇总考核表（PDF）…",
        "全区得分排名表和得分柱状图",
        district_only=True,
    ),
    ActionSpec(
        "open_inbox",
        "收件箱…",
        "批量导入各单位交来的文件，处理冲突",
        enabled=_district_admin,
        district_only=True,
    ),
    ActionSpec(
        "review_accept",
        "审核通过",
        "本台账的报表审核通过",
        enabled=_district_ledger,
        district_only=True,
    ),
    ActionSpec(
        "review_return",
        "退回…",
        "退回本台账的报表并写明理由",
        enabled=_district_ledger,
        district_only=True,
    ),
    ActionSpec(
        "make_receipt",
        "生成回执…",
        "生成回执 PDF 和供单位导入的 xlsx",
        enabled=_district_ledger,
        district_only=True,
    ),
    ActionSpec(
        "show_status",
        "报送情况…",
        "各单位的台账状态、审核、最近报送和逾期天数",
        district_only=True,
    ),
    ActionSpec(
        "show_decomposition",
        "任务分解…",
        "把规划指标和项目分解到各单位（区年度目标、牵头单位、各单位分解目标）",
        enabled=_district_admin,
        district_only=True,
    ),
    ActionSpec(
        "issue_packages",
        "下发任务包…",
        "为本年度每个承担任务的单位生成任务包（xlsx），保存到文件夹或U盘",
        enabled=_district_admin,
        district_only=True,
    ),
    ActionSpec(
        "show_monitoring",
        "规划监测…",
        "规划指标对照规划路径的年度监测、中期评估和总结评估（表、图、PDF 和 Excel 报告）",
        enabled=_district_admin,
        district_only=True,
    ),
    ActionSpec(
        "show_dashboard",
        "区看板…",
        "各单位分类完成度热力表、得分与红黄绿灯图、排名和全区搜索",
        enabled=_district_admin,
        district_only=True,
    ),
    ActionSpec("show_guide", "用户指南", shortcut=QKeySequence.StandardKey.HelpContents),
    ActionSpec("show_about", "关于"),
)

SEPARATOR = None

#: menu title → action keys in order (None: a separator)
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (
        "文件(&F)",
        (
            "export_return",
            "export_summary",
            "import_returns",
            SEPARATOR,
            "print_sheet",
            "export_all_sheets",
            "export_summary_pdf",
            "verify_sheet",
            SEPARATOR,
            "backup_now",
            "restore_backup",
            SEPARATOR,
            "quit",
        ),
    ),
    ("编辑(&E)", ("undo", "redo")),
    ("台账(&L)", ("new_ledger", "carry_over", SEPARATOR, "submit", "unlock")),
    (
        "管理(&M)",
        (
            "show_catalogue",
            "show_units",
            "show_weights",
            SEPARATOR,
            "manage_users",
            "show_audit_log",
        ),
    ),
    (
        "区级(&D)",
        (
            "show_decomposition",
            "issue_packages",
            SEPARATOR,
            "open_inbox",
            SEPARATOR,
            "review_accept",
            "review_return",
            "make_receipt",
            SEPARATOR,
            "show_status",
            "show_monitoring",
            "show_dashboard",
        ),
    ),
    ("帮助(&H)", ("show_guide", "show_about")),
)

TOOLBAR: tuple[str | None, ...] = (
    "undo",
    "redo",
    SEPARATOR,
    "submit",
    "export_return",
    "print_sheet",
    "import_returns",
    SEPARATOR,
    "backup_now",
)


def _make(
    window: QMainWindow,
    spec: ActionSpec,
    handlers: Mapping[str, Callable[[], object]],
    undo_stack: QUndoStack,
) -> QAction:
    if spec.stack == "undo":
        action = undo_stack.createUndoAction(window, spec.text)
    elif spec.stack == "redo":
        action = undo_stack.createRedoAction(window, spec.text)
    else:
        action = QAction(spec.text, window)
        handler = handlers[spec.key]
        action.triggered.connect(lambda _checked=False: handler())
    if spec.tip:
        action.setStatusTip(spec.tip)
        action.setToolTip(spec.tip)
    if spec.shortcut is not None:
        action.setShortcut(QKeySequence(spec.shortcut))
    return action


def build_actions(
    window: QMainWindow,
    handlers: Mapping[str, Callable[[], object]],
    undo_stack: QUndoStack,
) -> dict[str, QAction]:
    """Create every action of :data:`ACTIONS`, fill the menu bar and add the toolbar."""
    missing = {s.key for s in ACTIONS if s.stack is None} - set(handlers)
    if missing:
        raise ValueError(f"no handler for {sorted(missing)}")
    actions = {s.key: _make(window, s, handlers, undo_stack) for s in ACTIONS}
    bar = window.menuBar()
    for title, keys in MENUS:
        menu = bar.addMenu(title)
        for key in keys:
            menu.addSeparator() if key is None else menu.addAction(actions[key])
    toolbar = QToolBar("常用", window)
    toolbar.setObjectName("main-toolbar")
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    for key in TOOLBAR:
        toolbar.addSeparator() if key is None else toolbar.addAction(actions[key])
    window.addToolBar(toolbar)
    return actions


def update_actions(actions: Mapping[str, QAction], state: ActionState) -> None:
    """Apply every action's enabled rule; hide the district's actions in a unit's file."""
    for spec in ACTIONS:
        if spec.enabled is not None:
            actions[spec.key].setEnabled(spec.enabled(state))
        if spec.district_only:
            actions[spec.key].setVisible(state.district)
    window = next(iter(actions.values())).parent() if actions else None
    if isinstance(window, QMainWindow):
        for menu in window.menuBar().findChildren(QMenu):
            shown = any(a.isVisible() and not a.isSeparator() for a in menu.actions())
            menu.menuAction().setVisible(shown)
