"""Commands on users and the login: users, user-add, user-password, user-active, login-mode."""

from __future__ import annotations

import argparse

from ..core.enums import Role
from ..core.settings import NEW_PASSWORD, from_environment
from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)

NEW_PASSWORD_ENV = NEW_PASSWORD.key


def _new_password(required: bool) -> str | None:
    password = from_environment(NEW_PASSWORD)
    if required and not password:
        raise CliError(f"请在环境变量 {NEW_PASSWORD_ENV} 中提供新密码（不要把密码写在命令行上）。")
    return password or None


@command("users", "列出用户、角色和登录设置", db_arg)
def cmd_users(args: argparse.Namespace, session: Session) -> int:

    with session.open(args.db, admin="查看用户列表", reading=True) as store:
        rows = store.users.list()
        units = {u.id: u.name for u in store.units.list()}
        mode = "需要登录" if store.users.login_required() else "单用户模式（不需登录）"
        print(f"登录：{mode}；无操作 {store.users.idle_minutes()} 分钟后锁定")
    for u in rows:
        unit = f"\t{units.get(u.unit_id, '')}" if u.unit_id else ""
        state = "" if u.active else "（停用）"
        print(f"{u.name}\t{u.role_label}{unit}{state}")
    return 0


def _user_add_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--name", required=True, help="用户名")
    p.add_argument("--role", required=True, choices=[role.value for role in Role])
    p.add_argument("--unit", help="填报员所属责任单位（名称或代码）")


@command("user-add", f"新增用户（密码取自环境变量 {NEW_PASSWORD_ENV}）", _user_add_args)
def cmd_user_add(args: argparse.Namespace, session: Session) -> int:

    with session.open(args.db) as store:
        unit_id = store.units.find(args.unit).id if args.unit else None
        user = store.users.get(
            store.users.create(
                args.name, args.role, unit_id, _new_password(args.role == Role.ADMIN)
            ).id
        )
    print(f"已新增用户“{user.name}”（{user.role_label}）。")
    return 0


def _user_name_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--name", required=True, help="用户名")


@command("user-password", f"设置用户密码（新密码取自环境变量 {NEW_PASSWORD_ENV}）", _user_name_args)
def cmd_user_password(args: argparse.Namespace, session: Session) -> int:

    with session.open(args.db) as store:
        user = store.users.find(args.name)
        if user is None:
            raise CliError(f"没有用户“{args.name}”。")
        store.users.set_password(user.id, _new_password(True) or "")
    print(f"已设置用户“{args.name}”的密码。")
    return 0


def _user_active_args(p: argparse.ArgumentParser) -> None:
    _user_name_args(p)
    p.add_argument("state", choices=("on", "off"), help="on 启用，off 停用")


@command("user-active", "启用或停用用户", _user_active_args)
def cmd_user_active(args: argparse.Namespace, session: Session) -> int:

    with session.open(args.db) as store:
        user = store.users.find(args.name)
        if user is None:
            raise CliError(f"没有用户“{args.name}”。")
        store.users.set_active(user.id, args.state == "on")
    print(f"已{'启用' if args.state == 'on' else '停用'}用户“{args.name}”。")
    return 0


def _login_mode_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("state", choices=("on", "off"), help="on 需要登录，off 单用户模式")
    p.add_argument("--idle", type=int, metavar="分钟", help="无操作自动锁定时间（0 不锁定）")


@command("login-mode", "开启或关闭登录（区管理员）", _login_mode_args)
def cmd_login_mode(args: argparse.Namespace, session: Session) -> int:

    with session.open(args.db) as store:
        store.users.set_login_required(args.state == "on")
        if args.idle is not None:
            store.users.set_idle_minutes(args.idle)
    print("已开启登录。" if args.state == "on" else "已关闭登录（单用户模式）。")
    return 0
