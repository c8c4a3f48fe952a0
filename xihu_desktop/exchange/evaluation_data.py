"""What the evaluation reports show (年度监测 for any year, 中期评估 for the plan's middle
year, 总结评估 for its last), whatever the format (:func:`.evaluation.write_report`).

This module holds what both formats show — the report's kind and title, the rows in
order, the counts per category, the points of each target's small chart — without
reportlab or xlsxwriter; :mod:`.evaluation_pdf` and :mod:`.evaluation_xlsx` draw them.
The rows come from :func:`.monitoring.monitor` (looked up at call time, so a test may
replace it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.monitoring import MonitorRow, PathRule
from ..store import Plan, Store
from . import monitoring

KIND_MONITORING = "monitoring"  # 年度监测
KIND_MID_TERM = "mid-term"  # 中期评估
KIND_FINAL = "final"  # 总结评估

ON_TRACK = "达到路径"
OFF_TRACK = "未达路径"
NO_DATA = "无数据"


def report_kind(plan: Plan, year: int) -> str:
    """中期评估 in the plan's middle year, 总结评估 in its last, else 年度监测."""
    if year == plan.end_year:
        return KIND_FINAL
    if year == (plan.start_year + plan.end_year) // 2:
        return KIND_MID_TERM
    return KIND_MONITORING


def report_title(plan: Plan, year: int) -> str:
    kind = report_kind(plan, year)
    if kind == KIND_FINAL:
        return f"“{plan.name}”规划总结评估"
    if kind == KIND_MID_TERM:
        return f"“{plan.name}”规划中期评估"
    return f"{year}年度规划监测"


def default_report_name(plan: Plan, year: int, suffix: str = ".pdf") -> str:
    """A file name without quotes (some file systems and mail programs mangle “”)."""
    title = report_title(plan, year).replace("“", "").replace("”", "")
    if report_kind(plan, year) != KIND_MONITORING:
        title = f"{title}（{year}年）"
    return f"西湖区{title}{suffix}"


def status_of(row: MonitorRow) -> str:
    """达到路径 / 未达路径 / 无数据: the three states the reports colour."""
    if row.on_track is None:
        return NO_DATA
    return ON_TRACK if row.on_track else OFF_TRACK


def off_first(row: MonitorRow) -> tuple[int, int, str]:
    """Sort key: binding targets off their path, then other targets off it, then the rest;
    in plan order within each."""
    rank = 2
    if row.on_track is False:
        rank = 0 if row.binding else 1
    return (rank, row.seq, row.sub)


def label(row: MonitorRow) -> str:
    """The target as the plan names it (the two rows of 38 carry their 药品 / 食品)."""
    return f"{row.name}（{row.sub}）" if row.sub else row.name


def number(value: float | None) -> str:
    """A figure as the plan writes it: at most two decimals (four significant digits below
    one), no trailing zeros; empty for None."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if value != 0 and abs(value) < 1:
        text = f"{value:.4g}"
        if "e" in text:
            text = f"{value:.6f}"
    else:
        text = f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def goal_text(row: MonitorRow) -> str:
    """The 2025 goal; a five-year total in brackets (``[10000]``) as the plan prints it."""
    if row.goal is None:
        return ""
    text = number(row.goal)
    return f"[{text}]" if row.rule is PathRule.CUMULATIVE else text


@dataclass
class Tally:
    """Counts of one category (or of all)."""

    name: str
    targets: int = 0
    on_track: int = 0
    off_track: int = 0
    off_binding: int = 0
    no_data: int = 0

    def add(self, row: MonitorRow) -> None:
        self.targets += 1
        if row.on_track is None:
            self.no_data += 1
        elif row.on_track:
            self.on_track += 1
        else:
            self.off_track += 1
            self.off_binding += row.binding


def categories(rows: Sequence[MonitorRow]) -> list[str]:
    """The categories in plan order (of their first target)."""
    seen: dict[str, None] = {}
    for row in sorted(rows, key=lambda r: (r.seq, r.sub)):
        seen.setdefault(row.category, None)
    return list(seen)


def tallies(rows: Sequence[MonitorRow]) -> tuple[list[Tally], Tally]:
    """Counts per category (plan order) and in total."""
    by_name = {name: Tally(name) for name in categories(rows)}
    total = Tally("合计")
    for row in rows:
        by_name[row.category].add(row)
        total.add(row)
    return list(by_name.values()), total


def summary_line(rows: Sequence[MonitorRow]) -> str:
    """达到路径 N，未达路径 N（其中约束性 N），无数据 N."""
    _, t = tallies(rows)
    return (
        f"达到路径 {t.on_track}，未达路径 {t.off_track}（其中约束性 {t.off_binding}），"
        f"无数据 {t.no_data}"
    )


@dataclass(frozen=True)
class ChartSeries:
    """The points of a target's small chart: its path and its actuals by year."""

    years: tuple[int, ...]  # the x axis: the baseline year to the report's year
    path: tuple[tuple[int, float], ...]
    actual: tuple[tuple[int, float], ...]

    @property
    def empty(self) -> bool:
        return not self.path and not self.actual

    def values(self) -> list[float]:
        return [v for _, v in (*self.path, *self.actual)]


def chart_series(row: MonitorRow, base_year: int) -> ChartSeries:
    """Path and actual points from ``base_year`` to the row's year; the baseline is the
    first point of both lines when the path starts from it (geometric, linear)."""
    path = {y: v for y, v in row.path.items() if v is not None and base_year <= y <= row.year}
    actual = {y: v for y, v in row.history.items() if v is not None and base_year <= y <= row.year}
    if row.actual is not None:
        actual[row.year] = row.actual
    if row.expected is not None:
        path.setdefault(row.year, row.expected)
    from_baseline = row.rule in (PathRule.GEOMETRIC, PathRule.LINEAR)
    if from_baseline and row.baseline is not None and path:
        path.setdefault(base_year, row.baseline)
        if actual:
            actual.setdefault(base_year, row.baseline)
    finite = lambda d: tuple((y, float(v)) for y, v in sorted(d.items()) if math.isfinite(v))  # noqa: E731
    return ChartSeries(tuple(range(base_year, row.year + 1)), finite(path), finite(actual))


@dataclass
class Evaluation:
    """Everything a report shows."""

    plan: Plan
    year: int
    rows: list[MonitorRow]  # plan order
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def kind(self) -> str:
        return report_kind(self.plan, self.year)

    @property
    def title(self) -> str:
        return report_title(self.plan, self.year)

    @property
    def base_year(self) -> int:
        return self.plan.baseline_year or self.plan.start_year - 1

    def by_category(self) -> list[tuple[str, list[MonitorRow]]]:
        return [(c, [r for r in self.rows if r.category == c]) for c in categories(self.rows)]

    def off_track(self) -> list[MonitorRow]:
        """Targets off their path, binding ones first."""
        return sorted((r for r in self.rows if r.on_track is False), key=off_first)

    def series(self, row: MonitorRow) -> ChartSeries:
        return chart_series(row, self.base_year)


def evaluation(store: Store, year: int) -> Evaluation:
    """The rows of ``year`` in plan order (raises NotFound for a year outside every plan)."""
    plan = store.catalogue.plan_for_year(year)
    rows = sorted(monitoring.monitor(store, year), key=lambda r: (r.seq, r.sub))
    return Evaluation(plan, year, rows)
