"""报送情况: reporting deadlines per year and quarter and the status of every unit."""

from __future__ import annotations

from .manager import Manager


class ReportingManager(Manager):
    """Deadlines (table ``deadlines``) and the per-unit reporting overview."""
