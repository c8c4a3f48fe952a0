"""年度监测 / 中期评估 / 总结评估: the vocabulary of plan monitoring, shared by the store's
figures, the pandas tables, the evaluation reports and the window.

A plan target's path (规划路径) runs from its 2020 baseline to its 2025 goal by one
:class:`PathRule`; the district's actual for a year is taken by one :class:`ActualRule`
(the lead unit's figure, or the sum over the units' linked indicator entries).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PathRule(StrEnum):
    """How a target's expected value for a year is computed."""

    GEOMETRIC = "geometric"  # baseline × (goal / baseline) ^ ((year − 2020) / 5)
    LINEAR = "linear"  # baseline + (goal − baseline) × (year − 2020) / 5
    CUMULATIVE = "cumulative"  # [total] × (year − 2020) / 5 reached so far
    RATE = "rate"  # the annual rate itself (a target given only as a growth rate)
    NONE = "none"  # no figure to follow (e.g. 市下达指标)

    @property
    def label(self) -> str:
        return _PATH_LABELS[self]


_PATH_LABELS = {
    PathRule.GEOMETRIC: "几何增长",
    PathRule.LINEAR: "线性",
    PathRule.CUMULATIVE: "累计",
    PathRule.RATE: "年度增速",
    PathRule.NONE: "无",
}


class ActualRule(StrEnum):
    """How the district's actual of a target is taken from the units' entries."""

    LEAD = "lead"  # the lead unit's value (rates, shares, per-capita, per-thousand)
    SUM = "sum"  # the sum over the units' linked indicator entries (amounts, counts)

    @property
    def label(self) -> str:
        return "牵头单位填报值" if self is ActualRule.LEAD else "各单位合计"


@dataclass(frozen=True)
class MonitorRow:
    """One of the 43 target rows of 专栏2 for a year: its path value against the actual."""

    target_id: int
    seq: int
    sub: str
    category: str  # 经济发展, 创新驱动 …: the report's sections
    name: str
    unit: str
    attribute: str  # 预期性 / 约束性
    lower_is_better: bool
    baseline: float | None
    goal: float | None  # the 2025 goal, or the five-year total / the rate
    rule: PathRule
    actual_rule: ActualRule
    year: int
    expected: float | None  # the path value for ``year``
    actual: float | None  # None: nothing reported
    on_track: bool | None  # None: no path or no actual
    #: year → actual and year → path value, from the first plan year to ``year``
    history: dict[int, float | None] = field(default_factory=dict)
    path: dict[int, float | None] = field(default_factory=dict)

    @property
    def binding(self) -> bool:
        return self.attribute == "约束性"

    @property
    def status(self) -> str:
        """达到路径 / 未达路径 / 无数据 (a binding target off its path is 未达路径（约束性）)."""
        if self.on_track is None:
            return "无数据"
        if self.on_track:
            return "达到路径"
        return "未达路径（约束性）" if self.binding else "未达路径"

    def as_json(self) -> dict[str, object]:
        """The keys of ``xihu monitor --json``."""
        return {
            "seq": self.seq,
            "sub": self.sub,
            "name": self.name,
            "unit": self.unit,
            "baseline": self.baseline,
            "goal": self.goal,
            "rule": str(self.rule),
            "expected": self.expected,
            "actual": self.actual,
            "on_track": self.on_track,
        }
