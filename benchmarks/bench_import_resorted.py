"""One edit in a re-sorted return: how long the import takes as the return grows.

python benchmarks/bench_import_resorted.py [--rows 1000 2000 5000]

Builds a ledger of N projects, exports its return, sorts the project rows by name
descending (as a clerk sorting in Excel does), changes one cell and imports the file
back, timed. The import used to match and move rows one by one (20 s for 1,000 rows,
83 s for 2,000); the goal is under 2 s for 5,000. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import openpyxl

from xihu_desktop.core.categories import PROJECT
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise


def run(rows: int, folder: Path) -> tuple[float, str]:
    store = Store.open(folder / f"bench{rows}.sqlite3")
    initialise(store)
    unit = store.units.list()[0]
    ledger_id = store.ledgers.create(unit.id, 2025).id
    store.entries.add_many(
        ledger_id,
        "project",
        [
            {"name": f"项目{i:05d}", "owner_org": "某集团", "nature": "续建", "goal": 100 + i}
            for i in range(rows)
        ],
    )
    out = ee.export_ledger(store, ledger_id, folder / f"r{rows}.xlsx")
    wb = openpyxl.load_workbook(out)
    ws = wb[PROJECT.label]
    first = layout.FIRST_DATA_ROW + 1
    data = [[c.value for c in r] for r in ws.iter_rows(min_row=first)]
    name = [f.key for f in layout.category_columns(PROJECT)].index("name")
    data.sort(key=lambda r: str(r[name]), reverse=True)
    goal = [f.key for f in layout.category_columns(PROJECT)].index("goal")
    data[rows // 2][goal] = 99999  # the one edit
    for r, values in enumerate(data, start=first):
        for c, v in enumerate(values, start=1):
            ws.cell(r, c).value = v
    wb.save(out)
    t = time.perf_counter()
    plan = ei.import_file(store, out)
    elapsed = time.perf_counter() - t
    store.close()
    return elapsed, plan.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 2000, 5000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            elapsed, summary = run(rows, Path(tmp))
            print(f"{rows:>6} rows, re-sorted, one edit: import {elapsed:.2f} s  ({summary})")


if __name__ == "__main__":
    main()
