"""Turning what a clerk typed or pasted into an entry's or a quarter's clean values.

No SQL: the store calls these before it writes, the import before it plans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .categories import COUNT_UNITS, STATUSES, FieldType, category
from .scoring import completion_rate
from .validate import (
    Invalid,
    Problem,
    check_value,
    is_empty,
    parse_choice,
    parse_number,
    quick_check,
)

PROGRESS_FIELDS = ("value", "status", "problems", "next_steps", "comment", "follow_up")

#: what submit's validation says of a draft
DRAFT_PROBLEM = "草稿行：未填名称，不计分、不导出、不打印；请填写名称或删除此行"


def suggested_status(
    status: str | None, goal: Any, actual: Any, lower_is_better: bool = False
) -> str | None:
    """The 推进状态 the progress suggests when the entry's own says less, else None.

    Only a suggestion: the window shows it and the clerk takes it or not; a status the
    clerk chose beyond 未启动 (推进中 aside, when the goal is reached) is left alone."""
    if not isinstance(actual, int | float):
        return None
    done = isinstance(goal, int | float) and (
        (completion_rate(goal, actual, lower_is_better) or 0.0) >= 1.0
    )
    if status in (None, "", "未启动"):
        return "已完成" if done else ("推进中" if actual else None)
    if status == "推进中" and done:
        return "已完成"
    return None


def is_draft(name: Any) -> bool:
    """The one rule: an entry without a name is a draft (not scored, exported or printed)."""
    return is_empty(name)


def clean_values(
    category_key: str,
    values: Mapping[str, Any],
    partial: bool = False,
    allow_empty_required: bool = False,
) -> tuple[dict[str, Any], list[Problem]]:
    """Parse raw values with the category's declarations.

    With ``partial`` only the given keys are checked (an edit of one cell);
    otherwise required fields missing from ``values`` are problems too. With
    ``allow_empty_required`` a required field may be emptied (undo of a first entry).
    Many entries at once: :func:`clean_many`.
    """
    cat = category(category_key)
    clean: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in cat.fields:
        if f.key not in values:
            if partial:
                continue
            raw = f.default
        else:
            raw = values[f.key]
        checked = replace(f, required=False) if allow_empty_required and f.required else f
        quick = quick_check(f)(raw) if raw is not None else None
        if quick is not None:  # a plain number or text: what check_value would say
            clean[f.key] = quick[0]
            continue
        value, error = check_value(checked, raw)
        if error:
            problems.append(Problem(f.key, f.label, error))
        else:
            clean[f.key] = value
    unknown = set(values) - set(cat.keys)
    for name in sorted(unknown):
        problems.append(Problem(name, name, f"“{cat.short}”没有这个字段"))
    return clean, problems


def clean_many(
    category_key: str, rows: Sequence[Mapping[str, Any]], partial: bool = False
) -> list[tuple[dict[str, Any], list[Problem]]]:
    """:func:`clean_values` of each row (same values, same problems in the same order),
    checked column by column: a bulk insert's values are mostly canonical already, and
    a column's quick check and its verdicts on repeated texts are shared by all rows."""
    cat = category(category_key)
    out: list[tuple[dict[str, Any], list[Problem]]] = [({}, []) for _ in rows]
    absent = _Absent()
    for f in cat.fields:
        key, label, default = f.key, f.label, f.default
        quick = quick_check(f)
        verdicts: dict[Any, tuple[Any, str | None]] = {}  # by text (and None)
        raws = [values.get(key, absent) for values in rows]
        for (clean, problems), raw, said in zip(out, raws, map(quick, raws), strict=True):
            if said is not None:  # a plain value (no quick check takes None or absent)
                clean[key] = said[0]
                continue
            if raw is absent:
                if partial:
                    continue
                raw = default
                said = quick(raw)
                if said is not None:
                    clean[key] = said[0]
                    continue
            if raw is None or raw.__class__ is str:
                hit = verdicts.get(raw)
                if hit is None:
                    hit = verdicts[raw] = check_value(f, raw)
            else:  # numbers, dates …: equal values may differ (-0.0, 1 and True)
                hit = check_value(f, raw)
            if hit[1]:
                problems.append(Problem(key, label, hit[1]))
            else:
                clean[key] = hit[0]
    known = set(cat.keys)
    for (_, problems), values in zip(out, rows, strict=True):
        for name in sorted(set(values) - known):
            problems.append(Problem(name, name, f"“{cat.short}”没有这个字段"))
    return out


class _Absent:
    """A key missing from a row (no quick check takes it: not str, int, float, date)."""


def apply_target_defaults(
    raw: Mapping[str, Any], clean: dict[str, Any], target: Mapping[str, Any] | Any | None
) -> None:
    """A linked plan target decides the direction and attribute the clerk left open."""
    if target is None:
        return
    if raw.get("direction") is None:
        clean["direction"] = "越小越好" if target["lower_is_better"] else "越大越好"
    if raw.get("attribute") is None:
        clean["attribute"] = target["attribute"]


def with_defaults(category_key: str, clean: dict[str, Any]) -> dict[str, Any]:
    """Declared defaults for the keys not given."""
    for f in category(category_key).fields:
        if f.key not in clean and f.default is not None:
            clean[f.key] = f.default
    return clean


def clean_progress(quarter: int, values: Mapping[str, Any]) -> dict[str, Any]:
    """One quarter's progress values parsed; :class:`Invalid` names what is wrong."""
    if quarter not in (1, 2, 3, 4):
        raise Invalid("季度应为1–4")
    bad = set(values) - set(PROGRESS_FIELDS)
    if bad:
        raise Invalid(f"进度没有这些字段：{'、'.join(sorted(bad))}")
    clean = dict(values)
    if "value" in clean:
        clean["value"] = None if is_empty(clean["value"]) else parse_number(clean["value"])
    if "status" in clean and not is_empty(clean["status"]):
        clean["status"] = parse_choice(clean["status"], STATUSES)
    elif "status" in clean:
        clean["status"] = None
    return clean


def counts(entry: Any) -> bool:
    """Whether an entry's figures count things (people, enterprises, projects …):
    whole numbers, never negative. ``entry`` is an Entry record (category, values)."""
    goal = category(entry.category).field("goal")
    if goal.type == FieldType.INTEGER:
        return True
    return str(entry.values.get("measure_unit") or "").strip() in COUNT_UNITS
