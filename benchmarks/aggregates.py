"""District-wide aggregates against their floors: ranking, dashboard, status, monitoring.

    PYTHONPATH=. python benchmarks/aggregates.py --db DISTRICT.db [--year 2025] [--repeat 5]

Each ``measure_*`` function takes an open store and a year and returns
``(ours_s, floor_s)``: the medians of ``repeat`` runs, ours and the floor interleaved
(ours, floor, ours, floor …) so that the machine's load weighs on both alike. The floors
are the bare minimum for the same work in the same process:

ranking     ``exchange.pdf_summary.ranking`` (what the PDF and Excel summaries rank, from
            nothing cached) vs a
            SELECT of every entry's scoring columns of the year + a Python loop
            summing completions per ledger and sorting
dashboard   ``store.dashboard.figures`` (区看板, uncached: the first open of the day) and
            the same again (cached: a re-open after an edit of one ledger) vs
            ``SELECT … GROUP BY ledger, category`` of the same rows + a Python loop
status      ``store.reporting.status`` vs a join of units, ledgers and reviews + a loop
window      the 区看板 window (``ui.dashboard_view``, offscreen) shown, and shown and
            filled by its background reader, vs a bare dialog with a table
monitoring  ``exchange.monitoring.monitor`` vs ``SELECT … GROUP BY target, year`` of the
            linked indicator entries + a loop

Not a test: it prints figures; ``benchmarks/run.py`` calls the functions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from xihu_desktop.store import Store  # noqa: E402

Timing = tuple[float, float]  # (ours, floor) in seconds, medians


def interleaved(ours: Callable[[], Any], floor: Callable[[], Any], repeat: int = 5) -> Timing:
    """Medians of ``repeat`` timings of each, run alternately (after one warm-up each)."""
    ours()
    floor()
    mine: list[float] = []
    bare: list[float] = []
    for _ in range(repeat):
        for fn, out in ((ours, mine), (floor, bare)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(mine), statistics.median(bare)


# ---------------------------------------------------------------- floors


def _floor_select_loop(store: Store, year: int) -> list[tuple[int, float]]:
    """Every scored column of the year's entries, completions summed per ledger, sorted."""
    totals: dict[int, list[float]] = {}
    rows = store.query(
        "SELECT e.ledger_id, e.goal, e.actual, e.status, e.weight FROM entries e "
        "JOIN ledgers l ON l.id = e.ledger_id WHERE l.year = ?",
        (year,),
    )
    for ledger_id, goal, actual, status, weight in rows:
        w = weight if weight is not None and weight >= 0 else 1.0
        if goal:
            c = min(max((actual or 0.0) / goal, 0.0), 1.0)
        else:
            c = 1.0 if status == "已完成" else 0.5
        acc = totals.setdefault(ledger_id, [0.0, 0.0])
        acc[0] += w
        acc[1] += w * c
    ranked = [(lid, 100.0 * s / w if w else 0.0) for lid, (w, s) in totals.items()]
    ranked.sort(key=lambda p: -p[1])
    return ranked


def _floor_group_by(store: Store, year: int) -> dict[int, float]:
    """One GROUP BY ledger, category of the year's entries + a loop over the groups."""
    totals: dict[int, float] = {}
    rows = store.query(
        "SELECT ledger_id, category, count(*), total(weight), "
        "total(CASE WHEN goal > 0 THEN min(max(actual / goal, 0.0), 1.0) ELSE 0.5 END) "
        "FROM entries WHERE ledger_id IN (SELECT id FROM ledgers WHERE year = ?) "
        "GROUP BY ledger_id, category",
        (year,),
    )
    for ledger_id, _category, n, _w, c in rows:
        totals[ledger_id] = totals.get(ledger_id, 0.0) + c / n
    return totals


def _floor_status(store: Store, year: int) -> list[tuple[Any, ...]]:
    rows = store.query(
        "SELECT u.id, u.name, l.status, r.state, r.last_return_at FROM units u "
        "LEFT JOIN ledgers l ON l.unit_id = u.id AND l.year = ? "
        "LEFT JOIN reviews r ON r.unit_id = u.id AND r.year = ? "
        "WHERE u.active = 1 ORDER BY u.kind, u.position",
        (year, year),
    )
    return [tuple(r) for r in rows]


def _floor_monitoring(store: Store, year: int) -> dict[int, dict[int, float]]:
    found: dict[int, dict[int, float]] = {}
    rows = store.query(
        "SELECT e.target_id, l.year, total(e.actual), count(*) FROM entries e "
        "JOIN ledgers l ON l.id = e.ledger_id "
        "WHERE e.category = 'indicator' AND e.target_id IS NOT NULL AND l.year <= ? "
        "GROUP BY e.target_id, l.year",
        (year,),
    )
    for target_id, y, total, _n in rows:
        found.setdefault(target_id, {})[y] = total
    return found


# ---------------------------------------------------------------- measures


def measure_ranking(store: Store, year: int, repeat: int = 5) -> Timing:
    """The district ranking printed by the PDF and Excel summaries vs SELECT + loop."""
    from xihu_desktop.exchange import pdf_summary

    def ours() -> None:
        _uncached(store)
        pdf_summary.ranking(store, year)

    return interleaved(ours, lambda: _floor_select_loop(store, year), repeat)


