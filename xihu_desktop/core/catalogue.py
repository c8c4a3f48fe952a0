"""The built-in plan catalogue (resources/catalogue/*.json), loaded as plain data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..paths import resource_path

DEFAULT_CATALOGUE = "catalogue/plan_14th.json"
REQUIRED_SECTIONS = (
    "plan",
    "targets",
    "platforms",
    "projects",
    "talent_programmes",
    "towns",
    "departments",
)


class CatalogueError(ValueError):
    pass


def load_catalogue(path: str | Path | None = None) -> dict[str, Any]:
    """Read and sanity-check a catalogue file; raise CatalogueError with a Chinese message."""
    source = Path(path) if path else resource_path(DEFAULT_CATALOGUE)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"规划目录文件“{source.name}”无法读取：{exc}") from exc
    missing = [s for s in REQUIRED_SECTIONS if s not in data]
    if missing:
        raise CatalogueError(f"规划目录文件“{source.name}”缺少：{'、'.join(missing)}")
    plan = data["plan"]
    for key in ("code", "name", "start_year", "end_year"):
        if key not in plan:
            raise CatalogueError(f"规划目录文件“{source.name}”的 plan 缺少 {key}")
    return data
