"""Users, roles and passwords; the rules are enforced at the store API."""

from __future__ import annotations

import pytest

from xihu_desktop.store import InvalidData, LedgerLocked, PermissionDenied, Store
from xihu_desktop.store import users as U

FAST = U.ScryptParams(n=2**10, r=8, p=1)


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def two_units(store: Store):
    a, b = store.units()[:2]
    la = store.create_ledger(a.id, 2025)
    lb = store.create_ledger(b.id, 2025)
    ea = store.add_entry(la.id, "indicator", {"name": "甲单位指标"})
    eb = store.add_entry(lb.id, "indicator", {"name": "乙单位指标"})
    return a, b, la, lb, ea, eb


# ---------------------------------------------------------------- hashing


def test_hash_format_salt_and_verify() -> None:
    h1 = U.hash_password("正确密码123", FAST)
    h2 = U.hash_password("正确密码123", FAST)
    assert h1.startswith("scrypt$1024$8$1$") and len(h1.split("$")) == 6
    assert h1 != h2  # salted
    assert U.verify_password("正确密码123", h1)
    assert not U.verify_password("正确密码124", h1)
    assert not U.verify_password("x", None)
    assert not U.verify_password("x", "md5$abc")
    assert not U.verify_password("x", "scrypt$3$8$1$AA==$AA==")  # n not a power of two


def test_default_parameters_are_the_strong_ones() -> None:
    h = U.hash_password("secret-pw")  # n=2**17 needs maxmem raised, or OpenSSL refuses
    assert h.startswith("scrypt$131072$8$1$")
    assert U.verify_password("secret-pw", h)
    assert not U.needs_rehash(h)
    assert U.needs_rehash(U.hash_password("secret-pw", FAST))


def test_password_never_stored_in_clear(store: Store) -> None:
    U.create_user(store, "王管理", "admin", password="Secret-777", params=FAST)
    dump = "\n".join(store.conn.iterdump())
    assert "Secret-777" not in dump


# ---------------------------------------------------------------- login


def test_login_acts_as_user_and_rehashes_on_parameter_change(store: Store) -> None:
    unit = store.units()[0]
    U.create_user(store, "李填报", "operator", unit.id, password="pw-123456", params=FAST)
    stronger = U.ScryptParams(n=2**11, r=8, p=1)
    user = U.authenticate(store, "李填报", "pw-123456", params=stronger)
    assert (store.user, store.role, store.unit_id) == ("李填报", "operator", unit.id)
    assert user.last_login
    stored = store.scalar("SELECT password_hash FROM users WHERE name = '李填报'")
    assert stored.startswith("scrypt$2048$")  # re-hashed with the new parameters
    assert U.verify_password("pw-123456", stored)
    actions = [r["action"] for r in store.audit_log(user="李填报")]
    assert "登录" in actions


def test_wrong_password_pauses_exponentially_without_sleeping(store: Store) -> None:
    U.create_user(store, "张三", "viewer", password="right-pass", params=FAST)
    clock = Clock()
    for _ in range(U.FREE_FAILURES - 1):
        with pytest.raises(U.LoginFailed) as info:
            U.authenticate(store, "张三", "wrong", clock=clock, params=FAST)
        assert not isinstance(info.value, U.LoginThrottled)
    with pytest.raises(U.LoginThrottled) as info:
        U.authenticate(store, "张三", "wrong", clock=clock, params=FAST)
    assert info.value.wait == 2
    # During the pause even the right password is refused, without checking it.
    with pytest.raises(U.LoginThrottled):
        U.authenticate(store, "张三", "right-pass", clock=clock, params=FAST)
    clock.t += 2.5
    with pytest.raises(U.LoginThrottled) as info:
        U.authenticate(store, "张三", "wrong", clock=clock, params=FAST)
    assert info.value.wait == 4  # doubles
    # Kept in the database: a restart does not reset it.
    store2 = Store.open(store.path)
    try:
        with pytest.raises(U.LoginThrottled):
            U.authenticate(store2, "张三", "right-pass", clock=clock, params=FAST)
    finally:
        store2.close()
    clock.t += 5
    U.authenticate(store, "张三", "right-pass", clock=clock, params=FAST)
    assert store.scalar("SELECT failed_logins FROM users WHERE name = '张三'") == 0
    assert U.pause_after(100) == U.MAX_PAUSE


def test_unknown_and_inactive_users_fail_the_same_way(store: Store) -> None:
    with pytest.raises(U.LoginFailed, match="用户名或密码错误"):
        U.authenticate(store, "nobody", "whatever", params=FAST)
    u = U.create_user(store, "赵六", "viewer", password="pass-word", params=FAST)
    U.set_active(store, u.id, False)
    with pytest.raises(U.LoginFailed, match="停用"):
        U.authenticate(store, "赵六", "pass-word", params=FAST)
    assert store.role == "admin"  # nothing changed


# ---------------------------------------------------------------- user management


