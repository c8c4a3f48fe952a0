"""Benchmark: PDF assessment sheets for every unit of a 100,000-entry district.

Compares the real sheets (platypus, chunked tables, Paragraph only where text wraps)
with raw reportlab canvas drawing of the same rows (drawString per cell, no wrapping)
in the same run, and shows why tables are chunked: one platypus ``Table`` of all rows
grows faster than linearly. Each mode runs in a fresh subprocess so its peak memory
(ru_maxrss) is its own.

    /work/venv/bin/python benchmarks/bench_pdf.py                 # 100,000 entries
    /work/venv/bin/python benchmarks/bench_pdf.py --entries 20000 # quicker

Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xihu_desktop.core.categories import CATEGORIES  # noqa: E402
from xihu_desktop.exchange import pdf_furniture, pdf_sheet, pdf_tables, sheet_data  # noqa: E402
from xihu_desktop.exchange.pdf_fonts import register_font  # noqa: E402
from xihu_desktop.store import Store  # noqa: E402
from xihu_desktop.store.seed import initialise  # noqa: E402

YEAR = 2025
LONG = "（含城西科创大走廊产业协同、数字经济核心产业增加值提升及重点平台联动推进事项）"


def build_district(path: Path, entries: int, units: int | None = None) -> tuple[int, float]:
    """A district with ``entries`` entries spread over every unit's 2025 ledger (bulk SQL)."""
    t0 = time.perf_counter()
    store = Store.open(path)
    initialise(store)
    rng = random.Random(1)
    all_units = store.units.list()[: units or None]
    ledgers = [store.ledgers.ensure(u.id, YEAR).id for u in all_units]
    talent_ids = [i["id"] for i in store.catalogue.items("talent_programme")]
    shares = {c.key: c.default_points for c in CATEGORIES}
    cats = list(shares)
    weights = [shares[k] for k in cats]
    stamp = "2025-01-01T00:00:00"
    rows = []
    for n in range(entries):
        ledger_id = ledgers[n % len(ledgers)]
        cat = rng.choices(cats, weights)[0]
        goal = float(rng.randint(10, 5000))
        actual = round(goal * rng.uniform(0.3, 1.2), 2)
        name = f"{cat}任务{n}" + (LONG if n % 10 == 0 else "")
        data: dict[str, Any] = {
            "measure_unit": "万元",
            "annual_goal": "完成年度目标任务" + ("，推进重点事项落地见效" if n % 7 == 0 else ""),
            "kind": "国家高新技术企业",
            "resource_kind": "土地",
        }
        catalogue_id = rng.choice(talent_ids) if cat == "talent" else None
        rows.append(
            (
                ledger_id,
                cat,
                n,
                name,
                goal,
                actual,
                "推进中",
                None,
                None,
                catalogue_id,
                json.dumps(data, ensure_ascii=False),
                stamp,
                stamp,
            )
        )
    with store.transaction() as c:
        c.executemany(
            "INSERT INTO entries (ledger_id, category, position, name, goal, actual, status, "
            "weight, target_id, catalogue_id, data, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    store.close()
    return len(ledgers), time.perf_counter() - t0


# ---------------------------------------------------------------- the three renderers


def row_texts(sheet: sheet_data.SheetData, cat_key: str) -> list[list[str]]:
    cat = next(c for c in CATEGORIES if c.key == cat_key)
    out = []
    for n, row in enumerate(sheet.rows[cat_key], start=1):
        es = row.entry_score
        out.append(
            [
                str(n),
                *[
                    sheet_data.format_value(f, v, sheet.lookups)
                    for f, v in zip(cat.pdf_fields, row.values, strict=True)
                ],
                sheet_data.percent_text(es.completion),
                f"●{es.light}" if es.light else "—",
                sheet_data.points_text(es.points),
                sheet_data.points_text(es.score),
            ]
        )
    return out


def canvas_draw(sheet: sheet_data.SheetData, out: Path, font: str) -> int:
    """Raw canvas drawing of the same rows: one line per row, header on every page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(out), pagesize=A4, initialFontName=font)
    top, bottom, step = A4[1] - 25 * 2.83, 20 * 2.83, 13.5
    pages = 1
    y = top
    for cat in CATEGORIES:
        cols = pdf_tables.category_columns(cat)
        xs = [pdf_furniture.MARGIN_X]
        for col in cols[:-1]:
            xs.append(xs[-1] + col.width)
        header = [col.header for col in cols]

        def draw(texts: list[str], y: float, xs: list[float] = xs) -> None:
            for x, text in zip(xs, texts, strict=True):
                c.drawString(x + 3, y, text)
            c.line(
                pdf_furniture.MARGIN_X,
                y - 3.5,
                pdf_furniture.MARGIN_X + pdf_furniture.CONTENT_W,
                y - 3.5,
            )

        c.setFont(font, pdf_furniture.BODY_SIZE)
        draw(header, y)
        y -= step
        for texts in row_texts(sheet, cat.key):
            if y < bottom:
                c.showPage()
                pages += 1
                c.setFont(font, pdf_furniture.BODY_SIZE)
                y = top
                draw(header, y)
                y -= step
            draw(texts, y)
            y -= step
    c.showPage()
    c.save()
    return pages


def single_table(sheet: sheet_data.SheetData, out: Path, font: str) -> int:
    """The naive layout: one platypus Table per category (what ChunkedTable avoids)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    styles = pdf_furniture.Styles(font)
    story: list[Any] = []
    for cat in CATEGORIES:
        if not sheet.rows[cat.key]:
            continue
        chunked = pdf_tables.category_table(cat, sheet, styles)
        assert isinstance(chunked, pdf_tables.ChunkedTable)
        style = TableStyle(
            [
                (
                    "FONT",
                    (0, 0),
                    (-1, -1),
                    font,
                    pdf_furniture.BODY_SIZE,
                    pdf_furniture.BODY_LEADING,
                ),
                ("GRID", (0, 0), (-1, -1), 0.5, pdf_furniture.GRID),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), pdf_furniture.HEAD_BG),
            ]
        )
        story.append(
            Table(
                [chunked.header, *chunked.rows],
                colWidths=chunked.col_widths,
                repeatRows=1,
                style=style,
            )
        )
    doc = SimpleDocTemplate(str(out), pagesize=A4, initialFontName=font)
    doc.build(story)
    return doc.page


