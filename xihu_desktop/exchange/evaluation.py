"""Evaluation reports (年度监测 / 中期评估 / 总结评估) as PDF and Excel.

stub, replaced at merge: the reports' helper implements :func:`write_report` on top of
:func:`.monitoring.monitor` / :func:`.monitoring.monitor_frame`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..store import Store


def write_report(store: Store, year: int, out: Path) -> Path:
    """stub, replaced at merge: write the evaluation report of ``year`` to ``out``
    (.pdf or .xlsx) and return its path."""
    raise NotImplementedError("stub, replaced at merge")