def test_only_admin_manages_users_and_login_setting(store: Store) -> None:
    admin = U.create_user(store, "管理员", "admin", password="admin-pw", params=FAST)
    unit = store.units()[0]
    op = U.create_user(store, "填报员", "operator", unit.id, password="op-pass", params=FAST)
    with pytest.raises(InvalidData):
        U.create_user(store, "填报员", "viewer")  # duplicate name
    with pytest.raises(InvalidData):
        U.create_user(store, "无单位", "operator")
    with pytest.raises(InvalidData):
        U.create_user(store, "短密码", "viewer", password="123")
    assert not U.login_required(store)  # single-user mode by default
    U.set_login_required(store, True)
    assert U.login_required(store)
    U.authenticate(store, "填报员", "op-pass", params=FAST)
    for call in (
        lambda: U.create_user(store, "x", "viewer"),
        lambda: U.set_login_required(store, False),
        lambda: U.set_active(store, admin.id, False),
        lambda: U.set_password(store, admin.id, "new-pass-1", FAST),
        lambda: store.set_setting(U.IDLE_SETTING, 1),
    ):
        with pytest.raises(PermissionDenied):
            call()
    U.set_password(store, op.id, "my-own-new", FAST)  # one's own password: allowed
    U.authenticate(store, "管理员", "admin-pw", params=FAST)
    with pytest.raises(InvalidData, match="至少要保留"):
        U.set_active(store, admin.id, False)
    U.set_idle_minutes(store, 5)
    assert U.idle_minutes(store) == 5
    U.set_login_required(store, False)


def test_login_needs_an_admin_with_password_first(store: Store) -> None:
    with pytest.raises(InvalidData, match="区管理员"):
        U.set_login_required(store, True)


def test_demo_database_is_single_user(demo_store: Store) -> None:
    assert not U.login_required(demo_store)
    assert demo_store.role == "admin"


# ---------------------------------------------------------------- rules at the store API


def test_operator_cannot_write_another_units_ledger(store: Store, two_units) -> None:
    a, b, _la, lb, ea, eb = two_units
    store.act_as("甲填报员", "operator", a.id)
    store.update_entry(ea.id, {"name": "改名"})  # own unit: fine
    store.set_progress(ea.id, 1, {"value": 3})
    before = store.counts()
    for call in (
        lambda: store.update_entry(eb.id, {"name": "篡改"}),
        lambda: store.add_entry(lb.id, "indicator", {"name": "插入"}),
        lambda: store.delete_entries([eb.id]),
        lambda: store.set_progress(eb.id, 1, {"value": 9}),
        lambda: store.update_ledger(lb.id, {"leader": "某人"}),
        lambda: store.move_entry(eb.id, 1),
        lambda: store.set_ledger_status(lb.id, "已提交"),
        lambda: store.create_ledger(b.id, 2024),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert store.counts() == before
    assert store.entry(eb.id).name == "乙单位指标"


def test_operator_cannot_write_submitted_or_locked_ledger(store: Store, two_units) -> None:
    a, _b, la, _lb, ea, _eb = two_units
    store.act_as("甲填报员", "operator", a.id)
    store.set_ledger_status(la.id, "已提交")  # an operator may submit the own draft
    with pytest.raises(LedgerLocked):
        store.update_entry(ea.id, {"name": "提交后修改"})
    with pytest.raises(LedgerLocked):
        store.add_entry(la.id, "indicator", {"name": "提交后新增"})
    with pytest.raises(PermissionDenied):
        store.set_ledger_status(la.id, "草稿")  # only the administrator re-opens
    with pytest.raises(PermissionDenied), store.admin_override():
        pass
    store.act_as("区管理员", "admin")
    store.set_ledger_status(la.id, "已锁定")
    store.act_as("甲填报员", "operator", a.id)
    with pytest.raises(LedgerLocked):
        store.set_progress(ea.id, 2, {"value": 1})
    with pytest.raises(PermissionDenied):
        store.set_ledger_status(la.id, "已提交")
    assert store.entry(ea.id).name == "甲单位指标"
    assert store.ledger(la.id).status == "已锁定"


def test_viewer_cannot_write_at_all(store: Store, two_units) -> None:
    a, _b, la, _lb, ea, _eb = two_units
    store.act_as("查看者", "viewer")
    before = store.counts()
    for call in (
        lambda: store.update_entry(ea.id, {"name": "x"}),
        lambda: store.add_entry(la.id, "indicator", {"name": "x"}),
        lambda: store.delete_entries([ea.id]),
        lambda: store.set_progress(ea.id, 1, {"value": 1}),
        lambda: store.update_ledger(la.id, {"leader": "x"}),
        lambda: store.set_ledger_status(la.id, "已提交"),
        lambda: store.create_ledger(a.id, 2024),
        lambda: store.set_setting("x", 1),
        lambda: store.update_unit(a.id, {"leader": "x"}),
        lambda: store.add_unit("X01", "新单位", "town"),
        lambda: store.update_target(store.targets()[0]["id"], {"name": "x"}),
        lambda: store.save_scoring_settings(2025, store.scoring_settings(2025)),
        lambda: store.add_adjustment(la.id, 1, "理由"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert store.counts() == before
    assert not store.can_write(store.ledger(la.id))


def test_operator_cannot_change_district_settings(store: Store, two_units) -> None:
    a = two_units[0]
    store.act_as("甲填报员", "operator", a.id)
    for call in (
        lambda: store.update_unit(a.id, {"leader": "x"}),
        lambda: store.set_setting(U.LOGIN_SETTING, False),
        lambda: store.save_scoring_settings(2025, store.scoring_settings(2025)),
        lambda: store.update_target(store.targets()[0]["id"], {"name": "x"}),
        lambda: store.add_adjustment(two_units[2].id, 5, "自己加分"),
    ):
        with pytest.raises(PermissionDenied):
            call()
