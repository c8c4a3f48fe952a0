"""The command line ``xihu``: the same core and store as the window, no Qt.

Errors go to stderr as one Chinese sentence with a non-zero exit code: 1 for a
problem found (check, verify), 2 for bad input or an unusable file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from . import __version__
from .core.categories import UNIT_KINDS

Handler = Callable[[argparse.Namespace], int]
_COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Handler]] = []


class CliError(Exception):
    """Bad input on the command line: message for stderr, exit code 2."""


def command(
    name: str, help_text: str, configure: Callable[[argparse.ArgumentParser], None]
) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        _COMMANDS.append((name, help_text, configure, func))
        return func

    return register


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, type=Path, help="数据文件路径")


def _open(path: Path, create: bool = False):  # -> Store
    from .store import Store

    if not create and not path.exists():
        raise CliError(f"数据文件“{path}”不存在。请先运行 xihu init --db {path}")
    return _login(Store.open(path))


# Who acts, when the administrator has turned login on: ``--user NAME`` with the
# password from the environment variable XIHU_PASSWORD (never on the command line).
_SESSION: dict[str, str | None] = {"user": None, "anonymous": None}
PASSWORD_ENV = "XIHU_PASSWORD"


def _user_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--user",
        dest="as_user",
        metavar="用户名",
        help=f"登录模式下以该用户身份操作，密码取自环境变量 {PASSWORD_ENV}",
    )


def _login(store):  # Store -> Store

    try:
        if not store.users.login_required():
            return store  # single-user mode: the one-person office acts as administrator
        name = _SESSION["user"]
        if not name:
            # Reading stays possible; any write is refused by the store's role rules.
            store.act_as("命令行（未登录）", "viewer")
            _SESSION["anonymous"] = "1"
            return store
        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            raise CliError(
                f"登录模式已开启：请在环境变量 {PASSWORD_ENV} 中提供用户“{name}”的密码"
                "（不要把密码写在命令行上）。"
            )
        store.users.authenticate(name, password)
    except BaseException:
        store.close()
        raise
    return store


# ---------------------------------------------------------------- commands


def _init_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--demo", action="store_true", help="填入演示数据")


@command("init", "新建数据文件（含内置规划目录）", _init_args)
def cmd_init(args: argparse.Namespace) -> int:
    from .store.seed import initialise

    with _open(args.db, create=True) as store:
        initialise(store, demo=args.demo)
        counts = store.counts()
    print(
        f"已初始化 {args.db}：{counts['units']} 个责任单位，{counts['plan_targets']} 项规划指标，"
        f"{counts['ledgers']} 本台账，{counts['entries']} 条条目。"
    )
    return 0


@command("check", "检查数据文件完整性", _db_arg)
def cmd_check(args: argparse.Namespace) -> int:
    from .store.connection import latest_version

    with _open(args.db) as store:
        integrity = store.integrity_check()
        fk = store.query("PRAGMA foreign_key_check")
        counts = store.counts()
        print(f"数据文件：{args.db}")
        print(f"结构版本：{store.version}（程序支持 {latest_version()}）")
        print(f"完整性检查：{integrity}")
        print(f"外键检查：{'ok' if not fk else f'{len(fk)} 处问题'}")
        for table, n in counts.items():
            print(f"  {table}: {n}")
    if integrity != "ok" or fk:
        print("检查发现问题，请从备份恢复或联系区发改局。", file=sys.stderr)
        return 1
    return 0


def _backup_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--out", required=True, type=Path, help="备份文件路径")


@command("backup", "备份数据文件（SQLite 在线备份）", _backup_args)
def cmd_backup(args: argparse.Namespace) -> int:
    if args.out.resolve() == args.db.resolve():
        raise CliError("备份文件不能与数据文件相同。")
    with _open(args.db) as store:
        dest = store.backup(args.out)
    print(f"已备份到 {dest}")
    return 0


def _units_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")


@command("units", "列出责任单位", _units_args)
def cmd_units(args: argparse.Namespace) -> int:
    with _open(args.db) as store:
        units = store.units.list()
    if args.json:
        print(
            json.dumps(
                [
                    {"code": u.code, "name": u.name, "kind": u.kind, "active": u.active}
                    for u in units
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    for u in units:
        print(f"{u.code}\t{UNIT_KINDS[u.kind]}\t{u.name}{'' if u.active else '（停用）'}")
    return 0


def _catalogue_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出规划指标")
    p.add_argument("--plan", help="规划代码（默认全部）")


@command("catalogue", "列出规划指标（专栏2）", _catalogue_args)
def cmd_catalogue(args: argparse.Namespace) -> int:
    with _open(args.db) as store:
        plans = {p["id"]: p for p in store.catalogue.plans()}
        plan_ids = [pid for pid, p in plans.items() if not args.plan or p["code"] == args.plan]
        if args.plan and not plan_ids:
            raise CliError(f"没有代码为“{args.plan}”的规划。")
        targets = [t for t in store.catalogue.targets() if t["plan_id"] in plan_ids]
    keys = (
        "seq",
        "sub",
        "category",
        "name",
        "unit",
        "baseline",
        "goal",
        "goal_text",
        "growth",
        "attribute",
    )
    if args.json:
        print(json.dumps([{k: t[k] for k in keys} for t in targets], ensure_ascii=False, indent=1))
        return 0
    for t in targets:
        sub = f"（{t['sub']}）" if t["sub"] else ""
        print(
            f"{t['seq']:>2} {t['category']} {t['name']}{sub}（{t['unit']}） "
            f"{t['baseline_text']} → {t['goal_text']} {t['growth']} {t['attribute']}"
        )
    return 0


def _export_pdf_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--year", required=True, type=int, help="考核年度")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", help="责任单位名称或代码：输出该单位的考核表")
    which.add_argument(
        "--all", action="store_true", help="全部单位：每单位一个文件，另加一个合并打印文件"
    )
    which.add_argument("--summary", action="store_true", help="全区考核汇总表（排名和得分图）")
    p.add_argument("--out", required=True, type=Path, help="输出 PDF 文件（--all 时为文件夹）")


@command("export-pdf", "输出 PDF 考核表（可签字盖章、可核验）", _export_pdf_args)
def cmd_export_pdf(args: argparse.Namespace) -> int:
    from .exchange import pdf_sheet, pdf_summary

    with _open(args.db) as store:
        try:
            if args.summary:
                path = pdf_summary.render_summary(store, args.year, args.out)
                print(f"已输出 {args.year} 年考核汇总表：{path}")
            elif args.all:
                if args.out.exists() and not args.out.is_dir():
                    raise CliError(f"“{args.out}”不是文件夹，--all 需要一个输出文件夹。")
                paths = pdf_sheet.export_year(store, args.year, args.out)
                print(f"已输出 {len(paths) - 1} 个单位的考核表和合并打印文件到 {args.out}")
            else:
                unit = store.units.find(args.unit)
                ledger = store.ledgers.find(unit.id, args.year)
                if ledger is None:
                    raise CliError(f"{unit.name}没有{args.year}年的台账。")
                result = pdf_sheet.export_sheet(store, ledger.id, args.out)
                sheet = result.sheets[0]
                print(
                    f"已输出 {unit.name} {args.year} 年考核表（第 {sheet.revision} 版，"
                    f"验证码 {sheet.code}）：{result.path}"
                )
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        except OSError as exc:
            raise CliError(f"无法写入“{args.out}”：{exc.strerror or exc}") from exc
    return 0


def _verify_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("pdf", nargs="?", type=Path, help="要核验的考核表 PDF 文件")
    p.add_argument("--code", help="考核表上打印的验证码，如 AB12C-3D4E5")


@command("verify", "核验考核表与数据文件是否一致（0 一致，1 不一致）", _verify_args)
def cmd_verify(args: argparse.Namespace) -> int:
    from .exchange.verify import VerifyError, verify_code, verify_pdf

    if (args.pdf is None) == (args.code is None):
        raise CliError("请给出要核验的 PDF 文件或 --code 验证码（二者选一）。")
    with _open(args.db) as store:
        try:
            results = [verify_code(store, args.code)] if args.code else verify_pdf(store, args.pdf)
        except VerifyError as exc:
            raise CliError(str(exc)) from exc
    for r in results:
        print(r.message, file=sys.stdout if r.ok else sys.stderr)
    return 0 if all(r.ok for r in results) else 1


def _export_excel_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    p.add_argument("--unit", help="责任单位名称或代码；省略时输出全区汇总表")
    p.add_argument("--out", required=True, type=Path, help="输出的 .xlsx 文件")


@command("export-excel", "导出 Excel 报表（单位报表或全区汇总表）", _export_excel_args)
def cmd_export_excel(args: argparse.Namespace) -> int:
    from .exchange import excel_export

    if args.out.suffix.lower() != ".xlsx":
        raise CliError(f"输出文件“{args.out}”应以 .xlsx 结尾。")
    with _open(args.db) as store:
        try:
            if args.unit:
                unit = store.units.find(args.unit)
                ledger = store.ledgers.find(unit.id, args.year)
                if ledger is None:
                    raise CliError(f"{unit.name}没有{args.year}年的台账。")
                path = excel_export.export_ledger(store, ledger.id, args.out)
                print(f"已导出 {unit.name} {args.year} 年报表：{path}")
            else:
                path = excel_export.export_summary(store, args.year, args.out)
                print(f"已导出 {args.year} 年全区汇总表：{path}")
        except OSError as exc:
            raise CliError(f"无法写入“{args.out}”：{exc.strerror or exc}") from exc
    return 0


def _import_excel_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("files", nargs="+", type=Path, help="要导入的 .xlsx 报表")
    p.add_argument("--dry-run", action="store_true", help="只检查并列出将要发生的变化，不写入")
    p.add_argument(
        "--valid-only", action="store_true", help="跳过有问题的行，只导入有效行（仍为一个事务）"
    )
    p.add_argument(
        "--allow-submitted",
        action="store_true",
        help="允许覆盖已提交或已锁定的台账（需区管理员）",
    )


@command("import-excel", "导入 Excel 报表（先校验；有问题时不写入，退出码 1）", _import_excel_args)
def cmd_import_excel(args: argparse.Namespace) -> int:
    from .exchange.excel_import import ImportHasProblems, ImportRefused, import_file
    from .exchange.xlsx_safety import UnusableFile

    worst = 0
    with _open(args.db) as store:
        for path in args.files:
            try:
                plan = import_file(
                    store,
                    path,
                    dry_run=args.dry_run,
                    valid_only=args.valid_only,
                    allow_locked=args.allow_submitted,
                )
            except UnusableFile as exc:
                print(f"错误：{exc}", file=sys.stderr)
                worst = 2
                continue
            except ImportRefused as exc:
                print(f"未导入：{exc}", file=sys.stderr)
                worst = max(worst, 1 if isinstance(exc, ImportHasProblems) else 2)
                continue
            if plan.fatal:
                print(f"错误：{plan.fatal}", file=sys.stderr)
                worst = 2
                continue
            for problem in plan.problems:
                print(f"  问题：{problem}", file=sys.stderr)
            verb = "检查" if args.dry_run else "导入"
            print(f"{path.name}（{verb}）：{plan.summary()}")
            if args.dry_run and plan.problems and not args.valid_only:
                worst = max(worst, 1)
    return worst


# ---------------------------------------------------------------- data safety


def _audit_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--ledger", type=int, help="只看该台账（编号）")
    p.add_argument("--by", metavar="用户名", help="只看该用户的操作")
    p.add_argument("--action", help="只看该操作，如 修改、提交台账、登录失败")
    p.add_argument("--since", help="起始日期，如 2025-01-01")
    p.add_argument("--until", help="截止日期（含当天），如 2025-12-31")
    p.add_argument("--text", help="字段或值中包含的文字")
    p.add_argument("--limit", type=int, default=200, help="最多显示条数（默认200；导出时不限）")
    p.add_argument("--out", type=Path, help="导出为 Excel 文件（.xlsx）")


@command("audit", "查看或导出审计日志（谁在何时改了什么）", _audit_args)
def cmd_audit(args: argparse.Namespace) -> int:
    from .exchange.audit_export import display_value, export_audit_xlsx

    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        raise CliError(f"输出文件“{args.out}”应以 .xlsx 结尾。")
    with _open(args.db) as store:
        rows = store.audit.log(
            args.ledger,
            None if args.out else args.limit,
            user=args.by,
            action=args.action,
            since=args.since,
            until=args.until,
            text=args.text,
        )
        names = {lg.id: f"{lg.unit_name} {lg.year}" for lg in store.ledgers.list()}
    if args.out is not None:
        path = export_audit_xlsx(rows, args.out, names)
        print(f"已导出 {len(rows)} 条审计记录：{path}")
        return 0
    for r in reversed(rows):
        where = names.get(r["ledger_id"], "") if r["ledger_id"] else ""
        entry = f" 条目{r['entry_id']}" if r["entry_id"] else ""
        change = ""
        if r["field"] or r["old"] is not None or r["new"] is not None:
            change = f" {r['field'] or ''}：{display_value(r['old'])} → {display_value(r['new'])}"
        print(f"{r['ts']} {r['user']} {r['action']} {where}{entry}{change}")
    return 0


def _restore_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--from", dest="source", required=True, type=Path, help="备份文件")


@command("restore", "从备份恢复数据文件（先备份当前文件）", _restore_args)
def cmd_restore(args: argparse.Namespace) -> int:
    from .store import Store, backups

    with _open(args.db) as store:
        safety = backups.restore(store, args.source)
    with Store.open(args.db) as store:  # a backup of an older version is migrated here
        result = store.integrity_check()
    print(f"已从“{args.source}”恢复 {args.db}（完整性检查：{result}）。")
    print(f"恢复前的数据已备份到 {safety}")
    return 0


@command("unlock", "清除网络共享上数据文件的占用记录（占用它的电脑已关机或程序已崩溃时）", _db_arg)
def cmd_unlock(args: argparse.Namespace) -> int:
    from .store import locks

    if not args.db.exists():
        raise CliError(f"数据文件“{args.db}”不存在。")
    removed = locks.clear(args.db)
    for r in removed:
        print(f"已清除：{r.describe()}")
    if not removed:
        print("没有占用记录。")
    return 0


NEW_PASSWORD_ENV = "XIHU_NEW_PASSWORD"


def _new_password(required: bool) -> str | None:
    password = os.environ.get(NEW_PASSWORD_ENV)
    if required and not password:
        raise CliError(f"请在环境变量 {NEW_PASSWORD_ENV} 中提供新密码（不要把密码写在命令行上）。")
    return password or None


@command("users", "列出用户、角色和登录设置", _db_arg)
def cmd_users(args: argparse.Namespace) -> int:

    with _open(args.db) as store:
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
    _db_arg(p)
    p.add_argument("--name", required=True, help="用户名")
    p.add_argument("--role", required=True, choices=("admin", "operator", "viewer"))
    p.add_argument("--unit", help="填报员所属责任单位（名称或代码）")


@command("user-add", f"新增用户（密码取自环境变量 {NEW_PASSWORD_ENV}）", _user_add_args)
def cmd_user_add(args: argparse.Namespace) -> int:

    with _open(args.db) as store:
        unit_id = store.units.find(args.unit).id if args.unit else None
        user = store.users.create(
            args.name, args.role, unit_id, _new_password(args.role == "admin")
        )
    print(f"已新增用户“{user.name}”（{user.role_label}）。")
    return 0


def _user_name_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--name", required=True, help="用户名")


@command("user-password", f"设置用户密码（新密码取自环境变量 {NEW_PASSWORD_ENV}）", _user_name_args)
def cmd_user_password(args: argparse.Namespace) -> int:

    with _open(args.db) as store:
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
def cmd_user_active(args: argparse.Namespace) -> int:

    with _open(args.db) as store:
        user = store.users.find(args.name)
        if user is None:
            raise CliError(f"没有用户“{args.name}”。")
        store.users.set_active(user.id, args.state == "on")
    print(f"已{'启用' if args.state == 'on' else '停用'}用户“{args.name}”。")
    return 0


def _login_mode_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("state", choices=("on", "off"), help="on 需要登录，off 单用户模式")
    p.add_argument("--idle", type=int, metavar="分钟", help="无操作自动锁定时间（0 不锁定）")


@command("login-mode", "开启或关闭登录（区管理员）", _login_mode_args)
def cmd_login_mode(args: argparse.Namespace) -> int:

    with _open(args.db) as store:
        store.users.set_login_required(args.state == "on")
        if args.idle is not None:
            store.users.set_idle_minutes(args.idle)
    print("已开启登录。" if args.state == "on" else "已关闭登录（单用户模式）。")
    return 0


def _plan_add_args(p: argparse.ArgumentParser) -> None:
    _db_arg(p)
    p.add_argument("--code", required=True, help="规划代码，如 15th")
    p.add_argument("--name", required=True, help="规划名称，如 十五五")
    p.add_argument("--start", required=True, type=int, help="起始年份")
    p.add_argument("--end", required=True, type=int, help="结束年份")
    p.add_argument("--title", help="规划全称")
    p.add_argument("--copy-from", help="复制此规划的指标和目录（数值留空）")


@command("plan-add", "新增规划期（如“十五五”2026–2030）", _plan_add_args)
def cmd_plan_add(args: argparse.Namespace) -> int:
    from .store.seed import add_plan

    with _open(args.db) as store:
        add_plan(store, args.code, args.name, args.start, args.end, args.title, args.copy_from)
        plan = next(p for p in store.catalogue.plans() if p["code"] == args.code)
        targets = store.catalogue.targets(plan["id"])
    print(
        f"已新增规划“{plan['name']}”（{plan['start_year']}–{plan['end_year']}年），"
        f"{len(targets)} 项规划指标。"
    )
    return 0


# ---------------------------------------------------------------- main


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one Chinese sentence on stderr (exit 2)."""

    _WORDS = (
        ("the following arguments are required: ", "缺少必需的参数 "),
        ("unrecognized arguments: ", "无法识别的参数 "),
        ("invalid choice: ", "无效的选择 "),
        ("expected one argument", "需要一个值"),
        ("argument ", "参数 "),
        ("choose from ", "可选 "),
    )

    def error(self, message: str) -> NoReturn:
        for english, chinese in self._WORDS:
            message = message.replace(english, chinese)
        self.exit(2, f"错误：{message}。用法见 {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="xihu", description="西湖区“六个一批”任务台账 命令行工具")
    parser.add_argument("--version", action="version", version=f"xihu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for name, help_text, configure, func in _COMMANDS:
        p = sub.add_parser(name, help=help_text, description=help_text)
        configure(p)
        _user_arg(p)
        p.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from .store.errors import StoreError

    _utf8_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    _SESSION.update(user=getattr(args, "as_user", None), anonymous=None)
    try:
        return int(args.func(args) or 0)
    except (CliError, StoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        if _SESSION["anonymous"] and type(exc).__name__ == "PermissionDenied":
            print(
                f"登录模式已开启：修改数据请加 --user 用户名，并在环境变量 {PASSWORD_ENV} 中提供密码。",
                file=sys.stderr,
            )
        return 2
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`xihu units | head`): not our error
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # e.g. --out names a folder, or a folder without write access
        where = f"“{exc.filename}”" if exc.filename else ""
        print(f"错误：无法读写文件{where}（{exc.strerror or exc}）。", file=sys.stderr)
        return 2


def _utf8_stdio() -> None:
    """Chinese output must not crash on a console with a legacy code page."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(encoding="utf-8", errors="replace")


if __name__ == "__main__":
    sys.exit(main())
