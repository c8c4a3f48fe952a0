"""Task packages (下发): ``xihu package`` writes a unit's package, or every unit's."""

from __future__ import annotations

import argparse
from pathlib import Path

from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _package_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", help="责任单位名称或代码")
    which.add_argument("--all", action="store_true", help="有分解任务的全部单位，每单位一个文件")
    p.add_argument("--out", required=True, type=Path, help="输出 xlsx 文件（--all 时为文件夹）")


@command("package", "生成任务包（下发给单位导入其数据文件）", _package_args)
def cmd_package(args: argparse.Namespace, session: Session) -> int:
    from ..exchange.packages import export_package, export_packages

    with session.open(args.db) as store:
        if args.all:
            if args.out.exists() and not args.out.is_dir():
                raise CliError(f"“{args.out}”不是文件夹，--all 需要一个输出文件夹。")
            paths = export_packages(store, args.year, args.out)
            if not paths:
                raise CliError(f"{args.year}年没有分解到单位的任务，未生成任务包。")
            print(f"已生成 {len(paths)} 个单位的{args.year}年任务包到 {args.out}")
            return 0
        if args.out.is_dir():
            raise CliError(f"“{args.out}”是文件夹，请给出任务包的文件名（.xlsx）。")
        unit = store.units.find(args.unit)
        path = export_package(store, args.year, unit.id, args.out)
        revision = store.packages.issued(args.year, unit.id)[-1].revision
        print(f"已生成{unit.name}{args.year}年任务包（第{revision}版）：{path}")
    return 0
