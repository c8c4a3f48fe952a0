"""The audit log as a hash chain (tamper evidence), on a plain SQLite connection.

Each ``audit_log`` row stores ``prev_hash`` (the hash of the row before it, 64 zeros
for the first) and ``hash``: SHA-256 over a canonical JSON encoding of its id, time,
user, action, ledger, entry, field, old and new value and ``prev_hash``. The one-row
table ``audit_head`` holds the last row's id and hash (kept by a trigger), so that
rows cut from the end are found too. Triggers keep the log append-only.

Two forms of row, chained into each other (the hashed payload is the same):

- rows written before schema 10 keep ``hash`` as 64 hex characters and ``prev_hash``;
- rows written since (db/010_audit_compact.sql) store ``hash`` as the 32-byte digest and
  ``prev_hash`` NULL: the previous row's hash is what :func:`verify` computes anyway.
  A log never goes back to the old form, so a text hash after a compact row is forged.

Whoever holds the file and knows this scheme can rebuild a consistent chain: the chain
makes tampering evident to a check, it is no signature. Deleting or changing a row, or
dropping a trigger, with a plain SQLite shell is found by :func:`verify`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
SCHEMA_VERSION = 5  # db/005_audit_chain.sql
COMPACT_VERSION = 10  # db/010_audit_compact.sql: the hash as a blob, no prev_hash

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


def row_digest(content: Sequence[Any], prev_hash: str) -> bytes:
    """SHA-256 of one row's content in ``CONTENT`` order and the previous hash in hex
    (a compact JSON array, non-ASCII text as it is)."""
    payload = _CANONICAL.encode([*content, prev_hash])
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).digest()


def row_hash(content: Sequence[Any], prev_hash: str) -> str:
    """:func:`row_digest` in hex, as the chain links rows and legacy rows store it."""
    return row_digest(content, prev_hash).hex()


def as_hex(value: Any) -> str:
    """A stored hash (hex text, or a compact row's digest) as hex text."""
    return value.hex() if isinstance(value, bytes) else str(value)


def tail(conn: sqlite3.Connection) -> tuple[int, str]:
    """The id and hash the next row continues from (inside the writer's transaction).

    The head decides (rows cut from the end leave their gap visible); rows written
    past it without the program only push the next id further.
    """
    head = conn.execute("SELECT last_id, hash FROM audit_head").fetchone()
    last_id, prev = (int(head[0]), as_hex(head[1])) if head else (0, GENESIS)
    top = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    return max(last_id, int(top or 0)), prev


def chained(
    rows: Iterable[Sequence[Any]], last_id: int, prev: str, *, compact: bool = True
) -> list[tuple[Any, ...]]:
    """Rows (ts, user, action, ledger, entry, field, old, new) with id, prev_hash and hash:
    compact (NULL, digest) or, on a file of schema 5–9, legacy (prev hex, hex)."""
    out = []
    for number, row in enumerate(rows, last_id + 1):
        content = (number, *row)
        digest = row_digest(content, prev)
        hex_digest = digest.hex()
        out.append((*content, None, digest) if compact else (*content, prev, hex_digest))
        prev = hex_digest
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


#: Hashes as bytes with their type: a hash edited by hand may not even be valid text.
_STORED = "typeof(prev_hash), CAST(prev_hash AS BLOB), typeof(hash), CAST(hash AS BLOB)"


def _text(stored: bytes) -> str:
    return stored.decode("ascii", "replace")


def _chain_problem(conn: sqlite3.Connection) -> ChainBreak | None:
    prev, expected_id = GENESIS, 1
    try:
        found = _walk(conn)
        for row_id, problem, digest in found:
            if problem:
                return ChainBreak(row_id, problem)
            prev, expected_id = digest, row_id + 1
    except sqlite3.OperationalError:  # text that is no UTF-8: written by hand
        return _unreadable(conn, expected_id)
    head = conn.execute(
        "SELECT last_id, typeof(hash), CAST(hash AS BLOB) FROM audit_head"
    ).fetchone()
    last_id = expected_id - 1
    if head is None:
        if last_id:
            return ChainBreak(last_id, "审计日志的末尾记录（校验锚点）已被删除")
        return None
    if int(head[0]) > last_id:
        return ChainBreak(last_id + 1, f"第{last_id + 1}条起的审计记录已被删除")
    head_hash = head[2].hex() if head[1] == "blob" else _text(head[2] or b"")
    if int(head[0]) < last_id or head_hash != prev:
        return ChainBreak(last_id, f"第{last_id}条审计记录与末尾校验记录不符")
    return None


def _walk(conn: sqlite3.Connection) -> Iterator[tuple[int, str, str]]:
    """(id, problem, hash in hex) of each row in order, up to the first problem."""
    prev, expected_id, compact_seen = GENESIS, 1, False
    cursor = conn.execute(f"SELECT {CONTENT}, {_STORED} FROM audit_log ORDER BY id")
    while batch := cursor.fetchmany(5000):
        for row in batch:
            row_id, content = int(row[0]), row[:9]
            prev_type, stored_prev, hash_type, stored = row[9:]
            if row_id > expected_id:
                gone = (
                    f"第{expected_id}条"
                    if row_id == expected_id + 1
                    else f"第{expected_id}至{row_id - 1}条"
                )
                yield expected_id, f"{gone}审计记录已被删除", ""
                return
            problem, digest = "", ""
            if hash_type == "blob" and prev_type == "null":  # compact form
                compact_seen = True
                if row_digest(content, prev) != stored:
                    problem = (
                        f"第{row_id}条审计记录的内容已被修改，或与前一条记录衔接不上"
                        "（前面的记录被删除或修改）"
                    )
                digest = stored.hex()
            elif hash_type == "null":
                problem = f"第{row_id}条审计记录没有校验值，不是本程序写入的"
            elif hash_type != "text" or prev_type != "text" or compact_seen:
                problem = f"第{row_id}条审计记录的校验值形式不对，不是本程序写入的"
            elif _text(stored_prev) != prev:
                problem = f"第{row_id}条审计记录与前一条记录衔接不上（前面的记录被删除或修改）"
            elif row_hash(content, prev) != (digest := _text(stored)):
                problem = f"第{row_id}条审计记录的内容已被修改"
            yield row_id, problem, digest
            if problem:
                return
            prev, expected_id = digest, row_id + 1


def _unreadable(conn: sqlite3.Connection, after: int) -> ChainBreak:
    """The first row from ``after`` on whose text cannot be read."""
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM audit_log WHERE id >= ?", (after,))]
    for row_id in ids:
        try:
            conn.execute(f"SELECT {CONTENT} FROM audit_log WHERE id = ?", (row_id,)).fetchone()
        except sqlite3.OperationalError:
            return ChainBreak(row_id, f"第{row_id}条审计记录含有无法读取的文字，不是本程序写入的")
    return ChainBreak(after, f"第{after}条起的审计记录无法读取")


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
