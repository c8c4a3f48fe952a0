"""A realistic demo district: every town/street and platform with ledgers for 2024 and
2025 in all six categories, drawn from the catalogue, with four quarters of progress.

Deterministic (fixed random seed), so screenshots and tests see the same data.
"""

from __future__ import annotations

import random
import re
from typing import Any

from ..core.catalogue import load_catalogue
from ..core.categories import COUNT_UNITS
from ..core.entry_values import counts
from ..core.enums import LedgerStatus
from ..core.validate import uscc_check_digit
from .demo_district import DISTRICT_SCHEMA, fill_decomposition
from .demo_reports import fill_reports
from .records import Entry, Unit
from .store import Store

_USCC_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_COMPANY_WORDS = (
    "数智",
    "云图",
    "星河",
    "之江",
    "西溪",
    "云栖",
    "紫金",
    "龙井",
    "钱塘",
    "灵隐",
    "湖畔",
    "北斗",
    "天目",
    "翠苑",
    "蓝鲸",
    "众恒",
    "聚光",
    "启明",
    "华策",
    "新禾",
)
_COMPANY_TRADES = (
    ("科技", "软件和信息技术服务业"),
    ("智能", "人工智能"),
    ("生物医药", "生命健康"),
    ("文化传媒", "文化创意"),
    ("金融信息", "金融科技"),
    ("网络", "互联网和相关服务"),
    ("电子", "集成电路"),
    ("空天信息", "空天信息"),
)
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = (
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "洋",
    "婷",
    "杰",
    "娜",
    "强",
    "勇",
    "艳",
    "军",
    "霞",
    "涛",
    "明",
    "超",
    "慧",
    "鹏",
    "佳",
)
_RESOURCE_ROWS = (
    ("土地", "亩", "land", "产业用地出让"),
    ("空间", "万㎡", "floor_space", "产业空间腾挪"),
    ("资金", "万元", "funds", "产业扶持资金"),
    ("楼宇", "幢", None, "亿元楼宇培育"),
    ("政策", "项", None, "配套政策出台"),
)


def credit_code(rng: random.Random) -> str:
    body = "91330106" + "".join(rng.choice(_USCC_BODY) for _ in range(9))
    return body + (uscc_check_digit(body) or "0")


def _person(rng: random.Random) -> str:
    return (
        rng.choice(_SURNAMES)
        + rng.choice(_GIVEN)
        + (rng.choice(_GIVEN) if rng.random() < 0.6 else "")
    )


def _phone(rng: random.Random) -> str:
    return "0571-8" + "".join(str(rng.randint(0, 9)) for _ in range(7))


def _milestones(rng: random.Random, what: str) -> dict[str, str]:
    return {
        "q1": f"制定{what}年度实施方案，明确责任分工",
        "q2": f"{what}完成年度目标的{rng.choice((40, 45, 50))}%",
        "q3": f"{what}完成年度目标的{rng.choice((70, 75, 80))}%，开展中期评估",
        "q4": f"全面完成{what}年度目标，形成总结报告",
    }


def _progress_path(rng: random.Random) -> list[float]:
    """Cumulative completion fraction at the end of each quarter."""
    final = rng.choice((1.0, 1.02, 1.08, 1.15, 0.96, 0.9, 0.82, 0.7, 0.55))
    shares = sorted(rng.uniform(0.15, 0.95) for _ in range(3))
    return [round(final * s, 4) for s in shares] + [final]


def _status(fraction: float, quarter: int) -> str:
    if fraction >= 1.0:
        return "已完成"
    if fraction >= 0.8 and quarter == 4:
        return "基本完成"
    if fraction < quarter / 4 - 0.3:
        return "滞后"
    return "推进中" if fraction > 0 else "未启动"


_TOTAL_UNITS = ("亿元", "亿美元", "个", "家", "亩", "万人", "人", "件")
#: Flows summed over the year (cumulative from nothing each quarter); every other indicator
#: is a level that moves from its baseline towards its goal.
_FLOW_UNITS = ("亿元", "亿美元")
#: Rates and shares: never below 0 nor above their whole (100 %, 1000 ‰), except growth.
_RATE_LIMITS = {"%": 100.0, "‰": 1000.0}
_PER_HEAD = re.compile(r"^每([千万])(人口|老年人|人)")

