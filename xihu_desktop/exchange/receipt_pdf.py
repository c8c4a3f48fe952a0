"""The receipt (回执) as a one-page A4 PDF, on the pages' shared furniture."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from ..core.enums import ReviewState
from ..store import Store
from .atomic import atomic_path
from .fingerprint import short_code
from .pdf_fonts import font_for_store
from .pdf_furniture import (
    CONTENT_W,
    GRID,
    HEAD_BG,
    SheetInfo,
    SheetStart,
    Styles,
    build_pdf,
    escape,
)

#: returns listed at most (the page stays one page)
LISTED = 12


def write_receipt_pdf(
    store: Store,
    values: dict[str, str],
    arrivals: Sequence[tuple[str, str, str | None]],
    out: Path,
) -> Path:
    """``values`` as of :func:`.receipts.receipt_values`; ``arrivals``: (when, file,
    fingerprint) of each return received, oldest first after sorting."""
    font = font_for_store(store)
    styles = Styles(font)
    unit, year = values["unit_name"], int(values["year"])
    code = short_code(values["fingerprint"]) if values["fingerprint"] else ""
    info = SheetInfo(0, unit, year, code, 1, font, kind="回执")
    story: list = [
        SheetStart(info, "回执"),
        Paragraph("回执", styles.title),
        Paragraph(escape(f"{unit}（{values['unit_code']}） {year} 年度任务台账"), styles.subtitle),
        Spacer(1, 6 * mm),
        Paragraph("一、收到的报表", styles.section),
    ]
    rows: list[list[object]] = [["收到时间", "文件", "报表指纹（验证码）"]]
    for when, file, fingerprint in sorted(arrivals)[-LISTED:]:
        rows.append(
            [
                when.replace("T", " "),
                Paragraph(escape(file), styles.cell),
                short_code(fingerprint) if fingerprint else "",
            ]
        )
    if len(rows) == 1:
        rows.append(["（无）", "", ""])
    widths = [CONTENT_W * 0.25, CONTENT_W * 0.5, CONTENT_W * 0.25]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Paragraph("二、审核结果", styles.section)]
    returned = values["state"] == ReviewState.RETURNED
    decision = [
        ["审核结果", values["state"]],
        ["退回理由", Paragraph(escape(values["reason"] or "—"), styles.cell)],
        ["审核人", values["reviewer"]],
        ["审核时间", values["reviewed_at"].replace("T", " ")],
        ["审核的报表", f"{values['file']}（验证码 {code}）" if code else values["file"]],
    ]
    box = Table(decision, colWidths=[CONTENT_W * 0.2, CONTENT_W * 0.8])
    box.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 10),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                (
                    "TEXTCOLOR",
                    (1, 0),
                    (1, 0),
                    colors.HexColor("#c0392b" if returned else "#2e7d32"),
                ),
            ]
        )
    )
    note = (
        "台账已退回，请按理由修改后重新提交报表。导入本回执的 Excel 文件后，台账恢复为草稿，可以修改。"
        if returned
        else "报表已审核通过。导入本回执的 Excel 文件后，台账标题栏显示“已审”。"
    )
    story += [box, Spacer(1, 5 * mm), Paragraph(escape(note), styles.body)]
    with atomic_path(out) as tmp:
        build_pdf(story, tmp, font, f"回执 {unit} {year}")
    return out
