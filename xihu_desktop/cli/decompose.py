"""``xihu decompose``: the district's decomposition table (任务分解表) to and from Excel."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="分解年度")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--out", type=Path, help="导出任务分解表到该 xlsx 文件")
    which.add_argument("--from", dest="source", type=Path, help="从该 xlsx 文件导入任务分解表")
    p.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
    p.add_argument(
        "--delete-missing",
        action="store_true",
        help="删除文件中为空、数据库中已有的分解目标和项目分配（默认保留并报告“未删除”）",
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")


@command("decompose", "任务分解表：导出为 Excel，或从 Excel 导入（规则同报表导入）", _args)
def cmd_decompose(args: argparse.Namespace, session: Session) -> int:
    from ..exchange.decomposition_xlsx import export_decomposition, import_decomposition
    from ..exchange.xlsx_safety import UnusableFile

    with session.open(args.db) as store:
        if args.out is not None:
            if args.dry_run or args.delete_missing:
                raise CliError("--dry-run 和 --delete-missing 只用于 --from 导入。")
            if args.out.suffix.lower() != ".xlsx":
                raise CliError(f"输出文件“{args.out}”应以 .xlsx 结尾。")
            path = export_decomposition(store, args.year, args.out)
            print(f"已导出 {args.year} 年任务分解表：{path}")
            return 0
        if not args.source.exists():
            raise CliError(f"文件“{args.source}”不存在。")
        try:
            report = import_decomposition(
                store,
                args.source,
                dry_run=args.dry_run,
                delete_missing=args.delete_missing,
                year=args.year,
            )
        except UnusableFile as exc:
            raise CliError(str(exc)) from exc
        if args.json:
            print(json.dumps(report.as_json(), ensure_ascii=False))
        else:
            print(f"{report.file}（{report.status}）：{report.summary()}")
            for line in report.lines[1:]:
                print(f"  {line}", file=sys.stdout)
    return 0
