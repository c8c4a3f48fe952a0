"""Users, roles and passwords; the rules are enforced at the store API. A login never tells
which names exist (same message, cost and pause); only the administrator or the unit's
operator records a printing."""

from __future__ import annotations

import hashlib

import pytest

from xihu_desktop.core.settings import IDLE_MINUTES, LOGIN_REQUIRED, PDF_FONT_PATH
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
    a, b = store.units.list()[:2]
    la = store.ledgers.get(store.ledgers.create(a.id, 2025).id)
    lb = store.ledgers.get(store.ledgers.create(b.id, 2025).id)
    ea = store.entries.get(store.entries.add(la.id, "indicator", {"name": "甲单位指标"}).id)
    eb = store.entries.get(store.entries.add(lb.id, "indicator", {"name": "乙单位指标"}).id)
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
    store.users.create("王管理", "admin", password="Secret-777", params=FAST)
    dump = "\n".join(store.conn.iterdump())
    assert "Secret-777" not in dump


# ---------------------------------------------------------------- login


def test_login_acts_as_user_and_rehashes_on_parameter_change(store: Store) -> None:
    unit = store.units.list()[0]
    store.users.create("李填报", "operator", unit.id, password="pw-123456", params=FAST)
    stronger = U.ScryptParams(n=2**11, r=8, p=1)
    user = store.users.authenticate("李填报", "pw-123456", params=stronger)
    assert (store.user, store.role, store.unit_id) == ("李填报", "operator", unit.id)
    assert user.last_login
    stored = store.scalar("SELECT password_hash FROM users WHERE name = '李填报'")
    assert stored.startswith("scrypt$2048$")  # re-hashed with the new parameters
    assert U.verify_password("pw-123456", stored)
    actions = [r["action"] for r in store.audit.log(user="李填报")]
    assert "登录" in actions


def test_wrong_password_pauses_exponentially_without_sleeping(store: Store) -> None:
    store.users.create("张三", "viewer", password="right-pass", params=FAST)
    clock = Clock()
    for _ in range(U.FREE_FAILURES - 1):
        with pytest.raises(U.LoginFailed) as info:
            store.users.authenticate("张三", "wrong", clock=clock, params=FAST)
        assert not isinstance(info.value, U.LoginThrottled)
    with pytest.raises(U.LoginThrottled) as info:
        store.users.authenticate("张三", "wrong", clock=clock, params=FAST)
    assert info.value.wait == 2
    # During the pause even the right password is refused, without checking it.
    with pytest.raises(U.LoginThrottled):
        store.users.authenticate("张三", "right-pass", clock=clock, params=FAST)
    clock.t += 2.5
    with pytest.raises(U.LoginThrottled) as info:
        store.users.authenticate("张三", "wrong", clock=clock, params=FAST)
    assert info.value.wait == 4  # doubles
    # Kept in the database: a restart does not reset it.
    store2 = Store.open(store.path)
    try:
        with pytest.raises(U.LoginThrottled):
            store2.users.authenticate("张三", "right-pass", clock=clock, params=FAST)
    finally:
        store2.close()
    clock.t += 5
    store.users.authenticate("张三", "right-pass", clock=clock, params=FAST)
    assert store.scalar("SELECT failed_logins FROM users WHERE name = '张三'") == 0
    assert U.pause_after(100) == U.MAX_PAUSE


def test_unknown_and_inactive_users_fail_the_same_way(store: Store) -> None:
    with pytest.raises(U.LoginFailed, match="用户名或密码错误"):
        store.users.authenticate("nobody", "whatever", params=FAST)
    u = store.users.get(store.users.create("赵六", "viewer", password="pass-word", params=FAST).id)
    store.users.set_active(u.id, False)
    with pytest.raises(U.LoginFailed, match="停用"):
        store.users.authenticate("赵六", "pass-word", params=FAST)
    assert store.role == "admin"  # nothing changed


# ---------------------------------------------------------------- user management