#: The plan's three areas, chapter 2 §4 战略路径: “全面推动形成‘北强、南启、中兴’的协调发展格局”.
#: Declared once in the catalogue: towns carry ``area``, platforms ``group``, the projects of
#: column 11 their area as ``group``, and projects that lie in one unit a ``location``.
AREAS = ("北强", "南启", "中兴")


def unit_areas(catalogue: dict[str, Any]) -> dict[str, str]:
    """Area of each town and platform of a catalogue, by unit code and by name."""
    out: dict[str, str] = {}
    for unit, area in [
        *((t, t.get("area")) for t in catalogue["towns"]),
        *((p, p.get("group")) for p in catalogue["platforms"]),
    ]:
        if area in AREAS:
            out[unit["code"]] = out[unit["name"]] = area
    return out


def item_area(data: dict[str, Any], areas: dict[str, str]) -> str | None:
    """Area of a catalogue platform or project (None: district-wide or not placed)."""
    if data.get("location") in areas:
        return areas[data["location"]]
    return data["group"] if data.get("group") in AREAS else None


def _per_head_unit(name: str, unit: str) -> str:
    """``每千人拥有…托位数`` counted in 个 is a ratio: 个/千人, not a count."""
    m = _PER_HEAD.match(name)
    return f"{unit}/{m.group(1)}{m.group(2)}" if m and "/" not in unit else unit


def _indicator_rows(store: Store, rng: random.Random, share: float) -> list[dict[str, Any]]:
    # Targets with a 2025 goal; a unit's share of a district total is scaled, while rates,
    # ratios and per-capita figures keep the district's value.
    targets = [
        t for t in store.catalogue.targets() if t["goal"] is not None and t["baseline"] is not None
    ]
    rows = []
    for t in rng.sample(targets, k=rng.randint(4, 6)):
        unit = _per_head_unit(t["name"], t["unit"])
        absolute = unit in _TOTAL_UNITS and not any(
            word in t["name"] for word in ("人均", "每", "率", "比", "增速")
        )
        base, goal = t["baseline"], t["goal"]
        if absolute:
            base, goal = base * share, goal * share * rng.uniform(0.85, 0.95)
        if unit in COUNT_UNITS:  # whole things: at least one to aim for
            base, goal = float(round(base)), float(max(round(goal), 1))
        else:
            base, goal = round(base, 2), round(goal, 2 if goal < 100 else 1)
        rows.append(
            {
                "name": t["name"] + (f"（{t['sub']}）" if t["sub"] else ""),
                "target_id": t["id"],
                "measure_unit": unit,
                "attribute": t["attribute"],
                "direction": "越小越好" if t["lower_is_better"] else "越大越好",
                "baseline": base,
                "goal": goal,
                "roadmap": f"对照“十四五”规划目标（{t['goal_text'] or t['growth']}），分解落实年度任务，"
                "按月调度、按季通报。",
            }
        )
    return rows


def _platform_rows(
    store: Store, rng: random.Random, unit: Unit, areas: dict[str, str]
) -> list[dict[str, Any]]:
    # A platform reports on itself; a town on one or two platforms of its own area.
    platforms = store.catalogue.items("platform")
    own = [p for p in platforms if p["code"] == unit.code]
    if not own:
        near = [p for p in platforms if item_area(p["data"], areas) == areas.get(unit.code)]
        own = rng.sample(near, k=min(len(near), rng.randint(1, 2)))
    rows = []
    for p in own:
        goals = p["data"].get("goals_2025") or [
            {"text": "推进平台提质扩容", "value": None, "unit": None}
        ]
        g = rng.choice(goals)
        value = g.get("value")
        rows.append(
            {
                "name": f"{p['name']}建设",
                "catalogue_id": p["id"],
                "positioning": p["data"].get("positioning", ""),
                "annual_goal": f"落实年度任务：{g['text']}（年度分解）",
                "measure_unit": g.get("unit") or None,
                "goal": (round(value / 5, 0 if g.get("unit") in COUNT_UNITS else 1) or 1.0)
                if value
                else None,
                "roadmap": "建立平台专班，实行“一月一调度、一季一通报”，重点项目挂图作战。",
            }
        )
    return rows


