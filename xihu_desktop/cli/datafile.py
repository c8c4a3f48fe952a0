"""Commands on the data file itself: init, check, backup, restore, unlock, units."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..core.enums import UnitKind
from .session import CliError, Command, Session, db_arg, registry

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _init_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--demo", action="store_true", help="填入演示数据")
    p.add_argument("--unit", help="单位自己的数据文件：所属责任单位（名称或代码）")


@command("init", "新建数据文件（含内置规划目录）", _init_args)
def cmd_init(args: argparse.Namespace, session: Session) -> int:
    from ..store.seed import initialise

    if args.unit and args.demo:
        raise CliError("--unit 与 --demo 不能同时使用：演示数据是全区的。")
    with session.open(args.db, create=True) as store:
        initialise(store, demo=args.demo)
        bound = None
        if args.unit:
            bound = store.units.find(args.unit)
            store.packages.bind(bound.id)
        counts = store.counts()
    print(
        f"已初始化 {args.db}：{counts['units']} 个责任单位，{counts['plan_targets']} 项规划指标，"
        f"{counts['ledgers']} 本台账，{counts['entries']} 条条目。"
    )
    if bound is not None:
        print(f"本数据文件属于{bound.name}（单位自己的数据文件）。")
    return 0


def _check_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument(
        "--libraries",
        action="store_true",
        help="另外检查分析与搜索组件（pandas、sqlite-utils、FTS5 三字索引）能否使用",
    )


@command("check", "检查数据文件完整性", _check_args)
def cmd_check(args: argparse.Namespace, session: Session) -> int:
    from ..store.connection import latest_version

    libraries = check_libraries() if args.libraries else None
    with session.open(args.db, reading=True) as store:
        integrity = store.integrity_check()
        fk = store.foreign_key_problems()
        counts = store.counts()
        broken = store.audit.verify_chain()
        index = store.search.check()
        print(f"数据文件：{args.db}")
        print(f"结构版本：{store.version}（程序支持 {latest_version()}）")
        print(f"完整性检查：{integrity}")
        print(f"外键检查：{'ok' if not fk else f'{len(fk)} 处问题'}")
        print(f"审计日志：{'ok（校验链和保护触发器完好）' if broken is None else broken.reason}")
        print(f"搜索索引：{'ok' if index is None else index}")
        for table, n in counts.items():
            print(f"  {table}: {n}")
    if libraries is not None:
        print(f"组件：{libraries}")
    if broken is not None:
        print(f"错误：{broken.message}", file=sys.stderr)
    if index is not None:
        print("搜索索引可由区管理员重建：xihu search --db 数据文件 --rebuild", file=sys.stderr)
    if integrity != "ok" or fk or broken is not None:
        print("检查发现问题，请从备份恢复或联系区发改局。", file=sys.stderr)
        return 1
    return 1 if index is not None else 0


def check_libraries() -> str:
    """Load and use the libraries the analysis and search features import lazily (an
    installer that left one out fails here, not in front of the district office)."""
    try:
        import pandas as pd
        import sqlite_utils

        table = pd.DataFrame({"unit": ["甲", "甲", "乙"], "kind": ["a", "b", "a"], "n": [1, 2, 3]})
        pivot = table.pivot_table(index="unit", columns="kind", values="n", aggfunc="sum")
        if pivot.shape != (2, 2) or float(pivot.fillna(0).to_numpy().sum()) != 6.0:
            raise RuntimeError("pandas 透视表结果不对")
        db = sqlite_utils.Database(memory=True, execute_plugins=False)
        texts = db.table("t")
        texts.insert({"id": 1, "text": "建设智慧农业示范园"}, pk="id")
        texts.enable_fts(["text"], tokenize="trigram")
        if [row["id"] for row in texts.search("农业示")] != [1]:
            raise RuntimeError("sqlite-utils 三字索引查不到中文")
    except Exception as exc:  # any failure of a bundled library is the message
        raise CliError(f"组件检查失败：{type(exc).__name__}: {exc}") from exc
    return f"ok（pandas {pd.__version__}，sqlite-utils {_version('sqlite-utils')}）"


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:  # a frozen app may carry no package metadata
        return "（版本未知）"


def _backup_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--out", required=True, type=Path, help="备份文件路径")


@command("backup", "备份数据文件（SQLite 在线备份）", _backup_args)
def cmd_backup(args: argparse.Namespace, session: Session) -> int:
    if args.out.resolve() == args.db.resolve():
        raise CliError("备份文件不能与数据文件相同。")
    with session.open(args.db, admin="备份数据文件（含密码校验值）") as store:
        dest = store.backup(args.out)
    print(f"已备份到 {dest}")
    return 0


def _units_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")


@command("units", "列出责任单位", _units_args)
def cmd_units(args: argparse.Namespace, session: Session) -> int:
    with session.open(args.db, reading=True) as store:
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
        print(f"{u.code}\t{UnitKind(u.kind).label}\t{u.name}{'' if u.active else '（停用）'}")
    return 0


def _restore_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--from", dest="source", required=True, type=Path, help="备份文件")


@command("restore", "从备份恢复数据文件（先备份当前文件）", _restore_args)
def cmd_restore(args: argparse.Namespace, session: Session) -> int:
    from ..store import Store, backups

    with session.open(args.db) as store:
        safety = backups.restore(store, args.source)
    with Store.open(args.db) as store:  # a backup of an older version is migrated here
        result = store.integrity_check()
    print(f"已从“{args.source}”恢复 {args.db}（完整性检查：{result}）。")
    print(f"恢复前的数据已备份到 {safety}")
    return 0


@command("unlock", "清除网络共享上数据文件的占用记录（占用它的电脑已关机或程序已崩溃时）", db_arg)
def cmd_unlock(args: argparse.Namespace, session: Session) -> int:
    from ..store import locks

    if not args.db.exists():
        raise CliError(f"数据文件“{args.db}”不存在。")
    with session.open(args.db, admin="清除占用记录", share_lock=False) as store:
        removed = locks.clear(args.db)
        if removed:
            store.audit.record(
                "清除占用记录", field_key="db_lock", old=[r.describe() for r in removed]
            )
    for r in removed:
        print(f"已清除：{r.describe()}")
    if not removed:
        print("没有占用记录。")
    return 0
