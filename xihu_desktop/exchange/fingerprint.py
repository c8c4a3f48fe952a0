"""A stable fingerprint of a ledger's data: same data, same fingerprint, on any machine.

The canonical form leaves out everything local to one database file (row ids,
timestamps, the workflow status) and names linked plan targets and catalogue
items by their content, so a return imported at the district office has the same
fingerprint as the ledger it was exported from.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..core.categories import CATEGORIES
from ..store import Entry, Store
from .ledger_read import LedgerRows, read_ledger


def _number(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return value


def _text(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    return _number(value)


def canonical_ledger(store: Store, ledger_id: int) -> dict[str, Any]:
    """The ledger as plain, ordered data: the input of :func:`ledger_fingerprint`."""
    return canonical_of(read_ledger(store, ledger_id))


def canonical_of(rows: LedgerRows) -> dict[str, Any]:
    """:func:`canonical_ledger` of a ledger already read (the one canonical form)."""
    ledger = rows.ledger
    plan = next((p.code for p in rows.plans if p.id == ledger.plan_id), "")
    targets = {t.id: f"{t.seq}{t.sub or ''}:{t.name}" for t in rows.targets}
    items = {i.id: f"{i.kind}:{i.name}" for i in rows.items}
    progress = rows.progress
    by_category: dict[str, list[Entry]] = {}
    for e in rows.entries:  # ordered by position, id within a category
        by_category.setdefault(e.category, []).append(e)
    entries = []
    for cat in CATEGORIES:
        fields = [f.key for f in cat.fields]
        declared = frozenset(fields)
        for e in by_category.get(cat.key, ()):
            # every declared field, None unless the entry has a value (most have few):
            # the entry's own values are walked, not every field of the category
            values: dict[str, Any] = dict.fromkeys(fields)
            for key, v in e.values.items():
                if v is None or key not in declared:
                    continue
                if key == "target_id":
                    v = targets.get(v)
                elif key == "catalogue_id":
                    v = items.get(v)
                values[key] = v.replace("\r\n", "\n").strip() if type(v) is str else _text(v)
            quarters = [  # (None tested here: most texts of most quarters are empty)
                {
                    "quarter": q,
                    "value": None if p.value is None else _number(p.value),
                    "status": p.status,
                    "problems": None if p.problems is None else _text(p.problems),
                    "next_steps": None if p.next_steps is None else _text(p.next_steps),
                    "comment": None if p.comment is None else _text(p.comment),
                    "follow_up": bool(p.follow_up),
                }
                for q, p in sorted(progress.get(e.id, {}).items())
            ]
            entries.append({"category": e.category, "values": values, "progress": quarters})
    return {
        "plan": plan,
        "unit": {"code": ledger.unit_code, "name": ledger.unit_name},
        "year": ledger.year,
        "ledger": {
            "leader": _text(ledger.leader),
            "contact": _text(ledger.contact),
            "preparer": _text(ledger.preparer),
            "self_assessment": _text(ledger.self_assessment),
        },
        "entries": entries,
        "adjustments": [
            {"points": _number(a.points), "reason": _text(a.reason)} for a in rows.adjustments
        ],
    }


def canonical_bytes(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def ledger_fingerprint(store: Store, ledger_id: int) -> str:
    """SHA-256 (hex) of the canonical ledger data."""
    return fingerprint_of(read_ledger(store, ledger_id))


def fingerprint_of(rows: LedgerRows) -> str:
    """:func:`ledger_fingerprint` of a ledger already read."""
    return hashlib.sha256(canonical_bytes(canonical_of(rows))).hexdigest()


def short_code(fingerprint: str, length: int = 10) -> str:
    """A short human-readable verification code, grouped for reading aloud: XXXXX-XXXXX."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
    number = int(fingerprint, 16)
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(alphabet[rem])
    code = "".join(chars)
    return f"{code[:5]}-{code[5:]}"
