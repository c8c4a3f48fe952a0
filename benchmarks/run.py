"""The benchmark suite: each figure of issue 15 against its floor, measured in the same run.

    QT_QPA_PLATFORM=offscreen python benchmarks/run.py                 # 100,000 entries
    QT_QPA_PLATFORM=offscreen python benchmarks/run.py --quick --json  # 20,000, ~1 minute
    python benchmarks/run.py --make-district district.sqlite3 [--units 70 --years 5 --entries 100000]
    python benchmarks/run.py --db district.sqlite3 --only ranking dashboard

Without --db it builds the district (through the store, then the executemany floor) in a
temporary folder. Each figure runs in its own subprocess (so its peak RSS is its own):
set-up untimed, then ours and the floor interleaved (ours, floor, ours, floor…), and the
medians are reported. A figure that fails shows its error in the table; the rest go on.
Figures, not tests: no goal is asserted here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

KEYS = ("name", "size", "ours_s", "floor_s", "ratio", "peak_rss_mb")
#: Every figure, in the order of the issue's table.
NAMES = (
    "window_start",
    "xihu_units",
    "open_file",
    "first_start_of_day",
    "ranking",
    "dashboard",
    "status",
    "monitoring",
    "ledger_switch",
    "cell_edit",
    "cell_edit_refresh",
    "paste_1250",
    "export_pdf_all",
    "export_pdf_summary",
    "import_return",
    "import_bare_writes",
    "import_bare_bulk_fts",
    "import_bare_no_fts",
    "summary_excel",
    "build_district",
)
QUICK = {"units": 41, "years": 4, "entries": 20_000}


def factories() -> dict[str, Any]:
    import figures
    import figures_ui

    return {**figures.FIGURES, **figures_ui.FIGURES}


def row(
    name: str,
    size: str = "",
    ours: float | None = None,
    floor: float | None = None,
    peak: float | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "size": size,
        "ours_s": ours,
        "floor_s": floor,
        "ratio": round(ours / floor, 2) if ours is not None and floor else None,
        "peak_rss_mb": round(peak, 1) if peak is not None else None,
    }
    if error:
        out["size"] = f"ERROR: {error}"
    return out


# ---------------------------------------------------------------- one figure (in a child)


def measure(name: str, db: Path, work: Path, year: int, repeat: int, quick: bool) -> dict[str, Any]:
    import figures

    ctx = figures.Context(db=db, work=work, year=year, quick=quick)
    fig = factories()[name](ctx)
    ours, floor, peaks = [], [], []
    rounds = min(repeat, fig.repeat or repeat)
    try:
        for _ in range(rounds):
            for which, times in ((fig.ours, ours), (fig.floor, floor)):
                if which is None:
                    continue
                if fig.prepare is not None:
                    fig.prepare()
                start = time.perf_counter()
                child_peak = which()
                times.append(time.perf_counter() - start)
                if which is fig.ours and isinstance(child_peak, float):
                    peaks.append(child_peak)
    finally:
        for close in fig.close:
            close()
    peak = max(peaks) if peaks else figures.self_peak_mb()
    return row(
        name,
        fig.size,
        round(statistics.median(ours), 4),
        round(statistics.median(floor), 4) if floor else None,
        peak,
    )


def run_figure(
    name: str, db: Path, work: Path, year: int, repeat: int, quick: bool, timeout: float
) -> dict[str, Any]:
    """One figure in a fresh subprocess; a failure becomes an error row."""
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        str(HERE / "run.py"),
        "--figure",
        name,
        "--db",
        str(db),
        "--work",
        str(folder),
        "--year",
        str(year),
        "--repeat",
        str(repeat),
    ]
    if quick:
        args.append("--quick")
    from figures import env

    try:
        done = subprocess.run(
            args, env=env(), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return row(name, error=f"ran over {timeout:.0f} s")
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return row(name, error=tail[:200])
    return json.loads(lines[-1])


def build_row(db: Path) -> dict[str, Any]:
    from district import sidecar

    info_path = sidecar(db)
    if not info_path.exists():
        return row("build_district", error="district not built by run.py (no build figures)")
    info = json.loads(info_path.read_text(encoding="utf-8"))
    return row(
        "build_district",
        f"{info['entries']:,} entries",
        round(info["store_s"], 2),
        round(info["floor_s"], 2),
        info.get("peak_rss_mb"),
    )


# ---------------------------------------------------------------- output


def table(rows: list[dict[str, Any]]) -> str:
    def cell(v: Any, fmt: str) -> str:
        return "—" if v is None else format(v, fmt)

    head = f"{'figure':<20} {'size':<18} {'ours s':>9} {'floor s':>9} {'ratio':>7} {'peak MB':>8}"
    lines = [head, "-" * len(head)]
    for r in rows:
        if str(r["size"]).startswith("ERROR"):
            lines.append(f"{r['name']:<20} {r['size']}")
            continue
        lines.append(
            f"{r['name']:<20} {r['size']:<18} {cell(r['ours_s'], '9.3f')} "
            f"{cell(r['floor_s'], '9.3f')} {cell(r['ratio'], '6.1f') + ('×' if r['ratio'] else ''):>7} "
            f"{cell(r['peak_rss_mb'], '8.0f')}"
        )
    return "\n".join(lines)


def make(path: Path, units: int, years: int, entries: int, log: Any) -> dict[str, Any]:
    """Build the district in a subprocess (its own peak RSS) and report its figures."""
    from figures import spawn

    args = [
        sys.executable,
        str(HERE / "run.py"),
        "--make-district",
        str(path),
        "--units",
        str(units),
        "--years",
        str(years),
        "--entries",
        str(entries),
        "--child",
    ]
    peak = spawn(args, timeout=3600, show_log=True)
    from district import sidecar

    info = json.loads(sidecar(path).read_text(encoding="utf-8"))
    info["peak_rss_mb"] = peak
    sidecar(path).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    share = info["audit_share"]
    log(
        f"district {path}: {info['units']} units × {len(info['years'])} years, "
        f"{info['entries']:,} entries; through the store {info['store_s']:.1f} s, "
        f"executemany {info['floor_s']:.1f} s; file {info['file_mb']:.0f} MB, audit log "
        + ("unknown" if share is None else f"{share:.0%}")
        + " of it"
    )
    return info


def compile_program(log: Any) -> None:
    """Compile the program's modules to bytecode before anything is timed.

    An installed program always starts from bytecode (the installer bundles it), and a
    checkout normally writes it on its first run; a machine that sets
    PYTHONDONTWRITEBYTECODE (CI, this one) would otherwise time every start-up figure
    with a compile of every module it imports, which no user ever waits for."""
    import compileall

    if not compileall.compile_dir(str(HERE.parent / "xihu_desktop"), quiet=1):
        log("(bytecode: some modules did not compile; start-up figures include compiling)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--make-district", type=Path, metavar="PATH", help="build the district at PATH")
    p.add_argument("--units", type=int, default=70)
    p.add_argument("--years", type=int, default=5, help="years ending 2025")
    p.add_argument("--entries", type=int, default=100_000)
    p.add_argument("--db", type=Path, help="an existing district file (built by --make-district)")
    p.add_argument("--quick", action="store_true", help="a 20,000-entry district, one round")
    p.add_argument("--only", nargs="+", metavar="NAME", choices=NAMES, help="run these figures")
    p.add_argument("--repeat", type=int, help="rounds per figure (median; default 3, quick 1)")
    p.add_argument("--year", type=int, default=2025)
    p.add_argument("--json", action="store_true", help="print the rows as a JSON list")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per figure")
    p.add_argument("--figure", help=argparse.SUPPRESS)
    p.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)

    if args.figure:  # a child: one figure, its row as JSON on the last line
        print(json.dumps(measure(args.figure, args.db, args.work, args.year, repeat, args.quick)))
        return 0
    if args.child:
        import district

        district.make_district(
            args.make_district,
            args.units,
            args.years,
            args.entries,
            log=lambda m: print(m, file=sys.stderr),
        )
        return 0

    def log(message: str) -> None:
        print(message, file=sys.stderr if args.json else sys.stdout, flush=True)

    size = (
        QUICK if args.quick else {"units": args.units, "years": args.years, "entries": args.entries}
    )
    if args.make_district and not args.db and not args.only:
        make(args.make_district, size["units"], size["years"], size["entries"], log)
        return 0
    compile_program(log)
    with tempfile.TemporaryDirectory(prefix="xihu-bench-") as tmp:
        work = Path(tmp)
        db = args.db or args.make_district or work / "district.sqlite3"
        if args.db is None:
            make(db, size["units"], size["years"], size["entries"], log)
        rows = []
        for name in args.only or NAMES:
            log(f"… {name}")
            try:
                if name == "build_district":
                    rows.append(build_row(db))
                else:
                    rows.append(
                        run_figure(name, db, work, args.year, repeat, args.quick, args.timeout)
                    )
            except Exception as exc:  # one broken figure never stops the suite
                traceback.print_exc(file=sys.stderr)
                rows.append(row(name, error=f"{type(exc).__name__}: {exc}"))
    if args.json:
        print(json.dumps([{k: r[k] for k in KEYS} for r in rows], ensure_ascii=False, indent=1))
    else:
        print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
