"""规划路径: which path a plan target follows from its 2020 baseline to its 2025 goal,
its expected value for a year, and whether an actual is on that path.

The rule is read from the target's data as the plan document states it (专栏2):

- a quantity with a 2025 goal grows geometrically (a bracket in its growth column,
  e.g. 数字经济核心产业增加值 1000 ``[409.7]``, is the five-year increment, not a total);
- a rate, share, per-capita or per-thousand figure, a ratio (unit with ``/``) or an age
  moves linearly;
- a target given only as a five-year total (no goal, growth ``[10000]``) is cumulative:
  the running total since the plan began is set against that share of the total;
- a target given only as a growth rate (no goal, growth ``7`` or ``6%``) must reach the
  rate every year;
- anything else (市下达指标, 与经济增长基本同步) has no path.

A target is anything with the catalogue's keys (a ``PlanTarget`` record or a plain dict
of ``plan_14th.json``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from .decomposition import is_additive
from .monitoring import ActualRule, PathRule

__all__ = [
    "actual_rule",
    "expected",
    "goal_figure",
    "on_track",
    "path_rule",
]

#: Units of measure of a rate or a level that does not grow like an amount.
LINEAR_UNITS = frozenset({"%", "‰", "岁"})
#: Words of the name or unit of a rate, share or per-capita figure.
LINEAR_WORDS = ("每千人", "每万人", "每千", "每万", "每百", "人均", "占比", "比重", "率", "占GDP比")

_BRACKET = re.compile(r"^\s*[\[［【]\s*(-?\d+(?:\.\d+)?)\s*[\]］】]\s*$")
_RATE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%?\s*$")


def _get(target: Any, key: str) -> Any:
    if isinstance(target, Mapping):
        return target.get(key)
    return getattr(target, key, None)


def _text(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def bracket_total(growth: Any) -> float | None:
    """``[10000]`` → 10000 (a five-year total or increment); None otherwise."""
    found = _BRACKET.match(_text(growth))
    return float(found.group(1)) if found else None


def growth_rate(growth: Any) -> float | None:
    """``7`` / ``6%`` → the annual rate; words or ``7%左右`` with a goal are not read here."""
    found = _RATE.match(_text(growth))
    return float(found.group(1)) if found else None


def is_linear(target: Any) -> bool:
    """A rate, share, per-capita or per-thousand figure, a ratio or an age."""
    unit, name = _text(_get(target, "unit")), _text(_get(target, "name"))
    if unit in LINEAR_UNITS or "/" in unit:
        return True
    return any(word in name or word in unit for word in LINEAR_WORDS)


def path_rule(target: Any) -> PathRule:
    """The path a target follows by default (see the module's docstring)."""
    goal = _number(_get(target, "goal"))
    growth = _get(target, "growth")
    if goal is not None:
        return PathRule.LINEAR if is_linear(target) else PathRule.GEOMETRIC
    if bracket_total(growth) is not None:
        return PathRule.CUMULATIVE
    if growth_rate(growth) is not None:
        return PathRule.RATE
    return PathRule.NONE


def actual_rule(target: Any) -> ActualRule:
    """SUM over the units for amounts and counts that add up, LEAD otherwise."""
    return (
        ActualRule.SUM
        if is_additive(_get(target, "name"), _get(target, "unit"))
        else ActualRule.LEAD
    )


def goal_figure(target: Any, rule: PathRule) -> float | None:
    """The figure the path leads to: the 2025 goal, the five-year total or the rate."""
    if rule is PathRule.CUMULATIVE:
        return bracket_total(_get(target, "growth"))
    if rule is PathRule.RATE:
        return growth_rate(_get(target, "growth"))
    if rule is PathRule.NONE:
        return None
    return _number(_get(target, "goal"))


def expected(
    target: Any, rule: PathRule, year: int, first: int = 2020, years: int = 5
) -> float | None:
    """The target's path value for ``year`` (``first`` is the baseline year, ``years``
    the plan's length); None when the rule has no figure or a number is missing.

    geometric ``baseline × (goal / baseline) ^ ((year − first) / years)``; linear
    ``baseline + (goal − baseline) × (year − first) / years``; cumulative
    ``total × (year − first) / years``; rate: the rate itself.
    """
    if years <= 0:
        return None
    share = (year - first) / years
    figure = goal_figure(target, rule)
    if figure is None:
        return None
    if rule is PathRule.CUMULATIVE:
        return figure * share
    if rule is PathRule.RATE:
        return figure
    baseline = _number(_get(target, "baseline"))
    if baseline is None:
        return None
    if rule is PathRule.GEOMETRIC:
        if baseline <= 0 or figure <= 0:  # no geometric path through zero: follow a line
            return baseline + (figure - baseline) * share
        return float(baseline * (figure / baseline) ** share)
    return baseline + (figure - baseline) * share


def on_track(
    rule: PathRule, lower_is_better: bool, expected: float | None, actual: float | None
) -> bool | None:
    """At or above the path (at or below when lower is better); None without both.

    For a cumulative target ``actual`` is the running total since the plan began.
    A tiny tolerance absorbs float noise (an actual typed as the rounded path value).
    """
    if rule is PathRule.NONE or expected is None or actual is None:
        return None
    slack = 1e-9 * max(1.0, abs(expected))
    if lower_is_better:
        return actual <= expected + slack
    return actual >= expected - slack
