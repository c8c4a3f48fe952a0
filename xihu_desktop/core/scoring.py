"""Scoring, grades and the red/yellow/green light, as DESIGN.md describes.

* 100 points split over the six categories (defaults 30/15/25/10/10/10, editable
  per year). A category's points are shared over its entries in proportion to
  their weights (an entry without a weight counts 1). When a ledger has no entry
  in a category, the other categories are scaled up so the total stays out of 100.
* Quantitative entry (numeric goal): points × min(actual / goal, 1); lower-is-better
  goals score goal / actual. Qualitative entry: by status (已完成 100 %, 基本完成 80 %,
  推进中 50 %, 滞后 30 %, 未启动 0 %; editable).
* Bonus and deduction lines carry a reason. Grades 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60,
  else 不合格; an unmet 约束性 indicator may cap the grade (一票否决).
* Light: green when completion ≥ elapsed share of the year, yellow within 15 points
  below it, red below that or when the year is over and the entry is not complete.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .categories import CATEGORIES

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHT_LABELS = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯", None: "—"}
GRADES = ("优秀", "良好", "合格", "不合格")


@dataclass
class ScoringSettings:
    category_points: dict[str, float] = field(
        default_factory=lambda: {c.key: c.default_points for c in CATEGORIES}
    )
    status_rates: dict[str, float] = field(
        default_factory=lambda: {
            "已完成": 1.0,
            "基本完成": 0.8,
            "推进中": 0.5,
            "滞后": 0.3,
            "未启动": 0.0,
        }
    )
    grade_bands: list[tuple[float, str]] = field(
        default_factory=lambda: [(90.0, "优秀"), (80.0, "良好"), (60.0, "合格")]
    )
    yellow_margin: float = 15.0  # percentage points below the elapsed share
    veto_enabled: bool = False  # 一票否决: an unmet 约束性 indicator caps the grade
    veto_cap: str = "不合格"

    def to_dict(self) -> dict[str, Any]:
        return {
            "category_points": dict(self.category_points),
            "status_rates": dict(self.status_rates),
            "grade_bands": [list(b) for b in self.grade_bands],
            "yellow_margin": self.yellow_margin,
            "veto_enabled": self.veto_enabled,
            "veto_cap": self.veto_cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ScoringSettings:
        settings = cls()
        if not data:
            return settings
        settings.category_points.update(
            {k: float(v) for k, v in data.get("category_points", {}).items()}
        )
        settings.status_rates.update({k: float(v) for k, v in data.get("status_rates", {}).items()})
        if data.get("grade_bands"):
            settings.grade_bands = [(float(a), str(b)) for a, b in data["grade_bands"]]
        settings.yellow_margin = float(data.get("yellow_margin", settings.yellow_margin))
        settings.veto_enabled = bool(data.get("veto_enabled", settings.veto_enabled))
        settings.veto_cap = str(data.get("veto_cap", settings.veto_cap))
        return settings


@dataclass(frozen=True)
class ScoreInput:
    """What scoring needs to know of one entry."""

    id: int
    category: str
    name: str = ""
    goal: float | None = None
    actual: float | None = None
    status: str | None = None
    weight: float | None = None
    lower_is_better: bool = False
    binding: bool = False  # 约束性 indicator


@dataclass(frozen=True)
class Adjustment:
    points: float  # positive for a bonus, negative for a deduction
    reason: str


@dataclass(frozen=True)
class EntryScore:
    id: int
    category: str
    name: str
    quantitative: bool
    completion: float | None  # 0..1+ (not capped), None when nothing can be said yet
    points: float  # the share of the category's points this entry carries
    score: float
    light: str | None


@dataclass
class LedgerScore:
    entries: list[EntryScore]
    category_points: dict[str, float]  # effective points after rescaling
    category_scores: dict[str, float]
    base: float
    bonus: float
    deduction: float
    total: float
    grade: str
    vetoed: list[str]  # names of unmet 约束性 indicators (when the veto applies)

    @property
    def lights(self) -> dict[str | None, int]:
        counts: dict[str | None, int] = {GREEN: 0, YELLOW: 0, RED: 0, None: 0}
        for e in self.entries:
            counts[e.light] = counts.get(e.light, 0) + 1
        return counts


def completion_rate(
    goal: float | None, actual: float | None, lower_is_better: bool = False
) -> float | None:
    """Completion as a fraction (not capped); None when there is no numeric goal."""
    if goal is None:
        return None
    if actual is None:
        return 0.0
    if lower_is_better:
        if actual <= 0:
            return 1.0
        return max(goal / actual, 0.0) if goal > 0 else 0.0
    if goal == 0:
        return 1.0 if actual >= 0 else 0.0
    if goal < 0:  # e.g. a growth rate planned to shrink less than ...; compare distances
        return 1.0 if actual >= goal else max(1.0 - (goal - actual) / abs(goal), 0.0)
    return max(actual / goal, 0.0)


def entry_completion(item: ScoreInput, settings: ScoringSettings) -> tuple[bool, float | None]:
    """(quantitative?, completion). Qualitative completion comes from the status."""
    if item.goal is not None:
        return True, completion_rate(item.goal, item.actual, item.lower_is_better)
    if item.status is None:
        return False, 0.0
    return False, settings.status_rates.get(item.status, 0.0)


def elapsed_share(year: int, as_of: dt.date) -> float:
    """Share of ``year`` elapsed at ``as_of``, 0..1."""
    start = dt.date(year, 1, 1)
    end = dt.date(year + 1, 1, 1)
    if as_of <= start:
        return 0.0
    if as_of >= end:
        return 1.0
    return (as_of - start).days / (end - start).days


def light(
    completion: float | None,
    year: int,
    as_of: dt.date,
    yellow_margin: float = 15.0,
    status: str | None = None,
) -> str | None:
    """Red/yellow/green against the elapsed share of the year."""
    if completion is None:
        return None
    pct = completion * 100.0
    if as_of >= dt.date(year + 1, 1, 1) and pct < 100.0:
        return RED  # past due
    if status == "滞后":
        return RED
    elapsed = elapsed_share(year, as_of) * 100.0
    if pct >= elapsed:
        return GREEN
    if pct >= elapsed - yellow_margin:
        return YELLOW
    return RED


def grade_for(total: float, settings: ScoringSettings) -> str:
    for threshold, name in sorted(settings.grade_bands, reverse=True):
        if total >= threshold - 1e-9:
            return name
    return "不合格"


def _cap_grade(grade: str, cap: str) -> str:
    order = list(GRADES)
    if grade in order and cap in order and order.index(grade) < order.index(cap):
        return cap
    return grade


cap_grade = _cap_grade  # public: the dashboard caps grades by the same rule


def score_ledger(
    items: Sequence[ScoreInput],
    settings: ScoringSettings,
    year: int,
    as_of: dt.date,
    adjustments: Iterable[Adjustment] = (),
) -> LedgerScore:
    by_cat: dict[str, list[ScoreInput]] = {c.key: [] for c in CATEGORIES}
    for item in items:
        by_cat.setdefault(item.category, []).append(item)
    used = {k: settings.category_points.get(k, 0.0) for k, v in by_cat.items() if v}
    used_total = sum(used.values())
    scale = 100.0 / used_total if used_total > 0 else 0.0
    effective = {k: v * scale for k, v in used.items()}

    scores: list[EntryScore] = []
    cat_scores: dict[str, float] = {k: 0.0 for k in by_cat}
    vetoed: list[str] = []
    for key, cat_items in by_cat.items():
        if not cat_items:
            continue
        weights = [i.weight if i.weight is not None and i.weight >= 0 else 1.0 for i in cat_items]
        wsum = sum(weights)
        for item, w in zip(cat_items, weights, strict=True):
            points = effective[key] * (w / wsum) if wsum > 0 else effective[key] / len(cat_items)
            quantitative, completion = entry_completion(item, settings)
            score = points * min(max(completion or 0.0, 0.0), 1.0)
            lamp = light(completion, year, as_of, settings.yellow_margin, item.status)
            scores.append(
                EntryScore(item.id, key, item.name, quantitative, completion, points, score, lamp)
            )
            cat_scores[key] += score
            if item.binding and quantitative and (completion or 0.0) < 1.0 - 1e-9:
                vetoed.append(item.name)

    adjustments = list(adjustments)
    bonus = sum(a.points for a in adjustments if a.points > 0)
    deduction = -sum(a.points for a in adjustments if a.points < 0)
    base = sum(cat_scores.values())
    total = max(base + bonus - deduction, 0.0)
    grade = grade_for(total, settings)
    if not settings.veto_enabled:
        vetoed = []
    elif vetoed:
        grade = _cap_grade(grade, settings.veto_cap)
    return LedgerScore(
        entries=scores,
        category_points=effective,
        category_scores=cat_scores,
        base=base,
        bonus=bonus,
        deduction=deduction,
        total=total,
        grade=grade,
        vetoed=vetoed,
    )
