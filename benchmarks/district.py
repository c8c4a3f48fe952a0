"""The benchmark district: built deterministically through the store API, and its floor.

:func:`make_district` builds about 70 units × five years of ledgers (one ledger of
about 5,000 entries, the others 100–400), four quarters of progress per entry, the
decomposition of every year, deadlines and some returns under review, all through
``Store`` as the app writes them (validation, audit log, search index). Then
:func:`executemany_floor` writes the same rows with plain ``sqlite3.executemany`` into a
copy of the schema (tables and indexes only): the bare minimum for the same data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

SEED = 20260115
LAST_YEAR = 2025
#: The one big ledger: the issue's "largest ledger" (5,000 entries on the full district).
BIG_UNIT_INDEX = 0

_LONG = (
    "倒排工期、挂图作战，协调解决政策处理和要素保障问题。",
    "完成年度目标的45%，开展中期评估",
    "加强调度，落实责任",
)
_STATUSES = ("推进中", "已完成", "滞后", "基本完成")


def sidecar(db: Path) -> Path:
    """Where the build's figures are kept, so ``--db`` can report them later."""
    return db.with_name(db.name + ".bench.json")


def years_of(count: int) -> list[int]:
    return list(range(LAST_YEAR - count + 1, LAST_YEAR + 1))


def _value(
    f: Any, n: int, rng: random.Random, targets: list[int], items: dict[str, list[int]]
) -> Any:
    """A valid value of field ``f`` for the ``n``-th entry (see store/demo.py)."""
    from xihu_desktop.core.categories import FieldType
    from xihu_desktop.store.demo import credit_code

    t = f.type
    if f.key == "name":
        return f"{f.label[:4]}任务{n:06d}"
    if t == FieldType.TEXT:
        return f"{f.label}{rng.randint(1, 999)}"
    if t == FieldType.LONGTEXT:
        return rng.choice(_LONG) if f.required or rng.random() < 0.7 else None
    if t == FieldType.MONEY:
        return round(rng.uniform(100, 500000), 2)
    if t == FieldType.PERCENT:
        return round(rng.uniform(0, 100), 2)
    if t == FieldType.NUMBER:
        return None if f.key == "weight" else round(rng.uniform(10, 10000), 2)
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
        return rng.choice(targets) if targets and rng.random() < 0.5 else None
    if t == FieldType.CATALOGUE:
        pool = items.get(f.link or "", [])
        return rng.choice(pool) if pool and rng.random() < 0.5 else None
    return None


def entry_values(
    cat: Any, n: int, rng: random.Random, targets: list[int], items: dict[str, list[int]]
) -> dict[str, Any]:
    values = {f.key: _value(f, n, rng, targets, items) for f in cat.fields}
    if cat.key == "project":  # the row checks: goal within the investment, years in order
        total = values.get("total_investment") or 1000.0
        values["total_investment"] = total
        values["goal"] = round(total * 0.2, 2)
        if values.get("start_year") is not None:
            values["end_year"] = values["start_year"] + 3
    if cat.key == "indicator":  # a measure unit the target's checks accept
        values["target_id"] = None
    return {k: v for k, v in values.items() if v is not None}


