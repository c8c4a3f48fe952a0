"""The district's review of returns and its receipts (回执)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _review_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    p.add_argument("--unit", required=True, help="责任单位名称或代码")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--accept", action="store_true", help="审核通过")
    which.add_argument("--return", dest="reason", metavar="理由", help="退回，并写明理由")


@command("review", "审核单位报表：审核通过（--accept）或退回（--return 理由）", _review_args)
def cmd_review(args: argparse.Namespace, session: Session) -> int:
    with session.open(args.db) as store:
        unit = store.units.find(args.unit)
        if args.accept:
            store.review.accept(args.year, unit.id)
        else:
            if not args.reason.strip():
                raise CliError('退回必须写明理由（--return "理由"）。')
            store.review.send_back(args.year, unit.id, args.reason)
        review = store.review.state(args.year, unit.id)
    reason = f"：{review.reason}" if review.reason else ""
    print(f"{unit.name}{args.year}年报表：{review.state}{reason}")
    return 0


def _receipt_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    p.add_argument("--unit", required=True, help="责任单位名称或代码")
    p.add_argument("--out", required=True, type=Path, help="输出文件夹（PDF 和 xlsx 各一个）")


@command("receipt", "生成回执（一页 PDF 和供单位导入的 xlsx）", _receipt_args)
def cmd_receipt(args: argparse.Namespace, session: Session) -> int:
    from ..exchange.receipts import export_receipt

    if args.out.exists() and not args.out.is_dir():
        raise CliError(f"“{args.out}”不是文件夹。")
    with session.open(args.db) as store:
        unit = store.units.find(args.unit)
        try:
            pdf, xlsx = export_receipt(store, args.year, unit.id, args.out)
        except OSError as exc:
            raise CliError(f"无法写入“{args.out}”：{exc.strerror or exc}") from exc
    print(f"已生成{unit.name}{args.year}年回执：{pdf}，{xlsx}")
    return 0
