"""The demo district's 任务分解 for each demo year, following the plan's geography.

Each target with a 2025 goal gets a district goal on its path from the 2020 baseline
(one given only as a five-year total a fifth of it, one given as a growth rate the rate)
and a lead unit chosen by subject; an additive target (amounts and counts) is shared
among the towns/streets and platforms so that the shares add up, a rate or share is
carried by its lead unit. A platform goes to its platform unit and the towns/streets
of its area (北强、中兴、南启), a project with a ``location`` to that unit, the talent
programmes to 区人力资源和社会保障局 and the platform units. Deterministic: keys and
weights come from the caller's seeded random generator.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from typing import Any

from ..core import decomposition as rules
from ..core.categories import COUNT_UNITS
from .decomposition_records import DecompositionEdit
from .records import PlanTarget, Unit
from .store import Store

#: the schema version that has the decomposition tables (db/006_district.sql)
DISTRICT_SCHEMA = 6

#: (words of the target's name, lead unit); the first match wins.
LEADS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("安全事故",), "区应急管理局"),
    (("生产总值", "GDP", "增加值占GDP"), "区统计局"),
    (("数字经济",), "区经济和信息化局"),
    (("文化", "旅游"), "区文化和广电旅游体育局"),
    (("财政",), "区财政局"),
    (("楼宇", "消费品", "外资", "出口", "服务贸易"), "区商务局"),
    (("产业项目",), "区投资促进局"),
    (("做地",), "杭州市规划和自然资源局西湖分局"),
    (("研究与试验", "高新", "专利", "技术交易"), "区科学技术局"),
    (("人才",), "区人力资源和社会保障局"),
    (("托位", "寿命", "医师", "医疗保险"), "区卫生健康局"),
    (("养老保险", "可支配收入"), "区人力资源和社会保障局"),
    (("养老", "老年", "失智"), "区民政局"),
    (("教育",), "区教育局"),
    (("食品", "药品"), "区市场监督管理局"),
    (("能耗",), "区发展和改革局"),
    (("空气", "PM2.5"), "杭州市生态环境局西湖分局"),
    (("垃圾",), "区城市管理局"),
)
#: the lead unit of a target no word names, by the target's category
CATEGORY_LEADS = {
    "经济发展": "区发展和改革局",
    "创新驱动": "区科学技术局",
    "民生福祉": "区民政局",
    "城乡环境": "杭州市生态环境局西湖分局",
}
HR_BUREAU = "区人力资源和社会保障局"


def lead_unit_name(target: PlanTarget) -> str:
    for words, unit in LEADS:
        if any(w in target.name for w in words):
            return unit
    return CATEGORY_LEADS.get(target.category, "区发展和改革局")


def path_value(target: PlanTarget, year: int, first: int, last: int) -> float | None:
    """The target's expected value in ``year`` on its path from ``first`` to ``last``:
    geometric for a growing amount, linear otherwise; rounded as people write it."""
    goal, base = target.goal, target.baseline
    if goal is None:
        return _without_goal(target, last - first)
    if base is None or last <= first:
        value = goal
    else:
        share = min(max((year - first) / (last - first), 0.0), 1.0)
        geometric = rules.is_additive(target.name, target.unit) and base > 0 and goal > 0
        value = base * (goal / base) ** share if geometric else base + (goal - base) * share
    if _whole(target):
        return float(round(value))
    digits = 1 if abs(value) >= 100 else 2 if abs(value) >= 1 else 4
    return round(value, digits)


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _without_goal(target: PlanTarget, years: int) -> float | None:
    """A target given only as a five-year total ``[10000]`` gets a fifth of it each year;
    one given only as a growth rate (旅游总收入增速 7) gets the rate; words get nothing."""
    growth = (target.growth or "").strip()
    found = _NUMBER.search(growth)
    if found is None or years <= 0:
        return None
    value = float(found.group())
    if growth.startswith("["):
        value /= years
    if _whole(target):
        return float(round(value))
    return round(value, 2)


def _whole(target: PlanTarget) -> bool:
    """A count that adds up over units (not a per-capita ratio counted in 个)."""
    return (target.unit or "") in COUNT_UNITS and rules.is_additive(target.name, target.unit)


def split(total: float, weights: list[float], whole: bool) -> list[float]:
    """``total`` split by ``weights`` so that the parts add up exactly (largest remainder
    for whole numbers, two decimals with the rest on the largest part otherwise)."""
    scale = sum(weights)
    if whole:
        exact = [total * w / scale for w in weights]
        parts = [math.floor(x) for x in exact]
        rest = round(total) - sum(parts)
        order = sorted(range(len(exact)), key=lambda i: exact[i] - parts[i], reverse=True)
        for i in order[:rest]:
            parts[i] += 1
        return [float(p) for p in parts]
    parts_f = [round(total * w / scale, 2) for w in weights]
    big = max(range(len(weights)), key=lambda i: weights[i])
    parts_f[big] = round(total - math.fsum(p for i, p in enumerate(parts_f) if i != big), 2)
    return parts_f


def _key(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def fill_decomposition(
    store: Store, years: tuple[int, ...], rng: random.Random, areas: dict[str, str]
) -> None:
    """Decompose every demo year (inside the caller's transaction); ``areas``: the area
    of each town and platform by unit code (:func:`.demo.unit_areas`)."""
    units = store.units.list()
    by_name = {u.name: u for u in units}
    by_code = {u.code: u for u in units}
    carriers = [u for u in units if u.kind in ("town", "platform") and u.active]
    for year in years:
        plan = store.catalogue.plan_for_year(year)
        edit = DecompositionEdit()
        for t in store.catalogue.targets(plan.id):
            goal = path_value(t, year, plan.baseline_year or plan.start_year - 1, plan.end_year)
            if goal is None:
                continue
            lead = by_name.get(lead_unit_name(t))
            edit.goals[t.id] = goal
            edit.leads[t.id] = lead.id if lead else None
            if rules.is_additive(t.name, t.unit):
                weights = [rng.uniform(0.4, 2.5) for _ in carriers]
                whole = _whole(t)
                for u, part in zip(carriers, split(goal, weights, whole), strict=True):
                    _share(edit, rng, t.id, u.id, part)
            elif lead is not None:
                _share(edit, rng, t.id, lead.id, goal)
        for item in store.catalogue.items(plan_id=plan.id):
            for unit in _item_units(item.kind, item.code, item.data, areas, by_name, by_code):
                edit.assign.add((item.id, unit.id))
                edit.keys[("item", item.id, unit.id)] = _key(rng)
        store.decomposition.apply(year, edit)


def _share(edit: DecompositionEdit, rng: random.Random, t: int, u: int, goal: float) -> None:
    edit.shares[(t, u)] = goal
    edit.keys[("share", t, u)] = _key(rng)


def _item_units(
    kind: str,
    code: str | None,
    data: dict[str, Any],
    areas: dict[str, str],
    by_name: dict[str, Unit],
    by_code: dict[str, Unit],
) -> list[Unit]:
    """The units a catalogue item goes to, by the plan's geography."""
    if kind == "platform":
        area = areas.get(code or "")
        own = [by_code[code]] if code in by_code else []
        towns = [u for u in by_name.values() if u.kind == "town" and areas.get(u.code) == area]
        return own + sorted(towns, key=lambda u: u.position)
    if kind == "project":
        unit = by_name.get(str(data.get("location") or ""))
        return [unit] if unit is not None else []
    if kind == "talent_programme":
        hr = [by_name[HR_BUREAU]] if HR_BUREAU in by_name else []
        platforms = sorted((u for u in by_name.values() if u.kind == "platform"), key=_pos)
        return hr + platforms
    return []


def _pos(unit: Unit) -> int:
    return unit.position
