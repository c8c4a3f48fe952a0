"""The ``xihu`` command line, run as a real subprocess."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import xihu_desktop

REPO = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")
TARGET_KEYS = {
    "seq",
    "sub",
    "category",
    "name",
    "unit",
    "baseline",
    "goal",
    "goal_text",
    "growth",
    "attribute",
}


def xihu(*args: str | Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        XIHU_DATA_DIR=str(data_dir),
        PYTHONPATH=str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        PYTHONIOENCODING="utf-8",
        QT_QPA_PLATFORM="offscreen",
    )
    return subprocess.run(
        [sys.executable, "-m", "xihu_desktop.cli", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO,
        timeout=120,
    )


def assert_clean_error(result: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert result.returncode == code, result.stderr
    err = result.stderr.strip()
    assert err, "no message on stderr"
    assert CJK.search(err), err
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    return err


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``xihu init --db F --demo``, run once for the module."""
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "演示.sqlite3"
    result = xihu("init", "--db", path, "--demo", data_dir=folder / "appdata")
    assert result.returncode == 0, result.stderr
    assert "已初始化" in result.stdout
    assert "41 个责任单位" in result.stdout
    assert "43 项规划指标" in result.stdout
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "appdata"


@pytest.fixture
def db(demo_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ledger.sqlite3"
    shutil.copyfile(demo_db, copy)
    return copy


def test_version(data_dir: Path) -> None:
    result = xihu("--version", data_dir=data_dir)
    assert result.returncode == 0
    assert result.stdout.strip() == f"xihu {xihu_desktop.__version__}"


def test_init_demo(demo_db: Path) -> None:
    conn = sqlite3.connect(demo_db)
    try:
        kinds = dict(
            conn.execute(
                "SELECT u.kind, count(*) FROM ledgers l JOIN units u ON u.id = l.unit_id "
                "WHERE l.year = 2025 GROUP BY u.kind"
            ).fetchall()
        )
        assert kinds["town"] + kinds["platform"] == 21
        # the departments that lead a rate or share report it (年度监测's figures)
        reporting = conn.execute(
            "SELECT count(*) FROM ledgers l JOIN units u ON u.id = l.unit_id WHERE l.year = 2025 "
            "AND u.kind = 'department' AND l.unit_id IN (SELECT lead_unit_id FROM target_goals)"
        ).fetchone()[0]
        assert kinds["department"] == reporting > 0
        assert conn.execute("SELECT count(*) FROM plan_targets").fetchone()[0] == 43
    finally:
        conn.close()


def test_init_without_demo(tmp_path: Path, data_dir: Path) -> None:
    path = tmp_path / "new.sqlite3"
    result = xihu("init", "--db", path, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "0 本台账" in result.stdout
    again = xihu("init", "--db", path, data_dir=data_dir)  # idempotent
    assert again.returncode == 0
    assert again.stdout.replace(str(path), "") == result.stdout.replace(str(path), "")


def test_check_ok(db: Path, data_dir: Path) -> None:
    result = xihu("check", "--db", db, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "完整性检查：ok" in result.stdout
    assert "外键检查：ok" in result.stdout
    assert re.search(r"entries: \d{3,}", result.stdout)
    assert result.stderr == ""


def test_check_unusable_file_exit_2(db: Path, data_dir: Path) -> None:
    truncated = db.with_name("truncated.sqlite3")
    truncated.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    before = sha256(truncated)
    err = assert_clean_error(xihu("check", "--db", truncated, data_dir=data_dir), 2)
    assert "损坏" in err
    assert sha256(truncated) == before


def test_check_failed_integrity_exit_1(db: Path, data_dir: Path) -> None:
    """A file that opens (quick_check passes) but whose index does not match its table."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ledgers_year ON ledgers (unit_id)' "
        "WHERE name = 'ledgers_year'"
    )
    conn.commit()
    conn.close()
    result = xihu("check", "--db", db, data_dir=data_dir)
    err = assert_clean_error(result, 1)
    assert "检查发现问题" in err
    assert "missing from index" in result.stdout


def test_check_foreign_key_problem_exit_1(db: Path, data_dir: Path) -> None:
    conn = sqlite3.connect(db)  # foreign keys are off by default in a plain connection
    conn.execute(
        "INSERT INTO progress (entry_id, quarter, updated_at) VALUES (987654, 1, '2025-01-01')"
    )
    conn.commit()
    conn.close()
    result = xihu("check", "--db", db, data_dir=data_dir)
    assert_clean_error(result, 1)
    assert "外键检查：1 处问题" in result.stdout


def test_backup(db: Path, tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "备份" / "副本.sqlite3"
    result = xihu("backup", "--db", db, "--out", out, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "已备份到" in result.stdout
    a, b = sqlite3.connect(db), sqlite3.connect(out)
    try:
        for table in ("units", "ledgers", "entries", "progress", "audit_log"):
            sql = f"SELECT * FROM {table} ORDER BY rowid"
            assert a.execute(sql).fetchall() == b.execute(sql).fetchall(), table
    finally:
        a.close()
        b.close()
    check = xihu("check", "--db", out, data_dir=data_dir)
    assert check.returncode == 0, check.stderr


def test_backup_bad_targets(db: Path, tmp_path: Path, data_dir: Path) -> None:
    assert "相同" in assert_clean_error(xihu("backup", "--db", db, "--out", db, data_dir=data_dir))
    folder = tmp_path / "a folder"
    folder.mkdir()
    err = assert_clean_error(xihu("backup", "--db", db, "--out", folder, data_dir=data_dir))
    assert "文件夹" in err
    assert list(tmp_path.glob("*.part")) == []


def test_units(db: Path, data_dir: Path) -> None:
    result = xihu("units", "--db", db, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 41
    assert sum("\t镇街\t" in line for line in lines) == 11
    assert sum("\t平台\t" in line for line in lines) == 10
    as_json = json.loads(xihu("units", "--db", db, "--json", data_dir=data_dir).stdout)
    assert len(as_json) == 41
    assert {u["kind"] for u in as_json} == {"town", "platform", "department"}


def test_catalogue_json(db: Path, data_dir: Path) -> None:
    result = xihu("catalogue", "--db", db, "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    targets = json.loads(result.stdout)
    assert isinstance(targets, list)
    assert len(targets) == 43
    for t in targets:
        assert set(t) == TARGET_KEYS
        assert isinstance(t["seq"], int)
        assert t["baseline"] is None or isinstance(t["baseline"], int | float)
        assert t["goal"] is None or isinstance(t["goal"], int | float)
        assert t["attribute"] in ("预期性", "约束性")
        assert t["category"] in ("经济发展", "创新驱动", "民生福祉", "城乡环境")
        for key in ("name", "unit", "goal_text", "growth"):
            assert isinstance(t[key], str)
    assert sorted({t["seq"] for t in targets}) == list(range(1, 43))
    item38 = [t for t in targets if t["seq"] == 38]
    assert sorted(t["sub"] for t in item38) == ["药品", "食品"]
    assert all(t["sub"] is None for t in targets if t["seq"] != 38)
    gdp = targets[0]
    assert (gdp["seq"], gdp["name"], gdp["unit"], gdp["baseline"], gdp["goal"]) == (
        1,
        "地区生产总值",
        "亿元",
        1587.6,
        2000,
    )
    assert gdp["goal_text"] == "2000以上"
    text = xihu("catalogue", "--db", db, data_dir=data_dir)
    assert text.returncode == 0 and "地区生产总值" in text.stdout


@pytest.mark.parametrize("command", ["check", "units", "catalogue", "backup"])
def test_missing_file(command: str, tmp_path: Path, data_dir: Path) -> None:
    missing = tmp_path / "没有这个文件.sqlite3"
    extra = ["--out", str(tmp_path / "b.sqlite3")] if command == "backup" else []
    err = assert_clean_error(xihu(command, "--db", missing, *extra, data_dir=data_dir))
    assert "不存在" in err
    assert not missing.exists()  # reading commands never create the file


@pytest.mark.parametrize("command", ["check", "units", "init"])
def test_foreign_files_untouched(command: str, tmp_path: Path, data_dir: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("备忘录\n", encoding="utf-8")
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    for path in (text, other):
        before = sha256(path)
        err = assert_clean_error(xihu(command, "--db", path, data_dir=data_dir))
        assert "不是本程序的数据文件" in err
        assert sha256(path) == before
        assert sorted(p.name for p in tmp_path.glob(path.name + "-*")) == []


def test_usage_errors_are_chinese(data_dir: Path) -> None:
    assert "--db" in assert_clean_error(xihu("check", data_dir=data_dir))
    assert_clean_error(xihu("units", "--db", data_dir=data_dir))
    assert_clean_error(xihu("no-such-command", data_dir=data_dir))
    assert_clean_error(xihu("units", "--db", "x", "--bogus", data_dir=data_dir))
