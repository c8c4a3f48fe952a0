"""How snappy the ledger window is on a big ledger. Prints figures; not a test.

QT_QPA_PLATFORM=offscreen python benchmarks/bench_ledger_window.py [ENTRIES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise
from xihu_desktop.ui.main_window import MainWindow


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    app = QApplication.instance() or QApplication([])
    tmp = Path(tempfile.mkdtemp())
    store = Store.open(tmp / "big.sqlite3")
    initialise(store)
    unit = store.units.list()[0]
    ledger = store.ledgers.get(store.ledgers.create(unit.id, 2025).id)
    t = time.perf_counter()
    with store.transaction():
        for i in range(n):
            cat = CATEGORIES[i % len(CATEGORIES)]
            values = {"name": f"条目{i}", "goal": 100 + i, "actual": i % 150, "q1": "一季度\n节点"}
            store.entries.add(ledger.id, cat.key, {k: v for k, v in values.items() if cat.has(k)})
    print(f"filled {n} entries in {time.perf_counter() - t:.2f} s")

    settings = QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat)
    t = time.perf_counter()
    window = MainWindow(store, settings=settings)
    window.select(unit.id, 2025)
    window.show()
    app.processEvents()
    print(f"window opened on the ledger: {time.perf_counter() - t:.3f} s")

    t = time.perf_counter()
    window.load_ledger()
    app.processEvents()
    print(f"reload of the ledger (all tabs): {time.perf_counter() - t:.3f} s")

    tab = window.category_tabs["indicator"]
    index = tab.proxy.index(10, tab.model.column("actual"))
    t = time.perf_counter()
    for k in range(20):
        tab.proxy.setData(index, str(50 + k))
    per_edit = (time.perf_counter() - t) / 20
    print(f"one cell edit (store write + row refresh + undo push): {per_edit * 1000:.1f} ms")
    t = time.perf_counter()
    window.refresh_summary()
    print(f"header/overview recompute after edits: {(time.perf_counter() - t) * 1000:.1f} ms")

    t = time.perf_counter()
    tab.search.setText("条目59")
    tab.proxy.set_search("条目59")
    print(
        f"search over {tab.model.rowCount()} rows: {(time.perf_counter() - t) * 1000:.1f} ms "
        f"({tab.proxy.rowCount()} shown)"
    )
    window.close()
    store.close()


if __name__ == "__main__":
    main()
