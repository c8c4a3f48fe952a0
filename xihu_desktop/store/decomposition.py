"""任务分解: the district's annual goal and lead unit of each plan target, the units'
shares, and the catalogue items assigned to units (tables of db/006_district.sql)."""

from __future__ import annotations

from .manager import Manager


class DecompositionManager(Manager):
    """Decomposition of one year's plan targets and catalogue items to units."""
