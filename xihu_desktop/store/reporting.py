"""报送情况: reporting deadlines per year and quarter and the status of every unit.

The deadline rule (:meth:`ReportingManager.status`):

* The deadlines of a year are taken in quarter order (d1 < d2 < … as far as set;
  :meth:`~ReportingManager.set_deadline` keeps them increasing).
* A return is a ``reviews.last_return_at`` or an inbox row of the unit and year whose
  status is not 错误 (packages, decomposition tables and receipts are not returns).
* Deadline q is met when a return was received after the previous deadline's day
  (for the first deadline: at any time). Returns are cumulative, so only the latest
  one matters: it meets every deadline up to the first one on or after its day.
* The unit's ``deadline`` is the first deadline not met (None when all are met or none
  is set); ``overdue_days`` = (today − that deadline) in days when today is after it,
  else 0.
* A unit whose latest return was sent back (退回, at ``reviews.reviewed_at``) has not
  met the deadline that return answered (the first deadline on or after its day, or the
  last deadline for a return after all of them) until it sends again after the
  send-back.

Everything is read with one query per table (units, ledgers, reviews, inbox,
deadlines), never one per unit: the district has about 70 units.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..core.enums import ReviewState, UnitKind
from ..core.settings import BOUND_UNIT
from .changes import Changes
from .errors import InvalidData
from .manager import Manager

NO_LEDGER = "无台账"

#: keys of :meth:`UnitStatus.as_json`, in order (the ``xihu status --json`` contract)
JSON_KEYS = (
    "unit",
    "code",
    "kind",
    "ledger_status",
    "review",
    "reason",
    "last_return",
    "deadline",
    "overdue_days",
)

#: inbox kinds that are not a unit's return (the values of exchange.return_layout's
#: KIND_PACKAGE, KIND_DECOMPOSITION, KIND_RECEIPT, KIND_SUMMARY, KIND_EVALUATION; a test
#: keeps them equal)
NOT_RETURNS = ("package", "decomposition", "receipt", "summary", "evaluation")


@dataclass(frozen=True)
class UnitStatus:
    """One unit's row of the reporting overview."""

    unit: str  # the unit's name
    code: str
    kind: str  # as stored: town / department / platform
    ledger_status: str  # 草稿 / 已提交 / 已锁定, or 无台账
    review: str  # 未报 / 已报 / 已审 / 退回
    reason: str | None
    last_return: str | None  # ISO time of the latest return
    deadline: str | None  # ISO date of the first deadline not met
    overdue_days: int
    unit_id: int = 0
    ledger_id: int | None = None

    @property
    def kind_label(self) -> str:
        try:
            return UnitKind(self.kind).label
        except ValueError:
            return self.kind

    @property
    def overdue(self) -> bool:
        return self.overdue_days > 0

    def as_json(self) -> dict[str, Any]:
        """Exactly the keys of :data:`JSON_KEYS`."""
        values = asdict(self)
        return {key: values[key] for key in JSON_KEYS}


def unit_kind(text: str) -> UnitKind:
    """A unit kind from its stored name (town) or its label (镇街)."""
    cleaned = text.strip()
    for kind in UnitKind:
        if cleaned in (kind.value, kind.label):
            return kind
    choices = "、".join(f"{k.label}（{k.value}）" for k in UnitKind)
    raise InvalidData(f"单位类型“{text}”无效，可选：{choices}")


