"""Print records of assessment sheets: which data each printed sheet was made from.

A ledger's printings are numbered 1, 2, 3 … (the sheet shows its number). Each record
keeps the SHA-256 fingerprint of the ledger data at printing time, so
``exchange.verify.needs_reprint`` can tell that the data changed after the last printing.
A printing is recorded only for the administrator or the operator of the ledger's unit:
a viewer, or nobody logged in, cannot number sheets.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..core.enums import Role
from .changes import Changes
from .errors import InvalidData, NotFound, PermissionDenied
from .manager import Manager
from .records import Ledger, build_all, now


@dataclass(frozen=True)
class PrintRecord:
    id: int
    ledger_id: int
    revision: int
    fingerprint: str
    code: str
    printed_at: str
    user: str


_SELECT = "SELECT id, ledger_id, revision, fingerprint, code, printed_at, user FROM print_records"


def normalise_code(code: str) -> str:
    """Accept a code typed without the dash, in lower case or with spaces: ab12c 3d4e5."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    raw = raw.replace("O", "0").replace("I", "1").replace("L", "1")  # Crockford read-aloud
    return f"{raw[:5]}-{raw[5:]}" if len(raw) == 10 else code.strip().upper()


class PrintManager(Manager):
    def _records(self, where: str, params: tuple[object, ...]) -> builtins.list[PrintRecord]:
        return build_all(PrintRecord, self.store.rows(f"{_SELECT} WHERE {where}", params))

    def next_revision(self, ledger_id: int) -> int:
        """The revision number the next printing of this ledger will carry."""
        last = self.store.scalar(
            "SELECT max(revision) FROM print_records WHERE ledger_id = ?", (ledger_id,)
        )
        return int(last or 0) + 1

    def may_print(self, ledger: Ledger) -> bool:
        """Whether the current user may print (and so number) this ledger's sheet."""
        store = self.store
        if store.role is Role.ADMIN:
            return True
        return store.role is Role.OPERATOR and ledger.unit_id == store.unit_id

    def require_may_print(self, ledger_id: int) -> Ledger:
        """The ledger, if the current user may print its sheet; else a plain refusal."""
        ledger = self.store.ledgers.get(ledger_id)
        if not self.may_print(ledger):
            raise PermissionDenied(
                f"当前用户（{self.store.user}）不能打印{ledger.unit_name}{ledger.year}年考核表："
                "只有区管理员和本单位填报员可以打印（每次打印都会登记版本号）"
            )
        return ledger

    def record(
        self, ledger_id: int, fingerprint: str, code: str, revision: int | None = None
    ) -> Changes:
        """Record one printing; ``revision`` defaults to the next free number.

        A sheet is rendered with its revision number before it is recorded (the record
        is written only once the file exists), so the caller passes the number it printed.
        ``Changes.id`` is the record's id (:meth:`get` reads it).
        """
        store = self.store
        with store.transaction():
            ledger = self.require_may_print(ledger_id)
            rev = revision if revision is not None else self.next_revision(ledger_id)
            if self.find(ledger_id, rev) is not None:
                raise InvalidData(
                    f"{ledger.unit_name}{ledger.year}年考核表的第 {rev} 版已被另一次打印登记，"
                    "请重新生成考核表"
                )
            cur = store.execute(
                "INSERT INTO print_records (ledger_id, revision, fingerprint, code, printed_at, "
                "user) VALUES (?, ?, ?, ?, ?, ?)",
                (ledger_id, rev, fingerprint, code, now(), store.user),
            )
            store.audit.record(
                "打印考核表",
                ledger_id,
                field_key="print_records",
                new={"revision": rev, "code": code, "unit": ledger.unit_name, "year": ledger.year},
            )
            return store.noted(
                Changes(prints=frozenset({ledger_id}), created=(int(cur.lastrowid or 0),))
            )

    def record_many(
        self,
        stamps: Sequence[tuple[int, str, str, int]],
        before_commit: Callable[[], None] | None = None,
    ) -> Changes:
        """Record a batch of printings ``(ledger_id, fingerprint, code, revision)`` in ONE
        transaction: all of them or none.

        ``before_commit`` runs inside the transaction after the inserts (the batch export
        moves its finished files into place there): if it raises, nothing is recorded. A
        revision taken meanwhile by another printing fails the whole batch.
        """
        store = self.store
        done = Changes()
        with store.transaction():
            for ledger_id, fingerprint, code, revision in stamps:
                done = done | self.record(ledger_id, fingerprint, code, revision)
            if before_commit is not None:
                before_commit()
        return done

    def get(self, record_id: int) -> PrintRecord:
        rows = self._records("id = ?", (record_id,))
        if not rows:
            raise NotFound(f"打印记录（编号{record_id}）不存在")
        return rows[0]

    def list(self, ledger_id: int) -> builtins.list[PrintRecord]:
        """All printings of a ledger, oldest first."""
        return self._records("ledger_id = ? ORDER BY revision", (ledger_id,))

    def last(self, ledger_id: int) -> PrintRecord | None:
        rows = self._records("ledger_id = ? ORDER BY revision DESC LIMIT 1", (ledger_id,))
        return rows[0] if rows else None

    def find(self, ledger_id: int, revision: int) -> PrintRecord | None:
        rows = self._records("ledger_id = ? AND revision = ?", (ledger_id, revision))
        return rows[0] if rows else None

    def by_code(self, code: str) -> builtins.list[PrintRecord]:
        """Printings that carried this verification code (newest first); usually one."""
        return self._records("code = ? ORDER BY printed_at DESC, id DESC", (normalise_code(code),))
