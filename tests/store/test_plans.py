"""A new plan period (十五五) is added beside the built-in 十四五, by the administrator only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xihu_desktop.store import InvalidData, PermissionDenied, Store


def test_add_plan_copies_targets_without_numbers(store: Store) -> None:
    old = store.catalogue.plans()[0]
    plan_id = store.catalogue.add_plan("15th", "十五五", 2026, 2030, copy_from=old["code"]).id
    new = store.catalogue.targets(plan_id)
    assert len(new) == len(store.catalogue.targets(old["id"])) == 43
    pm25 = next(t for t in new if t["seq"] == 41)
    assert pm25["name"] == "PM2.5平均浓度" and pm25["attribute"] == "约束性"
    assert pm25["lower_is_better"] and pm25["baseline"] is None and pm25["goal"] is None
    assert len(store.catalogue.items(plan_id=plan_id)) == len(
        store.catalogue.items(plan_id=old["id"])
    )
    assert store.catalogue.plan_for_year(2026)["code"] == "15th"
    unit = store.units.list("town")[0]
    ledger = store.ledgers.get(
        store.ledgers.create(unit.id, 2026).id
    )  # a 2026 ledger is now possible
    assert ledger.plan_id == plan_id
    assert "新增规划期" in [r["action"] for r in store.audit.log(limit=5)]


def test_add_plan_refuses_overlaps_duplicates_and_non_admins(store: Store) -> None:
    with pytest.raises(InvalidData, match="重叠"):
        store.catalogue.add_plan("x", "X", 2025, 2027)
    with pytest.raises(InvalidData, match="已存在"):
        store.catalogue.add_plan("14th", "X", 2031, 2035)
    with pytest.raises(InvalidData, match="复制"):
        store.catalogue.add_plan("15th", "十五五", 2026, 2030, copy_from="nope")
    store.act_as("clerk", "viewer")
    with pytest.raises(PermissionDenied):
        store.catalogue.add_plan("15th", "十五五", 2026, 2030)
    assert len(store.catalogue.plans()) == 1


def test_plan_add_command(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite3"
    run = [sys.executable, "-m", "xihu_desktop.cli"]
    subprocess.run([*run, "init", "--db", str(db)], check=True, capture_output=True)
    done = subprocess.run(
        [
            *run,
            "plan-add",
            "--db",
            str(db),
            "--code",
            "15th",
            "--name",
            "十五五",
            "--start",
            "2026",
            "--end",
            "2030",
            "--copy-from",
            "14th",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "十五五" in done.stdout and "43 项" in done.stdout
    again = subprocess.run(
        [
            *run,
            "plan-add",
            "--db",
            str(db),
            "--code",
            "16th",
            "--name",
            "X",
            "--start",
            "2030",
            "--end",
            "2031",
        ],
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2 and "重叠" in again.stderr and "Traceback" not in again.stderr
