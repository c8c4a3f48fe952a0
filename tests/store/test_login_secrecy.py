"""A login never tells which names exist (same message, same cost, same pause), and only
the administrator or the unit's operator may record a printing."""

from __future__ import annotations

import hashlib

import pytest

from xihu_desktop.store import PermissionDenied, Store
from xihu_desktop.store import users as U

FAST = U.ScryptParams(n=2**10, r=8, p=1)


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


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
