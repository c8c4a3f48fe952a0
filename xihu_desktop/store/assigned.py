"""Assigned entries (下达) in a unit's own data file: what the unit may not change.

An entry that came from a task package carries the district's goal, its link to a
plan target or catalogue item and its name; in a file bound to a unit (see
:meth:`.packages.PackageManager.bound_unit`) the store refuses to delete such an
entry or change those fields. Everything else (measures, milestones, people,
progress, the order of rows) stays the unit's. In the district's file the
district edits its own materialised entries freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.categories import category
from ..core.validate import Problem
from .errors import PermissionDenied

if TYPE_CHECKING:
    from .records import Entry
    from .store import Store

#: the fields of an assigned entry that belong to the district, with what the refusal names
LOCKED_FIELDS = {"goal": "目标值", "target_id": "关联", "catalogue_id": "关联", "name": "名称"}
#: categories whose assigned entries carry the district's goal (a unit's share of a plan
#: target); an assigned project, platform or talent programme comes without a goal and
#: the unit plans it (e.g. the year's investment) itself
GOAL_CATEGORIES = frozenset({"indicator"})


def locked_fields(category_key: str) -> tuple[str, ...]:
    """The fields of an assigned entry of this category that the district owns."""
    cat = category(category_key)
    return tuple(
        k for k in LOCKED_FIELDS if cat.has(k) and (k != "goal" or category_key in GOAL_CATEGORIES)
    )


class AssignedEntry(PermissionDenied):
    """A write to an assigned entry that only the district may make."""


def locked(store: Store, entry: Entry) -> bool:
    """Whether the district's fields of this entry are locked in this file."""
    return entry.assigned and store.packages.bound_unit() is not None


def locked_message(key: str) -> str:
    return f"该条目由区里下达，不能修改{LOCKED_FIELDS.get(key, '目标值')}"


def refused_cells(store: Store, old: Entry, clean: Mapping[str, Any]) -> list[Problem]:
    """The cells of an edit that would change an assigned entry's locked fields."""
    if not locked(store, old):
        return []
    cat = category(old.category)
    return [
        Problem(key, cat.field(key).label, locked_message(key))
        for key in locked_fields(old.category)
        if key in clean and clean[key] != old.values.get(key)
    ]


def refuse_delete(store: Store, entry: Entry) -> None:
    if locked(store, entry):
        raise AssignedEntry(f"该条目由区里下达，不能删除：{entry.name}")
