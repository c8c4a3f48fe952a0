"""A ledger read once gives the same fingerprint, score and sheet as the reads it replaced.

The fingerprint is printed on every sheet (QR code, verification code) and checked by
``xihu verify``: the single-read path must give it byte for byte. The references below
are the former implementations, kept verbatim (they read the store piece by piece).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from typing import Any

import pytest

from xihu_desktop.core import scoring
from xihu_desktop.core.categories import CATEGORIES, category
from xihu_desktop.core.progress_fields import after_quarter, as_of_quarter
from xihu_desktop.exchange import fingerprint, ledger_read, sheet_data
from xihu_desktop.exchange.fingerprint import _number, _text, canonical_bytes
from xihu_desktop.store import Store

# ------------------------------------------------------------ the former implementations


def old_canonical_ledger(store: Store, ledger_id: int) -> dict[str, Any]:
    ledger = store.ledgers.get(ledger_id)
    plan = next((p for p in store.catalogue.plans() if p["id"] == ledger.plan_id), {"code": ""})
    targets = {
        t["id"]: f"{t['seq']}{t['sub'] or ''}:{t['name']}" for t in store.catalogue.targets()
    }
    items = {i["id"]: f"{i['kind']}:{i['name']}" for i in store.catalogue.items()}
    progress = store.progress.of_ledger(ledger_id)
    entries = []
    for cat in CATEGORIES:
        for e in store.entries.list(ledger_id, cat.key):
            values: dict[str, Any] = {}
            for f in category(e.category).fields:
                v = e.values.get(f.key)
                if f.key == "target_id":
                    v = targets.get(v) if v is not None else None
                elif f.key == "catalogue_id":
                    v = items.get(v) if v is not None else None
                values[f.key] = _text(v)
            quarters = [
                {
                    "quarter": q,
                    "value": _number(p.value),
                    "status": p.status,
                    "problems": _text(p.problems),
                    "next_steps": _text(p.next_steps),
                    "comment": _text(p.comment),
                    "follow_up": bool(p.follow_up),
                }
                for q, p in sorted(progress.get(e.id, {}).items())
            ]
            entries.append({"category": e.category, "values": values, "progress": quarters})
    return {
        "plan": plan["code"],
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
            {"points": _number(a["points"]), "reason": _text(a["reason"])}
            for a in store.assessment.adjustments(ledger_id)
        ],
    }


def old_fingerprint(store: Store, ledger_id: int) -> str:
    return hashlib.sha256(canonical_bytes(old_canonical_ledger(store, ledger_id))).hexdigest()


def old_quarter_score(store: Store, ledger_id: int, quarter: int | None) -> scoring.LedgerScore:
    if quarter is None:
        return store.assessment.score(ledger_id)
    ledger = store.ledgers.get(ledger_id)
    progress = store.progress.of_ledger(ledger_id)
    entries = {e.id: e for e in store.entries.list(ledger_id)}
    items = []
    for item in store.assessment.score_inputs(ledger_id):
        values = entries[item.id].values
        now = as_of_quarter(values, progress.get(item.id, {}).values(), quarter)
        items.append(replace(item, actual=now["actual"], status=now["status"]))
    return scoring.score_ledger(
        items,
        store.assessment.scoring_settings(ledger.year),
        ledger.year,
        min(dt.date.today(), after_quarter(ledger.year, quarter)),
        [scoring.Adjustment(a.points, a.reason) for a in store.assessment.adjustments(ledger_id)],
    )


# ------------------------------------------------------------ the demo, made awkward


def _awkward(store: Store) -> int:
    """A 2025 ledger with everything the canonical form treats specially: a draft (no
    name), a linked target and catalogue item, text with CR LF and blanks, progress in
    quarters written out of order, an adjustment, an assigned entry."""
    ledger = store.ledgers.list(year=2025)[0]
    store.entries.add(ledger.id, "indicator", {"name": ""})  # a draft
    target = store.catalogue.targets()[0]
    changes = store.entries.add(
        ledger.id,
        "indicator",
        {"name": "  带回车\r\n的指标  ", "target_id": target.id, "goal": 12.5},
    )
    linked = int(changes.id or 0)
    item = store.catalogue.items()[0]
    store.entries.add(ledger.id, "project", {"name": "项目", "catalogue_id": item.id})
    store.progress.set(linked, 3, {"value": 7.0, "status": "推进中", "problems": "a\r\nb "})
    store.progress.set(linked, 1, {"value": 2.0, "follow_up": True, "comment": " c "})
    store.assessment.add_adjustment(ledger.id, -0.5, "逾期\r\n报送")
    return ledger.id


def _ledgers(store: Store) -> list[int]:
    return [lg.id for year in (2024, 2025) for lg in store.ledgers.list(year=year)]


def test_the_demo_holds_what_the_comparison_needs(demo_store: Store) -> None:
    """The comparisons below walk ledgers with progress, assigned entries, drafts and
    adjustments (a comparison over plain ledgers only could not fail where it matters)."""
    awkward = _awkward(demo_store)
    ids = _ledgers(demo_store)
    assert awkward in ids and len({demo_store.ledgers.get(i).year for i in ids}) == 2
    rows = [ledger_read.read_ledger(demo_store, i) for i in ids]
    assert any(r.progress for r in rows)
    assert any(e.assigned for r in rows for e in r.entries)
    assert any(not e.name for r in rows for e in r.entries)
    assert any(r.adjustments for r in rows)
    assert any(e.values.get("target_id") for r in rows for e in r.entries)
    assert any(e.values.get("catalogue_id") for r in rows for e in r.entries)


def test_fingerprint_from_one_read_equals_the_former_on_every_demo_ledger(
    demo_store: Store,
) -> None:
    _awkward(demo_store)
    for ledger_id in _ledgers(demo_store):
        expected = old_fingerprint(demo_store, ledger_id)
        assert fingerprint.ledger_fingerprint(demo_store, ledger_id) == expected
        rows = ledger_read.read_ledger(demo_store, ledger_id)
        assert canonical_bytes(fingerprint.canonical_of(rows)) == canonical_bytes(
            old_canonical_ledger(demo_store, ledger_id)
        )
        # the sheet prints the same fingerprint (QR code, verification code)
        sheet = sheet_data.collect_sheet(demo_store, ledger_id)
        assert sheet.fingerprint == expected


def test_fingerprint_follows_an_edit(demo_store: Store) -> None:
    """The comparison is not vacuous: an edit changes both the old and the new alike."""
    ledger_id = _awkward(demo_store)
    before = fingerprint.ledger_fingerprint(demo_store, ledger_id)
    entry = next(e for e in demo_store.entries.list(ledger_id) if e.name)
    demo_store.entries.update(entry.id, {"name": entry.name + "改"})
    after = fingerprint.ledger_fingerprint(demo_store, ledger_id)
    assert after != before and after == old_fingerprint(demo_store, ledger_id)


@pytest.mark.parametrize("quarter", [None, 1, 2, 3, 4])
def test_quarter_scores_from_one_read_equal_the_former(demo_store: Store, quarter: int) -> None:
    _awkward(demo_store)
    for ledger_id in _ledgers(demo_store):
        expected = old_quarter_score(demo_store, ledger_id, quarter)
        rows = ledger_read.read_ledger(demo_store, ledger_id)
        assert ledger_read.score_of(rows, quarter) == expected
        assert sheet_data.quarter_score(demo_store, ledger_id, quarter) == expected
        if quarter is None:
            assert expected == demo_store.assessment.score(ledger_id)


def test_a_sheet_reads_the_ledger_once(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """One query each for the entries and the progress of a sheet (they were read 9 and 3
    times: for the sheet, its score and its fingerprint)."""
    ledger_id = _awkward(demo_store)
    calls = {"entries": 0, "progress": 0}
    entries_list, of_ledger = demo_store.entries.list, demo_store.progress.of_ledger

    def count_entries(*args: Any, **kwargs: Any) -> Any:
        calls["entries"] += 1
        return entries_list(*args, **kwargs)

    def count_progress(*args: Any, **kwargs: Any) -> Any:
        calls["progress"] += 1
        return of_ledger(*args, **kwargs)

    monkeypatch.setattr(demo_store.entries, "list", count_entries)
    monkeypatch.setattr(demo_store.progress, "of_ledger", count_progress)
    sheet = sheet_data.collect_sheet(demo_store, ledger_id, quarter=3)
    assert calls == {"entries": 1, "progress": 1}
    assert sheet.fingerprint == old_fingerprint(demo_store, ledger_id)


def test_progress_of_a_ledger_built_by_position_equals_by_name(demo_store: Store) -> None:
    """``of_ledger`` builds its rows by position (speed); ``of_entry`` by column name."""
    ledger_id = _awkward(demo_store)
    progress = demo_store.progress.of_ledger(ledger_id)
    assert progress and any(p.follow_up for rows in progress.values() for p in rows.values())
    for entry_id, rows in progress.items():
        by_quarter = sorted(rows.values(), key=lambda p: p.quarter)
        assert by_quarter == demo_store.progress.of_entry(entry_id)


def test_canonical_values_walk_only_declared_fields(demo_store: Store) -> None:
    """The canonical form walks an entry's own values (not every field of its category):
    a key no field declares is left out, an explicit None and a missing field are both
    None, a link to a target or item no longer in the catalogue is None, texts lose CR LF
    and edge blanks, numbers are written out — as a field-by-field walk gives."""
    ledger_id = _awkward(demo_store)
    rows = ledger_read.read_ledger(demo_store, ledger_id)
    odd = {
        "legacy_key": "旧版本的字段",
        "goal": None,
        "target_id": 999_999,
        "catalogue_id": 999_999,
        "unit_measure": "  万元\r\n ",
        "baseline": -0.0,
        "actual": 3,
    }
    entries = [replace(e, values={**e.values, **odd}) for e in rows.entries]
    rows = replace(rows, entries=entries)
    targets = {t.id: f"{t.seq}{t.sub or ''}:{t.name}" for t in rows.targets}
    items = {i.id: f"{i.kind}:{i.name}" for i in rows.items}

    def walked(e: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in category(e.category).fields:
            v = e.values.get(f.key)
            if v is not None and f.key == "target_id":
                v = targets.get(v)
            elif v is not None and f.key == "catalogue_id":
                v = items.get(v)
            out[f.key] = _text(v)
        return out

    order = {c.key: k for k, c in enumerate(CATEGORIES)}
    expected = [walked(e) for e in sorted(entries, key=lambda e: order[e.category])]
    got = [e["values"] for e in fingerprint.canonical_of(rows)["entries"]]
    assert got == expected
    assert all("legacy_key" not in values for values in got)
    assert any(values.get("baseline") == "0" for values in got)
