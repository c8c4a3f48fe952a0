"""The PDF floor: a raw reportlab canvas drawing a sheet's rows (no wrapping, no tables).

Ported from the former bench_pdf.py; run.py's ``export_pdf_all`` figure compares the real
sheets with it.
"""

from __future__ import annotations

from pathlib import Path

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.exchange import pdf_furniture, pdf_tables, sheet_data


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


if __name__ == "__main__":  # a module of run.py: --help says so
    import argparse

    argparse.ArgumentParser(
        description=f"{(__doc__ or '').splitlines()[0]} (the PDF canvas floor of benchmarks/run.py; "
        "run that script)."
    ).parse_args()
