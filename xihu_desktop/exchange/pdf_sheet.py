"""The PDF assessment sheet (考核表) of a ledger: scored, signable and verifiable.

One A4 portrait sheet per ledger: title, unit/year/status, a scored table per
category (its columns come from the category declarations: every field with
``in_pdf`` plus completion, light, points and score), bonus and deduction lines,
the unit's self-assessment, the score summary and the signature block — kept on
one page with the summary table. Header and footer on every page carry the unit,
year, verification code and “第 x 页 共 y 页”. A QR code and the PDF metadata hold
the verification payload (ledger, unit, year, print revision, SHA-256 fingerprint).

The parts: what the sheet prints is gathered by :mod:`.sheet_data` (no reportlab),
its tables are :mod:`.pdf_tables`, the page furniture (header, footer, QR code,
signature block, document template) is :mod:`.pdf_furniture`.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from ..core.categories import CATEGORIES, UNIT_KINDS
from ..store import Ledger, Store
from . import pdf_workers
from .atomic import atomic_path
from .pdf_fonts import font_for_store
from .pdf_furniture import (
    CONTENT_W,
    GRID,
    HEAD_BG,
    QrCode,
    SheetInfo,
    SheetStart,
    Styles,
    build_pdf,
    cell,
    escape,
    signature_block,
)
from .pdf_merge import Merger, check_places, place, staging_folder
from .pdf_tables import adjustment_table, category_table, score_table
from .progress import Cancelled as Cancelled  # re-exported: progress callbacks raise it
from .sheet_data import SheetData, collect_sheet, now_text, points_text

HEADING_ROOM = 28 * mm  # heading + table header + two rows
CN_NUMBERS = "一二三四五六七八九十"


Progress = Callable[[int, int, str], None]


def _info_block(sheet: SheetData, styles: Styles) -> Table:
    s = sheet.score
    grade = s.grade + ("（一票否决）" if s.vetoed else "")
    label_w, value_w = 18 * mm, 42 * mm
    info = [
        ["责任单位", cell(sheet.unit_name, value_w, styles), "考核年度", f"{sheet.year} 年"],
        ["单位类型", UNIT_KINDS.get(sheet.unit_kind, sheet.unit_kind), "台账状态", sheet.status],
        ["责任领导", sheet.leader, "联系电话", sheet.contact],
        ["考核总分", points_text(s.total), "考核等级", grade],
        ["打印版次", f"第 {sheet.revision} 版", "打印时间", sheet.generated_at],
        ["验证码", sheet.code, "数据指纹", Paragraph(f"SHA-256 {sheet.fingerprint}", styles.small)],
    ]
    t = Table(info, colWidths=[label_w, value_w, label_w, value_w])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("LEADING", (0, 0), (-1, -1), 11),
                ("GRID", (0, 0), (-1, -1), 0.5, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                ("BACKGROUND", (2, 0), (2, -1), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONTSIZE", (1, 3), (1, 3), 11),
                ("FONTSIZE", (3, 3), (3, 3), 11),
                ("FONTSIZE", (1, 5), (1, 5), 10.5),
            ]
        )
    )
    qr_size = 34 * mm
    outer = Table(
        [[t, [QrCode(sheet.qr_text, qr_size), Paragraph("扫码核验", styles.head)]]],
        colWidths=[CONTENT_W - qr_size - 4 * mm, qr_size + 4 * mm],
    )
    outer.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles.font),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return outer


def sheet_story(sheet: SheetData, styles: Styles, key: int = 0) -> list[Flowable]:
    """The flowables of one ledger's sheet."""
    info = SheetInfo(key, sheet.unit_name, sheet.year, sheet.code, sheet.revision, styles.font)
    story: list[Flowable] = [
        SheetStart(info, f"{sheet.unit_name} {sheet.year} 年"),
        Paragraph(escape(sheet.title), styles.title),
        *([Paragraph(escape(sheet.as_of), styles.subtitle)] if sheet.as_of else []),
        Spacer(1, 4 * mm),
        _info_block(sheet, styles),
    ]
    n = 0
    for cat in CATEGORIES:
        s = sheet.score
        heading = (
            f"{CN_NUMBERS[n]}、{cat.label}（分值 {points_text(s.category_points.get(cat.key, 0.0))}，"
            f"得分 {points_text(s.category_scores.get(cat.key, 0.0))}）"
        )
        n += 1
        if not sheet.rows[cat.key]:
            story.append(
                KeepTogether(
                    [Paragraph(heading, styles.section), Paragraph("本类无条目。", styles.cell)]
                )
            )
            continue
        story.append(CondPageBreak(HEADING_ROOM))  # a heading never ends a page alone
        story.append(Paragraph(heading, styles.section))
        story.append(category_table(cat, sheet, styles))
    story.append(CondPageBreak(HEADING_ROOM))
    story.append(Paragraph(f"{CN_NUMBERS[n]}、加分和扣分", styles.section))
    story.append(adjustment_table(sheet, styles))
    n += 1
    story.append(CondPageBreak(HEADING_ROOM))
    story.append(Paragraph(f"{CN_NUMBERS[n]}、单位自评", styles.section))
    for para in (sheet.self_assessment or "（未填写）").splitlines() or ["（未填写）"]:
        if para.strip():
            story.append(Paragraph(escape(para.strip()), styles.body))
    n += 1
    story.append(
        KeepTogether(
            [
                Paragraph(f"{CN_NUMBERS[n]}、考核得分", styles.section),
                score_table(sheet, styles),
                Spacer(1, 5 * mm),
                signature_block(styles.font),
            ]
        )
    )
    return story


