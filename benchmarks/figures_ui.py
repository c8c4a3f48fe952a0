"""The suite's figures that drive the window (offscreen).

The window start runs the program (``app.main``) and a bare QMainWindow as ``python -c``
children until their event loops are idle. The in-process figures (switching to the
largest ledger, one cell edit on a printed ledger, a 1,250-cell paste) are built by the
``fig_*`` factories.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from figures import Context, Figure, big_ledger, copy_of, raw, spawn

PASTE_ROWS = 1250


def _app() -> Any:
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _settings(folder: Path) -> Any:
    from PySide6.QtCore import QSettings

    return QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat)


def wait_for(signal: Any, ms: int = 30_000) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    signal.disconnect(loop.quit)


def _window(store: Any, folder: Path) -> Any:
    from xihu_desktop.ui.main_window import MainWindow

    window = MainWindow(store, settings=_settings(folder))
    window.show()
    _app().processEvents()
    return window


# ---------------------------------------------------------------- window start (children)


#: the program as installed starts it (``app.main``: logging, settings, the data file,
#: the window), ended the moment its event loop is idle after the first show. Nothing is
#: imported before ``app.main`` that the program would not import itself (PySide6 is
#: reached through ``install_excepthook``, which ``main`` calls once Qt is up): what is
#: imported before PySide6 escapes its import hook, as it does in the program.
PROGRAM_START = """
import os, sys
from xihu_desktop import app
hook = app.install_excepthook
def install_excepthook(log_path):
    hook(log_path)
    from PySide6.QtCore import QTimer
    from xihu_desktop.ui.main_window import MainWindow
    shown = MainWindow.show
    def show(self):
        shown(self)
        QTimer.singleShot(0, lambda: os._exit(0))
    MainWindow.show = show
