"""Login, first-run administrator, user management and the idle lock.

What the main window calls (see the issue-6 report):

* ``login(parent, store) -> bool`` at start-up (app.py does it) — True in single-user
  mode or after a successful login; False when the user gives up (quit).
* ``install_idle_lock(window, store)`` once after the window is built: after
  ``idle_lock_minutes`` without keyboard or mouse input the window hides and the login
  dialog must be passed again (only when login is on).
* ``manage_users(parent, store)`` from the 管理 menu (administrator only): users,
  roles, passwords, turning login on or off, the idle time.

The rules themselves live in ``store/users.py`` and the store; this module only asks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..core.enums import Role
from ..store import Store, StoreError
from ..store import users as U
from .list_model import RecordListModel

# ---------------------------------------------------------------- login


class LoginDialog(QDialog):
    """Name and password; the store acts for the user once accepted."""

    def __init__(
        self,
        store: Store,
        parent: QWidget | None = None,
        name: str = "",
        reason: str = "",
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.clock = clock
        self.user: U.User | None = None
        self.setWindowTitle("登录")
        self.setModal(True)
        layout = QVBoxLayout(self)
        if reason:
            layout.addWidget(QLabel(reason))
        form = QFormLayout()
        self.name_edit = QLineEdit(name)
        self.name_edit.setObjectName("loginName")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("loginPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("用户名", self.name_edit)
        form.addRow("密码", self.password_edit)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("loginMessage")
        self.message.setStyleSheet("color: #b00020")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton("登录", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password_edit if name else self.name_edit).setFocus()

    def try_login(self) -> bool:
        name = self.name_edit.text().strip()
        if not name:
            self.message.setText("请输入用户名")
            return False
        try:
            self.user = self.store.users.authenticate(
                name, self.password_edit.text(), clock=self.clock
            )
        except StoreError as exc:  # LoginFailed, LoginThrottled, or a file problem
            self.message.setText(str(exc))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return False
        self.accept()
        return True


class NewPasswordDialog(QDialog):
    """A name (optional) and a password typed twice."""

    def __init__(
        self, title: str, intro: str, parent: QWidget | None = None, ask_name: bool = True
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        label = QLabel(intro)
        label.setWordWrap(True)
        layout.addWidget(label)
        form = QFormLayout()
        self.name_edit = QLineEdit("管理员" if ask_name else "")
        self.name_edit.setObjectName("newName")
        if ask_name:
            form.addRow("用户名", self.name_edit)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("newPassword")
        self.repeat_edit = QLineEdit()
        self.repeat_edit.setObjectName("repeatPassword")
        for edit in (self.password_edit, self.repeat_edit):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("密码", self.password_edit)
        form.addRow("再输入一次", self.repeat_edit)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setStyleSheet("color: #b00020")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _check(self) -> None:
        if self.password_edit.text() != self.repeat_edit.text():
            self.message.setText("两次输入的密码不一致")
            return
        if len(self.password_edit.text()) < U.MIN_PASSWORD:
            self.message.setText(f"密码至少{U.MIN_PASSWORD}位")
            return
        self.accept()

    @property
    def name(self) -> str:
        return self.name_edit.text().strip()

    @property
    def password(self) -> str:
        return self.password_edit.text()


@contextmanager
def _keep_running() -> Iterator[None]:
    """While only a login dialog is visible, closing it must not end the program."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        yield
        return
    before = app.quitOnLastWindowClosed()
    app.setQuitOnLastWindowClosed(False)
    try:
        yield
    finally:
        app.setQuitOnLastWindowClosed(before)


def _has_admin_login(store: Store) -> bool:
    return any(u.role == Role.ADMIN and u.active and u.has_password for u in store.users.list())


def first_admin(parent: QWidget | None, store: Store) -> bool:
    """Ask for the administrator's name and password (first time login is turned on)."""
    dialog = NewPasswordDialog(
        "设置区管理员密码",
        "启用登录后，每次打开程序都需要输入用户名和密码。请先设置区管理员（区发改局）的"
        "用户名和密码，并妥善保管。",
        parent,
    )
    while dialog.exec() == QDialog.DialogCode.Accepted:
        try:
            existing = store.users.find(dialog.name)
            if existing is not None and existing.role == Role.ADMIN:
                store.users.set_password(existing.id, dialog.password)
                if not existing.active:
                    store.users.set_active(existing.id, True)
            else:
                store.users.create(dialog.name, Role.ADMIN, password=dialog.password)
            return True
        except StoreError as exc:
            dialog.message.setText(str(exc))
    return False


