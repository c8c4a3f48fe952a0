"""Receipts (回执): the district's answer to a unit's return.

:func:`export_receipt` writes a one-page PDF (what was received when, with the
return's fingerprint code; accepted or returned and why, by whom and when) and a small
xlsx whose hidden metadata (kind ``receipt``) carries the same values and a checksum of
them. :func:`import_receipt` takes that xlsx into the unit's own file: the ledger's
header then shows 已审 or 退回 with the reason, and a returned ledger is a draft again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..core.enums import ArrivalStatus, ReviewState
from ..core.settings import BOUND_UNIT
from ..store import InvalidData, Store, StoreError
from . import return_layout as layout
from .arrival import ArrivalReport, read_meta
from .atomic import atomic_path
from .excel_import import ImportRefused
from .fingerprint import short_code
from .xlsx_write import new_workbook, write_meta

RECEIPT_SHEET = "回执"
FORMAT_NAME = "xihu-receipt"
#: metadata keys covered by the checksum, in order
FIELDS = (
    "unit_code",
    "unit_name",
    "year",
    "state",
    "reason",
    "reviewed_at",
    "reviewer",
    "fingerprint",
    "file",
    "last_return_at",
)
LABELS = {
    "unit_code": "单位代码",
    "unit_name": "责任单位",
    "year": "年度",
    "state": "审核结果",
    "reason": "退回理由",
    "reviewed_at": "审核时间",
    "reviewer": "审核人",
    "fingerprint": "报表指纹",
    "file": "报表文件",
    "last_return_at": "收到时间",
}
CHECKSUM = "checksum"


def checksum(values: dict[str, str]) -> str:
    """SHA-256 of the receipt's values (a hand edit of the metadata no longer matches)."""
    data = json.dumps([values.get(k, "") for k in FIELDS], ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def receipt_values(store: Store, year: int, unit_id: int) -> dict[str, str]:
    """The receipt of a reviewed return, as text (refuses one not yet reviewed)."""
    unit = store.units.get(unit_id)
    review = store.review.state(year, unit_id)
    if review.state not in (ReviewState.ACCEPTED, ReviewState.RETURNED):
        raise InvalidData(
            f"{unit.name}{year}年的报表{review.state}，尚未审核通过或退回，不能生成回执。"
        )
    raw: dict[str, Any] = {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "year": year,
        "state": review.state,
        "reason": review.reason,
        "reviewed_at": review.reviewed_at,
        "reviewer": review.reviewer,
        "fingerprint": review.fingerprint,
        "file": review.file,
        "last_return_at": review.last_return_at,
    }
    return {k: "" if v is None else str(v) for k, v in raw.items()}


def export_receipt(store: Store, year: int, unit_id: int, folder: str | Path) -> tuple[Path, Path]:
    """Write ``回执_<unit>_<year>.pdf`` and ``.xlsx`` into ``folder``; returns (pdf, xlsx)."""
    values = receipt_values(store, year, unit_id)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"回执_{values['unit_name']}_{year}"
    pdf, xlsx = folder / f"{stem}.pdf", folder / f"{stem}.xlsx"
    _write_xlsx(values, xlsx)
    arrivals = [
        a
        for a in store.review.inbox(year)
        if a.unit_id == unit_id
        and a.kind == layout.KIND_LEDGER
        and a.status in (ArrivalStatus.NEW, ArrivalStatus.UPDATED, ArrivalStatus.SAME)
    ]
    from .receipt_pdf import write_receipt_pdf

    write_receipt_pdf(
        store, values, [(a.received_at, a.file, a.fingerprint) for a in arrivals], pdf
    )
    return pdf, xlsx


def _write_xlsx(values: dict[str, str], out: Path) -> None:
    with atomic_path(out) as tmp:
        wb = new_workbook(tmp)
        ws = wb.add_worksheet(RECEIPT_SHEET)
        bold = wb.add_format({"bold": True})
        ws.write_string(0, 0, f"{values['unit_name']}{values['year']}年度任务台账 回执", bold)
        for r, key in enumerate(FIELDS, start=2):
            shown = values[key]
            if key == "fingerprint" and shown:
                shown = f"{short_code(shown)}（{shown}）"
            ws.write_string(r, 0, LABELS[key])
            ws.write_string(r, 1, shown)
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 60)
        write_meta(
            wb,
            [
                (layout.META_FORMAT, FORMAT_NAME),
                (layout.META_KIND, layout.KIND_RECEIPT),
                *((k, values[k]) for k in FIELDS),
                (CHECKSUM, checksum(values)),
            ],
        )
        wb.close()


def import_receipt(store: Store, path: str | Path, *, dry_run: bool = False) -> ArrivalReport:
    """Take a receipt into the unit's own file. Refuses (ImportRefused, nothing written)
    a receipt in the district's file, for another unit, for a year without a ledger,
    edited by hand, or older than the one already imported."""
    path = Path(path)
    name = path.name
    meta = read_meta(path)
    if meta.get(layout.META_KIND) != layout.KIND_RECEIPT:
        raise ImportRefused(f"文件“{name}”不是回执。")
    bound = store.settings.get(BOUND_UNIT)
    if not bound:
        raise ImportRefused(
            f"文件“{name}”是区里发给单位的回执，只能导入单位自己的数据文件；本文件是区级数据文件，未导入。"
        )
    values = {k: meta.get(k, "") for k in FIELDS}
    if meta.get(CHECKSUM) != checksum(values):
        raise ImportRefused(f"回执“{name}”的内容与校验码不符，可能被手工改动过，未导入。")
    if values["unit_code"] != bound:
        raise ImportRefused(
            f"回执“{name}”是发给{values['unit_name']}（{values['unit_code']}）的，"
            f"本数据文件属于单位代码 {bound}，未导入。"
        )
    try:
        unit = store.units.find(bound)
        year = int(values["year"])
    except (StoreError, ValueError) as exc:
        raise ImportRefused(f"回执“{name}”无法导入：{exc}") from exc
    if store.ledgers.find(unit.id, year) is None:
        raise ImportRefused(f"本数据文件中没有{unit.name}{year}年台账，回执“{name}”未导入。")
    old = store.review.state(year, unit.id)
    if old.reviewed_at and old.reviewed_at > values["reviewed_at"]:
        raise ImportRefused(
            f"回执“{name}”（审核时间 {values['reviewed_at']}）比已导入的回执"
            f"（{old.reviewed_at}）旧，未导入。"
        )
    state = values["state"]
    report = ArrivalReport(
        name,
        layout.KIND_RECEIPT,
        ArrivalStatus.NEW if old.reviewed_at is None else ArrivalStatus.UPDATED,
        unit.name,
        year,
        [
            f"{unit.name}{year}年台账：{state}"
            + (f"（{values['reason']}）" if values["reason"] else "")
        ],
        {"state": state, "reason": values["reason"], "fingerprint": values["fingerprint"]},
    )
    if old.reviewed_at == values["reviewed_at"] and old.state == state:
        report.status = ArrivalStatus.SAME
        report.lines[0] += "：与已导入的回执相同"
        return report
    if not dry_run:
        try:
            changes = store.review.apply_receipt(
                year,
                unit.id,
                state,
                values["reason"] or None,
                values["reviewed_at"],
                values["reviewer"] or None,
                values["fingerprint"] or None,
                name,
            )
        except InvalidData as exc:
            raise ImportRefused(f"回执“{name}”无法导入：{exc}") from exc
        if changes.empty:  # another import of the same receipt got there first
            report.status = ArrivalStatus.SAME
            report.lines[0] += "：与已导入的回执相同"
    return report
