"""How a new entry is written as a row of ``entries`` (one place for both insert paths)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..core.categories import ENTRY_COLUMNS
from .records import now

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)

_COLUMNS = (
    "ledger_id, category, position, name, goal, actual, status, weight, target_id, "
    "catalogue_id, data, created_at, updated_at, key, scored_lower, scored_binding"
)
SCORED_VERSION = 9  # db/009_aggregates.sql added the scored columns
_WIDTH = 16  # values of entry_row(); a file before SCORED_VERSION takes the first 14


def insert_sql(version: int, with_id: bool = False) -> tuple[str, int]:
    """The INSERT for a file of schema ``version`` and how many of entry_row()'s values
    it takes (a file restored from an older backup is written before it is migrated)."""
    width = _WIDTH if version >= SCORED_VERSION else _WIDTH - 2
    columns = ", ".join(c.strip() for c in _COLUMNS.split(",")[:width])
    if with_id:
        columns, width = f"id, {columns}", width + 1
    return f"INSERT INTO entries ({columns}) VALUES ({', '.join('?' * width)})", width


def scored_flag(value: Any, meaning: str) -> int | None:
    """What migration 009 keeps in a scored column: NULL when the JSON lacks the key."""
    return None if value is None else int(value == meaning)


def entry_row(
    ledger_id: int,
    category_key: str,
    position: int,
    clean: Mapping[str, Any],
    key: str | None,
    stamp: str | None = None,
) -> tuple[Any, ...]:
    """The values of ``INSERT`` for one new entry (a new UUID when it has no key);
    ``stamp``: its creation time, when one is shared by a batch."""
    if stamp is None:
        stamp = now()
    if not key:
        import uuid  # not at start-up: only a write needs it

        key = str(uuid.uuid4())
    data = {k: v for k, v in clean.items() if k not in ENTRY_COLUMNS and v is not None}
    return (
        ledger_id,
        category_key,
        position,
        clean.get("name") or "",
        clean.get("goal"),
        clean.get("actual"),
        clean.get("status"),
        clean.get("weight"),
        clean.get("target_id"),
        clean.get("catalogue_id"),
        _ENCODER.encode(data),
        stamp,
        stamp,
        key,
        scored_flag(data.get("direction"), "越小越好"),
        scored_flag(data.get("attribute"), "约束性"),
    )
