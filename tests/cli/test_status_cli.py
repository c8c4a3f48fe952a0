"""``xihu deadline`` and ``xihu status``: the reporting overview on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from reporting_helpers import add_arrival, add_review

from xihu_desktop import cli
from xihu_desktop.cli.status import HEADERS, aligned, width
from xihu_desktop.core.enums import Role
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.store import Store
from xihu_desktop.store import users as U

REPO = Path(__file__).resolve().parents[2]
KEYS = ["unit", "code", "kind", "ledger_status", "review", "reason", "last_return", "deadline"]


def run(capsys: Any, *argv: str | Path) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def district(store: Store) -> Path:
    """Deadlines 10 Apr and 10 Jul 2025; 北山 reported on 5 Apr, 西溪 was sent back."""
    for quarter, day in ((1, "2025-04-10"), (2, "2025-07-10")):
        assert cli.main(["deadline", "--db", str(store.path), "--year", "2025",
                         "--quarter", str(quarter), "--date", day]) == 0  # fmt: skip
    t01, t02 = store.units.find("T01").id, store.units.find("T02").id
    add_arrival(store, 2025, t01, "2025-04-05T10:00:00")
    add_review(store, 2025, t01, "已审", last_return_at="2025-04-05T10:00:00",
               reviewed_at="2025-04-06T09:00:00")  # fmt: skip
    add_review(store, 2025, t02, "退回", reason="缺少签章", last_return_at="2025-04-08T10:00:00",
               reviewed_at="2025-04-09T09:00:00")  # fmt: skip
    path = store.path
    assert path is not None
    store.close()
    return path


def test_status_json_has_exact_keys_and_typed_values(district: Path, capsys: Any) -> None:
    code, out, err = run(capsys, "status", "--db", district, "--year", "2025",
                         "--json", "--today", "2025-05-01")  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)
    assert all(list(r) == [*KEYS, "overdue_days"] for r in rows)
    by_code = {r["code"]: r for r in rows}
    # 北山: met 10 Apr, next is 10 Jul, not overdue
    assert by_code["T01"] == {
        "unit": "北山街道", "code": "T01", "kind": "town", "ledger_status": "无台账",
        "review": "已审", "reason": None, "last_return": "2025-04-05T10:00:00",
        "deadline": "2025-07-10", "overdue_days": 0,
    }  # fmt: skip
    # 西溪: its 8 Apr return was sent back, so 10 Apr is owed: 1 May − 10 Apr = 21 days
    assert (by_code["T02"]["review"], by_code["T02"]["reason"]) == ("退回", "缺少签章")
    assert (by_code["T02"]["deadline"], by_code["T02"]["overdue_days"]) == ("2025-04-10", 21)
    # 灵隐: nothing received
    assert by_code["T03"]["last_return"] is None and by_code["T03"]["overdue_days"] == 21
    assert all(type(r["overdue_days"]) is int for r in rows)
    assert {r["kind"] for r in rows} == {"town", "department", "platform"}


def test_status_json_as_a_real_subprocess(district: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xihu_desktop.cli", "status", "--db", str(district),
         "--year", "2025", "--json", "--kind", "镇街", "--today", "2025-07-11"],
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, timeout=120,
        env={"PYTHONPATH": str(REPO), "XIHU_DATA_DIR": str(tmp_path), "PYTHONIOENCODING": "utf-8",
             "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and {r["kind"] for r in rows} == {"town"}
    assert next(r for r in rows if r["code"] == "T01")["overdue_days"] == 1


@pytest.mark.parametrize(("kind", "stored"), [("部门", "department"), ("platform", "platform")])
def test_status_kind_filter(district: Path, capsys: Any, kind: str, stored: str) -> None:
    code, out, _ = run(capsys, "status", "--db", district, "--year", "2025", "--json",
                       "--kind", kind)  # fmt: skip
    assert code == 0
    assert {r["kind"] for r in json.loads(out)} == {stored}


def test_status_table_is_aligned_with_chinese_headers(district: Path, capsys: Any) -> None:
    code, out, _ = run(capsys, "status", "--db", district, "--year", "2025",
                       "--today", "2025-05-01")  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == list(HEADERS)
    body = [line for line in lines[1:] if line.startswith(("T", "P", "D"))]
    assert body
    # the deadline column starts at the same terminal column on every line
    starts = {width(line[: line.index("2025-04-10")]) for line in body if "2025-04-10" in line}
    assert len(starts) == 1
    row = next(line for line in body if line.startswith("T02"))
    assert "退回" in row and "缺少签章" in row and row.rstrip().endswith("21")
    assert lines[-1].startswith("共 ")


def test_aligned_counts_chinese_as_two_columns() -> None:
    assert width("北山a") == 5
    assert aligned([("单位", "x"), ("a", "yy")], right=frozenset({1})) == ["单位   x", "a     yy"]


def test_deadline_list_and_clear(district: Path, capsys: Any) -> None:
    code, out, _ = run(capsys, "deadline", "--db", district, "--year", "2025", "--list")
    assert code == 0 and out.splitlines() == ["第1季度  2025-04-10", "第2季度  2025-07-10"]
    code, out, _ = run(capsys, "deadline", "--db", district, "--year", "2025", "--quarter", "2",
                       "--clear")  # fmt: skip
    assert code == 0 and "取消" in out
    _, out, _ = run(capsys, "deadline", "--db", district, "--year", "2025", "--list")
    assert out.splitlines() == ["第1季度  2025-04-10"]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--quarter", "5", "--date", "2025-04-10"], "“5”"),
        (["--quarter", "一", "--date", "2025-04-10"], "“一”"),
        (["--quarter", "1", "--date", "2025-04-31"], "“2025-04-31”"),
        (["--quarter", "1", "--date", "10.04.2025"], "“10.04.2025”"),
        (["--quarter", "1", "--date", "2024-12-01"], "2024-12-01"),
        (["--quarter", "2", "--date", "2025-04-01"], "须晚于第1季度"),
        (["--date", "2025-04-10"], "--quarter"),
    ],
)
def test_bad_deadline_input_is_named_in_chinese(
    district: Path, capsys: Any, argv: list[str], named: str
) -> None:
    code, _, err = run(capsys, "deadline", "--db", district, "--year", "2025", *argv)
    assert code == 2
    assert named in err and "错误" in err and "Traceback" not in err
    store = Store.open(district)
    try:  # nothing changed
        assert [d.isoformat() for d in store.reporting.deadlines(2025).values()] == [
            "2025-04-10",
            "2025-07-10",
        ]
    finally:
        store.close()


def test_bad_today_is_named(district: Path, capsys: Any) -> None:
    code, _, err = run(capsys, "status", "--db", district, "--year", "2025", "--today", "明天")
    assert code == 2 and "“明天”" in err


def test_an_operator_may_not_set_deadlines(
    district: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = U.ScryptParams(n=2**10, r=8, p=1)
    monkeypatch.setattr(U, "DEFAULT_PARAMS", fast)
    store = Store.open(district)
    unit = store.units.find("T01")
    store.users.create("管理员", Role.ADMIN, password="admin-pass", params=fast)
    store.users.create("填报员", Role.OPERATOR, unit.id, password="op-pass", params=fast)
    store.users.set_login_required(True)
    store.close()
    monkeypatch.setenv(cli.PASSWORD_ENV, "op-pass")
    code, _, err = run(capsys, "deadline", "--db", district, "--year", "2025", "--quarter", "3",
                       "--date", "2025-10-10", "--user", "填报员")  # fmt: skip
    assert code == 2 and "区管理员" in err
    code, out, _ = run(capsys, "status", "--db", district, "--year", "2025", "--json",
                       "--user", "填报员")  # fmt: skip
    assert code == 0 and json.loads(out)  # reading is allowed
    monkeypatch.setenv(cli.PASSWORD_ENV, "admin-pass")
    code, _, err = run(capsys, "deadline", "--db", district, "--year", "2025", "--quarter", "3",
                       "--date", "2025-10-10", "--user", "管理员")  # fmt: skip
    assert code == 0, err


def test_a_units_own_file_lists_one_unit(store: Store, capsys: Any) -> None:
    store.settings.set(BOUND_UNIT, "P02")
    path = store.path
    store.close()
    code, out, _ = run(capsys, "status", "--db", path, "--year", "2025", "--json")
    assert code == 0
    assert [r["code"] for r in json.loads(out)] == ["P02"]