def count_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


# ---------------------------------------------------------------- one mode per process


def run_mode(mode: str, db: Path, out_dir: Path, ledger_limit: int | None) -> dict[str, Any]:
    store = Store.open(db)
    font = register_font()
    ledgers = store.ledgers.list(year=YEAR)[: ledger_limit or None]
    t0 = time.perf_counter()
    sheets = [sheet_data.collect_sheet(store, ledger.id) for ledger in ledgers]
    collect = time.perf_counter() - t0
    rows = sum(len(r) for s in sheets for r in s.rows.values())
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    pages = 0
    for i, sheet in enumerate(sheets):
        out = out_dir / f"{mode}-{i}.pdf"
        if mode == "sheet":
            pdf_sheet.render_sheets([sheet], out, font)
            pages += count_pages(out) if ledger_limit == 1 else 0
        elif mode == "canvas":
            pages += canvas_draw(sheet, out, font)
        else:
            pages += single_table(sheet, out, font)
    render = time.perf_counter() - t0
    if mode == "sheet" and ledger_limit != 1:
        pages = sum(count_pages(out_dir / f"sheet-{i}.pdf") for i in range(len(sheets)))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    return {
        "mode": mode,
        "ledgers": len(sheets),
        "rows": rows,
        "collect_s": collect,
        "render_s": render,
        "pages": pages,
        "pages_per_s": pages / render if render else 0.0,
        "rows_per_s": rows / render if render else 0.0,
        "peak_rss_mib": rss,
    }


