"""Reviews of the units' returns (未报 / 已报 / 已审 / 退回 with a reason) and the inbox
of every file that arrived (tables ``reviews`` and ``inbox``).

At the district a review records the administrator's decision on a unit's return of a
year; in a unit's own file it records what the district's last receipt (回执) said.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from ..core.enums import ArrivalStatus, LedgerStatus, ReviewState
from .changes import Changes
from .errors import InvalidData
from .manager import Manager
from .records import build, build_all, now

_COLUMNS = "year, unit_id, state, reason, last_return_at, file, fingerprint, reviewed_at, reviewer"


@dataclass(frozen=True)
class Review:
    """The review of one unit's return of one year (未报 when nothing was recorded)."""

    year: int
    unit_id: int
    state: str = ReviewState.NOT_REPORTED
    reason: str | None = None
    last_return_at: str | None = None
    file: str | None = None
    fingerprint: str | None = None
    reviewed_at: str | None = None
    reviewer: str | None = None

    @property
    def accepted(self) -> bool:
        return self.state == ReviewState.ACCEPTED


@dataclass(frozen=True)
class Arrival:
    """One row of the inbox: a file that arrived and what became of it."""

    id: int
    received_at: str
    file: str
    kind: str | None
    unit_id: int | None
    year: int | None
    status: str
    reason: str
    fingerprint: str | None


