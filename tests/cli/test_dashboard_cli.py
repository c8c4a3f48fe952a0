"""``xihu dashboard``: the ranking on the command line, as text and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from xihu_desktop import cli
from xihu_desktop.store import Store
from xihu_desktop.store.dashboard import JSON_KEYS


def run(capsys: Any, *argv: str | Path) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_the_store_ranking(capsys: Any, demo_store: Store) -> None:
    path = demo_store.path
    code, out, _ = run(capsys, "dashboard", "--db", path, "--year", "2025", "--json",
                       "--as-of", "2025-08-01")  # fmt: skip
    assert code == 0
    rows = json.loads(out)
    ranking = demo_store.dashboard.ranking(2025, as_of=__import__("datetime").date(2025, 8, 1))
    assert [tuple(r) for r in rows] == [JSON_KEYS] * len(ranking)
    assert [(r["rank"], r["code"]) for r in rows] == [(k, f.unit_code) for k, f in ranking]
    assert rows[0]["total"] == round(ranking[0][1].total or 0, 2)
    assert set(rows[0]["completion"]) == {
        "indicator", "platform", "project", "enterprise", "talent", "resource",
    }  # fmt: skip
    code, out, _ = run(capsys, "dashboard", "--db", path, "--year", "2025", "--json",
                       "--kind", "平台")  # fmt: skip
    assert code == 0 and {r["kind"] for r in json.loads(out)} == {"platform"}


def test_text_lists_the_ranking(capsys: Any, demo_store: Store) -> None:
    code, out, _ = run(capsys, "dashboard", "--db", demo_store.path, "--year", "2025")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["排名", "单位", "类型", "台账状态"]
    best = demo_store.dashboard.ranking(2025)[0][1]
    assert lines[1].split()[:2] == ["1", best.unit_name]
    assert f"共 {len(demo_store.units.list(active_only=True))} 个单位" in lines[-1]


def test_bad_input_is_one_chinese_sentence(capsys: Any, demo_store: Store) -> None:
    code, _, err = run(capsys, "dashboard", "--db", demo_store.path, "--year", "2025",
                       "--kind", "乡")  # fmt: skip
    assert code == 2 and "单位类型“乡”无效" in err
    code, _, err = run(capsys, "dashboard", "--db", demo_store.path, "--year", "2025",
                       "--as-of", "8月1日")  # fmt: skip
    assert code == 2 and "日期“8月1日”无效" in err