def _project_rows(
    store: Store, rng: random.Random, unit: Unit, areas: dict[str, str]
) -> list[dict[str, Any]]:
    # Projects that lie in this unit, or in its area without a single place; never
    # district-wide ones (those are the departments').
    area = areas.get(unit.code)
    pool = [
        p
        for p in store.catalogue.items("project")
        if p["data"].get("location") == unit.name
        or (
            "location" not in p["data"] and area is not None and item_area(p["data"], areas) == area
        )
    ]
    rows = []
    for p in rng.sample(pool, k=min(len(pool), rng.randint(3, 5))):
        total = rng.choice((8000, 15000, 32000, 56000, 120000, 260000, 480000))
        start = rng.choice((2020, 2021, 2022, 2023, 2024, 2025))
        annual = round(total * rng.uniform(0.12, 0.3), -1)
        rows.append(
            {
                # column 16 names each town's 民生综合体 by the town alone
                "name": p["name"] + ("民生综合体" if p["name"] == unit.name else ""),
                "catalogue_id": p["id"],
                "owner_org": rng.choice(
                    (
                        "杭州西湖城市建设投资集团有限公司",
                        "之江城投集团",
                        "杭州西湖投资集团有限公司",
                        unit.name,
                    )
                ),
                "nature": "新建" if start == 2025 else ("前期" if rng.random() < 0.1 else "续建"),
                "start_year": start,
                "end_year": max(start + rng.randint(2, 4), 2025),
                "total_investment": float(total),
                "goal": float(annual),
                "roadmap": "倒排工期、挂图作战，协调解决政策处理和要素保障问题。",
            }
        )
    return rows


