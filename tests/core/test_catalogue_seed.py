"""Checks the built-in 十四五 catalogue against the source planning document.

The catalogue (``resources/catalogue/plan_14th.json``) was extracted by hand from the
Xihu District 14th Five-Year Plan outline.  The structural tests only need the JSON; the
seed-comparison tests additionally need the plain-text seed document, looked up in
``$XIHU_SEED_DIR`` or ``<workspace>/shared/seeds`` and skipped when it is not available.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

CATALOGUE_PATH = Path(__file__).parents[2] / "resources/catalogue/plan_14th.json"
DEFAULT_SEED_DIR = Path(__file__).parents[3] / "shared/seeds"
SEED_ENV_VAR = "XIHU_SEED_DIR"

DOCUMENT_NO = "西政发〔2021〕13号"
TITLE_MARKER = "关于印发杭州市西湖区"

CATEGORIES = ("经济发展", "创新驱动", "民生福祉", "城乡环境")
ATTRIBUTES = ("预期性", "约束性")

# (seq, sub, baseline, goal, goal_text, growth, attribute, lower_is_better), read off 专栏2.
HARD_CODED_TARGETS: list[
    tuple[int, str | None, float | None, float | None, str, str, str, bool]
] = [
    (1, None, 1587.6, 2000, "2000以上", "7%左右", "预期性", False),
    (2, None, 16, 20, "20", "/", "预期性", False),
    (3, None, 590.3, 1000, "1000", "[409.7]", "预期性", False),
    (4, None, 37.2, 45, "45左右", "/", "预期性", False),
    (7, None, -13.06, None, "/", "7", "预期性", False),
    (10, None, 2984, None, "/", "[10000]", "预期性", False),
    (13, None, 5.5, 8.1, "8.1", "[2.6]", "预期性", False),
    (19, None, 80.1, 80, "80以上", "/", "预期性", False),
    (26, None, 2.2, 3.5, ">3.5", "/", "预期性", False),
    (27, None, 4.4, None, "/", "与经济增长基本同步", "预期性", False),
    (29, None, 15, 25, ">25", "[10]", "预期性", False),
    (32, None, 7.7, 7.8, "7.8", "[0.1]", "预期性", False),
    (35, None, None, 99, "99", "/", "预期性", False),
    (37, None, 0.003, 0.002, "0.002", "/", "约束性", True),
    (38, "食品", 96, 97, "97", "/", "预期性", False),
    (38, "药品", 100, 99.5, "99.5以上", "/", "预期性", False),
    (39, None, 9, None, "/", "市下达指标", "约束性", False),
    (40, None, 86, 85, "85以上", "/", "约束性", False),
    (41, None, 30.4, 32, "32以下", "/", "约束性", True),
    (42, None, 100, 100, "100", "/", "预期性", False),
]

# (seq, name, unit, baseline_text) for rows whose name/unit/baseline text is easy to get wrong.
HARD_CODED_LABELS: list[tuple[int, str, str, str]] = [
    (1, "地区生产总值", "亿元", "1587.6"),
    (13, "实际利用外资额", "亿美元", "5.5(部口径)"),
    (30, "失智老人专区照护床位数", "张/千人", "0.4"),
    (32, "每千人口执业(助理)医师数", "个", "7.7"),
    (37, "亿元GDP生产安全事故死亡率", "人/亿元", "0.003"),
    (41, "PM2.5平均浓度", "微克/立方米", "30.4"),
]

# Projects per 专栏 (专栏3 enterprise tiers, 专栏5 talent and 专栏10 map are not projects).
EXPECTED_PROJECTS_PER_COLUMN: dict[int, int] = {
    4: 19,
    6: 8,
    7: 10,
    8: 4,
    9: 12,
    11: 45,
    12: 25,
    13: 14,
    14: 20,
    15: 7,
    16: 11,
    17: 28,
}

EXPECTED_PLATFORMS: list[tuple[str, str, str]] = [
    ("紫金港科技城", "城", "北强"),
    ("西湖大学城", "城", "北强"),
    ("之江未来城", "城", "南启"),
    ("西溪谷", "谷", "中兴"),
    ("云栖小镇", "小镇", "南启"),
    ("艺创小镇", "小镇", "南启"),
    ("龙坞茶镇", "小镇", "南启"),
    ("蚂蚁小镇", "小镇", "中兴"),
    ("浙大紫金科创小镇", "小镇", "北强"),
    ("云谷小镇", "小镇", "北强"),
]

EXPECTED_TOWNS: list[str] = [
    "北山街道",
    "西溪街道",
    "灵隐街道",
    "翠苑街道",
    "文新街道",
    "古荡街道",
    "转塘街道",
    "留下街道",
    "蒋村街道",
    "三墩镇",
    "双浦镇",
]

NAMING_GOAL = "完成省级特色小镇命名"


# --------------------------------------------------------------------------- helpers


@cache
def load_catalogue() -> dict[str, Any]:
    with CATALOGUE_PATH.open(encoding="utf-8") as fh:
        return json.load(fh)


def seed_dirs() -> list[Path]:
    dirs: list[Path] = []
    env = os.environ.get(SEED_ENV_VAR)
    if env:
        dirs.append(Path(env))
    dirs.append(DEFAULT_SEED_DIR)
    return dirs


def first_copy(text: str) -> str:
    """Return the first copy of the document (the seed file holds it twice)."""
    first = text.find(TITLE_MARKER)
    second = text.find(TITLE_MARKER, first + 1) if first >= 0 else -1
    if second < 0:
        return text
    cut = text.rfind("索引号", 0, second)
    return text[: cut if cut > first else second]


@cache
def find_seed_text() -> str | None:
    for directory in seed_dirs():
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.txt")):
            text = path.read_text(encoding="utf-8", errors="replace")
            if DOCUMENT_NO in text and TITLE_MARKER in text:
                return first_copy(text)
    return None


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def column_section(text: str, column: int) -> str:
    """Text of 专栏<column> up to the next 专栏 / 节 / 章 heading."""
    start = text.index(f"专栏{column}:")
    rest = text[start:]
    nxt = re.search(r"\n(专栏\d+:|第[一二三四五六七八九十]+[章节])", rest[1:])
    return rest if nxt is None else rest[: nxt.start() + 1]


def table_section(text: str) -> str:
    start = text.index("专栏2:")
    end = text.index("注:1.", start)
    return compact(text[start:end])


def first_number(text: str) -> float | None:
    match = re.search(r"-?\d+(?:\.\d+)?", text)
    return float(match.group(0)) if match else None


def target_row(seq: int, sub: str | None = None) -> dict[str, Any]:
    rows = [t for t in load_catalogue()["targets"] if t["seq"] == seq and t["sub"] == sub]
    assert len(rows) == 1, (seq, sub)
    return rows[0]


@pytest.fixture(scope="module")
def seed() -> str:
    text = find_seed_text()
    if text is None:
        pytest.skip(f"seed document not found (set {SEED_ENV_VAR})")
    return text


# --------------------------------------------------------------------------- plan


def test_plan_header() -> None:
    plan = load_catalogue()["plan"]
    assert plan["code"] == "14th"
    assert plan["name"] == "十四五"
    assert plan["document_no"] == DOCUMENT_NO
    assert (plan["start_year"], plan["end_year"], plan["baseline_year"]) == (2021, 2025, 2020)


def test_plan_header_in_seed(seed: str) -> None:
    plan = load_catalogue()["plan"]
    assert plan["title"] in seed
    assert plan["document_no"] in seed


# --------------------------------------------------------------------------- targets


def test_target_rows_structure() -> None:
    targets = load_catalogue()["targets"]
    assert len(targets) == 43
    assert sorted({t["seq"] for t in targets}) == list(range(1, 43))
    assert [t["seq"] for t in targets] == sorted(t["seq"] for t in targets)
    subs = [(t["seq"], t["sub"]) for t in targets if t["sub"] is not None]
    assert subs == [(38, "食品"), (38, "药品")]
    for t in targets:
        assert t["category"] in CATEGORIES, t
        assert t["attribute"] in ATTRIBUTES, t
        assert t["unit"], t
        assert not t["name"].endswith(")"), t
        assert t["lower_is_better"] is (t["seq"] in (37, 41)), t
    categories = [CATEGORIES.index(t["category"]) for t in targets]
    assert categories == sorted(categories)


def test_target_numbers_match_printed_text() -> None:
    for t in load_catalogue()["targets"]:
        for value_key, text_key in (("baseline", "baseline_text"), ("goal", "goal_text")):
            text = t[text_key]
            if text == "/":
                assert t[value_key] is None, t
            else:
                assert t[value_key] == pytest.approx(first_number(text)), t


@pytest.mark.parametrize(
    ("seq", "sub", "baseline", "goal", "goal_text", "growth", "attribute", "lower"),
    HARD_CODED_TARGETS,
)
def test_hard_coded_indicator(
    seq: int,
    sub: str | None,
    baseline: float | None,
    goal: float | None,
    goal_text: str,
    growth: str,
    attribute: str,
    lower: bool,
) -> None:
    row = target_row(seq, sub)
    assert row["baseline"] == (None if baseline is None else pytest.approx(baseline))
    assert row["goal"] == (None if goal is None else pytest.approx(goal))
    assert row["goal_text"] == goal_text
    assert row["growth"] == growth
    assert row["attribute"] == attribute
    assert row["lower_is_better"] is lower


@pytest.mark.parametrize(("seq", "name", "unit", "baseline_text"), HARD_CODED_LABELS)
def test_hard_coded_labels(seq: int, name: str, unit: str, baseline_text: str) -> None:
    row = target_row(seq)
    assert (row["name"], row["unit"], row["baseline_text"]) == (name, unit, baseline_text)


def test_target_texts_appear_in_seed(seed: str) -> None:
    flat = compact(seed)
    for t in load_catalogue()["targets"]:
        assert t["name"] in seed, t
        assert t["baseline_text"] in flat, t
        assert t["goal_text"] in flat, t


def test_target_rows_match_table(seed: str) -> None:
    """Each row, flattened, must occur verbatim in the flattened 专栏2 table."""
    table = table_section(seed)
    last_category_pos = {c: table.index(c) for c in CATEGORIES}
    for t in load_catalogue()["targets"]:
        head = f"{t['seq']}{t['name']}({t['unit']})"
        if t["sub"] == "药品":
            row = f"药品{t['baseline_text']}{t['goal_text']}{t['growth']}"
            anchor = f"{t['seq']}{t['name']}({t['unit']})食品"
        else:
            row = f"{head}{t['sub'] or ''}{t['baseline_text']}{t['goal_text']}{t['growth']}"
            row += t["attribute"]
            anchor = head
        pos = table.find(row)
        assert pos >= 0, row
        assert table.find(anchor) <= pos
        preceding = [c for c in CATEGORIES if last_category_pos[c] < pos]
        assert preceding and max(preceding, key=last_category_pos.__getitem__) == t["category"]


# --------------------------------------------------------------------------- projects


def test_projects_structure() -> None:
    projects = load_catalogue()["projects"]
    counts: dict[int, int] = {}
    for p in projects:
        counts[p["column"]] = counts.get(p["column"], 0) + 1
        assert p["name"] and not p["name"].endswith("等"), p
        assert p["kind"] == ("task" if p["column"] == 6 else "project"), p
    assert counts == EXPECTED_PROJECTS_PER_COLUMN
    groups_11 = [p["group"] for p in projects if p["column"] == 11]
    assert set(groups_11) == {"北强", "南启", "中兴"}
    groups_14 = {p["group"] for p in projects if p["column"] == 14}
    assert groups_14 == {"轨道交通", "骨架路网", "支路网"}


def test_project_names_appear_in_seed(seed: str) -> None:
    for p in load_catalogue()["projects"]:
        assert p["name"] in seed, p
        section = column_section(seed, p["column"])
        assert p["name"] in section, p
        assert section.startswith(f"专栏{p['column']}:{p['column_title']}"), p
        if p["group"] is not None:
            assert p["group"] in section, p


def test_column_11_groups_follow_headings(seed: str) -> None:
    section = column_section(seed, 11)
    bounds = [section.index(f"“{g}”") for g in ("北强", "南启", "中兴")] + [len(section)]
    for p in load_catalogue()["projects"]:
        if p["column"] != 11:
            continue
        k = ("北强", "南启", "中兴").index(p["group"])
        assert p["name"] in section[bounds[k] : bounds[k + 1]], p


# --------------------------------------------------------------------------- platforms


def test_platforms_structure() -> None:
    platforms = load_catalogue()["platforms"]
    assert len(platforms) == 10
    assert [p["code"] for p in platforms] == [f"P{i:02d}" for i in range(1, 11)]
    assert [(p["name"], p["kind"], p["group"]) for p in platforms] == EXPECTED_PLATFORMS
    first = platforms[0]["goals_2025"]
    assert [g["text"] for g in first] == [
        "完成改造提升项目50个",
        "拓展产业空间146万平方米",
        "技工贸总收入达到1000亿元以上",
        "规上工业增加值达到40亿元以上",
    ]
    assert [g["value"] for g in first] == [50, 146, 1000, 40]
    yunqi = platforms[4]["goals_2025"]
    assert yunqi == [{"text": "数字经济规模突破1000亿元", "value": 1000, "unit": "亿元"}]
    for p in platforms[7:]:
        assert NAMING_GOAL in [g["text"] for g in p["goals_2025"]], p


def test_platforms_match_seed(seed: str) -> None:
    for p in load_catalogue()["platforms"]:
        assert p["name"] in seed
        assert p["positioning"]
        # 北强/南启/中兴 membership per the spatial-layout paragraph of chapter 2 (heading + 涵盖).
        match = re.search(rf"——{p['group']}:[^(]*\(涵盖([^)]*)\)", seed)
        assert match is not None and p["name"] in match.group(0), p
        for goal in p["goals_2025"]:
            if goal["text"] == NAMING_GOAL:
                pattern = rf"完成[^。]*{re.escape(p['name'])}[^。]*省级特色小镇命名"
                assert re.search(pattern, seed), p
            else:
                assert goal["text"] in seed, goal
            if goal["value"] is not None:
                assert first_number(goal["text"]) == pytest.approx(goal["value"]), goal


# --------------------------------------------------------------------------- talent


def test_talent_programmes_structure() -> None:
    programmes = load_catalogue()["talent_programmes"]
    assert len(programmes) == 6
    assert [p["code"] for p in programmes] == [f"R{i:02d}" for i in range(1, 7)]
    lead = programmes[0]
    assert lead["name"] == "数字经济人才领航计划"
    assert lead["goals_2025"] == [
        {"text": "引育数字经济领军人才30名以上", "value": 30, "unit": "名"},
        {"text": "创新创业团队80个以上", "value": 80, "unit": "个"},
    ]


def test_talent_programmes_match_seed(seed: str) -> None:
    section = column_section(seed, 5)
    for p in load_catalogue()["talent_programmes"]:
        line = next(ln for ln in section.splitlines() if ln.startswith(p["name"] + ":"))
        body = line.split(":", 1)[1]
        assert body.startswith(p["description"]), p
        assert p["description"].endswith("。"), p
        for goal in p["goals_2025"]:
            assert goal["text"] in body, goal
            if goal["value"] is not None:
                assert first_number(goal["text"]) == pytest.approx(goal["value"]), goal


# --------------------------------------------------------------------------- towns, departments


def test_towns() -> None:
    towns = load_catalogue()["towns"]
    assert len(towns) == 11
    assert [t["name"] for t in towns] == EXPECTED_TOWNS
    assert [t["code"] for t in towns] == [f"T{i:02d}" for i in range(1, 12)]
    assert {t["kind"] for t in towns} == {"town"}


def test_towns_order_matches_seed(seed: str) -> None:
    section = column_section(seed, 16)
    positions = [section.index(t["name"]) for t in load_catalogue()["towns"]]
    assert positions == sorted(positions)


def test_departments() -> None:
    departments = load_catalogue()["departments"]
    assert departments[0]["name"] == "区发展和改革局"
    assert 15 <= len(departments) <= 30
    assert [d["code"] for d in departments] == [f"D{i:02d}" for i in range(1, len(departments) + 1)]
    assert len({d["name"] for d in departments}) == len(departments)
    assert {d["kind"] for d in departments} == {"department"}
