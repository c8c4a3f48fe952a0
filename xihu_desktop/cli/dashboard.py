"""区看板 on the command line: every unit's completion by category, score, grade and rank."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from ..core.categories import CATEGORIES
from .session import CliError, Command, Session, db_arg, registry
from .status import aligned

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--kind", help="只列出一类单位：镇街/部门/平台（或 town/department/platform）")
    p.add_argument("--as-of", dest="as_of", help="按这一天计算红黄绿灯（默认今天），如 2025-08-01")


def _cell(value: object, digits: int = 1) -> str:
    if value is None or value != value:  # None, NaN, NA
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


@command("dashboard", "区看板：各单位分类完成度、总分、等级、排名和红黄绿灯", _args)
def cmd_dashboard(args: argparse.Namespace, session: Session) -> int:
    as_of = None
    if args.as_of is not None:
        try:
            as_of = dt.date.fromisoformat(args.as_of.strip())
        except ValueError:
            raise CliError(f"日期“{args.as_of}”无效，请写成 2025-08-01 这样的日期。") from None
    with session.open(args.db, reading=True) as store:
        if args.json:
            rows = store.dashboard.ranking(args.year, args.kind, as_of)
            print(json.dumps([f.as_json(rank) for rank, f in rows], ensure_ascii=False, indent=1))
            return 0
        from ..exchange import dashboard as board

        frame = board.dashboard_frame(store, args.year, args.kind, as_of)
    if frame.empty:
        print("没有符合条件的单位。")
        return 0
    shorts = [c.short for c in CATEGORIES]
    b = board
    columns = [
        b.RANK,
        b.UNIT,
        b.KIND,
        b.STATUS,
        *shorts,
        b.TOTAL,
        b.GRADE,
        b.GREEN,
        b.YELLOW,
        b.RED,
    ]
    table = [tuple(columns)]
    for record in frame[columns].astype(object).to_dict("records"):
        table.append(tuple(_cell(record[c], 2 if c == b.TOTAL else 1) for c in columns))
    right = frozenset({0, *range(4, len(columns))}) - {columns.index(b.GRADE)}
    for line in aligned(table, right=right):
        print(line)
    scored = int(frame[b.TOTAL].notna().sum())
    print(
        f"共 {len(frame)} 个单位，{scored} 个有{args.year}年台账；完成度为该类得分占该类分值的百分比。"
    )
    return 0
