"""The benchmark suite runs (CI runs ``--quick``): every figure reports a time or an error.

No timing is asserted: the figures are printed for people to read (see README).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
sys.path.insert(0, str(BENCH))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("*.py")))
def test_every_benchmark_script_has_help(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


@pytest.mark.timeout(900)  # the whole suite on a 20,000-entry district, built first
def test_quick_suite_reports_every_figure(tmp_path: Path) -> None:
    from run import KEYS, NAMES

    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--json"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(done.stdout)
    assert [r["name"] for r in rows] == list(NAMES)
    for r in rows:
        assert tuple(r) == KEYS
        if str(r["size"]).startswith("ERROR"):
            assert r["ours_s"] is None  # an error is marked, not a made-up time
        else:
            assert isinstance(r["ours_s"], float) and r["ours_s"] >= 0, r
            assert r["floor_s"] is None or isinstance(r["floor_s"], float), r
            assert r["peak_rss_mb"] is None or r["peak_rss_mb"] > 0, r


def test_a_broken_figure_is_an_error_row_not_a_crash(tmp_path: Path) -> None:
    import run

    junk = tmp_path / "junk.sqlite3"
    junk.write_text("not a database", encoding="utf-8")
    rows = [run.run_figure("ranking", junk, tmp_path, 2025, 1, True, 120)]
    assert rows[0]["size"].startswith("ERROR") and rows[0]["ours_s"] is None
    assert "ERROR" in run.table(rows)
