"""Screenshots of the ledger window on the demo district (for the README).

``xvfb-run -a -s "-screen 0 1600x1000x24" python -m xihu_desktop.ui.screenshot docs``
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings

from ..core.enums import LedgerStatus

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from ..store import Store
    from .main_window import MainWindow


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs")
    out.mkdir(parents=True, exist_ok=True)
    from ..store import Store
    from ..store.seed import initialise
    from .main_window import MainWindow
    from .style import application, apply_style

    app = application(sys.argv[:1])

    apply_style(app)
    tmp = Path(tempfile.mkdtemp())
    store = Store.open(tmp / "demo.sqlite3")
    initialise(store, demo=True)
    ledger = next(lg for lg in store.ledgers.list(year=2025) if lg.status == LedgerStatus.DRAFT)
    window = MainWindow(store, settings=QSettings(str(tmp / "ui.ini"), QSettings.Format.IniFormat))
    window.resize(1500, 900)
    window.select(ledger.unit_id, ledger.year)
    window.show()
    for name, tab in (
        ("main", window.category_tabs["project"]),
        ("progress", window.progress_tab),
        ("overview", window.overview),
    ):
        window.tabs.setCurrentWidget(tab)
        for _ in range(5):
            app.processEvents()
        window.grab().save(str(out / f"screenshot-{name}.png"))
        print(out / f"screenshot-{name}.png")
    _status_view(app, window, store, out)
    _monitoring_view(app, window, out)

    _dashboard_view(app, window, store, out)
    window.close()
    store.close()
    return 0


def _status_view(app: QApplication, window: MainWindow, store: Store, out: Path) -> None:
    """The 报送情况 view of 2025 with quarterly deadlines, as of 1 August 2025."""
    store.reporting.set_deadlines(
        2025,
        {
            1: dt.date(2025, 4, 10),
            2: dt.date(2025, 7, 10),
            3: dt.date(2025, 10, 10),
            4: dt.date(2026, 1, 15),
        },
    )
    window.show_status()
    view = window.status_view
    if view is None:
        return
    view.today = dt.date(2025, 8, 1)
    view.set_year(2025)
    view.resize(1300, 760)
    for _ in range(5):
        app.processEvents()
    view.grab().save(str(out / "screenshot-status.png"))
    print(out / "screenshot-status.png")


def _monitoring_view(app: QApplication, window: MainWindow, out: Path) -> None:
    """规划监测 of 2025 (the final evaluation: the demo reports 2024 and 2025), a chart."""
    window.show_monitoring()
    view = window.monitoring_view
    if view is None:
        return
    from .monitoring_view import MonitoringView

    if isinstance(view, MonitoringView):
        view.set_year(2025)
        view.table.selectRow(1)
    view.resize(1400, 760)
    for _ in range(5):
        app.processEvents()
    view.grab().save(str(out / "screenshot-monitoring.png"))
    print(out / "screenshot-monitoring.png")


def _dashboard_view(app: QApplication, window: MainWindow, store: Store, out: Path) -> None:
    """The 区看板 of 2025 (lights as of 1 August 2025), with its lights chart."""
    from .dashboard_view import show_dashboard

    view = show_dashboard(window, 2025)
    view.as_of = dt.date(2025, 8, 1)
    view.reload()
    while view.loading:  # read on a pool thread
        app.processEvents()
    view.resize(1500, 900)
    for name, tab in (("dashboard", 0), ("dashboard-lights", 1)):
        view.side.setCurrentIndex(tab)
        for _ in range(5):
            app.processEvents()
        view.grab().save(str(out / f"screenshot-{name}.png"))
        print(out / f"screenshot-{name}.png")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
