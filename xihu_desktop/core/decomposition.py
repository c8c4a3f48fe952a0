"""任务分解 rules in plain Python: which plan targets add up over units, and the check
that flags an additive target whose unit shares do not add up to the district goal.

An amount or a count (亿元, 个, 家, 亩, 万人 …) of the district is the sum of the
units' figures, so the units' shares should add up to the district's annual goal. A
rate, a share, a per-capita figure or an age (%, ‰, 每千人…, 人均…, 增速, 率, 比重,
岁) does not add up: the lead unit's figure is the district's.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

#: Units of measure whose figures sum over units.
ADDITIVE_UNITS = frozenset(
    {
        "亿元",
        "万元",
        "元",
        "亿美元",
        "万美元",
        "个",
        "家",
        "亩",
        "万亩",
        "万人",
        "人",
        "名",
        "件",
        "张",
        "项",
        "户",
        "所",
        "座",
        "幢",
        "套",
        "批",
        "万平方米",
        "万㎡",
        "平方米",
        "公里",
        "吨",
        "人次",
        "万人次",
    }
)

#: Words of a target's name that make it a rate, a ratio or a per-capita figure.
NON_ADDITIVE_WORDS = (
    "每千",
    "每万",
    "每百",
    "人均",
    "单位GDP",
    "增速",
    "增长率",
    "降低率",
    "率",
    "比重",
    "占比",
    "占GDP比",
    "寿命",
)

#: Words of a rate of change: the only targets whose goal may be negative.
CHANGE_WORDS = ("增速", "增长率", "增幅", "增长", "降低率", "降幅")


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def is_additive(name: str | None, unit: str | None) -> bool:
    """Whether the units' shares of this target add up to the district's figure."""
    u, n = _clean(unit), _clean(name)
    if not u or "/" in u or u not in {_clean(a) for a in ADDITIVE_UNITS}:
        return False
    return not any(word in n for word in NON_ADDITIVE_WORDS)


def allows_negative(name: str | None, unit: str | None) -> bool:
    """A growth or reduction rate may be below zero; amounts, counts and levels may not."""
    n = _clean(name)
    return any(word in n for word in CHANGE_WORDS)


def tolerance(goal: float, shares: int) -> float:
    """How far a sum of rounded shares may lie from the goal: half a cent of the
    second decimal per share, at least a millionth of the goal."""
    return max(0.005 * max(shares, 1), abs(goal) * 1e-6) + 1e-9


@dataclass(frozen=True)
class Mismatch:
    """An additive target whose shares add up to ``total`` instead of ``goal``."""

    total: float
    goal: float

    def message(self) -> str:
        return f"各单位分解合计 {fmt(self.total)}，与区年度目标 {fmt(self.goal)} 不一致"


def mismatch(
    name: str | None, unit: str | None, goal: float | None, shares: Iterable[float | None]
) -> Mismatch | None:
    """The mismatch of an additive target with a district goal and at least one share
    (a target not decomposed yet is not flagged); None when the shares add up."""
    if goal is None or not is_additive(name, unit):
        return None
    values = [s for s in shares if s is not None]
    if not values:
        return None
    total = math.fsum(values)
    if abs(total - goal) <= tolerance(goal, len(values)):
        return None
    return Mismatch(total, float(goal))


def fmt(value: float | None) -> str:
    """A goal as people write it: 2000, 1587.6, 0.35 (no float noise)."""
    if value is None:
        return ""
    rounded = round(float(value), 6)
    if rounded.is_integer():
        return str(int(rounded))
    return f"{rounded:.6f}".rstrip("0").rstrip(".")
