"""Excel benchmark (not a test): district summary export and return import at scale.

    /work/venv/bin/python benchmarks/bench_excel.py [--entries 100000] [--return-entries 10000]

Builds a synthetic district (41 units, one 2025 ledger each, ``--entries`` entries
over the six categories; the first unit's ledger holds ``--return-entries`` entries
with four quarters of progress) in a temporary database, then measures every
variant in a fresh subprocess (wall time and peak RSS from ``ru_maxrss``):

export  formatted   ``excel_summary.export_summary`` (completion, ranking, 6 category
                    sheets with merged headers, formats, drop-downs; reads the DB)
        raw variants dump the same category-sheet cells (read from the DB the same
                    way, then written with no formatting): openpyxl write-only,
                    xlsxwriter constant-memory, pandas ``DataFrame.to_excel``
import  formatted   ``excel_import.read_return`` + ``plan_import`` (parse and validate
                    every cell against the declarations, match against the database),
                    and the full import into a fresh database (one transaction)
        raw variants iterate every cell of the same file: openpyxl read-only,
                    python-calamine

Goals (issue 4): formatted export ≤ 1.3 × the fastest raw writer and ≤ 300 MB;
import ≤ 2 × the fastest raw reader.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEAR = 2025


# ---------------------------------------------------------------- the synthetic district


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
        return rng.choice(
            (
                "倒排工期、挂图作战，协调解决政策处理和要素保障问题。",
                "完成年度目标的45%，开展中期评估",
                None,
                "加强调度，落实责任",
            )[: 4 if not f.required else 2]
        )
    if t == FieldType.MONEY:
        return round(rng.uniform(100, 500000), 2)
    if t == FieldType.PERCENT:
        return round(rng.uniform(0, 100), 2)
    if t == FieldType.NUMBER:
        if f.key == "weight":
            return None
        return round(rng.uniform(0, 10000), 2)
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


def build_district(db: Path, entries: int, return_entries: int) -> tuple[int, float]:
    """Bulk-insert the synthetic district; returns (id of the big ledger, seconds)."""
    from xihu_desktop.core.categories import CATEGORIES, ENTRY_COLUMNS
    from xihu_desktop.store import Store
    from xihu_desktop.store.seed import initialise

    start = time.perf_counter()
    rng = random.Random(4)
    store = Store.open(db)
    initialise(store)
    targets = [t["id"] for t in store.catalogue.targets()]
    items: dict[str, list[int]] = {}
    for item in store.catalogue.items():
        items.setdefault(item["kind"], []).append(item["id"])
    units = store.units.list()
    ledgers = [store.ledgers.create(u.id, YEAR).id for u in units]
    share = [return_entries] + [
        (entries - return_entries) // (len(ledgers) - 1)
        + (1 if i < (entries - return_entries) % (len(ledgers) - 1) else 0)
        for i in range(len(ledgers) - 1)
    ]
    stamp = "2025-06-30T12:00:00"
    with store.transaction() as conn:
        n = 0
        for ledger_id, count in zip(ledgers, share, strict=True):
            rows = []
            for k in range(count):
                cat = CATEGORIES[k % len(CATEGORIES)]
                values = {f.key: _value(f, n, rng, targets, items) for f in cat.fields}
                if cat.key == "project":  # keep the row checks satisfied
                    values["goal"] = round(values["total_investment"] * 0.2, 2)
                    values["end_year"] = values["start_year"] + 3
                n += 1
                data = {
                    k2: v for k2, v in values.items() if k2 not in ENTRY_COLUMNS and v is not None
                }
                rows.append(
                    (
                        ledger_id,
                        cat.key,
                        k // len(CATEGORIES) + 1,
                        *(values.get(c) for c in ENTRY_COLUMNS),
                        json.dumps(data, ensure_ascii=False, sort_keys=True),
                        stamp,
                        stamp,
                    )
                )
            conn.executemany(
                "INSERT INTO entries (ledger_id, category, position, name, goal, actual, status, "
                "weight, target_id, catalogue_id, data, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        ids = [
            r[0] for r in conn.execute("SELECT id FROM entries WHERE ledger_id = ?", (ledgers[0],))
        ]
        conn.executemany(
            "INSERT INTO progress (entry_id, quarter, value, status, problems, next_steps, comment, "
            "follow_up, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    q,
                    round(rng.uniform(0, 100), 2),
                    rng.choice(("推进中", "已完成", "滞后")),
                    None,
                    "加强调度",
                    None,
                    0,
                    stamp,
                )
                for i in ids
                for q in (1, 2, 3, 4)
            ],
        )
    store.close()
    return ledgers[0], time.perf_counter() - start


# ---------------------------------------------------------------- measurements (subprocess)


def _category_rows(store: Any) -> dict[str, list[list[Any]]]:
    """The cells of the summary's category sheets, read from the DB as the export does."""
    from xihu_desktop.core.categories import CATEGORIES
    from xihu_desktop.exchange.return_layout import Links

    links = Links.of(store)
    ledgers = store.ledgers.list(year=YEAR)
    out = {}
    for cat in CATEGORIES:
        rows = []
        for ledger in ledgers:
            for i, e in enumerate(store.entries.list(ledger.id, cat.key), start=1):
                rows.append(
                    [
                        ledger.unit_name,
                        i,
                        *(links.display(f, e.values.get(f.key)) for f in cat.fields),
                    ]
                )
        out[cat.label] = rows
    return out


