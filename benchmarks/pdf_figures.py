"""Figures of `export-pdf --all`: ours against a raw reportlab canvas (the floor).

``pdf_figures(db, year)`` returns a dict (seconds, medians of interleaved runs):

- ``ours_s``: :func:`pdf_sheet.export_year` (no print records), every unit's file plus
  the combined file, data read and scoring included;
- ``floor_s``: the same sheets' data read the same way, then their rows drawn with
  ``drawString`` per cell on a bare canvas, one file per unit (no wrapping, no combined
  file);
- ``ratio`` = ours / floor, ``sheets``, ``pages``, ``rl_accel`` (whether reportlab's C
  accelerator is loaded) and, with ``memory=True``, ``peak_py_mb``: the peak of Python
  allocations during one export (tracemalloc; it holds one sheet at a time).

    PYTHONPATH=. python benchmarks/pdf_figures.py DB [--year 2025] [--repeat 3] [--memory]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from xihu_desktop.exchange import pdf_sheet, sheet_data  # noqa: E402
from xihu_desktop.exchange.pdf_fonts import font_for_store  # noqa: E402
from xihu_desktop.store import Store  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdf_canvas import canvas_draw as canvas_floor  # noqa: E402


def _ours(store: Store, year: int, out: Path) -> float:
    t0 = time.perf_counter()
    pdf_sheet.export_year(store, year, out, record=False)
    return time.perf_counter() - t0


def _floor(store: Store, year: int, out: Path, font: str) -> float:
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for i, ledger in enumerate(store.ledgers.list(year=year)):
        canvas_floor(sheet_data.collect_sheet(store, ledger.id), out / f"{i}.pdf", font)
    return time.perf_counter() - t0


def _rl_accel() -> bool:
    from reportlab.lib import rl_accel

    return rl_accel.fp_str.__module__ == "_rl_accel"


def pdf_figures(db: str | Path, year: int, repeat: int = 3, memory: bool = False) -> dict[str, Any]:
    """Ours and the floor for ``export-pdf --all`` of ``year`` in ``db`` (read only)."""
    from pypdf import PdfReader

    store = Store.open(db)
    try:
        font = font_for_store(store)
        ours: list[float] = []
        floor: list[float] = []
        with tempfile.TemporaryDirectory(prefix="pdf-figures-") as tmp:
            work = Path(tmp)
            for n in range(repeat):  # interleaved: a busy machine slows both alike
                ours.append(_ours(store, year, work / f"ours{n}"))
                floor.append(_floor(store, year, work / f"floor{n}", font))
            combined = work / "ours0" / pdf_sheet.combined_filename(year)
            pages = len(PdfReader(combined).pages)
            sheets = len(list((work / "ours0").glob("*.pdf"))) - 1
            peak = None
            if memory:
                tracemalloc.start()
                _ours(store, year, work / "memory")
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
    finally:
        store.close()
    o, f = statistics.median(ours), statistics.median(floor)
    return {
        "name": "export-pdf --all",
        "size": f"{sheets} sheets, {pages} pages",
        "sheets": sheets,
        "pages": pages,
        "ours_s": o,
        "floor_s": f,
        "ratio": o / f if f else float("nan"),
        "ours_runs": ours,
        "floor_runs": floor,
        "rl_accel": _rl_accel(),
        "peak_py_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="export-pdf --all against a bare canvas")
    parser.add_argument("db", type=Path)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="also the peak of Python memory")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = pdf_figures(args.db, args.year, args.repeat, args.memory)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
        return
    print(
        f"{figures['name']} ({figures['size']}, rl_accel={figures['rl_accel']}): "
        f"ours {figures['ours_s']:.2f} s, floor {figures['floor_s']:.2f} s, "
        f"ratio {figures['ratio']:.2f}×"
        + (f", peak Python memory {figures['peak_py_mb']:.0f} MB" if memory_set(figures) else "")
    )


def memory_set(figures: dict[str, Any]) -> bool:
    return figures.get("peak_py_mb") is not None


if __name__ == "__main__":
    main()