def test_only_admin_manages_users_and_login_setting(store: Store) -> None:
    admin = store.users.get(
        store.users.create("管理员", "admin", password="admin-pw", params=FAST).id
    )
    unit = store.units.list()[0]
    op = store.users.get(
        store.users.create("填报员", "operator", unit.id, password="op-pass", params=FAST).id
    )
    with pytest.raises(InvalidData):
        store.users.create("填报员", "viewer")  # duplicate name
    with pytest.raises(InvalidData):
        store.users.create("无单位", "operator")
    with pytest.raises(InvalidData):
        store.users.create("短密码", "viewer", password="123")
    assert not store.users.login_required()  # single-user mode by default
    store.users.set_login_required(True)
    assert store.users.login_required()
    store.users.authenticate("填报员", "op-pass", params=FAST)
    for call in (
        lambda: store.users.create("x", "viewer"),
        lambda: store.users.set_login_required(False),
        lambda: store.users.set_active(admin.id, False),
        lambda: store.users.set_password(admin.id, "new-pass-1", FAST),
        lambda: store.settings.set(IDLE_MINUTES, 1),
    ):
        with pytest.raises(PermissionDenied):
            call()
    store.users.set_password(op.id, "my-own-new", FAST)  # one's own password: allowed
    store.users.authenticate("管理员", "admin-pw", params=FAST)
    with pytest.raises(InvalidData, match="至少要保留"):
        store.users.set_active(admin.id, False)
    store.users.set_idle_minutes(5)
    assert store.users.idle_minutes() == 5
    store.users.set_login_required(False)


def test_login_needs_an_admin_with_password_first(store: Store) -> None:
    with pytest.raises(InvalidData, match="区管理员"):
        store.users.set_login_required(True)


def test_demo_database_is_single_user(demo_store: Store) -> None:
    assert not demo_store.users.login_required()
    assert demo_store.role == "admin"


# ---------------------------------------------------------------- rules at the store API


