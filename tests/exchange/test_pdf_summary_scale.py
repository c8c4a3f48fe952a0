"""The district summary PDF at district scale: 200 units (the chart continues on
further pages, the ranking table splits with its header repeated)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.exchange.pdf_summary import BARS_PER_PAGE, ranking, render_summary
from xihu_desktop.store import Store

UNITS = 200


def grow(store: Store, units: int) -> None:
    """Units added through the store, each with a small 2025 ledger."""
    kinds = ["town", "department", "platform"]
    for n in range(len(store.units.list()), units):
        store.units.add(f"T{n:03d}", f"扩展测试单位{n:03d}号", kinds[n % 3])
    for unit in store.units.list():
        ledger = store.ledgers.ensure(unit.id, 2025)
        if store.entries.list(ledger.id):
            continue
        for cat in CATEGORIES[:2]:
            rows = [
                {"name": f"{cat.label}任务{j}", "goal": 100.0, "actual": float(unit.id * 7 % 120)}
                for j in range(2)
            ]
            store.entries.add_many(ledger.id, cat.key, rows, validate=False)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def big_district(demo_store: Store) -> Store:
    grow(demo_store, UNITS)
    return demo_store


def test_summary_of_200_units(big_district: Store, tmp_path: Path) -> None:
    rows = ranking(big_district, 2025)
    assert len(rows) == UNITS
    out = tmp_path / "汇总.pdf"
    render_summary(big_district, 2025, out)
    reader = PdfReader(out)
    texts = [page.extract_text() or "" for page in reader.pages]
    table_pages = [t for t in texts if "排名" in t and "责任单位" in t]
    chart_pages = [t for t in texts if "各单位得分" in t]
    assert len(chart_pages) == -(-UNITS // BARS_PER_PAGE)  # 5 pages of 40 bars
    assert len(table_pages) >= 2  # the table split; its header is on every page of it
    flat = squash("".join(table_pages))
    charts = squash("".join(chart_pages))
    for row in rows:  # every unit in the table and on a chart page
        assert squash(row.unit_name) in flat
        assert squash(row.unit_name) in charts
    # the bars keep the ranking order across pages: the last page holds the last units
    assert squash(rows[-1].unit_name) in squash(chart_pages[-1])
    assert squash(rows[0].unit_name) in squash(chart_pages[0])
    # every page renders (poppler), the last chart page included
    done = subprocess.run(
        ["pdftoppm", "-r", "20", "-png", "-f", str(len(texts)), str(out), str(tmp_path / "p")],
        capture_output=True,
    )
    assert done.returncode == 0 and list(tmp_path.glob("p*.png"))


def test_summary_of_70_units_via_cli(big_district: Store, tmp_path: Path) -> None:
    from xihu_desktop import cli

    with big_district.transaction() as c:  # keep 70 ledgers
        c.execute(
            "DELETE FROM ledgers WHERE year = 2025 AND id NOT IN "
            "(SELECT id FROM ledgers WHERE year = 2025 ORDER BY id LIMIT 70)"
        )
    db = big_district.path
    big_district.close()
    out = tmp_path / "s70.pdf"
    args = ["export-pdf", "--db", str(db), "--year", "2025", "--summary", "--out", str(out)]
    assert cli.main(args) == 0
    texts = [p.extract_text() or "" for p in PdfReader(out).pages]
    assert sum("各单位得分" in t for t in texts) == 2
