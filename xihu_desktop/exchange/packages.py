"""stub, replaced at merge (built by another slice of issue 13)."""

from __future__ import annotations

from pathlib import Path

from ..store import Store
from .arrival import ArrivalReport
from .excel_import import ImportRefused


def import_package(store: Store, path: str | Path, *, dry_run: bool = False) -> ArrivalReport:
    """stub, replaced at merge"""
    raise ImportRefused(f"“{Path(path).name}”：此类文件的导入尚未实现")
