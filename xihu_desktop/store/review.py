"""Reviews of the units' returns (未报 / 已报 / 已审 / 退回 with a reason) and the inbox
of every file that arrived (tables ``reviews`` and ``inbox``)."""

from __future__ import annotations

from .manager import Manager


class ReviewManager(Manager):
    """Review state per unit and year, and the inbox log."""
