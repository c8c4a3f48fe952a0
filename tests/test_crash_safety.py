"""Crash safety, proven (short run): SIGKILL a writer at random moments, then check
that the file opens, is intact, holds every write reported as committed and no half
import. The long run is ``benchmarks/crash_soak.py``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

if sys.platform == "win32":  # pragma: no cover
    pytest.skip("SIGKILL harness needs POSIX signals", allow_module_level=True)

_SPEC = importlib.util.spec_from_file_location(
    "crash_soak", Path(__file__).resolve().parents[1] / "benchmarks" / "crash_soak.py"
)
assert _SPEC and _SPEC.loader
soak = importlib.util.module_from_spec(_SPEC)
sys.modules["crash_soak"] = soak  # dataclasses look their module up
_SPEC.loader.exec_module(soak)


@pytest.mark.parametrize(("journal", "trials"), [("wal", 24), ("delete", 16)])
def test_sigkill_during_edits_and_imports_loses_nothing(
    tmp_path: Path, journal: str, trials: int
) -> None:
    result = soak.run(
        tmp_path / "crash.sqlite3", trials, max_delay=0.3, seed=7, network=journal == "delete"
    )
    print(
        f"{journal}: {result.trials} trials, {result.committed} committed, "
        f"{len(result.losses)} losses, {result.seconds:.1f} s"
    )
    assert result.trials == trials
    assert result.committed > trials  # the children did get work done before the kill
    assert result.losses == []


def test_verify_detects_a_lost_write_and_a_half_import(tmp_path: Path) -> None:
    """The checker can fail: a committed write that is missing and a half batch."""
    db = tmp_path / "check.sqlite3"
    soak.prepare(db)
    seen = soak.Ledger()
    seen.record("COMMITTED add 999999 5")
    seen.record("COMMITTED import 42 3")
    from xihu_desktop.store import Store

    with Store.open(db) as store:
        ledger = store.ledgers.list(year=soak.YEAR)[0]
        for i in range(2):  # only 2 of the 3 rows of batch 42
            store.entries.add(ledger.id, "project", {"name": f"B42#{i}/3"})
    losses = soak.verify(db, seen)
    assert any("lost add 999999" in loss for loss in losses)
    assert any("half import B42" in loss for loss in losses)
