"""``xihu monitor`` and ``xihu monitor-rule``: plan monitoring on the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from xihu_desktop import cli
from xihu_desktop.cli.status import width
from xihu_desktop.store import Store

KEYS = ["seq", "sub", "name", "unit", "baseline", "goal", "rule", "expected", "actual", "on_track"]


def run(capsys: Any, *argv: str | Path) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _report(store: Store, unit: str, target: str, actual: float, year: int = 2023) -> None:
    ledger = store.ledgers.ensure(store.units.find(unit).id, year)
    tid = next(t.id for t in store.catalogue.targets() if t.name == target)
    store.entries.add(ledger.id, "indicator", {"name": target, "target_id": tid, "actual": actual})


@pytest.fixture
def district(store: Store) -> Path:
    _report(store, "三墩镇", "地区生产总值", 1000)
    _report(store, "双浦镇", "地区生产总值", 900)
    _report(store, "区应急管理局", "亿元GDP生产安全事故死亡率", 0.003)
    path = store.path
    assert path is not None
    store.close()
    return path


def test_json_has_exactly_the_keys(district: Path, capsys: Any) -> None:
    code, out, err = run(capsys, "monitor", "--db", district, "--year", "2023", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 43
    assert all(list(r) == KEYS for r in rows)
    # the binding target off its path comes first
    assert rows[0]["name"] == "亿元GDP生产安全事故死亡率" and rows[0]["on_track"] is False
    gdp = next(r for r in rows if r["name"] == "地区生产总值")
    assert gdp["rule"] == "geometric"
    assert gdp["baseline"] == 1587.6 and gdp["goal"] == 2000
    assert gdp["expected"] == pytest.approx(1587.6 * (2000 / 1587.6) ** (3 / 5), abs=1e-6)
    assert gdp["actual"] == 1900 and gdp["on_track"] is True
    land = next(r for r in rows if r["name"] == "做地总量")
    assert (land["rule"], land["goal"], land["expected"], land["actual"]) == (
        "cumulative",
        10000,
        6000,
        None,
    )
    assert land["on_track"] is None
    food = next(r for r in rows if r["sub"] == "食品")
    assert food["seq"] == 38


def test_the_table_has_chinese_headers_and_aligned_columns(district: Path, capsys: Any) -> None:
    code, out, err = run(capsys, "monitor", "--db", district, "--year", "2023")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("2023 年规划监测")
    header, body = lines[1], lines[2:45]
    for word in ("序号", "指标", "路径值", "实际值", "状态"):
        assert word in header
    assert "未达路径（约束性）" in body[0]
    # the status column starts at the same display column on every row
    starts = {
        width(line[: line.index(s)])
        for line in body
        for s in ("达到路径", "未达路径", "无数据")
        if s in line
    }
    assert len(starts) == 1
    assert any(line.startswith("合计：") for line in lines)


def test_a_year_outside_the_plan_is_refused(district: Path, capsys: Any) -> None:
    code, out, err = run(capsys, "monitor", "--db", district, "--year", "2026", "--json")
    assert code == 2 and out == ""
    assert "2026年不在规划期内" in err


def test_a_report_needs_xlsx_or_pdf(district: Path, capsys: Any, tmp_path: Path) -> None:
    code, _, err = run(capsys, "monitor", "--db", district, "--year", "2023",
                       "--out", tmp_path / "报告.docx")  # fmt: skip
    assert code == 2 and "应以 .xlsx 或 .pdf 结尾" in err
    assert not (tmp_path / "报告.docx").exists()


def test_monitor_rule_changes_the_actual(district: Path, capsys: Any) -> None:
    with Store.open(district) as store:
        gdp = next(t.id for t in store.catalogue.targets() if t.name == "地区生产总值")
        store.decomposition.set_lead(2023, gdp, store.units.find("三墩镇").id)
    code, out, err = run(
        capsys, "monitor-rule", "--db", district, "--target", "1", "--actual", "lead"
    )
    assert code == 0, err
    assert "牵头单位填报值" in out
    code, out, err = run(capsys, "monitor", "--db", district, "--year", "2023", "--json")
    gdp_row = next(r for r in json.loads(out) if r["name"] == "地区生产总值")
    assert gdp_row["actual"] == 1000 and gdp_row["on_track"] is False
    code, out, err = run(capsys, "monitor-rule", "--db", district, "--target", "38/药品",
                         "--path", "linear")  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        capsys, "monitor-rule", "--db", district, "--target", "38", "--path", "none"
    )
    assert code == 2 and "38/" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "1"], "--path 或 --actual"),
        (["--target", "abc", "--path", "linear"], "指标“abc”无效"),
        (["--target", "99", "--path", "linear"], "序号为99"),
        (["--target", "1", "--path", "spline"], "无效的选择"),
    ],
)
def test_monitor_rule_refuses_bad_input(
    district: Path, capsys: Any, args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "monitor-rule", "--db", district, *args)
    assert code == 2 and message in err
    with Store.open(district) as store:
        assert store.monitoring.rules() == {}
