"""One cell edit on a printed ledger, from the table view to every refreshed view.

QT_QPA_PLATFORM=offscreen python benchmarks/bench_cell_edit.py [--entries N] [--edits K]

Measures, per edit: the store write and row refresh (what ``setData`` does), then
everything the window does afterwards until the event loop is idle again (header
score and lights, overview, tab titles, the printed ledger's reprint check). Prints
figures; not a test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication


def settle(app: QApplication, ms: int = 400) -> None:
    """Run the event loop until the window's deferred refreshes have fired."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--edits", type=int, default=10)
    args = parser.parse_args()

    from benchmarks.fixtures import printed_ledger

    from xihu_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    tmp = Path(tempfile.mkdtemp())
    store, unit_id, year = printed_ledger(tmp / "big.sqlite3", args.entries)
    window = MainWindow(store, settings=QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat))
    window.select(unit_id, year)
    window.show()
    settle(app)

    tab = window.category_tabs["indicator"]
    index = tab.proxy.index(3, tab.model.column("actual"))
    writes, totals = [], []
    for k in range(args.edits):
        t0 = time.perf_counter()
        tab.proxy.setData(index, str(50 + k))
        t1 = time.perf_counter()
        # the deferred refreshes: process what is queued, including zero-delay timers
        window.refresh_pending()
        app.processEvents()
        t2 = time.perf_counter()
        writes.append(t1 - t0)
        totals.append(t2 - t0)
        settle(app, 50)
    writes.sort()
    totals.sort()
    mid = len(totals) // 2
    print(f"ledger: {args.entries} entries, printed once")
    print(f"cell edit, store write + row refresh: median {writes[mid] * 1000:.1f} ms")
    print(f"cell edit including every refresh:    median {totals[mid] * 1000:.1f} ms")
    print(f"reprint notice shown: {window.header.reprint_text()!r}")
    window.close()
    store.close()


if __name__ == "__main__":
    main()
