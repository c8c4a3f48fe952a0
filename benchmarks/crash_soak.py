"""Crash safety, proven: kill a writer with SIGKILL at random moments, many times.

A child process performs a stream of edits (update_entry, add_entry, set_progress)
and multi-row "imports" (many add_entry in one transaction), printing
``COMMITTED ...`` after each transaction returns. The parent kills it at a random
moment, then opens the database and checks: it opens, ``integrity_check`` is ok,
every write reported as committed is present, and no import batch is half there.

    python benchmarks/crash_soak.py --trials 500            # WAL (local disk)
    python benchmarks/crash_soak.py --trials 500 --journal delete   # network-share mode

The short version runs in tests/test_crash_safety.py.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

YEAR = 2025
_BATCH_RE = re.compile(r"^B(\d+)#(\d+)/(\d+)$")


# ---------------------------------------------------------------- child


def child(db: Path, seq: int, seed: int, network: bool) -> None:
    from xihu_desktop.store import Store, connection

    if network:  # rollback journal + lock record, as on a network share
        connection.network_share_detector = lambda path: True
    store = Store.open(db)
    ledger = next(lg for lg in store.ledgers.list(year=YEAR) if lg.editable)
    editable = [e.id for e in store.entries.list(ledger.id) if not e.name.startswith("B")]
    rng = random.Random(seed)
    print("READY", flush=True)
    while True:
        seq += 1
        op = rng.choices(("edit", "add", "progress", "import"), (4, 2, 3, 1))[0]
        if op == "edit" and editable:
            eid = rng.choice(editable)
            store.entries.update(eid, {"name": f"E{seq}", "goal": seq})
            print(f"COMMITTED edit {eid} {seq}", flush=True)
        elif op == "progress" and editable:
            eid, quarter = rng.choice(editable), rng.randint(1, 4)
            store.progress.set(eid, quarter, {"value": seq, "problems": f"P{seq}"})
            print(f"COMMITTED progress {eid} {quarter} {seq}", flush=True)
        elif op == "import":
            n = rng.randint(5, 60)
            with store.transaction():
                for i in range(n):
                    store.entries.add(
                        ledger.id, "project", {"name": f"B{seq}#{i}/{n}", "total_investment": i}
                    )
            print(f"COMMITTED import {seq} {n}", flush=True)
        else:
            entry = store.entries.get(
                store.entries.add(ledger.id, "indicator", {"name": f"A{seq}"}).id
            )
            editable.append(entry.id)
            print(f"COMMITTED add {entry.id} {seq}", flush=True)


# ---------------------------------------------------------------- parent


@dataclass
class Ledger:
    """What the children reported as committed, across all trials."""

    edits: dict[int, int] = field(default_factory=dict)  # entry -> last committed seq
    adds: dict[int, int] = field(default_factory=dict)  # entry -> seq of its name
    progress: dict[tuple[int, int], int] = field(default_factory=dict)
    imports: dict[int, int] = field(default_factory=dict)  # batch seq -> size
    committed: int = 0

    def record(self, line: str) -> None:
        parts = line.split()
        if len(parts) < 3 or parts[0] != "COMMITTED":
            return
        self.committed += 1
        kind, nums = parts[1], [int(p) for p in parts[2:]]
        if kind == "edit":
            self.edits[nums[0]] = max(self.edits.get(nums[0], 0), nums[1])
        elif kind == "add":
            self.adds[nums[0]] = nums[1]
        elif kind == "progress":
            key = (nums[0], nums[1])
            self.progress[key] = max(self.progress.get(key, 0), nums[2])
        elif kind == "import":
            self.imports[nums[0]] = nums[1]


def prepare(db: Path) -> None:
    from xihu_desktop.store import Store
    from xihu_desktop.store.seed import initialise

    with Store.open(db) as store:
        initialise(store)
        unit = store.units.list()[0]
        ledger = store.ledgers.get(store.ledgers.create(unit.id, YEAR).id)
        for i in range(5):
            store.entries.add(ledger.id, "indicator", {"name": f"S{i}"})


def verify(db: Path, seen: Ledger) -> list[str]:
    """Open the file after a crash; return the losses found (empty: all good)."""
    from xihu_desktop.store import Store, StoreError

    try:
        store = Store.open(db)
    except StoreError as exc:
        return [f"does not open: {exc}"]
    problems: list[str] = []
    try:
        result = store.integrity_check()
        if result != "ok":
            problems.append(f"integrity_check: {result}")
        ledger = next(lg for lg in store.ledgers.list(year=YEAR))
        entries = {e.id: e for e in store.entries.list(ledger.id)}
        progress = store.progress.of_ledger(ledger.id)

        def seq_of(name: str) -> int:
            return int(name[1:]) if name[:1] in "AE" and name[1:].isdigit() else -1

        for eid, seq in seen.adds.items():
            if eid not in entries or seq_of(entries[eid].name) < seq:
                problems.append(f"lost add {eid} {seq}")
        for eid, seq in seen.edits.items():
            if eid not in entries or not entries[eid].name.startswith("E"):
                problems.append(f"lost edit {eid} {seq}")
            elif seq_of(entries[eid].name) < seq:
                problems.append(f"lost edit {eid} {seq} (found {entries[eid].name})")
        for (eid, quarter), seq in seen.progress.items():
            p = progress.get(eid, {}).get(quarter)
            if p is None or (p.value or 0) < seq:
                problems.append(f"lost progress {eid} Q{quarter} {seq}")
        batches: dict[int, list[int]] = {}
        for e in entries.values():
            m = _BATCH_RE.match(e.name)
            if m:
                batches.setdefault(int(m.group(1)), []).append(int(m.group(3)))
        for batch, sizes in batches.items():
            if len(sizes) != sizes[0]:
                problems.append(f"half import B{batch}: {len(sizes)} of {sizes[0]} rows")
        for batch, n in seen.imports.items():
            if len(batches.get(batch, [])) != n:
                problems.append(f"lost import B{batch} ({n} rows)")
    finally:
        store.close()
    return problems


@dataclass
class Result:
    trials: int = 0
    committed: int = 0
    losses: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run(
    db: Path,
    trials: int,
    max_delay: float = 0.4,
    seed: int = 1,
    network: bool = False,
    verbose: bool = False,
) -> Result:
    """Run ``trials`` kill-and-check rounds on ``db`` (created if missing)."""
    if not db.exists():
        prepare(db)
    rng = random.Random(seed)
    seen = Ledger()
    result = Result()
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for trial in range(1, trials + 1):
        args = [sys.executable, __file__, "--child", str(db), "--seq", str(trial * 1_000_000)]
        args += ["--seed", str(rng.randrange(1 << 30))] + (["--journal", "delete"] * network)
        proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        ready = threading.Event()
        lines: list[str] = []

        def drain(stream=proc.stdout, lines=lines, ready=ready) -> None:
            for line in stream:  # type: ignore[union-attr]
                if line.startswith("READY"):
                    ready.set()
                lines.append(line)

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        if not ready.wait(30):
            proc.kill()
            raise RuntimeError(f"child did not start: {proc.stderr.read()}")  # type: ignore[union-attr]
        time.sleep(rng.uniform(0.0, max_delay))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        reader.join(5)
        stderr = proc.stderr.read()  # type: ignore[union-attr]
        if proc.returncode != -signal.SIGKILL:
            raise RuntimeError(f"child ended before the kill ({proc.returncode}): {stderr}")
        for line in lines:
            seen.record(line)
        losses = verify(db, seen)
        result.losses.extend(f"trial {trial}: {loss}" for loss in losses)
        result.trials = trial
        if verbose:
            print(f"trial {trial}: {seen.committed} committed so far, {len(losses)} losses")
    result.committed = seen.committed
    result.seconds = time.perf_counter() - start
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seq", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="database (default: a new temporary file)")
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--max-delay", type=float, default=0.5)
    parser.add_argument("--journal", choices=("wal", "delete"), default="wal")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    network = args.journal == "delete"
    if args.child:
        child(args.child, args.seq, args.seed, network)
        return 0
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "soak.sqlite3"
        result = run(db, args.trials, args.max_delay, args.seed, network, args.verbose)
    print(f"journal: {args.journal}")
    print(f"trials: {result.trials}")
    print(f"writes reported committed: {result.committed}")
    print(f"losses: {len(result.losses)}")
    for loss in result.losses[:20]:
        print("  " + loss)
    print(f"time: {result.seconds:.1f} s")
    return 1 if result.losses else 0


if __name__ == "__main__":
    sys.exit(main())
