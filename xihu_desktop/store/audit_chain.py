"""The audit log as a hash chain (tamper evidence), on a plain SQLite connection.

Each ``audit_log`` row stores ``prev_hash`` (the hash of the row before it, 64 zeros
for the first) and ``hash``: SHA-256 over a canonical JSON encoding of its id, time,
user, action, ledger, entry, field, old and new value and ``prev_hash``. The one-row
table ``audit_head`` holds the last row's id and hash (kept by a trigger), so that
rows cut from the end are found too. Triggers keep the log append-only.

Whoever holds the file and knows this scheme can rebuild a consistent chain: the chain
makes tampering evident to a check, it is no signature. Deleting or changing a row, or
dropping a trigger, with a plain SQLite shell is found by :func:`verify`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
SCHEMA_VERSION = 5  # db/005_audit_chain.sql

#: The row content in hash order (``prev_hash`` is appended).
CONTENT = "id, ts, user, action, ledger_id, entry_id, field, old_value, new_value"

#: Triggers that must exist and refuse (name → what they guard).
GUARDS = {
    "audit_log_no_update": "禁止修改审计日志",
    "audit_log_no_delete": "禁止删除审计日志",
    "audit_head_forward": "禁止回退审计日志末尾记录",
    "audit_head_no_delete": "禁止删除审计日志末尾记录",
}
#: The trigger that moves ``audit_head`` with every new row.
HEAD_TRIGGER = "audit_log_head"


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the audit log is not as the program wrote it."""

    id: int | None  # the audit row (None: a trigger is missing)
    reason: str

    @property
    def message(self) -> str:
        return f"审计日志被篡改：{self.reason}。请从备份恢复或联系区发改局。"

    def __str__(self) -> str:
        return self.message


_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # one, reused


def chained_schema(conn: sqlite3.Connection) -> bool:
    """Whether the file's schema has the chain (the content, not the version opened with:
    a restore may just have copied an older backup in)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0]) >= SCHEMA_VERSION


def row_hash(content: Sequence[Any], prev_hash: str) -> str:
    """SHA-256 (hex) of one row's content in ``CONTENT`` order and the previous hash
    (a compact JSON array, non-ASCII text as it is)."""
    payload = _CANONICAL.encode([*content, prev_hash])
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def tail(conn: sqlite3.Connection) -> tuple[int, str]:
    """The id and hash the next row continues from (inside the writer's transaction).

    The head decides (rows cut from the end leave their gap visible); rows written
    past it without the program only push the next id further.
    """
    head = conn.execute("SELECT last_id, hash FROM audit_head").fetchone()
    last_id, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
    top = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    return max(last_id, int(top or 0)), prev


def chained(rows: Iterable[Sequence[Any]], last_id: int, prev: str) -> list[tuple[Any, ...]]:
    """Rows (ts, user, action, ledger, entry, field, old, new) with id, prev_hash and hash."""
    out = []
    for number, row in enumerate(rows, last_id + 1):
        content = (number, *row)
        digest = row_hash(content, prev)
        out.append((*content, prev, digest))
        prev = digest
    return out


def _trigger_problem(conn: sqlite3.Connection) -> ChainBreak | None:
    found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))
    for name, guards in GUARDS.items():
        sql = found.get(name)
        if sql is None:
            return ChainBreak(None, f"保护触发器“{name}”（{guards}）已被删除")
        if "RAISE" not in sql.upper():
            return ChainBreak(None, f"保护触发器“{name}”（{guards}）已被改动，不再阻止修改")
    if HEAD_TRIGGER not in found:
        return ChainBreak(None, f"触发器“{HEAD_TRIGGER}”（记录审计日志末尾）已被删除")
    return None


def verify(conn: sqlite3.Connection) -> ChainBreak | None:
    """The first broken row of the audit log, else a missing guard trigger, else None."""
    return _chain_problem(conn) or _trigger_problem(conn)


def _chain_problem(conn: sqlite3.Connection) -> ChainBreak | None:
    prev, expected_id = GENESIS, 1
    cursor = conn.execute(f"SELECT {CONTENT}, prev_hash, hash FROM audit_log ORDER BY id")
    while batch := cursor.fetchmany(5000):
        for row in batch:
            row_id, content, stored_prev, stored = int(row[0]), row[:9], row[9], row[10]
            if row_id > expected_id:
                gone = (
                    f"第{expected_id}条"
                    if row_id == expected_id + 1
                    else f"第{expected_id}至{row_id - 1}条"
                )
                return ChainBreak(expected_id, f"{gone}审计记录已被删除")
            if stored is None or stored_prev is None:
                return ChainBreak(row_id, f"第{row_id}条审计记录没有校验值，不是本程序写入的")
            if stored_prev != prev:
                return ChainBreak(
                    row_id, f"第{row_id}条审计记录与前一条记录衔接不上（前面的记录被删除或修改）"
                )
            if row_hash(content, stored_prev) != stored:
                return ChainBreak(row_id, f"第{row_id}条审计记录的内容已被修改")
            prev, expected_id = stored, row_id + 1
    head = conn.execute("SELECT last_id, hash FROM audit_head").fetchone()
    last_id = expected_id - 1
    if head is None:
        if last_id:
            return ChainBreak(last_id, "审计日志的末尾记录（校验锚点）已被删除")
        return None
    if int(head[0]) > last_id:
        return ChainBreak(last_id + 1, f"第{last_id + 1}条起的审计记录已被删除")
    if int(head[0]) < last_id or head[1] != prev:
        return ChainBreak(last_id, f"第{last_id}条审计记录与末尾校验记录不符")
    return None


def chain_existing(conn: sqlite3.Connection) -> None:
    """Migration step: chain the rows written before the chain existed.

    Runs inside the migration's transaction. The append-only update trigger is
    dropped for the backfill and put back exactly as it was.
    """
    guard = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_log_no_update'"
    ).fetchone()
    if guard:
        conn.execute("DROP TRIGGER audit_log_no_update")
    prev = GENESIS
    last_id = 0
    cursor = conn.execute(f"SELECT {CONTENT} FROM audit_log ORDER BY id")
    updates = []
    for row in cursor.fetchall():
        digest = row_hash(tuple(row), prev)
        updates.append((prev, digest, row[0]))
        prev, last_id = digest, int(row[0])
    conn.executemany("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", updates)
    if last_id:
        conn.execute(
            "INSERT INTO audit_head (one, last_id, hash) VALUES (1, ?, ?)", (last_id, prev)
        )
    if guard:
        conn.execute(guard[0])