def _headers(cat_label: str) -> list[str]:
    from xihu_desktop.core.categories import find_category

    cat = find_category(cat_label)
    assert cat is not None
    return ["责任单位", "序号", *(f.header for f in cat.fields)]


def measure(name: str, db: Path, file: Path, out: Path) -> dict[str, Any]:
    from xihu_desktop.store import Store

    store = Store.open(db)
    start = time.perf_counter()
    cells = 0
    if name == "export_formatted":
        from xihu_desktop.exchange.excel_summary import export_summary

        export_summary(store, YEAR, out)
    elif name == "export_openpyxl_write_only":
        from openpyxl import Workbook

        data = _category_rows(store)
        wb = Workbook(write_only=True)
        for label, rows in data.items():
            ws = wb.create_sheet(label)
            ws.append(_headers(label))
            for r in rows:
                ws.append(r)
                cells += len(r)
        wb.save(out)
    elif name == "export_xlsxwriter_constant_memory":
        import xlsxwriter

        data = _category_rows(store)
        wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
        for label, rows in data.items():
            ws = wb.add_worksheet(label)
            ws.write_row(0, 0, _headers(label))
            for i, r in enumerate(rows, start=1):
                ws.write_row(i, 0, r)
                cells += len(r)
        wb.close()
    elif name == "export_pandas_to_excel":
        import pandas as pd

        data = _category_rows(store)
        with pd.ExcelWriter(out) as writer:
            engine = writer.engine
            for label, rows in data.items():
                pd.DataFrame(rows, columns=_headers(label)).to_excel(
                    writer, sheet_name=label, index=False
                )
                cells += sum(len(r) for r in rows)
        name = f"{name} ({engine})"
    elif name == "import_parse_validate":
        from xihu_desktop.exchange import excel_import

        parsed = excel_import.read_return(file, excel_import.Lookups.of(store))
        plan = excel_import.plan_import(store, parsed)
        assert not plan.problems and not plan.fatal, plan.problems[:3]
        cells = sum(len(r.values) for rows in parsed.rows.values() for r in rows)
    elif name == "import_into_fresh_db":
        from xihu_desktop.exchange import excel_import

        plan = excel_import.import_file(store, file)
        assert plan.count("new") > 0
    elif name == "import_openpyxl_read_only":
        import openpyxl

        wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
        wb.close()
    elif name == "import_calamine":
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(file))
        for sheet in wb.sheet_names:
            for row in wb.get_sheet_by_name(sheet).to_python():
                cells += len(row)
    else:
        raise SystemExit(f"unknown measurement {name}")
    seconds = time.perf_counter() - start
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = out.stat().st_size if out.exists() else 0
    return {"name": name, "seconds": seconds, "peak_mb": peak, "cells": cells, "bytes": size}


def _run(name: str, db: Path, file: Path, out: Path) -> dict[str, Any]:
    return _subprocess(["--measure", name, "--db", str(db), "--file", str(file), "--out", str(out)])


