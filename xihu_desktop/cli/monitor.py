"""年度监测 on the command line: ``monitor`` (the 43 target rows of 专栏2 for a year
against the plan's path, as a table, JSON or an evaluation report) and ``monitor-rule``
(change a target's path rule or actual rule)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .session import CliError, Command, Session, db_arg, registry
from .status import aligned

if TYPE_CHECKING:
    from ..core.monitoring import MonitorRow

COMMANDS: list[Command] = []
command = registry(COMMANDS)

HEADERS = (
    "序号",
    "指标",
    "计量单位",
    "属性",
    "基期值",
    "目标值",
    "路径",
    "取数",
    "路径值",
    "实际值",
    "状态",
)
REPORT_SUFFIXES = (".xlsx", ".pdf")
_COUNT_LABELS = {"on": "达到路径", "off": "未达路径", "no_data": "无数据"}


def _num(value: float | None) -> str:
    """A figure as a table shows it: 1823.54, 0.0024, 50 (no float noise)."""
    if value is None:
        return "—"
    digits = 2 if abs(value) >= 1 else 4
    text = f"{round(value, digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _json_value(value: Any) -> Any:
    return round(value, 6) if isinstance(value, float) else value


def _label(row: MonitorRow) -> str:
    return row.name + (f"（{row.sub}）" if row.sub else "")


def _table(rows: list[MonitorRow]) -> list[str]:
    body = [
        (
            str(r.seq),
            _label(r),
            r.unit,
            r.attribute,
            _num(r.baseline),
            _num(r.goal),
            r.rule.label,
            r.actual_rule.label,
            _num(r.expected),
            _num(r.actual),
            r.status,
        )
        for r in rows
    ]
    return aligned([HEADERS, *body], right=frozenset({0, 4, 5, 8, 9}))


# ---------------------------------------------------------------- monitor


def _monitor_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument(
        "--year", required=True, type=int, help="监测年度（中期评估 2023，总结评估 2025）"
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="以 JSON 输出")
    out.add_argument("--out", type=Path, help="输出评估报告（.xlsx 或 .pdf）")


@command(
    "monitor",
    "规划监测：专栏2各指标当年实际值对照规划路径（年度监测/中期/总结评估）",
    _monitor_args,
)
def cmd_monitor(args: argparse.Namespace, session: Session) -> int:
    if args.out is not None and args.out.suffix.lower() not in REPORT_SUFFIXES:
        raise CliError(f"输出文件“{args.out}”应以 .xlsx 或 .pdf 结尾。")
    from ..exchange import monitoring

    with session.open(args.db) as store:
        if args.out is not None:
            from ..exchange.evaluation import write_report

            monitoring.plan_of(store, args.year)  # a year outside the plan: refused first
            try:
                path = write_report(store, args.year, args.out)
            except OSError as exc:
                raise CliError(f"无法写入“{args.out}”：{exc.strerror or exc}") from exc
            print(f"已输出 {args.year} 年规划监测评估报告：{path}")
            return 0
        rows = monitoring.monitor(store, args.year)
    if args.json:
        data = [{k: _json_value(v) for k, v in r.as_json().items()} for r in rows]
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    print(f"{args.year} 年规划监测（专栏2，{len(rows)} 项）")
    for line in _table(rows):
        print(line)
    print()
    for category, n in monitoring.counts(rows).items():
        print(f"{category}：" + "，".join(f"{_COUNT_LABELS[k]} {v}" for k, v in n.items()))
    return 0


# ---------------------------------------------------------------- monitor-rule

_TARGET = re.compile(r"^\s*(\d+)\s*(?:[/／]\s*(.+?))?\s*$")


def _target_arg(text: str) -> tuple[int, str]:
    m = _TARGET.match(text)
    if m is None:
        raise argparse.ArgumentTypeError(f"指标“{text}”无效，应写成序号，如 10 或 38/食品")
    return int(m.group(1)), (m.group(2) or "")


def _rule_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument(
        "--target",
        required=True,
        type=_target_arg,
        metavar="序号[/子项]",
        help="专栏2的序号，如 10 或 38/食品",
    )
    p.add_argument("--year", type=int, help="选定该年度所在的规划期（有多个规划期时需要）")
    p.add_argument(
        "--path",
        choices=("geometric", "linear", "cumulative", "rate", "none", "default"),
        help="规划路径规则：几何增长/线性/累计/年度增速/无；default 恢复默认",
    )
    p.add_argument(
        "--actual",
        choices=("lead", "sum", "default"),
        help="实际值取数规则：牵头单位填报值/各单位合计；default 恢复默认",
    )


@command("monitor-rule", "修改规划指标的监测规则（规划路径、实际值取数）", _rule_args)
def cmd_monitor_rule(args: argparse.Namespace, session: Session) -> int:
    if args.path is None and args.actual is None:
        raise CliError("请用 --path 或 --actual 指定要修改的规则。")
    from ..exchange import monitoring

    seq, sub = args.target
    with session.open(args.db) as store:
        target = monitoring.find_target(store, seq, sub, args.year)
        store.monitoring.set_rule(target.id, args.path, args.actual)
        path, actual = monitoring.rules_of(store, target)
    name = target.name + (f"（{target.sub}）" if target.sub else "")
    print(f"{seq} {name}：规划路径 {path.label}，实际值取数 {actual.label}")
    return 0
