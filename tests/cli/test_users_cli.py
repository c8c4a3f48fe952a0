"""The command line follows the same rules: login, audit, restore, unlock."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from xihu_desktop import cli
from xihu_desktop.core.enums import Role
from xihu_desktop.store import Store, backups
from xihu_desktop.store import users as U

FAST = U.ScryptParams(n=2**10, r=8, p=1)


@pytest.fixture
def secured(store: Store, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with login turned on: an administrator and an operator of unit 1."""
    monkeypatch.setattr(U, "DEFAULT_PARAMS", FAST)
    unit = store.units.list()[0]
    store.users.create("管理员", Role.ADMIN, password="admin-pass", params=FAST)
    store.users.create("填报员", Role.OPERATOR, unit.id, password="op-pass", params=FAST)
    store.users.set_login_required(True)
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    store.entries.add(ledger.id, "indicator", {"name": '=HYPERLINK("http://x","y")'})
    path = store.path
    store.close()
    return path


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_single_user_mode_needs_no_login(demo_store: Store, capsys) -> None:
    path = demo_store.path
    demo_store.close()
    code, out, _ = _run(capsys, "audit", "--db", path, "--limit", "5")
    assert code == 0 and out.count("\n") == 5


def test_login_mode_reads_anonymously_but_writes_need_user(
    secured: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _run(capsys, "units", "--db", secured)
    assert code == 0 and out  # reading is allowed
    monkeypatch.delenv(cli.PASSWORD_ENV, raising=False)
    code, _, err = _run(capsys, "restore", "--db", secured, "--from", secured)
    assert code == 2
    code, _, err = _run(capsys, "audit", "--db", secured, "--user", "管理员")
    assert code == 2 and cli.PASSWORD_ENV in err and "不要把密码写在命令行上" in err
    monkeypatch.setenv(cli.PASSWORD_ENV, "wrong-pass")
    code, _, err = _run(capsys, "audit", "--db", secured, "--user", "管理员")
    assert code == 2 and "用户名或密码错误" in err
    monkeypatch.setenv(cli.PASSWORD_ENV, "admin-pass")
    code, out, _ = _run(capsys, "audit", "--db", secured, "--user", "管理员", "--action", "登录")
    assert code == 0 and "管理员 登录" in out
    # --user is not a way to pass the password: there is no --password option at all.
    with pytest.raises(SystemExit):
        cli.main(["audit", "--db", str(secured), "--password", "admin-pass"])


def test_operator_cannot_restore(secured: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    with Store.open(secured) as s:
        backup = backups.backup_before(s, "test")
    monkeypatch.setenv(cli.PASSWORD_ENV, "op-pass")
    code, _, err = _run(capsys, "restore", "--db", secured, "--from", backup, "--user", "填报员")
    assert code == 2 and "区管理员" in err
    code, _, err = _run(capsys, "audit", "--db", secured, "--user", "填报员")
    assert code == 2 and "区管理员" in err  # the audit log is the administrator's


def test_audit_filters_and_export(
    secured: Path, capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cli.PASSWORD_ENV, "admin-pass")  # the audit log is the administrator's
    admin = ("--user", "管理员")
    code, out, _ = _run(capsys, "audit", "--db", secured, "--action", "新增用户", *admin)
    assert code == 0 and out.count("新增用户") == 2
    code, out, _ = _run(capsys, "audit", "--db", secured, "--text", "HYPERLINK", *admin)
    assert code == 0 and "新增条目" in out
    code, out, _ = _run(capsys, "audit", "--db", secured, "--since", "2999-01-01", *admin)
    assert code == 0 and out == ""
    xlsx = tmp_path / "审计.xlsx"
    code, out, _ = _run(capsys, "audit", "--db", secured, "--ledger", "1", "--out", xlsx, *admin)
    assert code == 0 and "已导出" in out
    ws = load_workbook(xlsx).active
    assert [c.value for c in ws[1]][:4] == ["序号", "时间", "用户", "操作"]
    values = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert any(isinstance(v, str) and v.startswith("=HYPERLINK") for v in values)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    code, _, err = _run(capsys, "audit", "--db", secured, "--out", tmp_path / "x.csv", *admin)
    assert code == 2 and ".xlsx" in err


def test_restore_and_unlock_commands(store: Store, capsys, tmp_path: Path) -> None:
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    entry = store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "恢复前"}).id)
    backup = backups.backup_before(store, "test")
    store.entries.update(entry.id, {"name": "改坏了"})
    path = store.path
    store.close()
    code, out, _ = _run(capsys, "restore", "--db", path, "--from", backup)
    assert code == 0 and "完整性检查：ok" in out and "恢复前的数据已备份到" in out
    with Store.open(path) as s:
        assert s.entries.get(entry.id).name == "恢复前"
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"not a database at all" * 10)
    code, _, err = _run(capsys, "restore", "--db", path, "--from", bogus)
    assert code == 2 and "不是本程序" in err
    code, out, _ = _run(capsys, "unlock", "--db", path)
    assert code == 0 and "没有占用记录" in out