def login(parent: QWidget | None, store: Store) -> bool:
    """Start-up: True when the program may go on (single-user mode or logged in)."""
    if not store.users.login_required():
        return True
    # Login is on but no administrator can log in (e.g. a file edited by hand): the
    # store acts as administrator until one is set up.
    with _keep_running():
        if not _has_admin_login(store) and not first_admin(parent, store):
            return False
        return LoginDialog(store, parent).exec() == QDialog.DialogCode.Accepted


# ---------------------------------------------------------------- idle lock

_ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class IdleLock(QObject):
    """Counts the time without input; past the limit, hides the window until login."""

    userChanged = Signal()  # someone else logged in after the lock: reload permissions

    def __init__(
        self,
        window: QWidget,
        store: Store,
        clock: Callable[[], float] = time.monotonic,
        dialog_factory: Callable[..., LoginDialog] = LoginDialog,
        check_ms: int = 15_000,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.clock = clock
        self.dialog_factory = dialog_factory
        self.last_activity = clock()
        self.locked = False
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.check)
        self.timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self.last_activity = self.clock()
        return False

    def limit_seconds(self) -> float | None:
        if not self.store.users.login_required():
            return None
        minutes = self.store.users.idle_minutes()
        return minutes * 60.0 if minutes > 0 else None

    def check(self) -> bool:
        """Lock if the idle time is over; True when locked now."""
        limit = self.limit_seconds()
        if self.locked or limit is None or self.clock() - self.last_activity < limit:
            return False
        self.lock()
        return True

    def lock(self) -> None:
        self.locked = True
        self.timer.stop()
        self.window.hide()  # nothing of the ledger stays visible on a shared PC
        dialog = self.dialog_factory(
            self.store,
            None,
            name=self.store.user,
            reason=f"已超过{self.store.users.idle_minutes()}分钟没有操作，窗口已锁定。请重新登录。",
        )
        before = (self.store.user, self.store.role, self.store.unit_id)
        with _keep_running():
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if accepted:
            self.locked = False
            self.last_activity = self.clock()
            self.window.show()
            self.timer.start()
            after = (self.store.user, self.store.role, self.store.unit_id)
            if after != before:
                self.userChanged.emit()  # another user took over: reload permissions
        else:
            self.window.close()

    def uninstall(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


def install_idle_lock(window: QWidget, store: Store, **kwargs: Any) -> IdleLock:
    """Lock ``window`` after the configured idle time (a child of the window)."""
    return IdleLock(window, store, **kwargs)


# ---------------------------------------------------------------- user management


class UsersModel(RecordListModel):
    HEADERS = ("用户名", "角色", "责任单位", "状态", "密码", "最近登录")

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.units = {u.id: u.name for u in store.units.list()}
        self.reload()

    def reload(self) -> None:
        self.set_rows(self.store.users.list())

    def values(self, user: U.User) -> tuple[Any, ...]:
        return (
            user.name,
            user.role_label,
            self.units.get(user.unit_id, "") if user.unit_id else "",
            "启用" if user.active else "停用",
            "已设置" if user.has_password else "未设置",
            (user.last_login or "").replace("T", " "),
        )


class UserEditDialog(QDialog):
    """New user (name, role, unit, password) or a change of role and unit."""

    def __init__(self, store: Store, parent: QWidget | None, user: U.User | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("修改用户" if user else "新增用户")
        form = QFormLayout(self)
        self.name_edit = QLineEdit(user.name if user else "")
        self.name_edit.setObjectName("userName")
        self.name_edit.setEnabled(user is None)
        self.role_box = QComboBox()
        self.role_box.setObjectName("userRole")
        for key, label in U.ROLES.items():
            self.role_box.addItem(label, key)
        self.unit_box = QComboBox()
        self.unit_box.setObjectName("userUnit")
        for unit in store.units.list(active_only=True):
            self.unit_box.addItem(unit.name, unit.id)
        if user:
            self.role_box.setCurrentIndex(self.role_box.findData(user.role))
            if user.unit_id:
                self.unit_box.setCurrentIndex(self.unit_box.findData(user.unit_id))
        self.role_box.currentIndexChanged.connect(self._role_changed)
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("userPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("用户名", self.name_edit)
        form.addRow("角色", self.role_box)
        form.addRow("责任单位", self.unit_box)
        if user is None:
            form.addRow(f"密码（至少{U.MIN_PASSWORD}位）", self.password_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._role_changed()

    def _role_changed(self) -> None:
        self.unit_box.setEnabled(self.role_box.currentData() == Role.OPERATOR)

    @property
    def values(self) -> dict[str, Any]:
        role = self.role_box.currentData()
        return {
            "name": self.name_edit.text().strip(),
            "role": role,
            "unit_id": self.unit_box.currentData() if role == Role.OPERATOR else None,
            "password": self.password_edit.text(),
        }


class UsersDialog(QDialog):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("用户与登录")
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        self.login_box = QCheckBox("启用登录（每次打开程序需输入用户名和密码）")
        self.login_box.setObjectName("loginRequired")
        self.login_box.setChecked(store.users.login_required())
        self.login_box.toggled.connect(self._login_toggled)
        layout.addWidget(self.login_box)
        idle_row = QHBoxLayout()
        idle_row.addWidget(QLabel("无操作自动锁定（分钟，0 表示不锁定）"))
        self.idle_spin = QSpinBox()
        self.idle_spin.setObjectName("idleMinutes")
        self.idle_spin.setRange(0, 24 * 60)
        self.idle_spin.setValue(store.users.idle_minutes())
        self.idle_spin.editingFinished.connect(self._idle_changed)
        idle_row.addWidget(self.idle_spin)
        idle_row.addStretch(1)
        layout.addLayout(idle_row)
        self.model = UsersModel(store)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.view)
        row = QHBoxLayout()
        for text, slot, name in (
            ("新增用户…", self.add_user, "addUser"),
            ("修改角色…", self.edit_user, "editUser"),
            ("重设密码…", self.reset_password, "resetPassword"),
            ("停用/启用", self.toggle_active, "toggleActive"),
        ):
            button = QPushButton(text)
            button.setObjectName(name)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)

    def selected(self) -> U.User | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _error(self, exc: Exception) -> None:
        QMessageBox.warning(self, "用户与登录", str(exc))

    def _login_toggled(self, on: bool) -> None:
        try:
            if on and not _has_admin_login(self.store) and not first_admin(self, self.store):
                raise StoreError("未设置区管理员密码，登录未启用。")
            self.store.users.set_login_required(on)
        except StoreError as exc:
            self.login_box.blockSignals(True)
            self.login_box.setChecked(self.store.users.login_required())
            self.login_box.blockSignals(False)
            self._error(exc)
        self.model.reload()

    def _idle_changed(self) -> None:
        try:
            self.store.users.set_idle_minutes(self.idle_spin.value())
        except StoreError as exc:
            self._error(exc)

    def add_user(self) -> None:
        dialog = UserEditDialog(self.store, self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            v = dialog.values
            try:
                self.store.users.create(v["name"], v["role"], v["unit_id"], v["password"])
            except StoreError as exc:
                self._error(exc)
                continue
            break
        self.model.reload()

    def edit_user(self) -> None:
        user = self.selected()
        if user is None:
            return
        dialog = UserEditDialog(self.store, self, user)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            v = dialog.values
            try:
                self.store.users.update(user.id, role=v["role"], unit_id=v["unit_id"])
            except StoreError as exc:
                self._error(exc)
        self.model.reload()

    def reset_password(self) -> None:
        user = self.selected()
        if user is None:
            return
        dialog = NewPasswordDialog("重设密码", f"为用户“{user.name}”设置新密码。", self, False)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                self.store.users.set_password(user.id, dialog.password)
            except StoreError as exc:
                self._error(exc)
        self.model.reload()

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        try:
            self.store.users.set_active(user.id, not user.active)
        except StoreError as exc:
            self._error(exc)
        self.model.reload()


def manage_users(parent: QWidget | None, store: Store) -> None:
    """The 管理 › 用户与登录 dialog (administrator only)."""
    if store.role != Role.ADMIN:
        QMessageBox.information(parent, "用户与登录", "只有区管理员可以管理用户和登录设置。")
        return
    UsersDialog(store, parent).exec()