def _subprocess(args: list[str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"{args[:2]} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def setup(folder: Path, entries: int, return_entries: int) -> dict[str, Any]:
    from xihu_desktop.exchange.excel_export import export_ledger
    from xihu_desktop.store import Store
    from xihu_desktop.store.seed import initialise

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("district.sqlite3", "fresh.sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            (folder / (name + suffix)).unlink(missing_ok=True)
    big, seconds = build_district(folder / "district.sqlite3", entries, return_entries)
    with Store.open(folder / "district.sqlite3") as store:
        export_ledger(store, big, folder / "return.xlsx")
    with Store.open(folder / "fresh.sqlite3") as store:
        initialise(store)
    return {"seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--return-entries", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="folder for the data, reused when it exists")
    parser.add_argument("--only", choices=("export", "import"), help="run one half only")
    parser.add_argument("--measure")
    parser.add_argument("--setup", type=Path)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.db, args.file, args.out)))
        return
    if args.setup:
        print(json.dumps(setup(args.setup, args.entries, args.return_entries)))
        return
    # This process stays small: Linux children inherit the parent's peak RSS (ru_maxrss)
    # at fork, so everything heavy, the set-up included, runs in subprocesses.
    with tempfile.TemporaryDirectory(prefix="bench-excel-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        db, ret, pristine = (
            folder / "district.sqlite3",
            folder / "return.xlsx",
            folder / "fresh.sqlite3",
        )
        if not (db.exists() and ret.exists() and pristine.exists()):
            info = _subprocess(
                [
                    "--setup",
                    str(folder),
                    "--entries",
                    str(args.entries),
                    "--return-entries",
                    str(args.return_entries),
                ]
            )
            print(
                f"synthetic district: {args.entries:,} entries in 41 ledgers, built in "
                f"{info['seconds']:.1f} s"
            )
        print(f"return of {args.return_entries:,} entries: {ret.stat().st_size / 1e6:.1f} MB")
        fresh = folder / "fresh-run.sqlite3"
        shutil.copyfile(pristine, fresh)

        if args.only != "import":
            _export_half(db, ret, folder)
        if args.only != "export":
            _import_half(db, ret, fresh, folder)


def _export_half(db: Path, ret: Path, folder: Path) -> None:
    print("\nexport of the district summary")
    exports = [
        _run(n, db, ret, folder / f"{n}.xlsx")
        for n in (
            "export_formatted",
            "export_openpyxl_write_only",
            "export_xlsxwriter_constant_memory",
            "export_pandas_to_excel",
        )
    ]
    _table(exports)
    ours = exports[0]
    fastest = min(exports[1:], key=lambda r: r["seconds"])
    ratio = ours["seconds"] / fastest["seconds"]
    print(
        f"export goal: {ratio:.2f} × fastest raw writer ({fastest['name']}) "
        f"[goal ≤ 1.30] {'OK' if ratio <= 1.3 else 'MISSED'}; peak {ours['peak_mb']:.0f} MB "
        f"[goal ≤ 300] {'OK' if ours['peak_mb'] <= 300 else 'MISSED'}"
    )


def _import_half(db: Path, ret: Path, fresh: Path, folder: Path) -> None:
    print("\nimport of the return")
    imports = [
        _run(n, db, ret, folder / "none")
        for n in ("import_parse_validate", "import_openpyxl_read_only", "import_calamine")
    ]
    imports.append(_run("import_into_fresh_db", fresh, ret, folder / "none"))
    _table(imports)
    fastest_read = min(imports[1:3], key=lambda r: r["seconds"])
    for ours in (imports[0], imports[3]):
        ratio = ours["seconds"] / fastest_read["seconds"]
        print(
            f"import goal ({ours['name']}): {ratio:.2f} × fastest raw reader "
            f"({fastest_read['name']}) [goal ≤ 2.00] {'OK' if ratio <= 2 else 'MISSED'}"
        )


def _table(rows: list[dict[str, Any]]) -> None:
    print(f"  {'variant':52} {'time s':>8} {'peak MB':>8} {'file MB':>8}")
    for r in rows:
        size = f"{r['bytes'] / 1e6:8.1f}" if r["bytes"] else " " * 8
        print(f"  {r['name']:52} {r['seconds']:8.2f} {r['peak_mb']:8.0f} {size}")


if __name__ == "__main__":
    main()