def ledger_sizes(ledgers: int, entries: int, big: int, rng: random.Random) -> list[int]:
    """Entries per ledger: the first gets ``big``, the rest share the remainder unevenly."""
    rest = max(entries - big, 0)
    weights = [rng.uniform(0.4, 1.6) for _ in range(ledgers - 1)]
    total = sum(weights) or 1.0
    sizes = [int(rest * w / total) for w in weights]
    for i in range(rest - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return [big, *sizes]


def make_district(
    path: Path, units: int = 70, years: int = 5, entries: int = 100_000, log: Any = print
) -> dict[str, Any]:
    """Build the district at ``path`` through the store; returns its figures (also kept
    in :func:`sidecar`)."""
    from xihu_desktop.core.catalogue import load_catalogue
    from xihu_desktop.core.categories import CATEGORIES
    from xihu_desktop.store import Store
    from xihu_desktop.store.demo import unit_areas
    from xihu_desktop.store.demo_district import fill_decomposition
    from xihu_desktop.store.seed import initialise

    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    rng = random.Random(SEED)
    all_years = years_of(years)
    start = time.perf_counter()
    store = Store.open(path, create=True)
    initialise(store)
    have = store.units.list()
    for k in range(len(have) + 1, units + 1):
        store.units.add(f"D{k:02d}", f"区级部门D{k:02d}", "department")
    unit_list = store.units.list()[:units]
    targets = [t.id for t in store.catalogue.targets()]
    items: dict[str, list[int]] = {}
    for item in store.catalogue.items():
        items.setdefault(item.kind, []).append(item.id)
    ledger_ids = [store.ledgers.create(u.id, y).id for y in all_years for u in unit_list]
    big = max(1000, min(5000, entries // 20))
    # the big ledger is the first unit's in the last year (what the window opens on)
    order = sorted(range(len(ledger_ids)), key=lambda i: (i // len(unit_list) != years - 1, i))
    sizes = dict(zip(order, ledger_sizes(len(ledger_ids), entries, big, rng), strict=True))
    n = 0
    for i, ledger_id in enumerate(ledger_ids):
        by_cat: dict[str, list[dict[str, Any]]] = {}
        for k in range(sizes[i]):
            cat = CATEGORIES[k % len(CATEGORIES)]
            by_cat.setdefault(cat.key, []).append(entry_values(cat, n, rng, targets, items))
            n += 1
        progress: list[tuple[int, int, dict[str, Any]]] = []
        with store.transaction():  # one ledger's return: one transaction, as an import
            for cat_key, rows in by_cat.items():
                created = store.entries.add_many(ledger_id, cat_key, rows, validate=True).created
                for entry_id, row in zip(created, rows, strict=True):
                    goal = float(row.get("goal") or 100.0)
                    for q in (1, 2, 3, 4):
                        value = float(round(goal * q / 4 * rng.uniform(0.6, 1.1)))
                        status = rng.choice(_STATUSES)
                        progress.append((entry_id, q, {"value": value, "status": status}))
            store.progress.set_many(progress)
        if i % 50 == 0:
            log(
                f"  ledger {i + 1}/{len(ledger_ids)}, {n:,} entries, {time.perf_counter() - start:.0f} s"
            )
    areas = unit_areas(load_catalogue())
    with store.transaction():
        fill_decomposition(store, tuple(all_years), random.Random(SEED + 1), areas)
    for y in all_years:  # deadlines, and some returns arrived, accepted or sent back
        store.reporting.set_deadlines(y, {q: dt.date(y, 3 * q, 28) for q in (1, 2, 3, 4)})
        for k, u in enumerate(unit_list[:: max(1, len(unit_list) // 12)]):
            store.review.record_return(y, u.id, f"{u.name}{y}.xlsx", None)
            if k % 3 == 0:
                store.review.accept(y, u.id)
            elif k % 3 == 1:
                store.review.send_back(y, u.id, "进度数据与附件不一致，请核实后重报")
    store.close()
    seconds = time.perf_counter() - start
    info = {
        "units": len(unit_list),
        "years": all_years,
        "entries": n,
        "big_ledger_entries": big,
        "store_s": seconds,
        "file_mb": file_mb(path),
        "audit_share": audit_share(path),
    }
    info["floor_s"] = executemany_floor(path, path.with_name(path.stem + "-floor.sqlite3"))
    sidecar(path).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info


def file_mb(path: Path) -> float:
    size = sum(
        Path(str(path) + s).stat().st_size for s in ("", "-wal") if Path(str(path) + s).exists()
    )
    return size / 1e6


def audit_share(path: Path) -> float | None:
    """Share of the file's pages held by the audit log (table and its indexes)."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
        names = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master").fetchall())
    except sqlite3.Error:
        return None
    finally:
        conn.close()
    total = sum(size for _, size in rows) or 1
    audit = sum(size for name, size in rows if names.get(name, name).startswith("audit_log"))
    return audit / total


def _floor_tables(conn: sqlite3.Connection) -> list[str]:
    skip = ("sqlite_", "audit_", "entries_fts")
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid"
        )
        if not name.startswith(skip)
    ]


def executemany_floor(source: Path, dest: Path) -> float:
    """Seconds to write the district's rows (every table but the audit log and the search
    index) with plain executemany into a copy of the schema (tables and indexes)."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    src = sqlite3.connect(source)
    tables = _floor_tables(src)
    schema = [
        sql
        for (sql,) in src.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index') ORDER BY type DESC, rowid"
        )
    ]
    columns = {t: [r[1] for r in src.execute(f'PRAGMA table_info("{t}")')] for t in tables}
    data = {t: src.execute(f'SELECT {", ".join(columns[t])} FROM "{t}"').fetchall() for t in tables}
    src.close()
    out = sqlite3.connect(dest, isolation_level=None)
    for sql in schema:
        if sql.startswith("CREATE VIRTUAL") or any(
            f"TABLE '{s}" in sql or f"TABLE {s}" in sql for s in ("audit_", "entries_fts")
        ):
            continue
        with contextlib.suppress(sqlite3.Error):  # an index of a table left out
            out.execute(sql)
    out.execute("PRAGMA journal_mode = WAL")
    start = time.perf_counter()
    out.execute("BEGIN")
    for table, rows in data.items():
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            names = ", ".join(columns[table])
            out.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
    out.execute("COMMIT")
    seconds = time.perf_counter() - start
    out.close()
    return seconds


def copy_db(source: Path, dest: Path) -> Path:
    """A consistent copy of a WAL database (checkpointed through the backup API)."""
    src = sqlite3.connect(source)
    out = sqlite3.connect(dest)
    src.backup(out)
    out.close()
    src.close()
    return dest


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    shutil.rmtree(path.with_name("备份"), ignore_errors=True)


if __name__ == "__main__":  # a module of run.py: --help says so
    import argparse

    argparse.ArgumentParser(
        description=f"{(__doc__ or '').splitlines()[0]} (the district builder of benchmarks/run.py; "
        "run that script)."
    ).parse_args()
