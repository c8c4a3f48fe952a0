"""Opening a data file and read-only commands, each against its floor (prints figures).

    python benchmarks/bench_open.py --db district.sqlite3 [--runs 10]

Figures (medians, ours and floor interleaved in the same run):
- ``xihu units`` against a bare python running the same SELECT on the same file;
- ``Store.open`` + close (no integrity check due) against ``sqlite3.connect`` + close;
- the daily backup (``VACUUM INTO`` + check of the copy) and the copy's size.
The data file is copied to a temporary folder first: the original is never written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNITS_SQL = "SELECT id, code, name, kind, position, active FROM units ORDER BY position, id"


def _median_pair(
    ours: Callable[[], object], floor: Callable[[], object], runs: int
) -> tuple[float, float]:
    a, b = [], []
    ours(), floor()  # warm the page cache and the bytecode cache
    for _ in range(runs):
        t = time.perf_counter()
        ours()
        a.append(time.perf_counter() - t)
        t = time.perf_counter()
        floor()
        b.append(time.perf_counter() - t)
    return statistics.median(a), statistics.median(b)


def _row(name: str, ours: float, floor: float) -> str:
    return f"{name:<34} {ours * 1000:9.1f} ms {floor * 1000:9.1f} ms {ours / floor:6.1f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True, help="data file (copied, not written)")
    parser.add_argument("--runs", type=int, default=10, help="runs of each figure (median)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from xihu_desktop.store import Store, backups

    with tempfile.TemporaryDirectory(prefix="bench-open-") as tmp:
        db = Path(tmp) / "district.sqlite3"
        shutil.copyfile(args.db, db)
        env = {**os.environ, "PYTHONPATH": str(REPO), "XIHU_DATA_DIR": str(Path(tmp) / "app")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed program has its bytecode
        os.environ["XIHU_DATA_DIR"] = env["XIHU_DATA_DIR"]
        Store.open(db).close()  # the first check of the day, out of the way

        def run(cmd: list[str]) -> None:
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True)

        ours_cmd = [sys.executable, "-m", "xihu_desktop.cli", "units", "--db", str(db)]
        floor_cmd = [
            sys.executable,
            "-c",
            f"import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);"
            f"[print(r) for r in c.execute({UNITS_SQL!r})]",
            str(db),
        ]
        print(f"{'figure':<34} {'ours':>12} {'floor':>12} {'ratio':>7}")
        ours, floor = _median_pair(lambda: run(ours_cmd), lambda: run(floor_cmd), args.runs)
        print(_row("xihu units (process)", ours, floor))

        import sqlite3

        def floor_open() -> None:
            sqlite3.connect(db).close()

        ours, floor = _median_pair(lambda: Store.open(db).close(), floor_open, args.runs)
        print(_row("Store.open + close (no check due)", ours, floor))

        store = Store.open(db)
        t = time.perf_counter()
        copy = backups.make_backup(store, backups.DAILY)
        took = time.perf_counter() - t
        store.close()
        print(
            f"daily backup: {took:.2f} s, copy {copy.stat().st_size / 1e6:.0f} MB "
            f"of a {db.stat().st_size / 1e6:.0f} MB file"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
