"""Assessment of a ledger: scoring settings, bonus/deduction lines, scores, validation."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping

from ..core import scoring
from ..core.categories import category
from ..core.entry_values import DRAFT_PROBLEM, is_draft
from ..core.validate import Problem, validate_row
from .changes import Changes
from .errors import InvalidData, NotFound
from .manager import Manager
from .records import Adjustment, Entry, PlanTarget, build_all, now


class AssessmentManager(Manager):
    # ------------------------------------------------------------ settings per year

    def scoring_settings(self, year: int) -> scoring.ScoringSettings:
        raw = self.store.scalar("SELECT data FROM scoring_settings WHERE year = ?", (year,))
        return scoring.ScoringSettings.from_dict(json.loads(raw) if raw else None)

    def save_scoring_settings(self, year: int, settings: scoring.ScoringSettings) -> Changes:
        store = self.store
        store.require_admin("修改考核设置")
        with store.transaction():
            old = store.scalar("SELECT data FROM scoring_settings WHERE year = ?", (year,))
            data = json.dumps(settings.to_dict(), ensure_ascii=False, sort_keys=True)
            store.execute(
                "INSERT INTO scoring_settings (year, data) VALUES (?, ?) "
                "ON CONFLICT (year) DO UPDATE SET data = excluded.data",
                (year, data),
            )
            store.audit.record("考核设置", field_key=str(year), old=old, new=data)
            ledgers = frozenset(ledger.id for ledger in store.ledgers.list(year=year))
            return store.noted(Changes(ledgers=ledgers, settings=frozenset({f"scoring.{year}"})))

    # ------------------------------------------------------------ bonus and deduction lines

    def adjustments(self, ledger_id: int) -> list[Adjustment]:
        return build_all(
            Adjustment,
            self.store.rows(
                "SELECT id, points, reason, created_at FROM adjustments WHERE ledger_id = ? "
                "ORDER BY id",
                (ledger_id,),
            ),
        )

    def add_adjustment(self, ledger_id: int, points: float, reason: str) -> Changes:
        if not reason or not reason.strip():
            raise InvalidData("加分或扣分必须填写理由")
        store = self.store
        store.require_admin("加减分")
        with store.transaction():
            ledger = store.ledgers.get(ledger_id)
            cur = store.execute(
                "INSERT INTO adjustments (ledger_id, points, reason, created_at) "
                "VALUES (?, ?, ?, ?)",
                (ledger_id, float(points), reason.strip(), now()),
            )
            store.audit.record(
                "加减分", ledger.id, None, "adjustment", None, {"points": points, "reason": reason}
            )
            store.touch(ledger_id)
            return Changes(ledgers=frozenset({ledger_id}), created=(int(cur.lastrowid or 0),))

    def remove_adjustment(self, adjustment_id: int) -> Changes:
        store = self.store
        store.require_admin("删除加减分")
        with store.transaction():
            rows = store.query(
                "SELECT ledger_id, points, reason FROM adjustments WHERE id = ?", (adjustment_id,)
            )
            if not rows:
                raise NotFound("加减分记录不存在")
            ledger_id, points, reason = rows[0]
            store.execute("DELETE FROM adjustments WHERE id = ?", (adjustment_id,))
            store.audit.record(
                "删除加减分",
                ledger_id,
                None,
                "adjustment",
                {"points": points, "reason": reason},
                None,
            )
            store.touch(ledger_id)
            return Changes(ledgers=frozenset({ledger_id}))

    # ------------------------------------------------------------ scores

    def score_inputs(self, ledger_id: int) -> list[scoring.ScoreInput]:
        targets = {t.id: t for t in self.store.catalogue.targets()}
        return score_inputs_of(self.store.entries.list(ledger_id), targets)

    def score(self, ledger_id: int, as_of: dt.date | None = None) -> scoring.LedgerScore:
        ledger = self.store.ledgers.get(ledger_id)
        adjustments = [scoring.Adjustment(a.points, a.reason) for a in self.adjustments(ledger_id)]
        return scoring.score_ledger(
            self.score_inputs(ledger_id),
            self.scoring_settings(ledger.year),
            ledger.year,
            as_of or dt.date.today(),
            adjustments,
        )

    def validate(self, ledger_id: int) -> list[tuple[Entry, Problem]]:
        """Whole-ledger validation (before submitting): every problem of every entry."""
        problems = []
        for e in self.store.entries.list(ledger_id):
            cat = category(e.category)
            if is_draft(e.name):
                problems.append((e, Problem("name", cat.field("name").label, DRAFT_PROBLEM)))
            else:
                problems.extend((e, p) for p in validate_row(cat, e.values))
        return problems


def score_inputs_of(
    entries: Iterable[Entry], targets: Mapping[int, PlanTarget]
) -> list[scoring.ScoreInput]:
    """What scoring reads of each scored entry (drafts left out), from entries already
    read (``targets`` by id: a linked target gives the direction and attribute an entry
    leaves empty)."""
    items = []
    for e in entries:
        if is_draft(e.name):
            continue
        values = e.values
        target = targets.get(values.get("target_id"))  # type: ignore[arg-type]
        direction = values.get("direction")
        lower = direction == "越小越好" or (
            direction is None and bool(target and target.lower_is_better)
        )
        attribute = values.get("attribute")
        binding = e.category == "indicator" and (
            attribute == "约束性"
            or (attribute is None and target is not None and target.attribute == "约束性")
        )
        items.append(
            scoring.ScoreInput(
                id=e.id,
                category=e.category,
                name=e.name,
                goal=values.get("goal"),
                actual=values.get("actual"),
                status=values.get("status"),
                weight=values.get("weight"),
                lower_is_better=lower,
                binding=binding,
            )
        )
    return items
