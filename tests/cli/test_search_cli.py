"""``xihu search`` and the search index in ``xihu check``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from xihu_desktop import cli
from xihu_desktop.core.enums import Role
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.store import Store
from xihu_desktop.store import users as U

PHRASE = "智慧农业示范园"
KEYS = {"entry_id", "ledger_id", "unit", "year", "category", "name", "snippet"}


def run(capsys: Any, *argv: str | Path) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def district(store: Store) -> Path:
    """The phrase in 北山 2024 (name), 北山 2025 (推进措施) and 西湖 2025 (年度目标任务)."""
    for code, year, category, values in (
        (
            "T01",
            2024,
            "project",
            {"name": f"{PHRASE}一期", "owner_org": "某公司", "nature": "新建"},
        ),
        ("T01", 2025, "project", {"name": "配套道路", "roadmap": f"服务{PHRASE}建设"}),
        ("T02", 2025, "platform", {"name": "数字平台", "annual_goal": f"引进{PHRASE}配套企业"}),
        ("T02", 2024, "project", {"name": "无关项目", "roadmap": "挂图作战"}),
    ):
        ledger = store.ledgers.create(store.units.find(code).id, year).id
        store.entries.add(ledger, category, values)
    assert store.path is not None
    path = store.path
    store.close()
    return path


def test_lines_name_year_unit_category_and_the_marked_snippet(capsys: Any, district: Path) -> None:
    code, out, err = run(capsys, "search", "--db", district, "农业示")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[-1] == "共 3 条。"
    found = lines[:-1]
    assert len(found) == 3
    t01 = "北山街道"
    assert f"2024 {t01} 重大项目 {PHRASE}一期：" in "\n".join(found)
    road = next(line for line in found if "配套道路" in line)
    assert road.startswith(f"2025 {t01} 重大项目 配套道路：")
    assert "【农业示】" in road and "服务" in road
    platform = next(line for line in found if "数字平台" in line)
    assert " 重点平台 数字平台：" in platform and platform.startswith("2025 ")


def test_json_list_of_objects(capsys: Any, district: Path) -> None:
    code, out, _ = run(capsys, "search", "--db", district, "农业示", "--json")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 3 and all(set(h) == KEYS for h in hits)
    assert {h["category"] for h in hits} == {"project", "platform"}
    assert len({h["unit"] for h in hits}) == 2
    assert all("【农业示】" in h["snippet"] for h in hits)
    assert all(isinstance(h["entry_id"], int) and isinstance(h["year"], int) for h in hits)


def test_year_limit_and_several_words(capsys: Any, district: Path) -> None:
    _, out, _ = run(capsys, "search", "--db", district, "农业示", "--year", "2025", "--json")
    assert {h["year"] for h in json.loads(out)} == {2025} and len(json.loads(out)) == 2
    _, out, _ = run(capsys, "search", "--db", district, "农业示", "--limit", "1")
    assert out.strip().splitlines()[-1] == "共 1 条（只列出前 1 条，可用 --limit 调整）。"
    _, out, _ = run(capsys, "search", "--db", district, "农业示", "服务", "--json")  # unquoted
    assert [h["name"] for h in json.loads(out)] == ["配套道路"]


def test_nothing_found_and_bad_input(capsys: Any, district: Path) -> None:
    code, out, _ = run(capsys, "search", "--db", district, "不存在的内容")
    assert code == 0 and "未找到包含“不存在的内容”的条目" in out
    code, out, _ = run(capsys, "search", "--db", district, "--json", '"NEAR(')
    assert code == 0 and json.loads(out) == []
    code, _, err = run(capsys, "search", "--db", district)
    assert code == 2 and "请给出要查找的文字" in err
    code, _, err = run(capsys, "search", "--db", district, "x", "--limit", "0")
    assert code == 2 and "正整数" in err
    code, _, err = run(capsys, "search", "--db", district.with_name("nope.sqlite3"), "农业示")
    assert code == 2 and "不存在" in err


def test_a_units_file_lists_only_its_own(capsys: Any, district: Path) -> None:
    with Store.open(district) as store:
        store.settings.set(BOUND_UNIT, store.units.find("T02").code)
    _, out, _ = run(capsys, "search", "--db", district, "农业示", "--json")
    assert [h["name"] for h in json.loads(out)] == ["数字平台"]


def _tamper(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def test_check_reports_the_index_and_rebuild_repairs_it(capsys: Any, district: Path) -> None:
    code, out, _ = run(capsys, "check", "--db", district)
    assert code == 0 and "搜索索引：ok" in out
    _tamper(district, "DELETE FROM entries_fts_data")
    code, out, err = run(capsys, "check", "--db", district)
    assert code == 1
    assert "搜索索引：搜索索引与条目不一致或已损坏" in out
    assert "xihu search --db 数据文件 --rebuild" in err
    assert "完整性检查：ok" in out  # the data itself is whole
    code, out, _ = run(capsys, "search", "--db", district, "--rebuild")
    assert code == 0 and out.strip() == "已重建搜索索引：4 条条目。"
    code, out, _ = run(capsys, "check", "--db", district)
    assert code == 0 and "搜索索引：ok" in out
    code, out, _ = run(capsys, "search", "--db", district, "--rebuild", "挂图作战")
    assert code == 0 and "无关项目" in out


def test_check_reports_a_missing_index(capsys: Any, district: Path) -> None:
    _tamper(district, "DROP TRIGGER entries_ai")
    code, out, _ = run(capsys, "check", "--db", district)
    assert code == 1 and "触发器缺失（entries_ai）" in out


def test_rebuild_needs_the_administrator(
    capsys: Any, district: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = U.ScryptParams(n=2**10, r=8, p=1)
    monkeypatch.setattr(U, "DEFAULT_PARAMS", fast)
    with Store.open(district) as store:
        unit = store.units.find("T01")
        store.users.create("管理员", Role.ADMIN, password="admin-pass", params=fast)
        store.users.create("填报员", Role.OPERATOR, unit.id, password="op-pass", params=fast)
        store.users.set_login_required(True)
    monkeypatch.setenv(cli.PASSWORD_ENV, "op-pass")
    code, _, err = run(capsys, "search", "--db", district, "--rebuild", "--user", "填报员")
    assert code == 2 and "区管理员" in err
    code, out, _ = run(capsys, "search", "--db", district, "农业示", "--json", "--user", "填报员")
    assert code == 0 and len(json.loads(out)) == 3  # reading is allowed
    code, out, _ = run(capsys, "search", "--db", district, "农业示", "--json")  # anonymous
    assert code == 0 and len(json.loads(out)) == 3
    monkeypatch.setenv(cli.PASSWORD_ENV, "admin-pass")
    code, _, err = run(capsys, "search", "--db", district, "--rebuild", "--user", "管理员")
    assert code == 0, err


def test_check_libraries(capsys: Any, district: Path) -> None:
    code, out, _ = run(capsys, "check", "--db", district, "--libraries")
    assert code == 0
    assert "组件：ok（pandas " in out and "sqlite-utils" in out
