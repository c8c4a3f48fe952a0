"""Plain measuring functions for issue 15 (import, summary Excel, audit log size).

Each function returns a dict of figures (no printing, no assertions), so that
``benchmarks/run.py`` can call them; run this file for a quick look::

    PYTHONPATH=. python benchmarks/import_figures.py [--entries 10000] [--repeat 3]
        [--audit-units 8 --audit-years 2 --audit-entries 4000]

- :func:`import_vs_calamine`: ``excel_import.import_file`` (dry run, and a real import
  of a changed copy into a copy of the file) against python-calamine reading every
  cell of every sheet of the same return, interleaved, medians.
- :func:`summary_vs_xlsxwriter`: ``excel_summary.export_summary`` against xlsxwriter
  writing the category sheets' cells from a raw SELECT.
- :func:`audit_share`: a district built through the store API (add_many +
  progress.set_many), then the audit log's share of the file from ``dbstat``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

YEAR = 2025


# ---------------------------------------------------------------- building data


def _value(
    f: Any, i: int, rng: random.Random, targets: list[int], items: dict[str, list[int]]
) -> Any:
    from xihu_desktop.core.categories import FieldType
    from xihu_desktop.store.demo import credit_code

    t = f.type
    if f.key == "name":
        return f"{f.label[:4]}任务{i:06d}"
    if t == FieldType.TEXT:
        return f"{f.label}{rng.randint(1, 999)}"
    if t == FieldType.LONGTEXT:
        texts = ("倒排工期、挂图作战，协调解决政策处理和要素保障问题。", "加强调度，落实责任", None)
        return rng.choice(texts[:2] if f.required else texts)
    if t == FieldType.MONEY:
        return round(rng.uniform(100, 500000), 2)
    if t == FieldType.PERCENT:
        return round(rng.uniform(0, 100), 2)
    if t == FieldType.NUMBER:
        return None if f.key == "weight" else round(rng.uniform(0, 10000), 2)
    if t == FieldType.INTEGER:
        return rng.randint(0, 1000)
    if t == FieldType.YEAR:
        return rng.randint(2019, 2025)
    if t == FieldType.ENUM:
        return rng.choice(f.choices)
    if t == FieldType.CREDIT_CODE:
        return credit_code(rng)
    if t == FieldType.PHONE:
        return f"0571-8{rng.randint(1000000, 9999999)}"
    if t == FieldType.TARGET:
        return rng.choice(targets)
    if t == FieldType.CATALOGUE:
        return rng.choice(items[f.link])
    return None


def fill_ledger(
    store: Any, ledger_id: int, count: int, seed: int = 4, progress: bool = True
) -> None:
    """``count`` valid entries over the six categories through ``add_many`` (and four
    quarters of progress each through ``progress.set_many``)."""
    from xihu_desktop.core.categories import CATEGORIES, STATUSES

    rng = random.Random(seed * 100_003 + ledger_id)
    targets = [t["id"] for t in store.catalogue.targets()]
    items: dict[str, list[int]] = {}
    for item in store.catalogue.items():
        items.setdefault(item["kind"], []).append(item["id"])
    created: list[int] = []
    for n, cat in enumerate(CATEGORIES):
        rows = []
        for i in range(n, count, len(CATEGORIES)):
            values = {f.key: _value(f, i, rng, targets, items) for f in cat.fields}
            if cat.key == "project":  # the row checks: goal within the investment, years
                values["goal"] = round(values["total_investment"] * 0.2, 2)
                values["end_year"] = values["start_year"] + 3
            values = {k: v for k, v in values.items() if v is not None}
            if cat.key == "project":
                values.pop("actual", None)
            rows.append(values)
        if rows:
            created += store.entries.add_many(ledger_id, cat.key, rows).created
    if progress:
        store.progress.set_many(
            [
                (
                    e,
                    q,
                    {
                        "value": q * rng.randint(1, 20),
                        "status": rng.choice(STATUSES[:3]),
                        "next_steps": "加强调度",
                    },
                )
                for e in created
                for q in (1, 2, 3, 4)
            ]
        )


def build_return(folder: Path, entries: int) -> tuple[Path, Path]:
    """A database with one ledger of ``entries`` entries and its exported return."""
    from xihu_desktop.exchange.excel_export import export_ledger
    from xihu_desktop.store import Store
    from xihu_desktop.store.seed import initialise

    db = folder / "return.db"
    store = Store.open(db, create=True)
    initialise(store)
    ledger_id = store.ledgers.create(store.units.list()[0].id, YEAR).id
    fill_ledger(store, ledger_id, entries)
    out = Path(export_ledger(store, ledger_id, folder / "return.xlsx"))
    store.close()
    return db, out


def changed_copy(path: Path, out: Path, every: int = 50) -> Path:
    """A copy of a return with a goal changed on every ``every``-th row of each sheet."""
    import openpyxl

    from xihu_desktop.core.categories import CATEGORIES
    from xihu_desktop.exchange import return_layout as layout

    wb = openpyxl.load_workbook(path)
    for cat in CATEGORIES:
        ws = wb[layout.sheet_name(cat)]
        keys = [f.key for f in layout.category_columns(cat)]
        if "goal" not in keys:
            continue
        col = keys.index("goal") + 1
        for r in range(layout.FIRST_DATA_ROW + 1, ws.max_row + 1, every):
            cell = ws.cell(r, col)
            if isinstance(cell.value, int | float):
                cell.value = int(cell.value) + 1
    wb.save(out)
    return out


# ---------------------------------------------------------------- measuring


def _median_pair(
    ours: Callable[[], Any], floor: Callable[[], Any], repeat: int
) -> tuple[float, float]:
    """Interleaved: ours, floor, ours, floor … (medians of ``repeat`` each)."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(repeat):
        for fn, out in ((ours, a), (floor, b)):
            t = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def calamine_floor(path: Path) -> int:
    """python-calamine reading every cell of every sheet; the number of cells."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in wb.sheet_names:
        for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
            cells += len(row)
    return cells


def import_vs_calamine(entries: int = 10_000, repeat: int = 3) -> list[dict[str, Any]]:
    """Import of an ``entries``-entry return (dry run; real import of a changed copy into
    a copy of the file) against calamine reading the same cells."""
    from xihu_desktop.exchange.excel_import import import_file
    from xihu_desktop.store import Store

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db, path = build_return(folder, entries)
        changed = changed_copy(path, folder / "changed.xlsx")
        store = Store.open(db)
        ours, floor = _median_pair(
            lambda: import_file(store, path, dry_run=True), lambda: calamine_floor(path), repeat
        )
        store.close()
        out.append(_figure("import dry run", entries, ours, floor))
        copies = iter(range(repeat))

        def real() -> None:
            copy = folder / f"copy{next(copies)}.db"
            shutil.copy(db, copy)
            s = Store.open(copy)
            try:
                import_file(s, changed)
            finally:
                s.close()

        ours, floor = _median_pair(real, lambda: calamine_floor(changed), repeat)
        out.append(_figure("import changed copy", entries, ours, floor))
    return out


def _figure(name: str, size: int, ours: float, floor: float) -> dict[str, Any]:
    return {
        "name": name,
        "size": size,
        "ours_s": round(ours, 4),
        "floor_s": round(floor, 4),
        "ratio": round(ours / floor, 2) if floor else None,
    }


def summary_vs_xlsxwriter(db: Path, year: int = YEAR, repeat: int = 3) -> dict[str, Any]:
    """``export_summary`` against xlsxwriter writing the category sheets' cells from a raw
    SELECT (the same entries, no formatting)."""
    import xlsxwriter

    from xihu_desktop.exchange.excel_summary import export_summary
    from xihu_desktop.store import Store

    store = Store.open(db)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)

        def ours() -> None:
            export_summary(store, year, folder / "summary.xlsx")

        def floor() -> None:
            conn = sqlite3.connect(db)
            book = xlsxwriter.Workbook(str(folder / "raw.xlsx"), {"constant_memory": True})
            sheets: dict[str, Any] = {}
            rows: dict[str, int] = {}
            for row in conn.execute(
                "SELECT e.category, u.name, e.position, e.name, e.goal, e.actual, e.status, "
                "e.weight, e.target_id, e.catalogue_id, e.data FROM entries e "
                "JOIN ledgers l ON l.id = e.ledger_id JOIN units u ON u.id = l.unit_id "
                "WHERE l.year = ? ORDER BY e.category, u.id, e.position",
                (year,),
            ):
                ws = sheets.get(row[0])
                if ws is None:
                    ws = sheets[row[0]] = book.add_worksheet(row[0])
                    rows[row[0]] = 0
                ws.write_row(rows[row[0]], 0, row[1:])
                rows[row[0]] += 1
            book.close()
            conn.close()

        ours_s, floor_s = _median_pair(ours, floor, repeat)
    store.close()
    entries = sqlite3.connect(db).execute("SELECT count(*) FROM entries").fetchone()[0]
    return _figure("summary excel", entries, ours_s, floor_s)


def audit_share_of(db: Path) -> dict[str, Any]:
    """The audit log's bytes (table and its indexes) and share of the file, from dbstat."""
    conn = sqlite3.connect(db)
    sizes = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
    tables = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master"))
    rows = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    conn.close()
    total = sum(sizes.values())
    audit = sum(v for k, v in sizes.items() if tables.get(k) in ("audit_log", "audit_head"))
    return {
        "name": "audit log share",
        "size": entries,
        "audit_rows": rows,
        "audit_mb": round(audit / 1e6, 2),
        "file_mb": round(total / 1e6, 2),
        "share": round(audit / total, 3),
        "largest": sorted(sizes.items(), key=lambda kv: -kv[1])[:6],
    }


