"""Screenshots of the ledger window on the demo district (for the README).

``xvfb-run -a -s "-screen 0 1600x1000x24" python -m xihu_desktop.ui.screenshot docs``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings

from ..core.enums import LedgerStatus


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
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