class ReviewManager(Manager):
    """Review state per unit and year, and the inbox log."""

    # ------------------------------------------------------------ reading

    def state(self, year: int, unit_id: int) -> Review:
        rows = self.store.rows(
            f"SELECT {_COLUMNS} FROM reviews WHERE year = ? AND unit_id = ?", (year, unit_id)
        )
        return build(Review, rows[0]) if rows else Review(year, unit_id)

    def list(self, year: int) -> builtins.list[Review]:
        """The recorded reviews of a year (units without a row are 未报)."""
        return build_all(
            Review,
            self.store.rows(
                f"SELECT {_COLUMNS} FROM reviews WHERE year = ? ORDER BY unit_id", (year,)
            ),
        )

    def expects(self, year: int, unit_id: int) -> bool:
        """Whether the district expects a return of this unit and year: it has a review
        row, was sent a task package, or carries tasks of the year's decomposition."""
        found = self.store.scalar(
            "SELECT EXISTS (SELECT 1 FROM reviews WHERE year = ?1 AND unit_id = ?2) "
            "OR EXISTS (SELECT 1 FROM packages WHERE year = ?1 AND unit_id = ?2) "
            "OR EXISTS (SELECT 1 FROM target_shares WHERE year = ?1 AND unit_id = ?2) "
            "OR EXISTS (SELECT 1 FROM assignments WHERE year = ?1 AND unit_id = ?2)",
            (year, unit_id),
        )
        return bool(found)

    def inbox(self, year: int | None = None) -> builtins.list[Arrival]:
        """The files that arrived, newest first (of one year, or all)."""
        sql = (
            "SELECT id, received_at, file, kind, unit_id, year, status, reason, fingerprint "
            "FROM inbox"
        )
        params: tuple[int, ...] = ()
        if year is not None:
            sql += " WHERE year = ?"
            params = (year,)
        return build_all(Arrival, self.store.rows(sql + " ORDER BY id DESC", params))

    # ------------------------------------------------------------ writing

    def _ledger_id(self, year: int, unit_id: int) -> int | None:
        found = self.store.ledgers.find(unit_id, year)
        return found.id if found else None

    def _changes(self, year: int, unit_id: int) -> Changes:
        ledger_id = self._ledger_id(year, unit_id)
        return Changes(
            district=frozenset({year}),
            ledgers=frozenset({ledger_id}) if ledger_id else frozenset(),
        )

    def _write(self, review: Review, action: str, old: Review) -> Changes:
        """Upsert ``review`` and audit the change of state (inside a transaction)."""
        store = self.store
        store.execute(
            f"INSERT INTO reviews ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (year, unit_id) DO UPDATE SET state = excluded.state, "
            "reason = excluded.reason, last_return_at = excluded.last_return_at, "
            "file = excluded.file, fingerprint = excluded.fingerprint, "
            "reviewed_at = excluded.reviewed_at, reviewer = excluded.reviewer",
            (
                review.year,
                review.unit_id,
                str(review.state),
                review.reason,
                review.last_return_at,
                review.file,
                review.fingerprint,
                review.reviewed_at,
                review.reviewer,
            ),
        )
        new = review.state if not review.reason else f"{review.state}：{review.reason}"
        was = old.state if not old.reason else f"{old.state}：{old.reason}"
        store.audit.record(
            action,
            self._ledger_id(review.year, review.unit_id),
            field_key="review",
            old=was,
            new=new,
        )
        return store.noted(self._changes(review.year, review.unit_id))

    def record_return(self, year: int, unit_id: int, file: str, fingerprint: str | None) -> Changes:
        """A return of the unit arrived: 已报 (unless already 已审), with time, file name
        and fingerprint. Runs inside the caller's import transaction."""
        with self.store.transaction():
            old = self.state(year, unit_id)
            state = old.state if old.accepted else ReviewState.REPORTED
            review = Review(
                year,
                unit_id,
                state,
                old.reason if old.accepted else None,
                now(),
                file,
                fingerprint,
                old.reviewed_at,
                old.reviewer,
            )
            return self._write(review, "收到报表", old)

    def accept(self, year: int, unit_id: int) -> Changes:
        """The administrator accepts the unit's return (已审); needs a received return."""
        store = self.store
        unit = store.units.get(unit_id)
        store.require_admin("审核报表")
        with store.transaction():
            old = self.state(year, unit_id)
            if old.last_return_at is None:
                raise InvalidData(f"尚未收到{unit.name}{year}年的报表，不能审核通过。")
            if old.accepted:
                return Changes()
            review = Review(
                year,
                unit_id,
                ReviewState.ACCEPTED,
                None,
                old.last_return_at,
                old.file,
                old.fingerprint,
                now(),
                store.user,
            )
            return self._write(review, "审核通过", old)

    def send_back(self, year: int, unit_id: int, reason: str) -> Changes:
        """The administrator returns the unit's ledger (退回) with a reason (required)."""
        store = self.store
        unit = store.units.get(unit_id)
        store.require_admin("退回报表")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidData(f"退回{unit.name}{year}年的报表必须写明理由。")
        with store.transaction():
            old = self.state(year, unit_id)
            review = Review(
                year,
                unit_id,
                ReviewState.RETURNED,
                reason,
                old.last_return_at,
                old.file,
                old.fingerprint,
                now(),
                store.user,
            )
            return self._write(review, "退回报表", old)

    def apply_receipt(
        self,
        year: int,
        unit_id: int,
        state: str,
        reason: str | None,
        reviewed_at: str,
        reviewer: str | None,
        fingerprint: str | None,
        file: str,
    ) -> Changes:
        """In a unit's file: record what the district's receipt says. A returned ledger
        becomes a draft again (editable for the unit; an internal override, audited).

        Checked again inside the write transaction, so that two imports of one receipt
        at once apply it once: the same receipt (review time and state) changes nothing
        (empty Changes) and an older one is refused.
        """
        try:
            parsed = ReviewState(state)
        except ValueError:
            raise InvalidData(f"回执的审核状态“{state}”无效") from None
        store = self.store
        with store.transaction():
            old = self.state(year, unit_id)
            if old.reviewed_at == reviewed_at and old.state == parsed:
                return Changes()
            if old.reviewed_at and old.reviewed_at > reviewed_at:
                raise InvalidData(
                    f"回执（审核时间 {reviewed_at}）比已导入的回执（{old.reviewed_at}）旧"
                )
            review = Review(
                year, unit_id, parsed, reason, old.last_return_at, file, fingerprint,
                reviewed_at, reviewer,
            )  # fmt: skip
            changes = self._write(review, "导入回执", old)
            ledger = store.ledgers.find(unit_id, year)
            if (
                parsed is ReviewState.RETURNED
                and ledger is not None
                and ledger.status != LedgerStatus.DRAFT
            ):
                store.execute(
                    "UPDATE ledgers SET status = ?, updated_at = ? WHERE id = ?",
                    (LedgerStatus.DRAFT.value, now(), ledger.id),
                )
                store.audit.record(
                    "退回台账", ledger.id, field_key="status", old=ledger.status, new="草稿"
                )
            return changes

    def log_arrival(
        self,
        file: str,
        kind: str | None,
        status: str,
        reason: str = "",
        *,
        unit_id: int | None = None,
        year: int | None = None,
        fingerprint: str | None = None,
    ) -> Changes:
        """Append one row to the inbox (every outcome, also 错误). Not audited: the inbox
        is itself a log, and the writes an import made are audited where they happen."""
        ArrivalStatus(status)
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO inbox (received_at, file, kind, unit_id, year, status, reason, "
                "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (now(), file, kind, unit_id, year, str(status), reason, fingerprint),
            )
            return self.store.noted(
                Changes(district=frozenset({year}) if year is not None else frozenset())
            )
