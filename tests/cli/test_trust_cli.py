"""Login gaps and tamper evidence on the command line: what needs a logged-in administrator,
printing rights, and ``xihu check`` on an audit log changed with plain sqlite3."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from xihu_desktop import cli
from xihu_desktop.core.enums import Role
from xihu_desktop.store import Store, connection, locks
from xihu_desktop.store import users as U

FAST = U.ScryptParams(n=2**10, r=8, p=1)


@pytest.fixture
def secured(store: Store, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Login on: an administrator, an operator of unit 1, a viewer; a ledger of unit 1."""
    monkeypatch.setattr(U, "DEFAULT_PARAMS", FAST)
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    unit = store.units.list()[0]
    store.users.create("管理员", Role.ADMIN, password="admin-pass", params=FAST)
    store.users.create("填报员", Role.OPERATOR, unit.id, password="op-pass", params=FAST)
    store.users.create("查看员", Role.VIEWER, password="view-pass", params=FAST)
    store.users.set_login_required(True)
    ledger_id = store.ledgers.create(unit.id, 2025).id
    store.entries.add(ledger_id, "indicator", {"name": "指标甲", "goal": 10, "actual": 5})
    path = store.path
    assert path is not None
    store.close()
    return path


def _run(capsys, *argv: str | Path) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _as(monkeypatch: pytest.MonkeyPatch, user: str, password: str) -> tuple[str, str]:
    monkeypatch.setenv(cli.PASSWORD_ENV, password)
    return ("--user", user)


def _unit_code(path: Path) -> str:
    with Store.open(path) as s:
        return s.units.list()[0].code


def _admin_commands(path: Path, tmp_path: Path) -> dict[str, list[str | Path]]:
    return {
        "users": ["users", "--db", path],
        "backup": ["backup", "--db", path, "--out", tmp_path / "副本.sqlite3"],
        "audit": ["audit", "--db", path],
        "unlock": ["unlock", "--db", path],
    }


@pytest.mark.parametrize("name", ["users", "backup", "audit", "unlock"])
def test_admin_commands_refused_without_administrator(
    secured: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    argv = _admin_commands(secured, tmp_path)[name]
    code, out, err = _run(capsys, *argv)  # nobody logged in
    assert code == 2 and "区管理员" in err and "--user" in err
    assert "管理员\t" not in out and "填报员" not in out  # no user names listed
    code, out, err = _run(capsys, *argv, *_as(monkeypatch, "填报员", "op-pass"))
    assert code == 2 and "区管理员" in err
    assert not (tmp_path / "副本.sqlite3").exists()
    code, out, err = _run(capsys, *argv, *_as(monkeypatch, "管理员", "admin-pass"))
    assert code == 0, err


def test_unlock_of_another_pc_needs_administrator(
    secured: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = sqlite3.connect(secured)
    conn.execute(
        "INSERT INTO db_lock (host, pid, since) VALUES ('PC-财务科', 4242, '2025-01-01T08:00:00')"
    )
    conn.commit()
    conn.close()
    monkeypatch.setattr(connection, "network_share_detector", lambda path: True)
    code, _, err = _run(capsys, "unlock", "--db", secured)
    assert code == 2 and "区管理员" in err
    with Store.open(secured, share_lock=False) as s:
        assert [h.host for h in locks.holders(s)] == ["PC-财务科"]  # still there
    code, out, err = _run(
        capsys, "unlock", "--db", secured, *_as(monkeypatch, "管理员", "admin-pass")
    )
    assert code == 0 and "PC-财务科" in out, err
    with Store.open(secured, share_lock=False) as s:
        assert locks.holders(s) == []
        cleared = s.audit.log(action="清除占用记录")
    assert cleared and cleared[0]["user"] == "管理员"  # who cleared it is on record


def test_single_user_mode_keeps_the_commands_open(store: Store, capsys, tmp_path: Path) -> None:
    path = store.path
    assert path is not None
    store.close()
    for argv in _admin_commands(path, tmp_path).values():
        code, _, err = _run(capsys, *argv)
        assert code == 0, err


def test_export_pdf_by_viewer_or_nobody_records_no_print(
    secured: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    code_ = _unit_code(secured)
    out = tmp_path / "考核表.pdf"
    argv = ["export-pdf", "--db", secured, "--year", "2025", "--unit", code_, "--out", out]
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "打印" in err
    code, _, err = _run(capsys, *argv, *_as(monkeypatch, "查看员", "view-pass"))
    assert code == 2 and "打印" in err
    assert not out.exists()
    with Store.open(secured) as s:
        ledger = s.ledgers.list(year=2025)[0]
        assert s.prints.list(ledger.id) == []
        revision = s.ledgers.get(ledger.id).revision
    code, stdout, err = _run(capsys, *argv, *_as(monkeypatch, "填报员", "op-pass"))
    assert code == 0 and "第 1 版" in stdout, err
    with Store.open(secured) as s:
        assert [p.user for p in s.prints.list(ledger.id)] == ["填报员"]
        assert s.ledgers.get(ledger.id).revision == revision


# ---------------------------------------------------------------- xihu check


def test_check_reports_intact_audit_log(secured: Path, capsys) -> None:
    code, out, _ = _run(capsys, "check", "--db", secured)
    assert code == 0 and "审计日志：ok" in out


def test_check_finds_rows_deleted_after_drop_trigger(secured: Path, capsys) -> None:
    """The issue's case: DROP TRIGGER, then DELETE FROM audit_log, with plain sqlite3."""
    conn = sqlite3.connect(secured, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = 3")
    conn.close()
    code, out, err = _run(capsys, "check", "--db", secured)
    assert code == 1
    assert "第3条审计记录已被删除" in out and "第3条" in err and "篡改" in err


def test_check_finds_a_dropped_trigger(secured: Path, capsys) -> None:
    conn = sqlite3.connect(secured, isolation_level=None)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.close()
    code, _out, err = _run(capsys, "check", "--db", secured)
    assert code == 1 and "audit_log_no_update" in err