def test_operator_cannot_write_another_units_ledger(store: Store, two_units) -> None:
    a, b, _la, lb, ea, eb = two_units
    store.act_as("甲填报员", "operator", a.id)
    store.entries.update(ea.id, {"name": "改名"})  # own unit: fine
    store.progress.set(ea.id, 1, {"value": 3})
    before = store.counts()
    for call in (
        lambda: store.entries.update(eb.id, {"name": "篡改"}),
        lambda: store.entries.add(lb.id, "indicator", {"name": "插入"}),
        lambda: store.entries.delete([eb.id]),
        lambda: store.progress.set(eb.id, 1, {"value": 9}),
        lambda: store.ledgers.update(lb.id, {"leader": "某人"}),
        lambda: store.entries.move(eb.id, 1),
        lambda: store.ledgers.set_status(lb.id, "已提交"),
        lambda: store.ledgers.create(b.id, 2024),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert store.counts() == before
    assert store.entries.get(eb.id).name == "乙单位指标"


def test_operator_cannot_write_submitted_or_locked_ledger(store: Store, two_units) -> None:
    a, _b, la, _lb, ea, _eb = two_units
    store.act_as("甲填报员", "operator", a.id)
    store.ledgers.set_status(la.id, "已提交")  # an operator may submit the own draft
    with pytest.raises(LedgerLocked):
        store.entries.update(ea.id, {"name": "提交后修改"})
    with pytest.raises(LedgerLocked):
        store.entries.add(la.id, "indicator", {"name": "提交后新增"})
    with pytest.raises(PermissionDenied):
        store.ledgers.set_status(la.id, "草稿")  # only the administrator re-opens
    with pytest.raises(PermissionDenied), store.admin_override():
        pass
    store.act_as("区管理员", "admin")
    store.ledgers.set_status(la.id, "已锁定")
    store.act_as("甲填报员", "operator", a.id)
    with pytest.raises(LedgerLocked):
        store.progress.set(ea.id, 2, {"value": 1})
    with pytest.raises(PermissionDenied):
        store.ledgers.set_status(la.id, "已提交")
    assert store.entries.get(ea.id).name == "甲单位指标"
    assert store.ledgers.get(la.id).status == "已锁定"


def test_viewer_cannot_write_at_all(store: Store, two_units) -> None:
    a, _b, la, _lb, ea, _eb = two_units
    store.act_as("查看者", "viewer")
    before = store.counts()
    for call in (
        lambda: store.entries.update(ea.id, {"name": "x"}),
        lambda: store.entries.add(la.id, "indicator", {"name": "x"}),
        lambda: store.entries.delete([ea.id]),
        lambda: store.progress.set(ea.id, 1, {"value": 1}),
        lambda: store.ledgers.update(la.id, {"leader": "x"}),
        lambda: store.ledgers.set_status(la.id, "已提交"),
        lambda: store.ledgers.create(a.id, 2024),
        lambda: store.settings.set(PDF_FONT_PATH, "x"),
        lambda: store.units.update(a.id, {"leader": "x"}),
        lambda: store.units.add("X01", "新单位", "town"),
        lambda: store.catalogue.update_target(store.catalogue.targets()[0]["id"], {"name": "x"}),
        lambda: store.assessment.save_scoring_settings(
            2025, store.assessment.scoring_settings(2025)
        ),
        lambda: store.assessment.add_adjustment(la.id, 1, "理由"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert store.counts() == before
    assert not store.can_write(store.ledgers.get(la.id))


def test_operator_cannot_change_district_settings(store: Store, two_units) -> None:
    a = two_units[0]
    store.act_as("甲填报员", "operator", a.id)
    for call in (
        lambda: store.units.update(a.id, {"leader": "x"}),
        lambda: store.settings.set(LOGIN_REQUIRED, False),
        lambda: store.assessment.save_scoring_settings(
            2025, store.assessment.scoring_settings(2025)
        ),
        lambda: store.catalogue.update_target(store.catalogue.targets()[0]["id"], {"name": "x"}),
        lambda: store.assessment.add_adjustment(two_units[2].id, 5, "自己加分"),
    ):
        with pytest.raises(PermissionDenied):
            call()


# ---------------------------------------------------------------- names stay secret


@pytest.fixture
def known(store: Store) -> Store:
    store.users.create("张三", "viewer", password="right-pass", params=FAST)
    return store


def _failure(store: Store, name: str, clock: Clock) -> U.LoginFailed:
    with pytest.raises(U.LoginFailed) as info:
        store.users.authenticate(name, "wrong-pass", clock=clock, params=FAST)
    return info.value


def test_wrong_password_and_unknown_name_cost_one_scrypt_each(
    known: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real = hashlib.scrypt

    def counting(*args, **kwargs):
        calls.append(kwargs.get("n", 0))
        return real(*args, **kwargs)

    monkeypatch.setattr(U.hashlib, "scrypt", counting)
    for name in ("张三", "没有这个人", "张三", "另一个陌生人"):
        calls.clear()
        _failure(known, name, Clock())
        assert calls == [FAST.n], name  # one scrypt of the same cost, known or not


def test_unknown_name_gets_the_same_messages_and_pause(known: Store) -> None:
    messages = {}
    for name in ("张三", "李四不存在"):
        clock = Clock()
        seen = []
        for _ in range(U.FREE_FAILURES + 1):
            error = _failure(known, name, clock)
            seen.append((type(error).__name__, str(error), getattr(error, "wait", None)))
        clock.t += 1  # inside the pause: refused before any password check
        error = _failure(known, name, clock)
        seen.append((type(error).__name__, str(error), getattr(error, "wait", None)))
        messages[name] = seen
    assert messages["张三"] == messages["李四不存在"]
    assert any("秒后重试" in text for _kind, text, _wait in messages["李四不存在"])


def test_unknown_names_are_not_stored(known: Store) -> None:
    clock = Clock()
    for _ in range(U.FREE_FAILURES + 2):
        clock.t += 10_000
        _failure(known, "我的密码是secret", clock)
    dump = "\n".join(known.db.iterdump())
    assert "我的密码是secret" not in dump
    assert "我的密码是secret" not in str(known.audit.log())


def test_unknown_name_pause_ends_like_a_known_one(known: Store) -> None:
    clock = Clock()
    for _ in range(U.FREE_FAILURES):
        _failure(known, "陌生人", clock)
    clock.t += 2.5
    error = _failure(known, "陌生人", clock)
    assert isinstance(error, U.LoginThrottled) and error.wait == 4  # doubles, as for 张三


# ---------------------------------------------------------------- printing


@pytest.fixture
def ledgers(store: Store):
    a, b = store.units.list()[:2]
    la = store.ledgers.create(a.id, 2025).id
    lb = store.ledgers.create(b.id, 2025).id
    return a, la, lb


@pytest.mark.parametrize("role", ["viewer", "nobody"])
def test_viewer_or_nobody_cannot_record_a_print(store: Store, ledgers, role: str) -> None:
    _a, la, _lb = ledgers
    if role == "viewer":
        store.act_as("查看者", "viewer")
    else:
        store.act_as("命令行（未登录）", "viewer")
    before = store.counts()["audit_log"]
    with pytest.raises(PermissionDenied, match="打印"):
        store.prints.record(la, "f" * 64, "AAAAA-BBBBB")
    assert store.prints.list(la) == []
    assert store.counts()["audit_log"] == before


def test_operator_prints_only_their_unit(store: Store, ledgers) -> None:
    a, la, lb = ledgers
    store.act_as("填报员", "operator", a.id)
    store.prints.record(la, "f" * 64, "AAAAA-BBBBB")
    assert [p.revision for p in store.prints.list(la)] == [1]
    with pytest.raises(PermissionDenied):
        store.prints.record(lb, "f" * 64, "AAAAA-CCCCC")
    assert store.prints.list(lb) == []