def _enterprise_rows(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    kinds = ("国家高新技术企业", "拟上市企业", "上市企业", "雏鹰企业", "专精特新企业")
    for _ in range(rng.randint(3, 4)):
        word, (trade, industry) = rng.choice(_COMPANY_WORDS), rng.choice(_COMPANY_TRADES)
        revenue = rng.choice((5000, 12000, 30000, 80000, 150000))
        kind = rng.choice(kinds)
        rows.append(
            {
                "name": f"杭州{word}{trade}有限公司",
                "credit_code": credit_code(rng),
                "industry": industry,
                "kind": kind,
                "annual_goal": {
                    "拟上市企业": "完成股改并报辅导备案",
                    "上市企业": "营业收入稳定增长",
                    "国家高新技术企业": "通过高企复审，研发投入占比不低于6%",
                    "雏鹰企业": "入选市雏鹰计划培育企业",
                    "专精特新企业": "申报省级专精特新中小企业",
                }[kind],
                "goal": float(revenue),
            }
        )
    return rows


def _talent_rows(store: Store, rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for p in rng.sample(store.catalogue.items("talent_programme"), k=rng.randint(2, 3)):
        kind = rng.choice(("个人", "团队", "引育批次"))
        name = (
            f"{_person(rng)}（{p['name'][:4]}领军人才）"
            if kind == "个人"
            else f"{p['name'][:4]}创新创业团队"
            if kind == "团队"
            else f"{p['name']}年度引育"
        )
        rows.append(
            {
                "name": name,
                "catalogue_id": p["id"],
                "talent_type": kind,
                "field": p["name"][:4],
                "employer": rng.choice(("西湖大学", "浙江大学", "阿里云计算有限公司", "区属企业")),
                "level": rng.choice(("国家级", "省级", "市级", "区级")),
                "goal": float(1 if kind == "个人" else rng.choice((2, 3, 5, 10, 20))),
            }
        )
    return rows


def _resource_rows(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for kind, unit, key, what in rng.sample(_RESOURCE_ROWS, k=rng.randint(2, 3)):
        amount = {
            "亩": rng.choice((30, 60, 120, 200)),
            "万㎡": rng.choice((2, 5, 8, 15)),
            "万元": rng.choice((500, 2000, 5000)),
            "幢": rng.choice((1, 2, 3)),
            "项": rng.choice((1, 2)),
        }[unit]
        row = {
            "name": what,
            "resource_kind": kind,
            "measure_unit": unit,
            "goal": float(amount),
            "location": rng.choice(("三墩北", "之江核心区", "留下单元", "云谷", "西溪谷沿线")),
        }
        if key:
            row[key] = float(amount)
        if kind in ("政策", "楼宇"):
            row["policy"] = f"{what}：年度目标{amount}{unit}"
        rows.append(row)
    return rows


def fill_demo(store: Store, years: tuple[int, ...] = (2024, 2025), seed: int = 20251231) -> int:
    """Create demo ledgers for every town/street and platform; return the entry count."""
    rng = random.Random(seed)
    areas = unit_areas(load_catalogue())
    units = [u for u in store.units.list() if u.kind in ("town", "platform")]
    count = 0
    with store.transaction():
        for index, unit in enumerate(units):
            leader, owner = _person(rng), _person(rng)
            store.units.update(unit.id, {"leader": leader, "contact": _phone(rng)})
            for year in years:
                ledger = store.ledgers.ensure(unit.id, year)
                store.ledgers.update(
                    ledger.id,
                    {
                        "leader": leader,
                        "contact": _phone(rng),
                        "preparer": owner,
                        "self_assessment": f"{year}年，{unit.name}围绕“六个一批”工作抓手，"
                        "逐项分解规划目标任务，重点指标总体符合序时进度，重大项目加快推进，"
                        "部分项目受政策处理影响进度滞后，已制定专项措施。",
                    },
                )
                share = rng.uniform(0.03, 0.12)
                groups: list[tuple[str, list[dict[str, Any]]]] = [
                    ("indicator", _indicator_rows(store, rng, share)),
                    ("platform", _platform_rows(store, rng, unit, areas)),
                    ("project", _project_rows(store, rng, unit, areas)),
                    ("enterprise", _enterprise_rows(rng)),
                    ("talent", _talent_rows(store, rng)),
                    ("resource", _resource_rows(rng)),
                ]
                for cat_key, rows in groups:
                    for row in rows:
                        row.setdefault("leader", leader)
                        row.setdefault("owner", owner)
                        row.setdefault("contact", _phone(rng))
                        row.update({k: v for k, v in _milestones(rng, row["name"][:10]).items()})
                        entry = store.entries.get(store.entries.add(ledger.id, cat_key, row).id)
                        count += 1
                        _demo_progress(store, rng, entry, counts(entry))
                if rng.random() < 0.2:
                    store.assessment.add_adjustment(ledger.id, 2, "承办全区“六个一批”现场推进会")
                if rng.random() < 0.1:
                    store.assessment.add_adjustment(ledger.id, -1, "一季度报表逾期报送")
                if year < max(years):
                    store.ledgers.set_status(ledger.id, LedgerStatus.LOCKED)
                elif index % 3 == 2:
                    # a third submitted, the rest drafts, among them the first unit's ledger
                    # the window opens on a first start
                    store.ledgers.set_status(ledger.id, LedgerStatus.SUBMITTED)
        # its own generator, so the ledgers above stay as they were before decomposition;
        # a file of an older schema (the migration tests build one) has no district tables
        if store.version >= DISTRICT_SCHEMA:
            fill_decomposition(store, years, random.Random(seed + 1), areas)
            fill_reports(
                store, years, random.Random(seed + 2), _per_head_unit
            )  # 年度监测's figures
    return count


def _demo_progress(store: Store, rng: random.Random, entry: Entry, whole: bool) -> None:
    values = entry.values
    goal, base = values.get("goal"), values.get("baseline")
    unit = str(values.get("measure_unit") or "")
    level = entry.category == "indicator" and base is not None and unit not in _FLOW_UNITS
    limit = _RATE_LIMITS.get(unit) if "增" not in entry.name else None
    path = _progress_path(rng)
    for quarter, fraction in enumerate(path, start=1):
        value = None
        if goal is not None:
            # a level moves from its baseline towards its goal; a flow adds up over the year
            value = base + (goal - base) * fraction if level else goal * fraction
            if limit is not None:
                value = min(value, limit)
            if values.get("direction") == "越小越好" or limit is not None:
                value = max(value, 0.0)
            value = float(round(value)) if whole else round(value, 4 if abs(value) < 1 else 2)
        status = _status(fraction, quarter)
        store.progress.set(
            entry.id,
            quarter,
            {
                "value": value,
                "status": status,
                "problems": None if status != "滞后" else "政策处理和要素保障进度慢于预期",
                "next_steps": "加强调度，倒排工期" if quarter < 4 else "总结经验，谋划下年度任务",
                "follow_up": status == "滞后",
            },
        )
