"""``xihu search``: district-wide full-text search over every entry, and the index's
rebuild (``--rebuild``, district administrator)."""

from __future__ import annotations

import argparse
import json

from ..core.categories import CATEGORY_BY_KEY
from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"“{text}”无效，应为正整数")
    return value


def _search_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument(
        "text",
        nargs="*",
        metavar="文字",
        help="要查找的文字；多个词须同时出现（三个字及以上的词在索引中查找）",
    )
    p.add_argument("--year", type=int, help="只查该年度的台账")
    p.add_argument("--limit", type=_positive, default=200, help="最多列出的条数（默认 200）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument(
        "--rebuild", action="store_true", help="重建搜索索引（索引缺失或损坏时；区管理员）"
    )


@command("search", "全区台账条目全文搜索", _search_args)
def cmd_search(args: argparse.Namespace, session: Session) -> int:
    from ..exchange.search import search

    text = " ".join(args.text).strip()
    if not text and not args.rebuild:
        raise CliError("请给出要查找的文字，如：xihu search --db 台账.sqlite3 智慧农业")
    with session.open(args.db) as store:
        if args.rebuild:
            store.search.rebuild()
            print(f"已重建搜索索引：{store.counts()['entries']} 条条目。")
            if not text:
                return 0
        hits = search(store, text, year=args.year, limit=args.limit)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "entry_id": h.entry_id,
                        "ledger_id": h.ledger_id,
                        "unit": h.unit_name,
                        "year": h.year,
                        "category": h.category,
                        "name": h.name,
                        "snippet": h.snippet,
                    }
                    for h in hits
                ],
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    where = f"{args.year}年台账中" if args.year is not None else ""
    if not hits:
        print(f"{where}未找到包含“{text}”的条目。")
        return 0
    for h in hits:
        label = CATEGORY_BY_KEY[h.category].short if h.category in CATEGORY_BY_KEY else h.category
        print(f"{h.year} {h.unit_name} {label} {h.name}：{h.snippet}")
    more = f"（只列出前 {args.limit} 条，可用 --limit 调整）" if len(hits) >= args.limit else ""
    print(f"共 {len(hits)} 条{more}。")
    return 0
