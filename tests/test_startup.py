"""Start-up stays light: pandas (0.28 s), openpyxl (0.18 s), sqlite_utils (0.32 s, which
imports pandas) and QtCharts (the 规划监测 and 区看板 charts) are imported only by the features
that need them. The search index is made by plain SQL (db/008_search.sql) and searched
without sqlite_utils, which only the index's rebuild imports. Each check runs in a fresh
interpreter, since this pytest process has long imported them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "openpyxl", "sqlite_utils", "PySide6.QtCharts")


def run(code: str, tmp_path: Path, modules: tuple[str, ...] = HEAVY) -> dict:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XIHU_DATA_DIR=str(tmp_path / "appdata"),
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    prologue = f"import json, sys\nHEAVY = {modules!r}\n"
    epilogue = "\nprint(json.dumps({m: m in sys.modules for m in HEAVY}))\n"
    result = subprocess.run(
        [sys.executable, "-c", prologue + textwrap.dedent(code) + epilogue],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_the_app_and_opening_a_store_stays_light(tmp_path: Path) -> None:
    loaded = run(
        f"""
        import xihu_desktop.app, xihu_desktop.store, xihu_desktop.ui.main_window
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise

        store = Store.open({str(tmp_path / "first-run.sqlite3")!r})
        initialise(store)  # the first run installs the catalogue
        store.close()
        store = Store.open({str(tmp_path / "first-run.sqlite3")!r})
        store.ledgers.list(), store.units.list(), store.catalogue.targets()
        store.close()
        """,
        tmp_path,
    )
    assert loaded == {m: False for m in HEAVY}


def test_the_check_is_able_to_fail(tmp_path: Path) -> None:
    loaded = run("import openpyxl\n", tmp_path)
    assert loaded["openpyxl"] is True


def test_main_window_on_the_demo_stays_light(tmp_path: Path) -> None:
    """The window the user first sees (offscreen), on the demo district."""
    loaded = run(
        f"""
        from PySide6.QtWidgets import QApplication
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise
        from xihu_desktop.ui.main_window import MainWindow

        app = QApplication([])
        store = Store.open({str(tmp_path / "demo.sqlite3")!r})
        initialise(store, demo=True)
        window = MainWindow(store)
        window.show()
        app.processEvents()
        window.close()
        store.close()
        """,
        tmp_path,
    )
    assert loaded == {m: False for m in HEAVY}


def test_the_monitoring_view_brings_qtcharts(tmp_path: Path) -> None:
    """Opening 规划监测 imports QtCharts (so the checks above can see it), nothing more."""
    loaded = run(
        f"""
        from PySide6.QtWidgets import QApplication
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise
        from xihu_desktop.ui.main_window import MainWindow

        app = QApplication([])
        store = Store.open({str(tmp_path / "plain.sqlite3")!r})
        initialise(store)
        window = MainWindow(store)
        window.show_monitoring()
        app.processEvents()
        window.close()
        store.close()
        """,
        tmp_path,
    )
    assert loaded["PySide6.QtCharts"] is True
    assert loaded["openpyxl"] is False and loaded["sqlite_utils"] is False


def test_monitoring_imports_pandas_only_when_it_runs(tmp_path: Path) -> None:
    """The command line and the monitoring modules load without pandas; monitoring itself
    brings it in (so the check above would see a module-level import)."""
    code = f"""
        import xihu_desktop.cli.main, xihu_desktop.cli.monitor
        import xihu_desktop.core.plan_path, xihu_desktop.store.monitoring
        import xihu_desktop.exchange.monitoring, xihu_desktop.exchange.evaluation
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise

        store = Store.open({str(tmp_path / "monitor.sqlite3")!r})
        initialise(store)
        store.monitoring.figures(2021, 2025), store.monitoring.rules()
        before = "pandas" in sys.modules
        """
    code = textwrap.dedent(code)
    loaded = run(code + "\nassert not before\n", tmp_path)
    assert loaded["pandas"] is False
    after = run(code + "\nxihu_desktop.exchange.monitoring.monitor(store, 2025)\n", tmp_path)
    assert after["pandas"] is True


def test_searching_and_checking_stay_light(tmp_path: Path) -> None:
    """A new file gets the search index by migration; xihu search and xihu check use it
    without sqlite_utils or pandas."""
    db = str(tmp_path / "search.sqlite3")
    loaded = run(
        f"""
        from xihu_desktop.cli import main
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise

        with Store.open({db!r}) as store:
            initialise(store)
            ledger = store.ledgers.create(store.units.list()[0].id, 2025).id
            store.entries.add(ledger, "project", {{"name": "智慧农业示范园"}})
        assert main(["search", "--db", {db!r}, "农业示"]) == 0
        assert main(["search", "--db", {db!r}, "农业", "--json"]) == 0
        assert main(["check", "--db", {db!r}]) == 0
        """,
        tmp_path,
    )
    assert loaded == {m: False for m in HEAVY}


def test_the_libraries_check_and_the_rebuild_do_load_them(tmp_path: Path) -> None:
    """The check above is able to fail: the features that use the libraries load them."""
    db = str(tmp_path / "search.sqlite3")
    loaded = run(
        f"""
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise

        with Store.open({db!r}) as store:
            initialise(store)
            store.search.rebuild()
        """,
        tmp_path,
    )
    assert loaded["sqlite_utils"] is True


#: what a read-only command (``xihu units``) needs neither to import nor to build: the
#: log, the random names of temporary files, new entries' UUIDs, the login's comparison
LIGHT_CLI = ("logging", "secrets", "uuid", "hmac", "random")


def test_a_read_only_command_stays_light(tmp_path: Path) -> None:
    """``xihu units`` answers without importing what only writes, backups, logins and
    warnings use, and builds the sub-parser of its own command alone."""
    db = str(tmp_path / "units.sqlite3")
    setup = f"""
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise

        with Store.open({db!r}) as store:
            initialise(store)
        """
    run(setup, tmp_path, LIGHT_CLI)  # a write: in an interpreter of its own
    code = f"""
        import argparse

        made = []
        real = argparse._SubParsersAction.add_parser
        argparse._SubParsersAction.add_parser = lambda self, name, **kw: (
            made.append(name) or real(self, name, **kw)
        )
        from xihu_desktop.cli import main

        assert main(["units", "--db", {db!r}]) == 0
        assert main(["units", "--db", {db!r}, "--json"]) == 0
        assert made == ["units", "units"], made
        """
    loaded = run(code, tmp_path, LIGHT_CLI)
    assert loaded == {m: False for m in LIGHT_CLI}


def test_the_light_command_check_is_able_to_fail(tmp_path: Path) -> None:
    """A write (a new entry's UUID) and a backup (a temporary name) do load them."""
    db = str(tmp_path / "write.sqlite3")
    loaded = run(
        f"""
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise

        with Store.open({db!r}) as store:
            initialise(store)
            ledger = store.ledgers.create(store.units.list()[0].id, 2025).id
            store.entries.add(ledger, "project", {{"name": "智慧农业示范园"}})
            store.backup({str(tmp_path / "copy.sqlite3")!r})
        """,
        tmp_path,
        LIGHT_CLI,
    )
    assert loaded["uuid"] is True and loaded["secrets"] is True


#: what the program's own start (``app.main``) leaves for later: the log's rotation
#: handler (socket, pickle, queue), the dialogs of the menus, the review commands
LATER = (
    "logging.handlers",
    "xihu_desktop.ui.admin_dialogs",
    "xihu_desktop.ui.status_view",
    "xihu_desktop.ui.review_actions",
)


def test_the_program_starts_without_what_only_menus_use(tmp_path: Path) -> None:
    """``app.main`` up to an idle window: the modules of dialogs opened from the menus are
    not imported, and the store is imported before PySide6 (whose import hook reads the
    source of every module imported after it)."""
    loaded = run(
        f"""
        import os
        os.environ["XIHU_SMOKE_QUIT_MS"] = "1"
        os.environ["XDG_CONFIG_HOME"] = {str(tmp_path / "config")!r}
        from xihu_desktop import app
        assert app.main(["--db", {str(tmp_path / "start.sqlite3")!r}]) == 0
        sys.excepthook = sys.__excepthook__  # a failed check: no error dialog, an exit
        order = list(sys.modules)
        assert order.index("xihu_desktop.store.store") < order.index("PySide6"), "PySide6 came first"
        assert "xihu_desktop.ui.main_window" in sys.modules
        """,
        tmp_path,
        LATER,
    )
    assert loaded == {m: False for m in LATER}


def test_the_menus_do_import_them(tmp_path: Path) -> None:
    """The check above is able to fail: opening the dialogs imports their modules."""
    loaded = run(
        f"""
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QDialog
        from xihu_desktop.store import Store
        from xihu_desktop.store.seed import initialise
        from xihu_desktop.ui.main_window import MainWindow

        app = QApplication([])
        store = Store.open({str(tmp_path / "menus.sqlite3")!r})
        initialise(store)
        window = MainWindow(store)
        window.show()
        QTimer.singleShot(0, lambda: [w.reject() for w in app.topLevelWidgets()
                                      if isinstance(w, QDialog) and w.isVisible()])
        window.show_catalogue()
        window.show_status()
        window.close()
        store.close()
        """,
        tmp_path,
        LATER[1:],
    )
    assert loaded["xihu_desktop.ui.admin_dialogs"] and loaded["xihu_desktop.ui.status_view"]
