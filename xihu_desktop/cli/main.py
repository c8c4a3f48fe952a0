"""The parser of ``xihu`` and its entry point: one Chinese sentence on stderr per error."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from . import (
    catalogue,
    dashboard,
    datafile,
    decompose,
    exchange,
    monitor,
    packages,
    review,
    search,
    status,
    users,
)
from .session import PASSWORD_ENV, CliError, Command, Session

COMMANDS: list[Command] = [
    *datafile.COMMANDS,
    *catalogue.COMMANDS,
    *exchange.COMMANDS,
    *decompose.COMMANDS,
    *packages.COMMANDS,
    *users.COMMANDS,
    *review.COMMANDS,
    *status.COMMANDS,
    *monitor.COMMANDS,
    *dashboard.COMMANDS,
    *search.COMMANDS,
]


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


def _user_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--user",
        dest="as_user",
        metavar="用户名",
        help=f"登录模式下以该用户身份操作，密码取自环境变量 {PASSWORD_ENV}",
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; ``only``: of that one command alone (a run names
    one command: the other 27 sub-parsers cost a tenth of ``xihu units``)."""
    parser = _Parser(prog="xihu", description="西湖区“六个一批”任务台账 命令行工具")
    parser.add_argument("--version", action="version", version=f"xihu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for command in COMMANDS:
        if only is not None and command.name != only:
            continue
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.configure(p)
        _user_arg(p)
    return parser


def _parser_for(argv: Sequence[str] | None) -> argparse.ArgumentParser:
    """The parser for this run: a run that starts with a command's name needs only that
    command's sub-parser (its help and errors are the same); anything else gets them all."""
    args = sys.argv[1:] if argv is None else list(argv)
    name = args[0] if args else None
    if name is not None and any(c.name == name for c in COMMANDS):
        return build_parser(only=name)
    return build_parser()


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # a spawned worker of the installed program
        import multiprocessing  # (the batch PDF export) runs its task here and exits

        multiprocessing.freeze_support()
    from ..store.errors import PermissionDenied, StoreError

    _utf8_stdio()
    parser = _parser_for(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    command = next(c for c in COMMANDS if c.name == args.command)
    session = Session(user=args.as_user)
    try:
        return command.run(args, session)
    except (CliError, StoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        if session.anonymous and isinstance(exc, PermissionDenied):
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
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(encoding="utf-8", errors="replace")
