"""Commands on the plans and their targets (专栏2): catalogue, plan-add."""

from __future__ import annotations

import argparse
import json

from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _catalogue_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出规划指标")
    p.add_argument("--plan", help="规划代码（默认全部）")


@command("catalogue", "列出规划指标（专栏2）", _catalogue_args)
def cmd_catalogue(args: argparse.Namespace, session: Session) -> int:
    with session.open(args.db, reading=True) as store:
        plans = {p["id"]: p for p in store.catalogue.plans()}
        plan_ids = [pid for pid, p in plans.items() if not args.plan or p["code"] == args.plan]
        if args.plan and not plan_ids:
            raise CliError(f"没有代码为“{args.plan}”的规划。")
        targets = [t for t in store.catalogue.targets() if t["plan_id"] in plan_ids]
    if args.json:
        print(json.dumps([t.published() for t in targets], ensure_ascii=False, indent=1))
        return 0
    for t in targets:
        sub = f"（{t['sub']}）" if t["sub"] else ""
        print(
            f"{t['seq']:>2} {t['category']} {t['name']}{sub}（{t['unit']}） "
            f"{t['baseline_text']} → {t['goal_text']} {t['growth']} {t['attribute']}"
        )
    return 0


def _plan_add_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--code", required=True, help="规划代码，如 15th")
    p.add_argument("--name", required=True, help="规划名称，如 十五五")
    p.add_argument("--start", required=True, type=int, help="起始年份")
    p.add_argument("--end", required=True, type=int, help="结束年份")
    p.add_argument("--title", help="规划全称")
    p.add_argument("--copy-from", help="复制此规划的指标和目录（数值留空）")


@command("plan-add", "新增规划期（如“十五五”2026–2030）", _plan_add_args)
def cmd_plan_add(args: argparse.Namespace, session: Session) -> int:

    with session.open(args.db) as store:
        store.catalogue.add_plan(
            args.code, args.name, args.start, args.end, args.title, args.copy_from
        )
        plan = next(p for p in store.catalogue.plans() if p["code"] == args.code)
        targets = store.catalogue.targets(plan["id"])
    print(
        f"已新增规划“{plan['name']}”（{plan['start_year']}–{plan['end_year']}年），"
        f"{len(targets)} 项规划指标。"
    )
    return 0
