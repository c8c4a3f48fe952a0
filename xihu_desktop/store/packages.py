"""Task packages (下发): revisions issued by the district and received by a unit's file,
and the unit a data file is bound to."""

from __future__ import annotations

from .manager import Manager


class PackageManager(Manager):
    """Package revisions (table ``packages``) and the data file's bound unit."""
