"""The suite's figures that need no window: each is ours against its floor.

A figure is built by a factory ``fig_NAME(ctx) -> Figure`` (set-up untimed); the runner
in run.py calls ``ours`` and ``floor`` in turn, ``prepare`` before each untimed. A call
may return the peak RSS (MB) of a subprocess it ran; otherwise the measuring process's
own peak is reported.
"""

from __future__ import annotations

import functools
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Context:
    db: Path
    work: Path
    year: int
    quick: bool


@dataclass
class Figure:
    size: str
    ours: Callable[[], Any]
    floor: Callable[[], Any] | None = None
    prepare: Callable[[], Any] | None = None
    repeat: int | None = None  # at most this many rounds (slow figures)
    close: list[Callable[[], Any]] = field(default_factory=list)


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    out = {**os.environ, **(extra or {})}
    out["PYTHONPATH"] = str(ROOT) + os.pathsep + out.get("PYTHONPATH", "")
    out.setdefault("QT_QPA_PLATFORM", "offscreen")
    return out


def spawn(
    args: list[str],
    timeout: float = 300,
    show_log: bool = False,
    extra_env: dict[str, str] | None = None,
) -> float:
    """Run a subprocess to its end; returns its peak RSS in MB (from wait4). Its output is
    dropped (``show_log``: its stderr is passed through); a failure raises with its end."""
    with tempfile.TemporaryFile() as log:  # not a pipe: a pipe could fill and block
        proc = subprocess.Popen(
            args, env=env(extra_env), stdout=subprocess.DEVNULL, stderr=None if show_log else log
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                raise TimeoutError(f"{args[1:3]} ran over {timeout:.0f} s")
            time.sleep(0.002)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            log.seek(0)
            err = log.read().decode(errors="replace").strip()
            raise RuntimeError(f"{' '.join(args[1:3])} exit {proc.returncode}: {err[-300:]}")
    return usage.ru_maxrss / 1024


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@functools.cache
def raw(db: Path) -> sqlite3.Connection:
    """One plain connection per file, kept open (the floors' side of an open store)."""
    return sqlite3.connect(db)


def big_ledger(db: Path, year: int) -> tuple[int, int, int]:
    """(ledger id, unit id, entries) of the year's largest ledger."""
    conn = raw(db)
    row = conn.execute(
        "SELECT l.id, l.unit_id, count(*) AS n FROM ledgers l JOIN entries e ON e.ledger_id = l.id "
        "WHERE l.year = ? GROUP BY l.id ORDER BY n DESC LIMIT 1",
        (year,),
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def year_entries(db: Path, year: int) -> int:
    conn = raw(db)
    n = conn.execute(
        "SELECT count(*) FROM entries e JOIN ledgers l ON l.id = e.ledger_id WHERE l.year = ?",
        (year,),
    ).fetchone()[0]
    return int(n)


def copy_of(ctx: Context, name: str) -> Path:
    from district import copy_db

    dest = ctx.work / f"{name}.sqlite3"
    if not dest.exists():
        copy_db(ctx.db, dest)
    return dest


# ---------------------------------------------------------------- floors (raw SQL + a loop)


def completion_loop(db: Path, year: int) -> list[tuple[Any, float]]:
    """SELECT every entry's goal and actual of a year, completion per unit and category."""
    conn = raw(db)
    sums: dict[tuple[int, str], list[float]] = {}
    for unit, cat, goal, actual in conn.execute(
        "SELECT l.unit_id, e.category, e.goal, e.actual FROM entries e "
        "JOIN ledgers l ON l.id = e.ledger_id WHERE l.year = ?",
        (year,),
    ):
        acc = sums.setdefault((unit, cat), [0.0, 0.0])
        acc[1] += 1
        if goal:
            acc[0] += min(float(actual or 0) / float(goal), 1.0)
    scores: dict[int, float] = {}
    for (unit, _), (done, n) in sums.items():
        scores[unit] = scores.get(unit, 0.0) + done / n
    return sorted(scores.items(), key=lambda kv: -kv[1])


def status_loop(db: Path, year: int) -> list[tuple[Any, ...]]:
    """Every unit with its ledger's state and last change (what the overview lists)."""
    conn = raw(db)
    rows = conn.execute(
        "SELECT u.id, u.name, l.status, l.updated_at FROM units u "
        "LEFT JOIN ledgers l ON l.unit_id = u.id AND l.year = ? ORDER BY u.position",
        (year,),
    ).fetchall()
    return rows


def monitoring_loop(db: Path, year: int) -> dict[int, float]:
    """The year's goals and, per planned target, the sum of its entries' actuals."""
    conn = raw(db)
    goals = dict(conn.execute("SELECT target_id, goal FROM target_goals WHERE year = ?", (year,)))
    out: dict[int, float] = dict.fromkeys(goals, 0.0)
    for target, actual in conn.execute(
        "SELECT e.target_id, sum(e.actual) FROM ledgers l JOIN entries e ON e.ledger_id = l.id "
        "WHERE l.year = ? AND e.target_id IS NOT NULL GROUP BY e.target_id",
        (year,),
    ):
        out[target] = float(actual or 0)
    return out


# ---------------------------------------------------------------- the figures


def fig_xihu_units(ctx: Context) -> Figure:
    py = sys.executable
    query = (
        "import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);"
        "[print(*r) for r in c.execute('SELECT code, name, kind FROM units ORDER BY position')]"
    )
    return Figure(
        "1 command",
        lambda: spawn([py, "-m", "xihu_desktop.cli", "units", "--db", str(ctx.db)]),
        lambda: spawn([py, "-c", query, str(ctx.db)]),
    )


def fig_open_file(ctx: Context) -> Figure:
    from xihu_desktop.store import Store

    def ours() -> None:
        Store.open(ctx.db).close()

    def floor() -> None:
        conn = sqlite3.connect(ctx.db)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()

    from district import file_mb

    return Figure(f"{file_mb(ctx.db):.0f} MB", ours, floor)


def fig_first_start_of_day(ctx: Context) -> Figure:
    """Open, the day's backup and its check (the app's start-up path before the window);
    floor: copying the file's bytes. The day's earlier backups are removed before each."""
    from district import file_mb

    from xihu_desktop.paths import backups_dir
    from xihu_desktop.store import Store
    from xihu_desktop.store.backups import daily_backup

    db = copy_of(ctx, "daily")
    folder = backups_dir(db)
    kept = ctx.work / "kept"

    def prepare() -> None:
        shutil.rmtree(folder, ignore_errors=True)
        Path(str(kept)).unlink(missing_ok=True)

    def ours() -> None:
        store = Store.open(db)
        daily_backup(store)
        store.close()

    def floor() -> None:
        shutil.copyfile(db, kept)

    return Figure(f"{file_mb(db):.0f} MB", ours, floor, prepare=prepare)


def fig_ranking(ctx: Context) -> Figure:
    from xihu_desktop.store import Store

    store = Store.open(ctx.db)
    return Figure(
        f"{year_entries(ctx.db, ctx.year):,} entries",
        lambda: store.dashboard.ranking(ctx.year),
        lambda: completion_loop(ctx.db, ctx.year),
        close=[store.close],
    )


def fig_dashboard(ctx: Context) -> Figure:
    from xihu_desktop.exchange.dashboard import dashboard_frame
    from xihu_desktop.store import Store

    store = Store.open(ctx.db)

    def ours() -> None:
        store.dashboard.figures(ctx.year)
        dashboard_frame(store, ctx.year)

    return Figure(
        f"{year_entries(ctx.db, ctx.year):,} entries",
        ours,
        lambda: completion_loop(ctx.db, ctx.year),
        close=[store.close],
    )


def fig_status(ctx: Context) -> Figure:
    from xihu_desktop.store import Store

    store = Store.open(ctx.db)
    return Figure(
        f"{year_entries(ctx.db, ctx.year):,} entries",
        lambda: store.reporting.status(ctx.year),
        lambda: status_loop(ctx.db, ctx.year),
        close=[store.close],
    )


def fig_monitoring(ctx: Context) -> Figure:
    from xihu_desktop.exchange.monitoring import monitor
    from xihu_desktop.store import Store

    store = Store.open(ctx.db)
    return Figure(
        f"{year_entries(ctx.db, ctx.year):,} entries",
        lambda: monitor(store, ctx.year),
        lambda: monitoring_loop(ctx.db, ctx.year),
        close=[store.close],
    )


def fig_export_pdf_all(ctx: Context) -> Figure:
    """``export-pdf --all`` (every unit's sheet and the combined file) against a reportlab
    canvas drawing the same rows (collected once, untimed)."""
    from pdf_canvas import canvas_draw

    from xihu_desktop.exchange import pdf_sheet, sheet_data
    from xihu_desktop.exchange.pdf_fonts import register_font
    from xihu_desktop.store import Store

    db = copy_of(ctx, "pdf")
    store = Store.open(db)
    font = register_font()
    sheets = [sheet_data.collect_sheet(store, lg.id) for lg in store.ledgers.list(year=ctx.year)]
    out, floor_out = ctx.work / "pdf-all", ctx.work / "pdf-canvas"

    def prepare() -> None:
        for folder in (out, floor_out):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()

    def floor() -> None:
        for i, sheet in enumerate(sheets):
            canvas_draw(sheet, floor_out / f"{i}.pdf", font)

    return Figure(
        f"{year_entries(db, ctx.year):,} rows",
        lambda: pdf_sheet.export_year(store, ctx.year, out),
        floor,
        prepare=prepare,
        repeat=1 if ctx.quick else 3,
        close=[store.close],
    )


def fig_export_pdf_summary(ctx: Context) -> Figure:
    from xihu_desktop.exchange import pdf_summary
    from xihu_desktop.store import Store

    store = Store.open(ctx.db)
    units = len(store.units.list())
    out = ctx.work / "summary.pdf"
    return Figure(
        f"{units} units",
        lambda: pdf_summary.render_summary(store, ctx.year, out),
        None,
        close=[store.close],
    )


@dataclass
class Return:
    """The return of the import figures: exported from ``source`` (a ledger of ``n``
    entries), imported into ``target``, a fresh copy of ``pristine`` before each call."""

    n: int
    source: Path
    pristine: Path
    target: Path
    path: Path

    def prepare(self) -> None:
        from district import copy_db, remove_db

        remove_db(self.target)
        copy_db(self.pristine, self.target)


def return_setup(ctx: Context) -> Return:
    """A return of 10,000 entries (2,500 with --quick) and a fresh initialised file."""
    import random

    from district import entry_values

    from xihu_desktop.core.categories import CATEGORIES
    from xihu_desktop.exchange.excel_export import export_ledger
    from xihu_desktop.store import Store
    from xihu_desktop.store.seed import initialise

    n = 2_500 if ctx.quick else 10_000
    source, pristine, target = (ctx.work / f"{s}.sqlite3" for s in ("ret-src", "ret-fresh", "ret"))
    ret = Return(n, source, pristine, target, ctx.work / "return.xlsx")
    with Store.open(source, create=True) as store:
        initialise(store)
        unit = store.units.list()[0]
        ledger_id = store.ledgers.create(unit.id, ctx.year).id
        rng = random.Random(7)
        with store.transaction():
            for k, cat in enumerate(CATEGORIES):
                rows = [entry_values(cat, i, rng, [], {}) for i in range(k, n, len(CATEGORIES))]
                store.entries.add_many(ledger_id, cat.key, rows)
        export_ledger(store, ledger_id, ret.path)
    with Store.open(pristine, create=True) as store:
        initialise(store)
    return ret


def fig_import_return(ctx: Context) -> Figure:
    """A return of 10,000 entries (2,500 with --quick) imported into a fresh file, against
    python-calamine reading every cell of the same workbook."""
    from import_figures import calamine_floor

    from xihu_desktop.exchange.excel_import import import_file
    from xihu_desktop.store import Store

    ret = return_setup(ctx)

    def ours() -> None:
        with Store.open(ret.target) as store:
            plan = import_file(store, ret.path, new_ledger=True)
            if plan.count("new") < ret.n:
                raise RuntimeError(f"import wrote {plan.count('new')} of {ret.n} entries")

    return Figure(f"{ret.n:,} entries", ours, lambda: calamine_floor(ret.path), prepare=ret.prepare)


def bare_writes(ctx: Context, search: str) -> Figure:
    """The least any import of the return must do, against calamine alone.

    ``ours``: calamine reads every cell (the floor), then the return's entries — the rows
    the real import writes, taken untimed from the file the return was exported from with
    a plain SELECT of the ``entries`` columns (all but ``id`` and the generated
    ``search_text``) — are inserted into the fresh target's real ``entries`` table with
    one ``executemany`` in one transaction, committed, by plain sqlite3 with the app's
    pragmas (``store.connection.configure``: WAL, ``synchronous = FULL``, foreign keys).
    No checks, no audit rows, no revision bump; the ledger they belong to is made in
    ``prepare`` (untimed). The table keeps its real indexes (``entries_ledger``,
    ``_target``, ``_catalogue``, ``_key``, ``_scoring``) and triggers, among them
    ``entries_scored_ai`` (it checks each row's scoring columns; copied right, they
    need no update) and the full-text index's ``entries_ai``, which fills
    ``entries_fts`` from each inserted row. ``search``:

    - ``"trigger"``: as the schema has it, ``entries_ai`` indexes row by row;
    - ``"bulk"``: the schema's pause (db/011_bulk_writes.sql) stops it and the block is
      indexed in one INSERT…SELECT at the end, as the app's import does
      (``store.search.indexed_in_bulk``);
    - ``"none"``: the search triggers (``entries_ai``, ``_ad``, ``_au``) are dropped in
      the target copy in ``prepare``, so nothing is indexed.
    """
    from import_figures import calamine_floor

    from xihu_desktop.store import Store
    from xihu_desktop.store.connection import configure
    from xihu_desktop.store.search import TRIGGERS, indexed_in_bulk

    ret = return_setup(ctx)
    src = sqlite3.connect(ret.source)
    columns = [
        r[1] for r in src.execute("PRAGMA table_xinfo(entries)") if r[1] != "id" and r[6] == 0
    ]
    at = columns.index("ledger_id")
    rows = src.execute(f"SELECT {', '.join(columns)} FROM entries ORDER BY id").fetchall()
    unit_id = src.execute("SELECT unit_id FROM ledgers").fetchone()[0]
    src.close()
    if len(rows) != ret.n:
        raise RuntimeError(f"the return's source holds {len(rows)} entries, not {ret.n}")
    sql = f"INSERT INTO entries ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    ledger: list[int] = []

    def prepare() -> None:
        ret.prepare()
        with Store.open(ret.target) as store:
            ledger[:] = [store.ledgers.create(unit_id, ctx.year).id]
        if search == "none":
            conn = sqlite3.connect(ret.target)
            for name in TRIGGERS:
                conn.execute(f'DROP TRIGGER "{name}"')
            conn.commit()
            conn.close()

    def ours() -> None:
        calamine_floor(ret.path)
        values = [(*r[:at], ledger[0], *r[at + 1 :]) for r in rows]
        conn = sqlite3.connect(ret.target, isolation_level=None)
        configure(conn)
        conn.execute("BEGIN IMMEDIATE")
        if search == "bulk":  # ids are given in order from the largest plus one
            first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM entries").fetchone()[0]
            with indexed_in_bulk(conn, first, first + len(values) - 1):
                conn.executemany(sql, values)
        else:
            conn.executemany(sql, values)
        conn.execute("COMMIT")
        written = conn.execute(
            "SELECT count(*) FROM entries WHERE ledger_id = ?", (ledger[0],)
        ).fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM entries_fts_docsize").fetchone()[0]
        conn.close()
        if written != ret.n or indexed != (0 if search == "none" else ret.n):
            raise RuntimeError(f"bare writes left {written} of {ret.n} entries, {indexed} indexed")

    return Figure(f"{ret.n:,} entries", ours, lambda: calamine_floor(ret.path), prepare=prepare)


def fig_import_bare_writes(ctx: Context) -> Figure:
    """:func:`bare_writes` with the table's triggers as the schema has them."""
    return bare_writes(ctx, "trigger")


def fig_import_bare_bulk_fts(ctx: Context) -> Figure:
    """:func:`bare_writes` with the search index filled in one statement at the end."""
    return bare_writes(ctx, "bulk")


def fig_import_bare_no_fts(ctx: Context) -> Figure:
    """:func:`bare_writes` with the search index's triggers dropped in the target."""
    return bare_writes(ctx, "none")


def fig_summary_excel(ctx: Context) -> Figure:
    """The district summary workbook against xlsxwriter writing the category sheets' cells
    from a raw SELECT (constant memory)."""
    import xlsxwriter

    from xihu_desktop.core.categories import CATEGORIES, ENTRY_COLUMNS
    from xihu_desktop.exchange.excel_summary import export_summary
    from xihu_desktop.store import Store

    store = Store.open(ctx.db)
    out, floor_out = ctx.work / "summary.xlsx", ctx.work / "summary-floor.xlsx"

    def floor() -> None:
        conn = raw(ctx.db)
        wb = xlsxwriter.Workbook(str(floor_out), {"constant_memory": True})
        for cat in CATEGORIES:
            ws = wb.add_worksheet(cat.label)
            ws.write_row(0, 0, ["责任单位", "序号", *(f.header for f in cat.fields)])
            cols = ", ".join(f"e.{c}" for c in ENTRY_COLUMNS)
            rows = conn.execute(
                f"SELECT u.name, e.position, e.data, {cols} FROM entries e "
                "JOIN ledgers l ON l.id = e.ledger_id JOIN units u ON u.id = l.unit_id "
                "WHERE l.year = ? AND e.category = ? ORDER BY u.position, e.position",
                (ctx.year, cat.key),
            )
            for i, (unit, pos, data, *columns) in enumerate(rows, start=1):
                values = json.loads(data or "{}")
                values.update(zip(ENTRY_COLUMNS, columns, strict=True))
                ws.write_row(i, 0, [unit, pos, *(values.get(f.key) for f in cat.fields)])
        wb.close()

    return Figure(
        f"{year_entries(ctx.db, ctx.year):,} entries",
        lambda: export_summary(store, ctx.year, out),
        floor,
        close=[store.close],
    )


FIGURES: dict[str, Callable[[Context], Figure]] = {
    "xihu_units": fig_xihu_units,
    "open_file": fig_open_file,
    "first_start_of_day": fig_first_start_of_day,
    "ranking": fig_ranking,
    "dashboard": fig_dashboard,
    "status": fig_status,
    "monitoring": fig_monitoring,
    "export_pdf_all": fig_export_pdf_all,
    "export_pdf_summary": fig_export_pdf_summary,
    "import_return": fig_import_return,
    "import_bare_writes": fig_import_bare_writes,
    "import_bare_bulk_fts": fig_import_bare_bulk_fts,
    "import_bare_no_fts": fig_import_bare_no_fts,
    "summary_excel": fig_summary_excel,
}


if __name__ == "__main__":  # a module of run.py: --help says so
    import argparse

    argparse.ArgumentParser(
        description=f"{(__doc__ or '').splitlines()[0]} (the figures without a window of benchmarks/run.py; "
        "run that script)."
    ).parse_args()