def test_user_management_from_the_command_line(
    store: Store, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(U, "DEFAULT_PARAMS", FAST)
    path = store.path
    unit = store.units.list()[0]
    store.close()
    monkeypatch.delenv(cli.NEW_PASSWORD_ENV, raising=False)
    code, _, err = _run(capsys, "user-add", "--db", path, "--name", "老王", "--role", "admin")
    assert code == 2 and cli.NEW_PASSWORD_ENV in err  # an administrator needs a password
    code, _, err = _run(capsys, "login-mode", "--db", path, "on")
    assert code == 2 and "区管理员" in err  # not before an administrator can log in
    monkeypatch.setenv(cli.NEW_PASSWORD_ENV, "wang-pass-1")
    assert _run(capsys, "user-add", "--db", path, "--name", "老王", "--role", "admin")[0] == 0
    monkeypatch.setenv(cli.NEW_PASSWORD_ENV, "li-pass-22")
    code, out, _ = _run(
        capsys,
        "user-add",
        "--db",
        path,
        "--name",
        "小李",
        "--role",
        "operator",
        "--unit",
        unit.code,
    )
    assert code == 0 and "填报员" in out
    assert _run(capsys, "login-mode", "--db", path, "on", "--idle", "10")[0] == 0
    code, out, err = _run(capsys, "users", "--db", path)
    assert code == 2 and "区管理员" in err and "老王" not in out  # names are not for anyone
    monkeypatch.setenv(cli.PASSWORD_ENV, "wang-pass-1")
    code, out, _ = _run(capsys, "users", "--db", path, "--user", "老王")
    assert code == 0 and "需要登录" in out and "10 分钟" in out and unit.name in out
    # From now on only the administrator, logged in, manages users.
    code, _, err = _run(capsys, "user-active", "--db", path, "--name", "小李", "off")
    assert code == 2 and "--user" in err
    monkeypatch.setenv(cli.PASSWORD_ENV, "li-pass-22")
    code, _, err = _run(
        capsys, "user-active", "--db", path, "--name", "小李", "off", "--user", "小李"
    )
    assert code == 2 and "区管理员" in err
    monkeypatch.setenv(cli.PASSWORD_ENV, "wang-pass-1")
    code, _, _ = _run(
        capsys, "user-active", "--db", path, "--name", "小李", "off", "--user", "老王"
    )
    assert code == 0
    monkeypatch.setenv(cli.PASSWORD_ENV, "li-pass-22")
    code, _, err = _run(capsys, "units", "--db", path, "--user", "小李")
    assert code == 2 and "停用" in err
    monkeypatch.setenv(cli.PASSWORD_ENV, "wang-pass-1")
    assert _run(capsys, "login-mode", "--db", path, "off", "--user", "老王")[0] == 0
    with Store.open(path) as s:
        assert not s.users.login_required()
        assert [r["action"] for r in s.audit.log(user="老王", action="停用用户")]
