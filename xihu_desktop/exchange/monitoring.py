"""年度监测 / 中期评估 / 总结评估: the 43 target rows of 专栏2 for a year, each target's
district actual set against its plan path (规划路径), built with pandas.

Steps (:func:`monitor_frame`): the store's figures per (target, year) — the lead unit's
figure and the sum over the units — joined onto every target × every plan year up to
``year``; the rules per target (the district's override, else read from the target's
data by :mod:`..core.plan_path`); the actual by its rule; for a cumulative target the
running total since the plan began (groupby/cumsum; a year nobody reported stays
empty); the path value of each year; on track or not.

pandas is imported inside the functions: start-up stays free of it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..core import plan_path
from ..core.monitoring import ActualRule, MonitorRow, PathRule
from ..store.errors import InvalidData, NotFound

if TYPE_CHECKING:
    import pandas as pd

    from ..store import PlanTarget, Store
    from ..store.records import Plan

__all__ = ["COLUMNS", "counts", "find_target", "monitor", "monitor_frame", "plan_of", "rules_of"]

#: the columns of :func:`monitor_frame`, one row per target per year
COLUMNS = (
    "target_id",
    "order",
    "seq",
    "sub",
    "category",
    "name",
    "unit",
    "attribute",
    "lower_is_better",
    "baseline",
    "goal",
    "rule",
    "actual_rule",
    "year",
    "lead_unit_id",
    "lead",
    "total",
    "entries",
    "units",
    "expected",
    "actual",
    "on_track",
)


def plan_of(store: Store, year: Any) -> Plan:
    """The plan whose period holds ``year``; a year outside every plan is refused."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidData(f"年度“{year}”无效，请写成 2025 这样的四位年份。")
    try:
        return store.catalogue.plan_for_year(year)
    except NotFound:
        periods = "、".join(f"{p.start_year}–{p.end_year}年" for p in store.catalogue.plans())
        raise InvalidData(
            f"{year}年不在规划期内，无法进行规划监测"
            + (f"（规划期：{periods}）。" if periods else "（尚未导入规划目录）。")
        ) from None


def _rules(target: PlanTarget, overrides: dict[int, Any]) -> tuple[PathRule, ActualRule]:
    own = overrides.get(target.id)
    path = own.path_rule if own and own.path_rule else plan_path.path_rule(target)
    actual = own.actual_rule if own and own.actual_rule else plan_path.actual_rule(target)
    return path, actual


def rules_of(store: Store, target: PlanTarget) -> tuple[PathRule, ActualRule]:
    """The rules a target follows: the district's override, else its default."""
    return _rules(target, store.monitoring.rules())


def find_target(store: Store, seq: int, sub: str = "", year: int | None = None) -> PlanTarget:
    """The target of 专栏2 numbered ``seq`` (``sub``: 食品/药品 of a split row) in the plan
    of ``year`` (any plan when there is one such target)."""
    plan_id = plan_of(store, year).id if year is not None else None
    found = [t for t in store.catalogue.targets(plan_id) if t.seq == seq]
    if not found:
        raise InvalidData(f"规划指标中没有序号为{seq}的指标。")
    subs = sorted({t.sub or "" for t in found} - {""})
    if sub or subs:
        picked = [t for t in found if (t.sub or "") == sub]
        if not picked:
            raise InvalidData(
                f"序号{seq}的指标分为：{'、'.join(subs)}，请写成 {seq}/{subs[0]} 这样。"
                if subs
                else f"序号{seq}的指标没有子项“{sub}”。"
            )
        found = picked
    if len({t.plan_id for t in found}) > 1:
        raise InvalidData(f"多个规划期都有序号为{seq}的指标，请用年度选定规划期。")
    return found[0]