def render_sheets(
    sheets: Sequence[SheetData], out: Path | Any, font: str, title: str | None = None
) -> None:
    """Write the sheets into one PDF (each starts a page and is numbered on its own)."""
    if not sheets:
        raise ValueError("没有可打印的考核表")
    styles = Styles(font)
    story: list[Flowable] = []
    for key, sheet in enumerate(sheets):
        if key:
            story.append(PageBreak())
        story.extend(sheet_story(sheet, styles, key))
    payloads = " ".join(s.payload for s in sheets)
    build_pdf(story, out, font, title or sheets[0].title, keywords=payloads)


def safe_filename(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("._") or "考核表"


def sheet_filename(sheet: SheetData) -> str:
    return safe_filename(f"{sheet.unit_code}_{sheet.unit_name}_{sheet.year}年考核表") + ".pdf"


def combined_filename(year: int) -> str:
    return f"全部单位_{year}年考核表_合并打印.pdf"


# What a staged sheet leaves for the batch: fingerprint, code, revision, payload, file name.
Staged = tuple[str, str, int, str, str]


def stage_sheet(
    store: Store, font: str, ledger_id: int, part: str, quarter: int | None, printed_at: str
) -> Staged:
    """Read one ledger's sheet and write it to ``part`` (one sheet of the batch)."""
    sheet = collect_sheet(store, ledger_id, quarter=quarter)
    sheet.generated_at = printed_at
    render_sheets([sheet], Path(part), font)
    return sheet.fingerprint, sheet.code, sheet.revision, sheet.payload, sheet_filename(sheet)


def _stage_in_workers(
    store: Store,
    ledgers: Sequence[Ledger],
    jobs: list[tuple[int, str, int | None, str]],
    font: str,
    workers: int,
    progress: Progress | None,
    merger: Merger,
) -> list[Staged]:
    """The batch's sheets staged by worker processes, the largest ledgers first (so no
    big one is left to run alone at the end); each finished part joins the combined
    file here, in order, while the workers lay out the rest."""
    total = len(ledgers) + 1
    if progress:
        progress(0, total, ledgers[0].unit_name)
    sizes = [sum(store.entries.counts(ledger.id).values()) for ledger in ledgers]
    order = sorted(range(len(jobs)), key=lambda i: -sizes[i])
    done: set[int] = set()
    joined = 0

    def finished(i: int, _: Staged) -> None:
        nonlocal joined
        done.add(i)
        while joined in done:
            merger.add(Path(jobs[joined][1]))
            joined += 1
        if progress:
            progress(len(done), total, ledgers[i].unit_name)

    return pdf_workers.run_in_workers(store, font, _stage_in_worker, jobs, workers, finished, order)


def _stage_in_worker(ledger_id: int, part: str, quarter: int | None, printed_at: str) -> Staged:
    """:func:`stage_sheet` in a worker process (:mod:`.pdf_workers`)."""
    return stage_sheet(
        pdf_workers.worker_store(), pdf_workers.worker_font(), ledger_id, part, quarter, printed_at
    )


@dataclass
class ExportResult:
    path: Path
    sheets: list[SheetData]


def export_sheet(
    store: Store,
    ledger_id: int,
    out: str | Path,
    record: bool = True,
    font: str | None = None,
    quarter: int | None = None,
) -> ExportResult:
    """Write one ledger's sheet atomically; record the printing once the file exists.

    ``quarter``: the quarter its figures stand at (default: the latest with progress).
    """
    if record:
        store.prints.require_may_print(ledger_id)  # before any file is written
    font = font or font_for_store(store)
    sheet = collect_sheet(store, ledger_id, quarter=quarter)
    with atomic_path(out) as tmp:
        render_sheets([sheet], tmp, font)
    if record:
        store.prints.record(ledger_id, sheet.fingerprint, sheet.code, sheet.revision)
    return ExportResult(Path(out), [sheet])


def export_year(
    store: Store,
    year: int,
    out_dir: str | Path,
    record: bool = True,
    progress: Progress | None = None,
    font: str | None = None,
    quarter: int | None = None,
) -> list[Path]:
    """One file per unit plus one combined file for batch printing; returns the paths.

    ``quarter``: the quarter every sheet's figures stand at (default: each ledger's
    latest quarter with progress).

    All or nothing. Each sheet is laid out once, into its own file in a hidden staging
    folder of ``out_dir``; the combined file joins those files. Only when every file is
    complete are the print records written, in ONE transaction, and the files moved
    into place inside it. ``progress(done, total, label)`` may raise :class:`Cancelled`
    up to its last call (``done == total``): a cancel, an error or a crash before that
    leaves ``out_dir`` and the store as they were (a crash may leave the hidden
    ``.….part`` folder). Memory holds one sheet at a time, not the batch.

    A larger batch is rendered by worker processes (:mod:`.pdf_workers`), each reading
    the file on its own connection; progress then counts sheets as they finish, and
    every sheet of the batch shows the same printing time.
    """
    out_dir = Path(out_dir)
    ledgers = store.ledgers.list(year=year)
    if not ledgers:
        raise ValueError(f"{year}年没有台账，无法打印考核表。")
    if record:
        for ledger in ledgers:  # before any file is written
            store.prints.require_may_print(ledger.id)
    font = font or font_for_store(store)
    total = len(ledgers) + 1
    printed_at = now_text()  # one printing time for the whole batch
    combined = out_dir / combined_filename(year)
    staging = staging_folder(out_dir, combined.stem)
    try:
        parts = [staging / f"{i:05d}.pdf" for i in range(len(ledgers))]
        jobs = [
            (lg.id, str(part), quarter, printed_at) for lg, part in zip(ledgers, parts, strict=True)
        ]
        merger = Merger()
        workers = pdf_workers.worker_count(store, len(ledgers))
        results: list[Staged] | None = None
        if workers > 1:
            try:
                results = _stage_in_workers(store, ledgers, jobs, font, workers, progress, merger)
            except pdf_workers.BrokenProcessPool as exc:  # a worker could not start, or died
                pdf_workers.log.warning("Sheet workers failed (%s); rendering here", exc)
                merger = Merger()
        if results is None:
            results = []
            for i, (ledger, job) in enumerate(zip(ledgers, jobs, strict=True)):
                if progress:
                    progress(i, total, ledger.unit_name)
                results.append(stage_sheet(store, font, *job))
            for part in parts:
                merger.add(part)
        staged = [(part, out_dir / r[4]) for part, r in zip(parts, results, strict=True)]
        stamps = [(lg.id, *r[:3]) for lg, r in zip(ledgers, results, strict=True)]
        if progress:
            progress(len(ledgers), total, "合并文件")
        joined = staging / "combined.pdf"
        merger.write(
            joined,
            f"西湖区 {year} 年“六个一批”任务完成情况考核表（合并打印）",
            " ".join(r[3] for r in results),
        )
        staged.append((joined, combined))
        if progress:
            progress(total, total, "完成")  # the last chance to cancel

        def place_all() -> None:
            check_places(dest for _, dest in staged)
            for part, dest in staged:
                place(part, dest)

        if record:
            store.prints.record_many(stamps, before_commit=place_all)
        else:
            place_all()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [dest for _, dest in staged]
