"""Login dialog, first administrator, user management and the idle lock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMainWindow, QMessageBox

from xihu_desktop.store import Store
from xihu_desktop.store import users as U
from xihu_desktop.ui import login as L

FAST = U.ScryptParams(n=2**10, r=8, p=1)


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(U, "DEFAULT_PARAMS", FAST)


@pytest.fixture
def secured(store: Store) -> Store:
    store.users.create("管理员", "admin", password="admin-pass")
    store.users.create("填报员", "operator", store.units.list()[0].id, password="op-pass")
    store.users.set_login_required(True)
    return store


def _answer(name: str, password: str):
    """An exec() that types a name and password and presses 登录."""

    def exec_(self: L.LoginDialog) -> int:
        self.name_edit.setText(name)
        self.password_edit.setText(password)
        self.try_login()
        return self.result()

    return exec_


def test_single_user_mode_shows_no_dialog(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(L.LoginDialog, "exec", lambda self: pytest.fail("no dialog expected"))
    assert L.login(None, store) is True
    assert store.role == "admin"


def test_login_dialog_accepts_right_password_only(qtbot, secured: Store) -> None:
    dialog = L.LoginDialog(secured)
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("填报员")
    dialog.password_edit.setText("wrong-one")
    assert not dialog.try_login()
    assert "用户名或密码错误" in dialog.message.text()
    assert dialog.password_edit.text() == ""  # cleared after a failure
    assert secured.role == "admin"
    dialog.password_edit.setText("op-pass")
    assert dialog.try_login()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert (secured.user, secured.role) == ("填报员", "operator")


def test_login_at_start_up(secured: Store, monkeypatch) -> None:
    monkeypatch.setattr(L.LoginDialog, "exec", _answer("管理员", "admin-pass"))
    assert L.login(None, secured)
    assert secured.user == "管理员"
    monkeypatch.setattr(L.LoginDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    assert not L.login(None, secured)  # 退出


def test_throttle_message_shown(qtbot, secured: Store) -> None:
    clock = [1000.0]
    dialog = L.LoginDialog(secured, clock=lambda: clock[0])
    qtbot.addWidget(dialog)
    dialog.name_edit.setText("管理员")
    for _ in range(U.FREE_FAILURES):
        dialog.password_edit.setText("nope-nope")
        dialog.try_login()
    assert "秒后重试" in dialog.message.text()
    dialog.password_edit.setText("admin-pass")
    assert not dialog.try_login()  # still paused
    clock[0] += 60
    dialog.password_edit.setText("admin-pass")
    assert dialog.try_login()


def test_turning_login_on_asks_for_admin_password_first(qtbot, store: Store, monkeypatch) -> None:
    def fill(self: L.NewPasswordDialog) -> int:
        self.name_edit.setText("区发改局")
        self.password_edit.setText("very-secret")
        self.repeat_edit.setText("very-secret")
        self._check()
        return self.result()

    monkeypatch.setattr(L.NewPasswordDialog, "exec", fill)
    dialog = L.UsersDialog(store)
    qtbot.addWidget(dialog)
    dialog.login_box.setChecked(True)
    assert store.users.login_required()
    admin = store.users.find("区发改局")
    assert admin and admin.role == "admin" and admin.has_password
    assert dialog.model.rowCount() == 1


def test_turning_login_on_cancelled_keeps_single_user(qtbot, store: Store, monkeypatch) -> None:
    monkeypatch.setattr(L.NewPasswordDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    dialog = L.UsersDialog(store)
    qtbot.addWidget(dialog)
    dialog.login_box.setChecked(True)
    assert not store.users.login_required()
    assert not dialog.login_box.isChecked()
    assert warnings and "未启用" in warnings[0]


def test_mismatched_passwords_rejected(qtbot) -> None:
    dialog = L.NewPasswordDialog("t", "x")
    qtbot.addWidget(dialog)
    dialog.password_edit.setText("abcdefg")
    dialog.repeat_edit.setText("abcdefh")
    dialog._check()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert "不一致" in dialog.message.text()


def test_manage_users_add_edit_deactivate(qtbot, secured: Store, monkeypatch) -> None:
    unit = secured.units.list()[1]

    def fill(self: L.UserEditDialog) -> int:
        if self.name_edit.isEnabled():
            self.name_edit.setText("新填报员")
            self.password_edit.setText("new-pass-1")
        self.role_box.setCurrentIndex(self.role_box.findData("operator"))
        self.unit_box.setCurrentIndex(self.unit_box.findData(unit.id))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(L.UserEditDialog, "exec", fill)
    dialog = L.UsersDialog(secured)
    qtbot.addWidget(dialog)
    dialog.add_user()
    user = secured.users.find("新填报员")
    assert user and user.role == "operator" and user.unit_id == unit.id
    row = [u.name for u in dialog.model.rows].index("新填报员")
    dialog.view.selectRow(row)
    dialog.toggle_active()
    assert not secured.users.find("新填报员").active
    assert dialog.model.data(dialog.model.index(row, 3)) == "停用"


def test_manage_users_refused_for_operator(secured: Store, monkeypatch) -> None:
    secured.users.authenticate("填报员", "op-pass")
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: shown.append(a[2]))
    monkeypatch.setattr(L.UsersDialog, "exec", lambda self: pytest.fail("must not open"))
    L.manage_users(None, secured)
    assert shown and "区管理员" in shown[0]


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def window(qtbot) -> QMainWindow:
    """The window an idle lock guards, shown."""
    shown = QMainWindow()
    qtbot.addWidget(shown)
    shown.show()
    return shown


def test_idle_lock_hides_window_until_login(qtbot, secured: Store, window: QMainWindow) -> None:
    secured.users.set_idle_minutes(5)
    clock = FakeClock()
    seen: dict[str, object] = {}

    def factory(store: Store, parent, name: str, reason: str) -> L.LoginDialog:
        seen["visible_while_locked"] = window.isVisible()
        seen["reason"] = reason
        dialog = L.LoginDialog(store, parent, name=name, reason=reason)
        answer = _answer("管理员", "admin-pass")

        def exec_() -> int:
            # Only this dialog is visible: closing it must not quit the program.
            seen["quit_on_close"] = QApplication.instance().quitOnLastWindowClosed()
            return answer(dialog)

        dialog.exec = exec_  # type: ignore[method-assign]
        return dialog

    lock = L.install_idle_lock(window, secured, clock=clock, dialog_factory=factory)
    try:
        clock.t += 4 * 60
        assert not lock.check()
        # Input counts as activity: the idle time starts again.
        qtbot.keyClick(window, Qt.Key.Key_A)
        assert lock.last_activity == clock.t
        clock.t += 4 * 60
        assert not lock.check()
        clock.t += 61
        assert lock.check()
        assert seen["visible_while_locked"] is False
        assert "5分钟" in str(seen["reason"])
        assert window.isVisible() and not lock.locked
        assert seen["quit_on_close"] is False
        assert QApplication.instance().quitOnLastWindowClosed()  # restored
    finally:
        lock.uninstall()


def test_idle_lock_quit_closes_window_and_single_user_never_locks(
    qtbot, store: Store, window: QMainWindow
) -> None:
    clock = FakeClock()

    class Quit:
        def __init__(self, *a, **k) -> None:
            pass

        def exec(self) -> int:
            return QDialog.DialogCode.Rejected

    lock = L.install_idle_lock(window, store, clock=clock, dialog_factory=Quit)
    try:
        clock.t += 10**6
        assert not lock.check()  # single-user mode: no login, no lock
        store.users.create("管理员", "admin", password="admin-pass")
        store.users.set_login_required(True)
        assert lock.check()
        assert not window.isVisible()
    finally:
        lock.uninstall()


def test_idle_lock_tells_the_window_when_another_user_takes_over(
    qtbot, secured: Store, window: QMainWindow
) -> None:
    secured.users.set_idle_minutes(5)
    clock = FakeClock()
    logins = [("管理员", "admin-pass"), ("填报员", "op-pass")]

    def factory(store: Store, parent, name: str, reason: str) -> L.LoginDialog:
        dialog = L.LoginDialog(store, parent, name=name, reason=reason)
        answer = _answer(*logins.pop(0))
        dialog.exec = lambda: answer(dialog)  # type: ignore[method-assign]
        return dialog

    secured.act_as("管理员", "admin", None)
    lock = L.install_idle_lock(window, secured, clock=clock, dialog_factory=factory)
    changed: list[str] = []
    lock.userChanged.connect(lambda: changed.append(secured.user))
    try:
        clock.t += 6 * 60
        assert lock.check()  # the same user again: nothing to reload
        assert changed == []
        clock.t += 6 * 60
        assert lock.check()
        assert changed == ["填报员"]
    finally:
        lock.uninstall()