def _moment(text: str | None) -> dt.datetime | None:
    """A stored time stamp as a naive datetime (a bare date counts as its midnight)."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text).strip())
    except ValueError:
        try:
            value = dt.datetime.fromisoformat(str(text).strip()[:10])
        except ValueError:
            return None
    return value.replace(tzinfo=None)


def first_unmet(
    deadlines: list[dt.date],
    latest: dt.datetime | None,
    sent_back_at: dt.datetime | None = None,
    sent_back: bool = False,
) -> dt.date | None:
    """The first deadline not met (the rule in the module's docstring).

    ``deadlines`` in quarter order; ``latest`` the latest return; ``sent_back``: the
    latest review is 退回, made at ``sent_back_at`` (None: time unknown).
    """
    if not deadlines:
        return None
    if latest is None:
        return deadlines[0]
    day = latest.date()
    answered = next((i for i, due in enumerate(deadlines) if due >= day), len(deadlines) - 1)
    if sent_back and (sent_back_at is None or latest <= sent_back_at):
        return deadlines[answered]  # the return that answered it was sent back
    # met: every deadline up to the first on or after the return's day
    if day > deadlines[-1]:
        return None
    return deadlines[answered + 1] if answered + 1 < len(deadlines) else None


class ReportingManager(Manager):
    """Deadlines (table ``deadlines``) and the per-unit reporting overview."""

    # ------------------------------------------------------------ deadlines

    def deadlines(self, year: int) -> dict[int, dt.date]:
        """Quarter → due date of the year's deadlines that are set."""
        rows = self.store.query(
            "SELECT quarter, due FROM deadlines WHERE year = ? ORDER BY quarter", (year,)
        )
        found: dict[int, dt.date] = {}
        for quarter, due in rows:
            try:
                found[int(quarter)] = dt.date.fromisoformat(str(due)[:10])
            except ValueError:
                continue  # edited by hand into nonsense: as if not set
        return found

    def set_deadline(self, year: int, quarter: int, due: dt.date) -> Changes:
        """Set the reporting deadline of a quarter (the administrator's); audited.

        The year must lie in a plan; the date between 1 January of the year and the end
        of the next year, and after the earlier quarters' deadlines and before the later
        ones (the deadline rule takes them in order).
        """
        return self.set_deadlines(year, {quarter: due})

    def clear_deadline(self, year: int, quarter: int) -> Changes:
        """Remove a quarter's deadline (the administrator's); audited."""
        return self.set_deadlines(year, {quarter: None})

    def set_deadlines(self, year: int, dues: Mapping[int, dt.date | None]) -> Changes:
        """Set (a date) or clear (None) several quarters' deadlines in one transaction.

        The same checks as :meth:`set_deadline`, on the deadlines as they will be, so
        that several can move past each other at once (the dialog's four dates).
        """
        store = self.store
        store.require_admin("设置报送截止日期")
        for quarter, due in dues.items():
            self._check_quarter(quarter)
            if due is None:
                continue
            if not isinstance(due, dt.date) or isinstance(due, dt.datetime):
                raise InvalidData(f"截止日期“{due}”无效，应为日期（如 {year}-04-10）")
            if not dt.date(year, 1, 1) <= due <= dt.date(year + 1, 12, 31):
                raise InvalidData(
                    f"{year}年第{quarter}季度的截止日期“{due.isoformat()}”不在"
                    f"{year}-01-01 至 {year + 1}-12-31 之间"
                )
        if any(due is not None for due in dues.values()):
            store.catalogue.plan_for_year(year)
        with store.transaction():
            current = self.deadlines(year)
            final = {**current, **dues}
            self._check_order(year, {q: d for q, d in final.items() if d is not None}, dues)
            changed = False
            for quarter in sorted(dues):
                old, due = current.get(quarter), dues[quarter]
                if old == due:
                    continue
                if due is None:
                    store.execute(
                        "DELETE FROM deadlines WHERE year = ? AND quarter = ?", (year, quarter)
                    )
                else:
                    store.execute(
                        "INSERT INTO deadlines (year, quarter, due) VALUES (?, ?, ?) "
                        "ON CONFLICT (year, quarter) DO UPDATE SET due = excluded.due",
                        (year, quarter, due.isoformat()),
                    )
                store.audit.record(
                    "设置截止日期" if due is not None else "取消截止日期",
                    field_key=f"deadlines.{year}.{quarter}",
                    old=old.isoformat() if old else None,
                    new=due.isoformat() if due else None,
                )
                changed = True
            if not changed:
                return Changes()
            return store.noted(Changes(district=frozenset({year})))

    @staticmethod
    def _check_order(
        year: int, final: Mapping[int, dt.date], dues: Mapping[int, dt.date | None]
    ) -> None:
        """Deadlines later quarter by quarter; the message speaks of a quarter being set."""
        quarters = sorted(final)
        for a, b in itertools.pairwise(quarters):
            if final[a] < final[b]:
                continue
            if b in dues:
                raise InvalidData(
                    f"{year}年第{b}季度的截止日期“{final[b].isoformat()}”须晚于"
                    f"第{a}季度的截止日期 {final[a].isoformat()}"
                )
            raise InvalidData(
                f"{year}年第{a}季度的截止日期“{final[a].isoformat()}”须早于"
                f"第{b}季度的截止日期 {final[b].isoformat()}"
            )

    @staticmethod
    def _check_quarter(quarter: Any) -> None:
        if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
            raise InvalidData(f"季度“{quarter}”无效，应为 1–4")

    # ------------------------------------------------------------ the overview

    def status(
        self, year: int, today: dt.date | None = None, kind: str | None = None
    ) -> list[UnitStatus]:
        """One row per active unit (in a unit's own file: only that unit), in unit order.

        ``kind``: only units of this kind (town/department/platform or 镇街/部门/平台).
        Deadline and overdue days follow the rule in the module's docstring.
        """
        store = self.store
        today = today or dt.date.today()
        wanted = unit_kind(kind) if kind else None
        bound = store.settings.get(BOUND_UNIT)
        with store.snapshot():
            units = store.units.in_scope(bound, wanted.value if wanted else None)
            ledgers = {
                int(r["unit_id"]): r
                for r in store.rows(
                    "SELECT id, unit_id, status FROM ledgers WHERE year = ?", (year,)
                )
            }
            reviews = {
                int(r["unit_id"]): r
                for r in store.rows(
                    "SELECT unit_id, state, reason, last_return_at, reviewed_at "
                    "FROM reviews WHERE year = ?",
                    (year,),
                )
            }
            marks = ", ".join("?" for _ in NOT_RETURNS)
            arrived = {
                int(unit_id): latest
                for unit_id, latest in store.query(
                    "SELECT unit_id, max(received_at) FROM inbox "
                    "WHERE year = ? AND unit_id IS NOT NULL AND status <> '错误' "
                    f"AND (kind IS NULL OR kind NOT IN ({marks})) GROUP BY unit_id",
                    (year, *NOT_RETURNS),
                )
            }
            due = [d for _, d in sorted(self.deadlines(year).items())]
        result = []
        for unit in units:
            uid = unit.id
            ledger = ledgers.get(uid)
            review = reviews.get(uid)
            times = [
                (m, text)
                for text in (review["last_return_at"] if review else None, arrived.get(uid))
                if (m := _moment(text)) is not None
            ]
            latest, latest_text = max(times) if times else (None, None)
            state = str(review["state"]) if review else ReviewState.NOT_REPORTED.value
            deadline = first_unmet(
                due,
                latest,
                _moment(review["reviewed_at"]) if review else None,
                sent_back=state == ReviewState.RETURNED,
            )
            overdue = (today - deadline).days if deadline and today > deadline else 0
            result.append(
                UnitStatus(
                    unit=unit.name,
                    code=unit.code,
                    kind=unit.kind,
                    ledger_status=str(ledger["status"]) if ledger else NO_LEDGER,
                    review=state,
                    reason=(str(review["reason"]) if review and review["reason"] else None),
                    last_return=latest_text,
                    deadline=deadline.isoformat() if deadline else None,
                    overdue_days=overdue,
                    unit_id=uid,
                    ledger_id=int(ledger["id"]) if ledger else None,
                )
            )
        return result