def build_district(db: Path, units: int = 8, years: int = 2, entries: int = 4000) -> Path:
    """A district of ``units`` units × ``years`` years holding ``entries`` entries in all,
    built through the store API (add_many + progress.set_many)."""
    from xihu_desktop.store import Store
    from xihu_desktop.store.seed import initialise

    store = Store.open(db, create=True)
    initialise(store)
    unit_ids = [u.id for u in store.units.list()]
    per = max(1, entries // (units * years))
    for year in range(YEAR - years + 1, YEAR + 1):
        for unit_id in unit_ids[:units]:
            ledger_id = store.ledgers.create(unit_id, year).id
            fill_ledger(store, ledger_id, per)
    store.close()
    return db


def audit_share(units: int = 8, years: int = 2, entries: int = 4000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = build_district(Path(tmp) / "district.db", units, years, entries)
        return audit_share_of(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000, help="entries of the return")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--audit-units", type=int, default=8)
    parser.add_argument("--audit-years", type=int, default=2)
    parser.add_argument("--audit-entries", type=int, default=4000)
    parser.add_argument("--skip", nargs="*", default=(), choices=("import", "summary", "audit"))
    args = parser.parse_args()
    if "import" not in args.skip:
        for figure in import_vs_calamine(args.entries, args.repeat):
            print(figure)
    if "audit" not in args.skip or "summary" not in args.skip:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            db = build_district(
                Path(tmp) / "district.db", args.audit_units, args.audit_years, args.audit_entries
            )
            print({"name": "build district", "seconds": round(time.perf_counter() - t, 2)})
            if "audit" not in args.skip:
                print(audit_share_of(db))
            if "summary" not in args.skip:
                print(summary_vs_xlsxwriter(db, YEAR, args.repeat))


if __name__ == "__main__":
    main()
