"""Monitor rows built by hand for the evaluation reports and the 规划监测 view.

Every state a report shows: on track, off track, a binding target off its path first
(PM2.5, lower is better), no actual at all, no path at all (市下达指标), a five-year
total, a target with a sub-row (38 药品 / 食品), a long name, a gap in the actuals.
"""

from __future__ import annotations

from xihu_desktop.core.monitoring import ActualRule, MonitorRow, PathRule

BASE = 2020


def _linear(baseline: float, goal: float, year: int) -> dict[int, float | None]:
    return {y: baseline + (goal - baseline) * (y - BASE) / 5 for y in range(BASE + 1, year + 1)}


def row(
    seq: int,
    name: str,
    category: str,
    year: int,
    *,
    sub: str = "",
    unit: str = "%",
    attribute: str = "预期性",
    lower: bool = False,
    baseline: float | None = 10.0,
    goal: float | None = 20.0,
    rule: PathRule = PathRule.LINEAR,
    actuals: dict[int, float | None] | None = None,
) -> MonitorRow:
    if rule is PathRule.NONE:
        path: dict[int, float | None] = {y: None for y in range(BASE + 1, year + 1)}
    elif rule is PathRule.CUMULATIVE:
        assert goal is not None
        path = {y: goal * (y - BASE) / 5 for y in range(BASE + 1, year + 1)}
    else:
        assert baseline is not None and goal is not None
        path = _linear(baseline, goal, year)
    history = {y: (actuals or {}).get(y) for y in path}
    expected = path.get(year)
    actual = history.get(year)
    on_track = None
    if expected is not None and actual is not None:
        on_track = actual <= expected if lower else actual >= expected
    return MonitorRow(
        target_id=seq * 10 + len(sub),
        seq=seq,
        sub=sub,
        category=category,
        name=name,
        unit=unit,
        attribute=attribute,
        lower_is_better=lower,
        baseline=baseline,
        goal=goal,
        rule=rule,
        actual_rule=ActualRule.LEAD,
        year=year,
        expected=expected,
        actual=actual,
        on_track=on_track,
        history=history,
        path=path,
    )


LONG_NAME = "规上高新技术企业增加值占规上工业增加值比重（含数字经济核心产业与高端装备制造业口径）"


def sample_rows(year: int) -> list[MonitorRow]:
    """Nine rows over four categories; the on/off state holds for any year 2021–2025."""
    high = {y: 1000.0 + 200 * (y - BASE) for y in range(BASE + 1, 2026)}
    return [
        row(
            1,
            "地区生产总值",
            "经济发展",
            year,
            unit="亿元",
            baseline=1000.0,
            goal=2000.0,
            actuals=high,
        ),
        row(
            2,
            "财政总收入",
            "经济发展",
            year,
            unit="亿元",
            baseline=300.0,
            goal=600.0,
            actuals={y: 290.0 for y in range(BASE + 1, 2026)},
        ),
        row(
            10,
            "做地总量",
            "经济发展",
            year,
            unit="亩",
            baseline=2984.0,
            goal=10000.0,
            rule=PathRule.CUMULATIVE,
            actuals={y: 2500.0 * (y - BASE) for y in range(2021, 2026)},
        ),
        row(19, LONG_NAME, "创新驱动", year, baseline=80.1, goal=80.0),
        row(
            38,
            "主要食品安全和基本药物抽检合格率",
            "民生福祉",
            year,
            sub="药品",
            baseline=100.0,
            goal=99.5,
            actuals={y: 99.9 for y in range(2021, 2026)},
        ),
        row(
            38,
            "主要食品安全和基本药物抽检合格率",
            "民生福祉",
            year,
            sub="食品",
            baseline=96.0,
            goal=97.0,
            actuals={2021: 96.5, year: 95.0},
        ),
        row(
            39,
            "单位GDP能耗降低率",
            "城乡环境",
            year,
            attribute="约束性",
            baseline=9.0,
            goal=None,
            rule=PathRule.NONE,
        ),
        row(
            41,
            "PM2.5平均浓度",
            "城乡环境",
            year,
            unit="微克/立方米",
            attribute="约束性",
            lower=True,
            baseline=30.4,
            goal=32.0,
            actuals={y: 35.0 for y in range(2021, 2026)},
        ),
        row(
            40,
            "空气质量优良天数比率",
            "城乡环境",
            year,
            attribute="约束性",
            baseline=86.0,
            goal=85.0,
            actuals={y: 90.0 for y in range(2021, 2026)},
        ),
    ]
