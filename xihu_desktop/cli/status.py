"""报送情况 on the command line: reporting deadlines (``deadline``) and the per-unit
overview (``status``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import unicodedata
from collections.abc import Sequence

from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)

HEADERS = ("代码", "单位", "类型", "台账状态", "审核", "理由", "最近报送", "截止日期", "逾期天数")


def _date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CliError(f"{what}“{text}”无效，请写成 2025-04-10 这样的日期。") from None


def _quarter(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 4:
        raise argparse.ArgumentTypeError(f"季度“{text}”无效，应为 1–4")
    return value


def width(text: str) -> int:
    """Columns the text takes on a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def aligned(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    """Rows of cells as lines with aligned columns (``right``: right-aligned columns)."""
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))] if rows else []
    lines = []
    for r in rows:
        cells = []
        for i, cell in enumerate(r):
            pad = " " * (widths[i] - width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return lines


# ---------------------------------------------------------------- deadline


def _deadline_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    p.add_argument("--quarter", type=_quarter, metavar="1-4", help="季度（1–4）")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--date", help="报送截止日期，如 2025-04-10")
    which.add_argument("--clear", action="store_true", help="取消该季度的截止日期")
    which.add_argument("--list", action="store_true", help="列出该年度各季度的截止日期")


@command("deadline", "设置或查看各季度的报送截止日期", _deadline_args)
def cmd_deadline(args: argparse.Namespace, session: Session) -> int:
    due = _date(args.date, "截止日期") if args.date is not None else None
    if not args.list and args.quarter is None:
        raise CliError("请用 --quarter 指定季度（1–4）。")
    with session.open(args.db) as store:
        if due is not None:
            store.reporting.set_deadline(args.year, args.quarter, due)
            print(f"已设置 {args.year} 年第 {args.quarter} 季度报送截止日期：{due.isoformat()}")
        elif args.clear:
            store.reporting.clear_deadline(args.year, args.quarter)
            print(f"已取消 {args.year} 年第 {args.quarter} 季度的报送截止日期")
        deadlines = store.reporting.deadlines(args.year)
    if args.list:
        if not deadlines:
            print(f"{args.year} 年尚未设置报送截止日期。")
        for quarter in range(1, 5):
            if quarter in deadlines:
                print(f"第{quarter}季度  {deadlines[quarter].isoformat()}")
    return 0


# ---------------------------------------------------------------- status


def _status_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--kind", help="只列出一类单位：镇街/部门/平台（或 town/department/platform）")
    p.add_argument("--today", help="按这一天计算逾期天数（默认今天），如 2025-05-01")


@command("status", "各单位报送情况：台账状态、审核、最近报送、截止日期、逾期天数", _status_args)
def cmd_status(args: argparse.Namespace, session: Session) -> int:
    today = _date(args.today, "日期") if args.today is not None else None
    with session.open(args.db, reading=True) as store:
        rows = store.reporting.status(args.year, today, kind=args.kind)
    if args.json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1))
        return 0
    if not rows:
        print("没有符合条件的单位。")
        return 0
    table = [
        (
            r.code,
            r.unit,
            r.kind_label,
            r.ledger_status,
            r.review,
            r.reason or "",
            (r.last_return or "").replace("T", " ")[:16],
            r.deadline or "",
            str(r.overdue_days) if r.overdue_days else "",
        )
        for r in rows
    ]
    for line in aligned([HEADERS, *table], right=frozenset({8})):
        print(line)
    overdue = sum(1 for r in rows if r.overdue)
    print(f"共 {len(rows)} 个单位，逾期 {overdue} 个。")
    return 0