def _uncached(store: Store) -> None:
    forget = getattr(store.dashboard, "forget", None)
    if forget is not None:
        forget()


def measure_dashboard(store: Store, year: int, repeat: int = 5) -> Timing:
    """区看板 figures from nothing cached (the first open) vs GROUP BY + loop."""

    def ours() -> None:
        _uncached(store)
        store.dashboard.ranking(year)

    return interleaved(ours, lambda: _floor_group_by(store, year), repeat)


def measure_dashboard_cached(store: Store, year: int, repeat: int = 5) -> Timing:
    """区看板 figures again after one entry of one ledger changed vs GROUP BY + loop."""
    ledger_id = store.scalar("SELECT id FROM ledgers WHERE year = ? ORDER BY id LIMIT 1", (year,))

    def ours() -> None:
        if ledger_id is not None:  # what a write does to the cache key
            store.execute("UPDATE ledgers SET revision = revision + 1 WHERE id = ?", (ledger_id,))
        store.dashboard.ranking(year)

    return interleaved(ours, lambda: _floor_group_by(store, year), repeat)


def measure_status(store: Store, year: int, repeat: int = 5) -> Timing:
    """报送情况 overview vs a join of units, ledgers and reviews."""
    return interleaved(
        lambda: store.reporting.status(year),
        lambda: _floor_status(store, year),
        repeat,
    )


def measure_monitoring(store: Store, year: int, repeat: int = 5) -> Timing:
    """年度监测 rows (pandas) vs the GROUP BY of the linked indicator entries."""
    from xihu_desktop.exchange import monitoring

    return interleaved(
        lambda: monitoring.monitor(store, year),
        lambda: _floor_monitoring(store, year),
        repeat,
    )


def _qt_app() -> Any:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _bare_dialog(app: Any) -> None:
    from PySide6.QtGui import QStandardItemModel
    from PySide6.QtWidgets import QDialog, QTableView, QVBoxLayout

    dialog = QDialog()
    table = QTableView(dialog)
    table.setModel(QStandardItemModel(70, 11, dialog))
    QVBoxLayout(dialog).addWidget(table)
    dialog.show()
    app.processEvents()
    dialog.close()
    dialog.deleteLater()
    app.processEvents()


def _dashboard_view(app: Any, store: Store, year: int, until_loaded: bool) -> None:
    from xihu_desktop.ui.dashboard_view import DashboardView

    try:
        view = DashboardView(store, year, background=True)
    except TypeError:  # a version that reads on the UI thread (before/after runs)
        view = DashboardView(store, year)
    view.show()
    app.processEvents()
    while until_loaded and getattr(view, "loading", False):
        app.processEvents()
    if hasattr(view, "close_loader"):
        view.close_loader()
    view.close()
    view.deleteLater()
    app.processEvents()


def measure_dashboard_window(store: Store, year: int, repeat: int = 5) -> Timing:
    """The 区看板 window shown (a new view, its figures still loading off the UI thread)
    vs a bare dialog with a 70 × 11 table."""
    app = _qt_app()
    return interleaved(
        lambda: _dashboard_view(app, store, year, until_loaded=False),
        lambda: _bare_dialog(app),
        repeat,
    )


def measure_dashboard_window_filled(store: Store, year: int, repeat: int = 5) -> Timing:
    """The 区看板 window shown and filled (a new view: a new reader, nothing cached)
    vs a bare dialog with a 70 × 11 table."""
    app = _qt_app()
    return interleaved(
        lambda: _dashboard_view(app, store, year, until_loaded=True),
        lambda: _bare_dialog(app),
        repeat,
    )


MEASURES: dict[str, Callable[[Store, int, int], Timing]] = {
    "district ranking": measure_ranking,
    "dashboard (first open)": measure_dashboard,
    "dashboard (one ledger changed)": measure_dashboard_cached,
    "dashboard window shown": measure_dashboard_window,
    "dashboard window filled": measure_dashboard_window_filled,
    "status overview": measure_status,
    "monitoring": measure_monitoring,
}


def run(db: str | Path, year: int, repeat: int = 5) -> list[dict[str, Any]]:
    """Every measure on the file at ``db``: name, size, ours_s, floor_s, ratio."""
    store = Store.open(db)
    try:
        size = store.scalar("SELECT count(*) FROM entries")
        results = []
        for name, fn in MEASURES.items():
            ours, floor = fn(store, year, repeat)
            results.append(
                {
                    "name": name,
                    "size": size,
                    "ours_s": ours,
                    "floor_s": floor,
                    "ratio": ours / floor if floor > 0 else float("inf"),
                }
            )
        return results
    finally:
        store.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True, help="a district's data file (it is migrated)")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=5, help="timings per side (median)")
    args = parser.parse_args(argv)
    results = run(args.db, args.year, args.repeat)
    print(f"{'work':32} {'entries':>8} {'ours ms':>9} {'floor ms':>9} {'ratio':>6}")
    for r in results:
        print(
            f"{r['name']:32} {r['size']:>8} {r['ours_s'] * 1000:>9.1f} "
            f"{r['floor_s'] * 1000:>9.1f} {r['ratio']:>6.1f}"
        )


if __name__ == "__main__":
    main()
