"""Figures of the ledger window on a big data file: plain functions returning seconds (or MB).

    QT_QPA_PLATFORM=offscreen python benchmarks/window_figures.py DB [--repeat 5]

``DB`` is a district file with a big printed ledger (``benchmarks/run.py --make-district``
builds one). Each figure is the median of ``repeat`` runs; the start-up figure is measured
against a bare PySide6 window in the same run, interleaved. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

#: a bare PySide6 window shown until the event loop is idle (the start-up floor)
BARE_WINDOW = """
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
w = QMainWindow()
w.show()
QTimer.singleShot(0, lambda: print("IDLE_AT", time.time()))
QTimer.singleShot(0, app.quit)
app.exec()
"""

#: the program shown on a file until the event loop is idle, then the peak memory
APP_WINDOW = """
import resource, sys, time
from PySide6.QtCore import QTimer
from xihu_desktop import app as app_module
from xihu_desktop.ui.main_window import MainWindow
shown = MainWindow.show
def show(self):
    shown(self)
    QTimer.singleShot(0, lambda: print("IDLE_AT", time.time(), flush=True))
    if {dashboard}:
        from benchmarks.window_figures import ledgers_by_size
        self.select(*ledgers_by_size(self.store)[0][1:])
        self.show_dashboard()
MainWindow.show = show
code = app_module.main(["--db", sys.argv[1]])
print("PEAK_MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> tuple[float, str]:
    env = {**(env or {}), "XDG_CONFIG_HOME": tempfile.mkdtemp()}  # no user settings touched
    t = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t, done.stdout


def _idle_after(code: str, *args: str, env: dict[str, str] | None = None) -> float:
    """Seconds from starting ``python -c code`` until it prints that its event loop is idle."""
    t = time.time()
    out = _run(code, *args, env=env)[1]
    return float(out.split("IDLE_AT")[1].split()[0]) - t


def start_to_idle(db: Path, repeat: int = 5) -> tuple[float, float]:
    """(ours, floor): seconds from process start to the window shown and idle, medians.

    Byte code is compiled once beforehand (as installed); the first start of the day
    (backup) happens in a warm-up run that is not counted.
    """
    cache = tempfile.mkdtemp()
    env = {"XIHU_SMOKE_QUIT_MS": "1", "PYTHONPYCACHEPREFIX": cache, "PYTHONDONTWRITEBYTECODE": ""}
    _idle_after(APP_WINDOW.format(dashboard=False), str(db), env=env)
    ours, floor = [], []
    for _ in range(repeat):
        ours.append(_idle_after(APP_WINDOW.format(dashboard=False), str(db), env=env))
        floor.append(_idle_after(BARE_WINDOW, env=env))
    return statistics.median(ours), statistics.median(floor)


def peak_memory_mb(db: Path) -> float:
    """Peak resident memory of the program with the last ledger and the dashboard open."""
    env = {"XIHU_SMOKE_QUIT_MS": "500"}
    out = _run(APP_WINDOW.format(dashboard=True), str(db), env=env)[1]
    return float(out.split("PEAK_MB")[-1])


def _window(db: Path) -> tuple[Any, Any, Any]:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from xihu_desktop.store import Store
    from xihu_desktop.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    store = Store.open(db)
    ini = Path(tempfile.mkdtemp()) / "ui.ini"
    window = MainWindow(store, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    window.show()
    app.processEvents()
    return app, store, window


def ledgers_by_size(store: Any) -> list[tuple[int, int, int]]:
    """(entries, unit id, year) of every ledger, largest first."""
    out = []
    for unit in store.units.list():
        for year in store.ledgers.years():
            ledger = store.ledgers.find(unit.id, year)
            if ledger is not None:
                out.append((sum(store.entries.counts(ledger.id).values()), unit.id, year))
    return sorted(out, reverse=True)


def switch_ledger(db: Path, repeat: int = 5) -> dict[str, float]:
    """Seconds to switch the window to the largest and to a typical (100–400) ledger."""
    app, store, window = _window(db)
    sizes = ledgers_by_size(store)
    big = sizes[0]
    typical = next(s for s in sizes if 100 <= s[0] <= 400)
    other = next(s for s in sizes if s[1:] not in (big[1:], typical[1:]))
    out: dict[str, float] = {}
    for name, (_, unit, year) in (("largest", big), ("typical", typical)):
        times = []
        for _ in range(repeat):
            window.select(*other[1:])
            app.processEvents()
            t = time.perf_counter()
            window.select(unit, year)
            app.processEvents()
            times.append(time.perf_counter() - t)
        out[name] = statistics.median(times)
    window.close()
    store.close()
    return out


def cell_edit(db: Path, edits: int = 15) -> float:
    """UI-thread seconds of one cell edit (write, refresh) on the largest (printed) ledger."""
    app, store, window = _window(db)
    _, unit, year = ledgers_by_size(store)[0]
    window.select(unit, year)
    app.processEvents()
    tab = window.category_tabs["indicator"]
    window.tabs.setCurrentWidget(tab)
    app.processEvents()
    index = tab.proxy.index(3, tab.model.column("actual"))
    times = []
    for k in range(edits):
        t = time.perf_counter()
        tab.proxy.setData(index, str(50 + k))
        app.processEvents()
        times.append(time.perf_counter() - t)
    window.close()
    store.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ours, floor = start_to_idle(args.db, args.repeat)
    print(f"start to shown and idle: {ours:.3f} s, bare window {floor:.3f} s, {ours / floor:.1f}×")
    for name, seconds in switch_ledger(args.db, args.repeat).items():
        print(f"switch to the {name} ledger: {seconds * 1000:.1f} ms")
    print(f"one cell edit on the largest ledger (UI thread): {cell_edit(args.db) * 1000:.1f} ms")
    print(f"peak memory, largest ledger and dashboard: {peak_memory_mb(args.db):.0f} MB")


if __name__ == "__main__":
    main()