def run_interleaved(modes: list[str], db: Path, out_dir: Path, limit: int | None) -> dict[str, Any]:
    """Render every sheet with each mode in turn, so a busy machine slows all modes alike."""
    store = Store.open(db)
    font = register_font()
    sheets = [
        sheet_data.collect_sheet(store, x.id)
        for x in store.ledgers.list(year=YEAR)[: limit or None]
    ]
    rows = sum(len(r) for s in sheets for r in s.rows.values())
    out_dir.mkdir(parents=True, exist_ok=True)
    spent = dict.fromkeys(modes, 0.0)
    pages = dict.fromkeys(modes, 0)
    for i, sheet in enumerate(sheets):
        for mode in modes:
            out = out_dir / f"{mode}-{i}.pdf"
            t0 = time.perf_counter()
            if mode == "sheet":
                pdf_sheet.render_sheets([sheet], out, font)
            elif mode == "canvas":
                canvas_draw(sheet, out, font)
            else:
                single_table(sheet, out, font)
            spent[mode] += time.perf_counter() - t0
            pages[mode] += count_pages(out)
    return {"rows": rows, "render_s": spent, "pages": pages}


def show_interleaved(title: str, r: dict[str, Any]) -> None:
    base = r["render_s"]["canvas"]
    print(f"\n{title} (modes interleaved sheet by sheet, same process)")
    print(
        f"  {'mode':<8} {'rows':>7} {'pages':>6} {'render s':>9} {'pages/s':>8} {'rows/s':>8} {'time vs canvas':>15}"
    )
    for mode, spent in r["render_s"].items():
        print(
            f"  {mode:<8} {r['rows']:>7} {r['pages'][mode]:>6} {spent:>9.2f} "
            f"{r['pages'][mode] / spent:>8.1f} {r['rows'] / spent:>8.0f} {spent / base:>14.2f}×"
        )


def spawn(mode: str, db: Path, out_dir: Path, limit: int | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--mode", mode, "--db", str(db), "--out", str(out_dir)]
    if limit:
        cmd += ["--limit", str(limit)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(title: str, results: list[dict[str, Any]]) -> None:
    base = next(r for r in results if r["mode"] == "canvas")
    print(f"\n{title}")
    print(
        f"  {'mode':<8} {'rows':>7} {'pages':>6} {'render s':>9} {'pages/s':>8} "
        f"{'rows/s':>8} {'vs canvas (time/row)':>21} {'peak RSS MiB':>13}"
    )
    for r in results:
        ratio = (r["render_s"] / max(r["rows"], 1)) / (base["render_s"] / max(base["rows"], 1))
        print(
            f"  {r['mode']:<8} {r['rows']:>7} {r['pages']:>6} {r['render_s']:>9.2f} "
            f"{r['pages_per_s']:>8.1f} {r['rows_per_s']:>8.0f} {ratio:>20.2f}× "
            f"{r['peak_rss_mib']:>13.0f}"
        )
    print(f"  data read + scoring + fingerprint: {results[0]['collect_s']:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--sizes", default="1000,5000,20000", help="rows of one ledger")
    parser.add_argument("--mode")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    if args.mode:  # child process
        if args.mode.startswith("pair:"):
            modes = args.mode[5:].split(",")
            print(json.dumps(run_interleaved(modes, args.db, args.out, args.limit)))
        else:
            print(json.dumps(run_mode(args.mode, args.db, args.out, args.limit)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        db = work / "district.sqlite3"
        units, built = build_district(db, args.entries)
        print(f"district: {args.entries:,} entries over {units} units, built in {built:.1f} s")
        title = f"every unit's sheet ({args.entries:,} entries, {units} files)"
        show_interleaved(title, spawn("pair:canvas,sheet", db, work / "pair"))
        results = [spawn(m, db, work / m) for m in ("canvas", "sheet")]
        show(f"{title}: each mode in its own process, for peak memory", results)
        for size in (int(s) for s in args.sizes.split(",") if s):
            one = work / f"one-{size}.sqlite3"
            build_district(one, size, units=1)
            show_interleaved(
                f"one ledger of {size:,} rows",
                spawn("pair:canvas,sheet,table", one, work / f"pair-{size}", limit=1),
            )


if __name__ == "__main__":
    main()
