"""The field-level differences between a return and the ledger it would change, and an
import that takes the file's value only for the differences chosen (the 冲突 resolver).

A difference has an id stable for one file against one state of the ledger:
``entry:<entry id>:<field>``, ``header:<field>``, ``progress:<entry key or name>:<quarter>:<field>``,
``new:<category>:<row>`` (a row the ledger lacks) and ``missing:<entry id>`` (an entry the
file lacks; taking the file's side deletes it). Choosing is done by rewriting the parsed
return: a difference not chosen gets the stored value back (or its row dropped), then the
ordinary import writes the rest in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ..core.categories import CATEGORY_BY_KEY
from ..core.progress_fields import CN_QUARTERS, PROGRESS, progress_label
from ..store import Store
from . import return_layout as layout
from .import_plan import _RowIndex, plan_import, same
from .import_report import ImportPlan
from .return_read import ParsedReturn

HEADER_LABELS = dict(layout.COVER_FIELDS)
HEADER_CATEGORY = "台账信息"
PROGRESS_CATEGORY = layout.PROGRESS_SHEET
ABSENT = "（无此条目）"
MISSING = "（文件中没有）"


@dataclass(frozen=True)
class Difference:
    """One field where the file and the stored ledger disagree."""

    id: str
    category: str  # the category's label, 台账信息 or 进度填报
    entry: str  # the entry's name ("" for the ledger's header)
    field: str  # the field's label
    stored: str  # the stored value as shown
    file: str  # the file's value as shown


def _show(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _progress_id(category: str, key: str | None, name: str, quarter: int, field: str) -> str:
    return f"progress:{category}:{key or name}:{quarter}:{field}"


def differences(store: Store, plan: ImportPlan) -> list[Difference]:
    """Every field-level difference of ``plan`` (entries, header, progress, new and missing rows)."""
    links = layout.Links.of(store)
    out: list[Difference] = []
    for key, (old, new) in plan.header_changes.items():
        out.append(
            Difference(
                f"header:{key}",
                HEADER_CATEGORY,
                "",
                HEADER_LABELS.get(key, key),
                _show(old),
                _show(new),
            )
        )
    for i, c in enumerate(plan.entries):
        cat = CATEGORY_BY_KEY[c.category]
        if c.kind == "changed":
            for key, (old, new) in c.changes.items():
                f = cat.field(key)
                out.append(
                    Difference(
                        f"entry:{c.entry_id}:{key}",
                        cat.label,
                        c.name,
                        f.label,
                        _show(links.display(f, old)),
                        _show(links.display(f, new)),
                    )
                )
        elif c.kind == "new" and c.row is not None:
            out.append(
                Difference(f"new:{c.category}:{i}", cat.label, c.name, "整条", ABSENT, "新增条目")
            )
        elif c.kind == "missing":
            out.append(
                Difference(f"missing:{c.entry_id}", cat.label, c.name, "整条", "保留", MISSING)
            )
    out += _progress_differences(store, plan)
    return out


def _progress_differences(store: Store, plan: ImportPlan) -> list[Difference]:
    parsed = plan.parsed
    if parsed.progress is None:
        return []
    current = store.progress.of_ledger(plan.ledger_id) if plan.ledger_id else {}
    index = _RowIndex(plan.entries)
    out = []
    for item in parsed.progress:
        target = index.find(item)
        if item.problems or target is None or target.kind in ("skipped", "missing", "removed"):
            continue
        have = current.get(target.entry_id or -1, {})
        for q, values in item.quarters.items():
            old = have.get(q)
            for f in PROGRESS:
                stored = getattr(old, f.key) if old is not None else None
                new = values.get(f.key) if values is not None else None
                if f.key == "follow_up":
                    stored, new = bool(stored) or None, bool(new) or None
                if same(stored, new):
                    continue
                out.append(
                    Difference(
                        _progress_id(item.category, item.key, item.name, q, f.key),
                        PROGRESS_CATEGORY,
                        f"{item.name}（第{CN_QUARTERS[q]}季度）",
                        progress_label(f.key),
                        _show(stored),
                        _show(new),
                    )
                )
    return out


def keep_stored(store: Store, parsed: ParsedReturn, chosen: Collection[str]) -> list[int]:
    """Rewrite ``parsed`` so that only the ``chosen`` differences remain; returns the ids
    of the entries the file lacks whose deletion was chosen."""
    plan = plan_import(store, parsed)
    chosen = set(chosen)
    for key, (old, _new) in plan.header_changes.items():
        if f"header:{key}" not in chosen:
            parsed.header[key] = old
    dropped: set[tuple[str, str | None, str]] = set()
    for i, c in enumerate(plan.entries):
        if c.kind == "changed" and c.row is not None:
            for key, (old, _new) in c.changes.items():
                if f"entry:{c.entry_id}:{key}" not in chosen:
                    c.row.values[key] = old
        elif c.kind == "new" and c.row is not None and f"new:{c.category}:{i}" not in chosen:
            parsed.rows[c.category].remove(c.row)
            dropped.add((c.category, c.row.key, c.name))
    if parsed.progress is not None:
        _keep_progress(store, plan, chosen, dropped)
    return [
        c.entry_id
        for c in plan.entries
        if c.kind == "missing" and c.entry_id and f"missing:{c.entry_id}" in chosen
    ]


def _keep_progress(
    store: Store, plan: ImportPlan, chosen: set[str], dropped: set[tuple[str, str | None, str]]
) -> None:
    parsed = plan.parsed
    assert parsed.progress is not None
    current = store.progress.of_ledger(plan.ledger_id) if plan.ledger_id else {}
    index = _RowIndex(plan.entries)
    kept = []
    for item in parsed.progress:
        target = index.find(item)
        if (
            target is not None
            and target.row is not None
            and ((target.category, target.row.key, target.name) in dropped)
        ):
            continue  # the progress of a new row not taken
        kept.append(item)
        if target is None or target.entry_id is None:
            continue
        have = current.get(target.entry_id, {})
        for q, values in list(item.quarters.items()):
            old = have.get(q)
            stored = {f.key: (getattr(old, f.key) if old is not None else None) for f in PROGRESS}
            merged: dict[str, Any] = dict.fromkeys((f.key for f in PROGRESS), None)
            merged.update(values or {})
            for f in PROGRESS:
                if _progress_id(item.category, item.key, item.name, q, f.key) not in chosen:
                    merged[f.key] = stored[f.key]
            merged["follow_up"] = bool(merged.get("follow_up"))
            empty = all(merged.get(f.key) in (None, False, "") for f in PROGRESS)
            item.quarters[q] = None if old is None and empty else merged
    parsed.progress[:] = kept