app.install_excepthook = install_excepthook
app.main(["--db", sys.argv[1]])
raise SystemExit("the window was never shown")
"""

#: the floor: a bare QMainWindow, nothing imported but PySide6
BARE_START = """
import os
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
QTimer.singleShot(0, lambda: os._exit(0))
app.exec()
"""


def fig_window_start(ctx: Context) -> Figure:
    """The program started on the district file until shown and idle, against a bare
    window started the same way (``python -c``; user settings and data folder in the
    work folder). The first start of the day (backup, check) runs once, untimed."""
    py = sys.executable
    extra = {
        "XDG_CONFIG_HOME": str(ctx.work / "start-config"),
        "XIHU_DATA_DIR": str(ctx.work / "start-data"),
    }
    spawn([py, "-c", PROGRAM_START, str(ctx.db)], extra_env=extra)  # the day's first start
    return Figure(
        "1 window",
        lambda: spawn([py, "-c", PROGRAM_START, str(ctx.db)], extra_env=extra),
        lambda: spawn([py, "-c", BARE_START], extra_env=extra),
    )


# ---------------------------------------------------------------- in-process figures


def fig_ledger_switch(ctx: Context) -> Figure:
    """Switching to the year's largest ledger (from a small one, untimed) against the
    SELECT of its entries and progress."""
    from xihu_desktop.store import Store

    _app()
    ledger_id, unit_id, n = big_ledger(ctx.db, ctx.year)
    store = Store.open(ctx.db)
    window = _window(store, ctx.work)
    other = next(u.id for u in store.units.list() if u.id != unit_id)

    def prepare() -> None:
        window.select(other, ctx.year)
        _app().processEvents()

    def ours() -> None:
        window.select(unit_id, ctx.year)
        _app().processEvents()

    def floor() -> None:
        conn = raw(ctx.db)
        conn.execute("SELECT * FROM entries WHERE ledger_id = ?", (ledger_id,)).fetchall()
        conn.execute(
            "SELECT p.* FROM progress p JOIN entries e ON e.id = p.entry_id WHERE e.ledger_id = ?",
            (ledger_id,),
        ).fetchall()

    return Figure(f"{n:,} entries", ours, floor, prepare=prepare, close=[window.close, store.close])


class _Edit:
    """One cell edit on the largest ledger, printed once, open in the window."""

    def __init__(self, ctx: Context) -> None:
        from xihu_desktop.exchange.fingerprint import ledger_fingerprint
        from xihu_desktop.store import Store

        _app()
        self.db = copy_of(ctx, "edit")
        ledger_id, unit_id, self.n = big_ledger(self.db, ctx.year)
        self.store = Store.open(self.db)
        self.store.prints.record(
            ledger_id, ledger_fingerprint(self.store, ledger_id), "BENCH-00001"
        )
        self.window = _window(self.store, ctx.work)
        self.window.select(unit_id, ctx.year)
        wait_for(self.window.summary_worker.ready)
        self.tab = next(t for t in self.window.category_tabs.values() if t.model.rowCount() > 3)
        col = next(
            c for c in range(self.tab.model.columnCount()) if self.tab.model.field(c).key == "name"
        )
        self.index = self.tab.proxy.index(3, col)
        self.k = 0

    def edit(self, refresh: bool) -> None:
        self.k += 1
        self.tab.proxy.setData(self.index, f"编辑{self.k}")
        _app().processEvents()
        if refresh:
            wait_for(self.window.summary_worker.ready)

    def floor(self) -> None:
        self.k += 1
        conn = raw(self.db)
        conn.execute(
            "UPDATE entries SET updated_at = ? WHERE id = (SELECT max(id) FROM entries)",
            (f"bench{self.k}",),
        )
        conn.commit()

    def close(self) -> None:
        self.window.close()
        self.store.close()


def fig_cell_edit(ctx: Context) -> Figure:
    """The UI thread's share of one edit (write, audit, signal, row refresh) against one
    raw UPDATE committed."""
    e = _Edit(ctx)
    return Figure(f"{e.n:,} entries", lambda: e.edit(False), e.floor, close=[e.close])


def fig_cell_edit_refresh(ctx: Context) -> Figure:
    """One edit until the background summary (score, lights, reprint check) is shown."""
    e = _Edit(ctx)
    return Figure(f"{e.n:,} entries", lambda: e.edit(True), None, close=[e.close])


def fig_paste(ctx: Context) -> Figure:
    """1,250 cells pasted into a 1,250-row tab (one column), against executemany of the
    same 1,250 UPDATEs."""
    from PySide6.QtWidgets import QApplication

    from xihu_desktop.store import Store
    from xihu_desktop.store.seed import initialise

    _app()
    db = ctx.work / "paste.sqlite3"
    store = Store.open(db, create=True)
    initialise(store)
    unit = store.units.list()[0]
    ledger_id = store.ledgers.create(unit.id, ctx.year).id
    rows = [{"name": f"目标{i:05d}", "goal": 100 + i} for i in range(PASTE_ROWS)]
    store.entries.add_many(ledger_id, "enterprise", rows, validate=False)
    ids = store.entries.ids(ledger_id, "enterprise")
    window = _window(store, ctx.work)
    window.select(unit.id, ctx.year)
    _app().processEvents()
    tab = window.category_tabs["enterprise"]
    col = next(c for c in range(tab.model.columnCount()) if tab.model.field(c).key == "name")
    state = {"k": 0}

    def ours() -> None:
        state["k"] += 1
        QApplication.clipboard().setText(
            "\n".join(f"粘贴{state['k']}-{i}" for i in range(PASTE_ROWS))
        )
        tab.view.setCurrentIndex(tab.proxy.index(0, col))
        tab.paste()
        _app().processEvents()

    def floor() -> None:
        state["k"] += 1
        conn = raw(db)
        conn.executemany(
            "UPDATE entries SET name = ? WHERE id = ?",
            [(f"底{state['k']}-{i}", eid) for i, eid in enumerate(ids)],
        )
        conn.commit()

    return Figure(f"{PASTE_ROWS:,} cells", ours, floor, close=[window.close, store.close])


FIGURES = {
    "window_start": fig_window_start,
    "ledger_switch": fig_ledger_switch,
    "cell_edit": fig_cell_edit,
    "cell_edit_refresh": fig_cell_edit_refresh,
    "paste_1250": fig_paste,
}


if __name__ == "__main__":  # a module of run.py: --help says so
    argparse.ArgumentParser(
        description="The window figures of benchmarks/run.py (run that script)."
    ).parse_args()