def _none(value: Any) -> Any:
    """pandas' missing value (NaN, NA, NaT) as None; numpy scalars as Python values."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd

        if value is pd.NA:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


def monitor_frame(store: Store, year: int) -> pd.DataFrame:
    """Every target of the year's plan × every plan year up to ``year`` (see ``COLUMNS``):
    its rules, figures, path value, actual by rule and whether it is on its path."""
    import pandas as pd

    plan = plan_of(store, year)
    first = plan.baseline_year if plan.baseline_year is not None else plan.start_year - 1
    span = plan.end_year - first
    years = list(range(plan.start_year, year + 1))
    with store.snapshot():
        targets = store.catalogue.targets(plan.id)
        overrides = store.monitoring.rules()
        figures = store.monitoring.figures(plan.start_year, year)

    rows = []
    for order, t in enumerate(targets):
        path, actual = _rules(t, overrides)
        rows.append(
            {
                "target_id": t.id,
                "order": order,
                "seq": t.seq,
                "sub": t.sub or "",
                "category": t.category,
                "name": t.name,
                "unit": t.unit or "",
                "attribute": t.attribute or "预期性",
                "lower_is_better": bool(t.lower_is_better),
                "baseline": t.baseline,
                "goal": plan_path.goal_figure(t, path),
                "rule": str(path),
                "actual_rule": str(actual),
            }
        )
    target_frame = pd.DataFrame(rows, columns=list(COLUMNS[:13]))
    year_frame = pd.DataFrame({"year": years})
    grid = target_frame.merge(year_frame, how="cross")
    figure_frame = pd.DataFrame(
        [
            {
                "target_id": f.target_id,
                "year": f.year,
                "lead_unit_id": f.lead_unit_id,
                "lead": f.lead,
                "total": f.total,
                "entries": f.entries,
                "units": f.units,
            }
            for f in figures
        ],
        columns=["target_id", "year", "lead_unit_id", "lead", "total", "entries", "units"],
    )
    frame = grid.merge(figure_frame, on=["target_id", "year"], how="left")
    frame["lead"] = frame["lead"].astype("float64")
    frame["total"] = frame["total"].astype("float64")
    frame["entries"] = frame["entries"].fillna(0).astype("int64")
    frame["units"] = frame["units"].fillna(0).astype("int64")
    frame = frame.sort_values(["order", "year"], kind="stable").reset_index(drop=True)

    # the year's figure by the target's actual rule
    by_rule = frame["total"].where(frame["actual_rule"] == str(ActualRule.SUM), frame["lead"])
    # a cumulative target: the running total since the plan began (a year nobody
    # reported stays empty: its total is not known)
    running = by_rule.groupby(frame["target_id"]).cumsum(skipna=True).where(by_rule.notna())
    frame["actual"] = running.where(frame["rule"] == str(PathRule.CUMULATIVE), by_rule)

    by_id = {t.id: t for t in targets}
    frame["expected"] = [
        plan_path.expected(by_id[int(tid)], PathRule(rule), int(y), first, span)
        for tid, rule, y in zip(frame["target_id"], frame["rule"], frame["year"], strict=True)
    ]
    frame["expected"] = frame["expected"].astype("float64")
    frame["on_track"] = [
        plan_path.on_track(PathRule(rule), bool(low), _none(exp), _none(act))
        for rule, low, exp, act in zip(
            frame["rule"],
            frame["lower_is_better"],
            frame["expected"],
            frame["actual"],
            strict=True,
        )
    ]
    frame["on_track"] = frame["on_track"].astype("object")
    return frame[list(COLUMNS)]


def monitor(store: Store, year: int) -> list[MonitorRow]:
    """The 43 target rows for ``year``: binding (约束性) targets off their path first, then
    the rest in plan order, each with its actuals and path values of every plan year up to
    ``year`` (``history`` / ``path``)."""
    frame = monitor_frame(store, year)
    # one conversion of the whole frame (sorted by order, year), grouped here: a pandas
    # groupby with to_dict per group cost ~10 ms per target
    groups: dict[Any, list[dict[Any, Any]]] = {}
    for record in frame.to_dict("records"):
        groups.setdefault(record["order"], []).append(record)
    out: list[MonitorRow] = []
    for _, records in sorted(groups.items()):
        last = records[-1]
        out.append(
            MonitorRow(
                target_id=int(last["target_id"]),
                seq=int(last["seq"]),
                sub=str(last["sub"]),
                category=str(last["category"]),
                name=str(last["name"]),
                unit=str(last["unit"]),
                attribute=str(last["attribute"]),
                lower_is_better=bool(last["lower_is_better"]),
                baseline=_none(last["baseline"]),
                goal=_none(last["goal"]),
                rule=PathRule(last["rule"]),
                actual_rule=ActualRule(last["actual_rule"]),
                year=int(last["year"]),
                expected=_none(last["expected"]),
                actual=_none(last["actual"]),
                on_track=_none(last["on_track"]),
                history={int(r["year"]): _none(r["actual"]) for r in records},
                path={int(r["year"]): _none(r["expected"]) for r in records},
            )
        )
    flagged = [r for r in out if r.binding and r.on_track is False]
    return flagged + [r for r in out if not (r.binding and r.on_track is False)]


#: the keys of :func:`counts` for each category
COUNT_KEYS = ("on", "off", "no_data")
TOTAL = "合计"


def counts(rows: Iterable[MonitorRow]) -> dict[str, dict[str, int]]:
    """On / off / no data per category (in the order the categories first appear), and
    ``合计`` over all."""
    out: dict[str, dict[str, int]] = {}
    total = dict.fromkeys(COUNT_KEYS, 0)
    for row in sorted(rows, key=lambda r: (r.seq, r.sub)):
        key = "no_data" if row.on_track is None else "on" if row.on_track else "off"
        out.setdefault(row.category, dict.fromkeys(COUNT_KEYS, 0))[key] += 1
        total[key] += 1
    out[TOTAL] = total
    return out
