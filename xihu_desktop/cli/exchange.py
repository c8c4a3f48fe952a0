"""Commands that move data in and out of the file: Excel returns, PDF assessment sheets,
their verification, and the audit log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .session import CliError, Command, Session, db_arg, registry

if TYPE_CHECKING:
    from ..store import Ledger, Store, Unit

COMMANDS: list[Command] = []
command = registry(COMMANDS)


def _unit_ledger(store: Store, unit_name: str, year: int) -> tuple[Unit, Ledger]:
    """The unit named ``unit_name`` (name or code) and its ledger of ``year``."""
    unit = store.units.find(unit_name)
    ledger = store.ledgers.find(unit.id, year)
    if ledger is None:
        raise CliError(f"{unit.name}没有{year}年的台账。")
    return unit, ledger


def _cannot_write(out: Path, exc: OSError) -> CliError:
    return CliError(f"无法写入“{out}”：{exc.strerror or exc}")


def _export_pdf_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="考核年度")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--unit", help="责任单位名称或代码：输出该单位的考核表")
    which.add_argument(
        "--all", action="store_true", help="全部单位：每单位一个文件，另加一个合并打印文件"
    )
    which.add_argument("--summary", action="store_true", help="全区考核汇总表（排名和得分图）")
    p.add_argument("--out", required=True, type=Path, help="输出 PDF 文件（--all 时为文件夹）")
    p.add_argument(
        "--quarter",
        type=int,
        choices=(1, 2, 3, 4),
        help="考核表的数据截至第几季度（默认：台账中已填报进度的最近一个季度）",
    )


@command("export-pdf", "输出 PDF 考核表（可签字盖章、可核验）", _export_pdf_args)
def cmd_export_pdf(args: argparse.Namespace, session: Session) -> int:
    from ..exchange import pdf_sheet, pdf_summary

    with session.open(args.db) as store:
        if store.read_only and not args.summary:
            raise CliError(
                f"数据文件“{args.db}”是只读的：打印考核表要记录打印版次，无法写入。"
                "请把数据文件复制到可写的文件夹后再打印。"
            )
        try:
            if args.summary:
                path = pdf_summary.render_summary(store, args.year, args.out)
                print(f"已输出 {args.year} 年考核汇总表：{path}")
            elif args.all:
                if args.out.exists() and not args.out.is_dir():
                    raise CliError(f"“{args.out}”不是文件夹，--all 需要一个输出文件夹。")
                paths = pdf_sheet.export_year(store, args.year, args.out, quarter=args.quarter)
                print(f"已输出 {len(paths) - 1} 个单位的考核表和合并打印文件到 {args.out}")
            else:
                unit, ledger = _unit_ledger(store, args.unit, args.year)
                result = pdf_sheet.export_sheet(store, ledger.id, args.out, quarter=args.quarter)
                sheet = result.sheets[0]
                as_of = f"{sheet.as_of}，" if sheet.as_of else ""
                print(
                    f"已输出 {unit.name} {args.year} 年考核表（{as_of}第 {sheet.revision} 版，"
                    f"验证码 {sheet.code}）：{result.path}"
                )
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        except OSError as exc:
            raise _cannot_write(args.out, exc) from exc
    return 0


def _verify_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("pdf", nargs="?", type=Path, help="要核验的考核表 PDF 文件")
    p.add_argument(
        "--code",
        help="考核表上打印的验证码，如 AB12C-3D4E5；也可粘贴扫描二维码得到的整段文字",
    )


@command("verify", "核验考核表与数据文件是否一致（0 一致，1 不一致）", _verify_args)
def cmd_verify(args: argparse.Namespace, session: Session) -> int:
    from ..exchange.verify import VerifyError, verify_pdf, verify_text

    if (args.pdf is None) == (args.code is None):
        raise CliError("请给出要核验的 PDF 文件或 --code 验证码（二者选一）。")
    with session.open(args.db) as store:
        try:
            results = verify_text(store, args.code) if args.code else verify_pdf(store, args.pdf)
        except VerifyError as exc:
            raise CliError(str(exc)) from exc
    for r in results:
        print(r.message, file=sys.stdout if r.ok else sys.stderr)
        lines = r.lines()
        if lines:
            print("数据文件中的数字（请与纸质考核表对照）：")
            for line in lines:
                print(f"  {line}")
    return 0 if all(r.ok for r in results) else 1


def _export_excel_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--year", required=True, type=int, help="年度")
    p.add_argument("--unit", help="责任单位名称或代码；省略时输出全区汇总表")
    p.add_argument("--out", required=True, type=Path, help="输出的 .xlsx 文件")


@command("export-excel", "导出 Excel 报表（单位报表或全区汇总表）", _export_excel_args)
def cmd_export_excel(args: argparse.Namespace, session: Session) -> int:
    from ..exchange import excel_export

    if args.out.suffix.lower() != ".xlsx":
        raise CliError(f"输出文件“{args.out}”应以 .xlsx 结尾。")
    with session.open(args.db) as store:
        try:
            if args.unit:
                unit, ledger = _unit_ledger(store, args.unit, args.year)
                path = excel_export.export_ledger(store, ledger.id, args.out)
                print(f"已导出 {unit.name} {args.year} 年报表：{path}")
            else:
                path = excel_export.export_summary(store, args.year, args.out)
                print(f"已导出 {args.year} 年全区汇总表：{path}")
        except OSError as exc:
            raise _cannot_write(args.out, exc) from exc
    return 0


def _import_excel_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        help="要导入的 .xlsx 文件或文件夹（报表、任务包、任务分解表、回执，按文件元数据识别）",
    )
    p.add_argument("--dry-run", action="store_true", help="只检查并列出将要发生的变化，不写入")
    p.add_argument(
        "--valid-only",
        action="store_true",
        help="跳过有问题的行，只导入有效行（有问题的行对应的条目保持不变；仍为一个事务）",
    )
    p.add_argument(
        "--allow-submitted",
        action="store_true",
        help="允许覆盖已提交或已锁定的台账（需区管理员；区级数据文件接收未审核的报表时无需此项）",
    )
    p.add_argument(
        "--delete-missing",
        action="store_true",
        help="删除报表中没有的条目（默认只列出、不删除）",
    )
    p.add_argument(
        "--new-ledger",
        action="store_true",
        help="确认新建台账：数据文件中还没有报表所写单位和年度的台账时",
    )
    p.add_argument(
        "--take-file",
        action="store_true",
        help="台账已审核通过而报表不同（冲突）时采用文件值（默认保留本库值并列出差异）",
    )
    p.add_argument("--json", action="store_true", help="每个文件输出一个 JSON 对象（一行）")


@command(
    "import-excel",
    "导入收到的文件：报表、任务包、任务分解表或回执（退出码 0 全部成功，1 有冲突或问题，2 有错误）",
    _import_excel_args,
)
def cmd_import_excel(args: argparse.Namespace, session: Session) -> int:
    from ..core.enums import ArrivalStatus
    from ..exchange.inbox import receive

    worst = 0
    with session.open(args.db) as store:
        reports = receive(
            store,
            args.files,
            take_file=args.take_file,
            dry_run=args.dry_run,
            valid_only=args.valid_only,
            allow_locked=args.allow_submitted,
            delete_missing=args.delete_missing,
            new_ledger=args.new_ledger,
        )
    for report in reports:
        problems = bool(report.data.get("has_problems"))
        if report.status is ArrivalStatus.ERROR:
            worst = max(worst, 1 if problems else 2)
        elif report.status is ArrivalStatus.CONFLICT:
            worst = max(worst, 1)
        if args.json:
            print(json.dumps({**report.as_json(), "dry_run": args.dry_run}, ensure_ascii=False))
            continue
        head = f"{report.file}：{report.status}"
        if args.dry_run:
            head += "（检查，未写入）"
        error = report.status is ArrivalStatus.ERROR
        print(f"{head}：{report.summary()}", file=sys.stderr if error else sys.stdout)
        for line in report.lines[1:]:
            bad = error or line.startswith("问题")
            print(f"  {line}", file=sys.stderr if bad else sys.stdout)
    return worst


def _audit_args(p: argparse.ArgumentParser) -> None:
    db_arg(p)
    p.add_argument("--ledger", type=int, help="只看该台账（编号）")
    p.add_argument("--by", metavar="用户名", help="只看该用户的操作")
    p.add_argument("--action", help="只看该操作，如 修改、提交台账、登录失败")
    p.add_argument("--since", help="起始日期，如 2025-01-01")
    p.add_argument("--until", help="截止日期（含当天），如 2025-12-31")
    p.add_argument("--text", help="字段或值中包含的文字")
    p.add_argument("--limit", type=int, default=200, help="最多显示条数（默认200；导出时不限）")
    p.add_argument("--out", type=Path, help="导出为 Excel 文件（.xlsx）")


@command("audit", "查看或导出审计日志（谁在何时改了什么）", _audit_args)
def cmd_audit(args: argparse.Namespace, session: Session) -> int:
    from ..exchange.audit_export import display_value, export_audit_xlsx

    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        raise CliError(f"输出文件“{args.out}”应以 .xlsx 结尾。")
    with session.open(args.db, admin="查看审计日志") as store:
        rows = store.audit.log(
            args.ledger,
            None if args.out else args.limit,
            user=args.by,
            action=args.action,
            since=args.since,
            until=args.until,
            text=args.text,
        )
        names = {lg.id: f"{lg.unit_name} {lg.year}" for lg in store.ledgers.list()}
    if args.out is not None:
        path = export_audit_xlsx(rows, args.out, names)
        print(f"已导出 {len(rows)} 条审计记录：{path}")
        return 0
    for r in reversed(rows):
        where = names.get(r["ledger_id"], "") if r["ledger_id"] else ""
        entry = f" 条目{r['entry_id']}" if r["entry_id"] else ""
        change = ""
        if r["field"] or r["old"] is not None or r["new"] is not None:
            change = f" {r['field'] or ''}：{display_value(r['old'])} → {display_value(r['new'])}"
        print(f"{r['ts']} {r['user']} {r['action']} {where}{entry}{change}")
    return 0
