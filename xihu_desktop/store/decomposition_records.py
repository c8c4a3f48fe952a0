"""Record types of the decomposition (任务分解) and the edit that changes it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.decomposition import Mismatch
from .records import CatalogueItem, PlanTarget, Unit


@dataclass
class TargetGoal:
    """The district's annual goal and lead unit of one plan target (None: not set)."""

    year: int
    target_id: int
    target: PlanTarget
    goal: float | None
    lead_unit_id: int | None


@dataclass
class Share:
    """A unit's share of a plan target in a year; ``key`` becomes its indicator entry's key."""

    target_id: int
    target: PlanTarget
    unit_id: int
    goal: float | None
    key: str


@dataclass
class Assignment:
    """A catalogue item (platform, project, talent programme) assigned to a unit."""

    catalogue_id: int
    item: CatalogueItem
    unit_id: int
    key: str


@dataclass
class UnitTasks:
    """What the district gave one unit for a year: its shares and assigned items."""

    year: int
    unit_id: int
    shares: list[Share] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.shares and not self.assignments


@dataclass
class GridRow:
    """One target's row of the targets × units grid (totals from SQL aggregates)."""

    target: PlanTarget
    goal: float | None
    lead_unit_id: int | None
    shares: dict[int, float | None]  # unit id → the unit's goal (None: carried, no figure)
    total: float | None  # sum of the shares' goals
    count: int  # units carrying a share
    additive: bool
    mismatch: Mismatch | None


@dataclass
class Grid:
    """The targets × units grid of a year: the units are its columns."""

    year: int
    units: list[Unit]
    rows: list[GridRow]


@dataclass
class ItemRow:
    """One catalogue item with the units it is assigned to in a year."""

    item: CatalogueItem
    unit_ids: list[int]


#: (target id, unit id) and (catalogue id, unit id)
Pair = tuple[int, int]


@dataclass
class DecompositionEdit:
    """Changes to one year's decomposition, written by :meth:`DecompositionManager.apply`.

    ``goals`` and ``leads`` set (None: clear) the district goal and lead unit of targets;
    ``shares`` sets units' shares (a new share gets a fresh key, or the one in ``keys``;
    a changed share keeps its key); ``cleared`` removes shares; ``assign`` and
    ``unassign`` add and remove catalogue items of units.
    """

    goals: dict[int, float | None] = field(default_factory=dict)
    leads: dict[int, int | None] = field(default_factory=dict)
    shares: dict[Pair, float | None] = field(default_factory=dict)
    cleared: set[Pair] = field(default_factory=set)
    assign: set[Pair] = field(default_factory=set)
    unassign: set[Pair] = field(default_factory=set)
    keys: dict[tuple[str, int, int], str] = field(default_factory=dict)  # ("share"|"item", a, b)

    @property
    def empty(self) -> bool:
        return not (
            self.goals or self.leads or self.shares or self.cleared or self.assign or self.unassign
        )
