"""One cell edit on a printed ledger: the UI thread's share, and the background figures.

QT_QPA_PLATFORM=offscreen python benchmarks/bench_cell_edit.py [--entries N] [--edits K]

Per edit it measures what the UI thread does (``setData``: the store write, the
audit rows, the change signal and the refresh of the touched rows) and, apart from
that, how long until the background summary (score, lights, overview, the printed
sheet's reprint check) reaches the window. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise
from xihu_desktop.ui.main_window import MainWindow


def printed_ledger(path: Path, n: int) -> tuple[Store, int, int]:
    """A ledger of ``n`` entries spread over the six categories, printed once."""
    store = Store.open(path)
    initialise(store)
    unit = store.units.list()[0]
    ledger_id = store.ledgers.create(unit.id, 2025).id
    with store.transaction():
        for i in range(n):
            cat = CATEGORIES[i % len(CATEGORIES)]
            values = {"name": f"条目{i}", "goal": 100 + i, "actual": i % 150}
            store.entries.add(ledger_id, cat.key, {k: v for k, v in values.items() if cat.has(k)})
    store.prints.record(ledger_id, ledger_fingerprint(store, ledger_id), "BENCH-00001")
    return store, unit.id, 2025


def wait_for(signal: object, ms: int = 10_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--edits", type=int, default=15)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    store, unit_id, year = printed_ledger(tmp / "big.sqlite3", args.entries)
    window = MainWindow(store, settings=QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat))
    window.select(unit_id, year)
    window.show()
    wait_for(window.summary_worker.ready)

    tab = window.category_tabs["indicator"]
    index = tab.proxy.index(3, tab.model.column("actual"))
    ui, background = [], []
    for k in range(args.edits):
        t0 = time.perf_counter()
        tab.proxy.setData(index, str(50 + k))
        app.processEvents()  # whatever the edit queued for the UI thread
        t1 = time.perf_counter()
        wait_for(window.summary_worker.ready)
        t2 = time.perf_counter()
        ui.append(t1 - t0)
        background.append(t2 - t1)
    print(f"ledger: {args.entries} entries, printed once; {args.edits} edits of one cell")
    print(
        f"UI thread per edit (write, audit, refresh of the row): median {statistics.median(ui) * 1000:.1f} ms, max {max(ui) * 1000:.1f} ms"
    )
    print(
        f"background summary after the edit (score, lights, overview, reprint check): median {statistics.median(background) * 1000:.1f} ms"
    )
    print(f"reprint notice: {window.header.reprint_label.text()!r}")
    window.close()
    store.close()


if __name__ == "__main__":
    main()
