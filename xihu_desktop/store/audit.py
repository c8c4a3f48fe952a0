"""The append-only audit log: who changed what, when, with old and new value.

Every row is written here (:meth:`AuditManager.record` and :meth:`~AuditManager.record_many`)
and chained to the one before it by a hash (:mod:`.audit_chain`), so that a row deleted or
changed with a plain SQLite shell is found by :meth:`AuditManager.verify_chain`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from . import audit_chain
from .audit_chain import ChainBreak
from .connection import schema_version
from .manager import Manager
from .records import AuditRecord, build_all, now

#: Compact (no spaces after separators): the log holds one row per change of a district's
#: 100,000 entries, so every byte of a row counts. Rows written before keep their text.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))

_INSERT = (
    f"INSERT INTO audit_log ({audit_chain.CONTENT}, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

#: A file of an older schema has no chain yet (written to only by tests, or just restored
#: from an older backup before it is reopened): its rows are chained by the migration.
_LEGACY_INSERT = (
    f"INSERT INTO audit_log ({audit_chain.CONTENT.removeprefix('id, ')}) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

Row = tuple[str, str, str, int | None, int | None, str | None, str | None, str | None]


def as_json(value: Any) -> str | None:
    """How a value is kept in the log: text as it is, anything else as JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # an entry's or a quarter's values: the filled ones only
        value = {k: v for k, v in value.items() if v is not None and v != ""}
    return _ENCODER.encode(value)


class AuditManager(Manager):
    def record(
        self,
        action: str,
        ledger_id: int | None = None,
        entry_id: int | None = None,
        field_key: str | None = None,
        old: Any = None,
        new: Any = None,
        *,
        user: str | None = None,
    ) -> None:
        """One row, inside the caller's transaction."""
        self._append(
            [
                (
                    now(),
                    user or self.store.user,
                    action,
                    ledger_id,
                    entry_id,
                    field_key,
                    as_json(old),
                    as_json(new),
                )
            ]
        )

    def record_many(
        self,
        action: str,
        rows: Iterable[tuple[int | None, int | None, str | None, Any, Any]],
    ) -> None:
        """Many rows of one action (ledger, entry, field, old, new), one time stamp."""
        stamp, user = now(), self.store.user
        self._append(
            [
                (stamp, user, action, ledger, entry, key, as_json(old), as_json(new))
                for ledger, entry, key, old, new in rows
            ]
        )

    def _append(self, rows: list[Row]) -> None:
        """Chain the rows to the last one and insert them (one pass, one executemany)."""
        if not rows:
            return
        store = self.store
        with store.transaction() as conn:  # joins the caller's; the tail is read under its lock
            version = schema_version(conn)
            if version < audit_chain.SCHEMA_VERSION:
                conn.executemany(_LEGACY_INSERT, rows)
                return
            compact = version >= audit_chain.COMPACT_VERSION
            chained = audit_chain.chained(rows, *audit_chain.tail(conn), compact=compact)
            conn.executemany(_INSERT, chained)

    def verify_chain(self) -> ChainBreak | None:
        """The first row where the log is not as written (or a missing guard trigger); None
        when intact. A read: run it on :meth:`Store.reader` off the UI thread."""
        store = self.store
        with store.snapshot():
            # the file's schema now, not the one opened with (a restore may just have
            # copied an older backup in): below 5 nothing is chained
            if schema_version(store.db) < audit_chain.SCHEMA_VERSION:
                return None
            return audit_chain.verify(store.db)

    def log(
        self,
        ledger_id: int | None = None,
        limit: int | None = 1000,
        *,
        user: str | None = None,
        action: str | None = None,
        since: str | None = None,
        until: str | None = None,
        text: str | None = None,
    ) -> list[AuditRecord]:
        """Newest first. ``since``/``until`` are ISO dates or times (``until`` inclusive of
        its day); ``text`` matches field, old or new value; ``limit`` None for all."""
        sql = (
            "SELECT id, ts, user, action, ledger_id, entry_id, field, old_value AS old, "
            "new_value AS new FROM audit_log WHERE 1 = 1"
        )
        params: list[Any] = []
        for column, value in (("ledger_id", ledger_id), ("user", user), ("action", action)):
            if value is not None and value != "":
                sql += f" AND {column} = ?"
                params.append(value)
        if since:
            sql += " AND ts >= ?"
            params.append(since)
        if until:
            sql += " AND ts <= ?"
            params.append(until if "T" in until else until + "T99")
        if text:
            sql += (
                " AND (instr(coalesce(field, ''), ?) OR instr(coalesce(old_value, ''), ?)"
                " OR instr(coalesce(new_value, ''), ?))"
            )
            params.extend([text] * 3)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(-1 if limit is None else limit)
        return build_all(AuditRecord, self.store.rows(sql, params))

    def choices(self) -> dict[str, list[str]]:
        """Distinct users and actions of the audit log, for filter lists."""
        return {
            col: [
                str(r[0])
                for r in self.store.query(f"SELECT DISTINCT {col} FROM audit_log ORDER BY 1")
            ]
            for col in ("user", "action")
        }
