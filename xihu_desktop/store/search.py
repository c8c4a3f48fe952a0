"""District-wide full-text search over every entry (``store.search``).

The index (db/008_search.sql) is an FTS5 table with the trigram tokenizer over the
entry's name and ``search_text``, the text fields of its JSON data; triggers keep it
current. A query is split into words: words of three or more characters are looked up
in the index as quoted phrases (so quotes, AND/OR/NOT/NEAR, ``*`` or ``-`` typed by a
user are plain text), shorter words — which a trigram index cannot find — with LIKE on
the same columns. Every word must occur. In a unit's own file only that unit's entries
are found.
"""

from __future__ import annotations

import builtins
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..core.categories import CATEGORIES, ENTRY_COLUMNS, FieldType
from .changes import Changes
from .errors import StoreError
from .manager import Manager

FTS_TABLE = "entries_fts"
FTS_COLUMNS = ("name", "search_text")
TRIGGERS = ("entries_ai", "entries_ad", "entries_au")
PAUSE_TABLE = "search_paused"  # db/011_bulk_writes.sql
MIGRATION = "008_search"

#: Field types whose values are searched; a unit of measure (计量单位) is no content.
SEARCHED_TYPES = frozenset({FieldType.TEXT, FieldType.LONGTEXT, FieldType.CREDIT_CODE})
NOT_SEARCHED = frozenset({"measure_unit"})

MIN_MATCH = 3  # the trigram tokenizer finds substrings of three characters or more
MAX_WORDS = 20  # words after the twentieth are ignored
MARK_OPEN, MARK_CLOSE, ELLIPSIS = "【", "】", "…"
SNIPPET_TOKENS = 24  # about as many characters around the match (trigram tokens)

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SPACE = re.compile(r"\s+")


def searched_keys() -> frozenset[str]:
    """The JSON data keys whose text ``search_text`` must hold (from the declarations)."""
    return frozenset(
        f.key
        for c in CATEGORIES
        for f in c.fields
        if f.type in SEARCHED_TYPES and f.key not in ENTRY_COLUMNS and f.key not in NOT_SEARCHED
    )


@dataclass(frozen=True)
class SearchHit:
    """One entry found: where it is and the text around the match (marked 【】)."""

    entry_id: int
    ledger_id: int
    unit_id: int
    unit_name: str
    year: int
    category: str  # the category key, e.g. "project"
    name: str
    snippet: str


def words(text: str) -> builtins.list[str]:
    """The distinct words of a query (control characters are spaces)."""
    out: builtins.list[str] = []
    for word in _CONTROL.sub(" ", text or "").split():
        if word not in out:
            out.append(word)
    return out[:MAX_WORDS]


def phrase(word: str) -> str:
    """A word as an FTS5 string: every character literal (quotes doubled)."""
    return '"' + word.replace('"', '""') + '"'


def like_pattern(word: str) -> str:
    """A word as a LIKE pattern matching it anywhere (``\\`` escapes % _ and itself)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def like_snippet(name: str, body: str, found: Sequence[str], width: int = SNIPPET_TOKENS) -> str:
    """A snippet like FTS5's for a LIKE match: the text around the first word found."""
    lowered = [w.lower() for w in found]
    for text in (body, name):
        text = _one_line(text)
        low = text.lower()
        hits = [low.find(w) for w in lowered if w and low.find(w) >= 0]
        if not hits:
            continue
        first = min(hits)
        start = max(0, first - width // 3)
        end = min(len(text), start + width + max(len(w) for w in found))
        window = text[start:end]
        pattern = re.compile("|".join(re.escape(w) for w in found), re.IGNORECASE)
        marked = pattern.sub(lambda m: f"{MARK_OPEN}{m.group(0)}{MARK_CLOSE}", window)
        return (ELLIPSIS if start > 0 else "") + marked + (ELLIPSIS if end < len(text) else "")
    return _one_line(body)[:width] or _one_line(name)


class SearchManager(Manager):
    """Find entries by their text; check and rebuild the index."""

    # ------------------------------------------------------------ finding

    def find(
        self, text: str, year: int | None = None, limit: int = 200
    ) -> builtins.list[SearchHit]:
        """Entries whose name or text fields hold every word of ``text``.

        Best match first (bm25), then the later year; in a unit's own file only that
        unit's entries. A query of nothing but spaces finds nothing.
        """
        found = words(text)
        if not found or limit < 1:
            return []
        long_words = [w for w in found if len(w) >= MIN_MATCH]
        short_words = [w for w in found if len(w) < MIN_MATCH]
        where: builtins.list[str] = []
        params: builtins.list[Any] = []
        for word in short_words:
            where.append("(e.name LIKE ? ESCAPE '\\' OR e.search_text LIKE ? ESCAPE '\\')")
            params += [like_pattern(word)] * 2
        if year is not None:
            where.append("l.year = ?")
            params.append(int(year))
        bound = self.store.packages.bound_unit()
        if bound is not None:
            where.append("l.unit_id = ?")
            params.append(bound.id)
        joins = "JOIN ledgers l ON l.id = e.ledger_id JOIN units u ON u.id = l.unit_id"
        columns = "e.id, e.ledger_id, l.unit_id, u.name, l.year, e.category, e.name"
        if long_words:
            sql = (
                f"SELECT {columns}, snippet({FTS_TABLE}, -1, ?, ?, ?, {SNIPPET_TOKENS}) "
                f"FROM {FTS_TABLE} JOIN entries e ON e.id = {FTS_TABLE}.rowid {joins} "
                f"WHERE {FTS_TABLE} MATCH ?"
                + "".join(f" AND {w}" for w in where)
                + f" ORDER BY {FTS_TABLE}.rank, l.year DESC, u.position, e.id LIMIT ?"
            )
            query = " ".join(phrase(w) for w in long_words)
            rows = self._read(sql, [MARK_OPEN, MARK_CLOSE, ELLIPSIS, query, *params, int(limit)])
            return [_hit(r, _one_line(r[7])) for r in rows]
        sql = (
            f"SELECT {columns}, e.search_text FROM entries e {joins} WHERE "
            + " AND ".join(where)
            + " ORDER BY l.year DESC, u.position, e.category, e.position, e.id LIMIT ?"
        )
        rows = self._read(sql, [*params, int(limit)])
        return [_hit(r, like_snippet(r[6], r[7] or "", found)) for r in rows]

    def _read(self, sql: str, params: Sequence[Any]) -> builtins.list[Any]:
        """Rows of a search; a missing or damaged index is a plain message, not a crash."""
        with self.store._lock:
            try:
                return self.store.db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(
                    f"搜索索引缺失或已损坏（{exc}），请区管理员重建索引：xihu search --rebuild"
                ) from exc

    # ------------------------------------------------------------ checking, rebuilding

    def check(self) -> str | None:
        """None when the index is whole and matches the entries; else what is wrong.

        FTS5's own 'integrity-check' with rank 1 also compares the index with the
        entries it was built from; a missing trigger would let the two drift apart.
        """
        store = self.store
        names = {
            r[0]
            for r in store.query(
                "SELECT name FROM sqlite_master WHERE name = ? OR (type = 'trigger' AND "
                "tbl_name = 'entries')",
                (FTS_TABLE,),
            )
        }
        if FTS_TABLE not in names:
            return "搜索索引缺失"
        missing = [t for t in TRIGGERS if t not in names]
        if missing:
            return f"搜索索引的触发器缺失（{'、'.join(missing)}），修改条目时索引不会更新"
        with store._lock:
            try:
                if store.read_only:
                    # The command is an INSERT, which a read-only file refuses: compare
                    # the number of rows indexed and read the index's structure instead.
                    indexed = store.db.execute(
                        f"SELECT count(*) FROM {FTS_TABLE}_docsize"
                    ).fetchone()[0]
                    if indexed != store.db.execute("SELECT count(*) FROM entries").fetchone()[0]:
                        return "搜索索引与条目数不一致，请重建：xihu search --rebuild"
                    store.db.execute(
                        f"SELECT count(*) FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH '\"项目\"'"
                    ).fetchall()
                else:
                    store.db.execute(
                        f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES ('integrity-check', 1)"
                    )
            except sqlite3.DatabaseError as exc:
                return f"搜索索引与条目不一致或已损坏（{exc}），请重建：xihu search --rebuild"
        return None

    def rebuild(self) -> Changes:
        """Recreate the index and its triggers from the entries (district administrator).

        For an index that is missing, damaged or out of step with the entries. The
        index table is made and filled by sqlite-utils, as the migration made it; the
        triggers are the migration's own. One transaction, audited.
        """
        self.store.require_admin("重建搜索索引")
        from sqlite_utils import Database  # only here: it imports pandas

        store = self.store
        with store.transaction() as conn:
            for trigger in TRIGGERS:
                conn.execute(f'DROP TRIGGER IF EXISTS "{trigger}"')
            _drop_index(conn)
            db = Database(conn, recursive_triggers=False, execute_plugins=False)
            db.table("entries").enable_fts(list(FTS_COLUMNS), tokenize="trigram")
            for statement in _trigger_statements():
                conn.execute(statement)
            count = int(store.scalar("SELECT count(*) FROM entries"))
            store.audit.record("重建搜索索引", new=f"{count}条条目")
        return Changes()


def _hit(row: Sequence[Any], snippet: str) -> SearchHit:
    return SearchHit(
        entry_id=int(row[0]),
        ledger_id=int(row[1]),
        unit_id=int(row[2]),
        unit_name=str(row[3]),
        year=int(row[4]),
        category=str(row[5]),
        name=str(row[6] or ""),
        snippet=snippet,
    )


SHADOW = ("data", "idx", "docsize", "config")  # FTS5's own tables of an index


def _drop_index(conn: sqlite3.Connection) -> None:
    """Drop the index however damaged: FTS5 refuses to drop an index whose own tables
    it cannot read, so those are first reset to the tables of a new empty index."""
    try:
        conn.execute(f'DROP TABLE IF EXISTS "{FTS_TABLE}"')
    except sqlite3.DatabaseError:
        _blank_shadow_tables(conn)
        conn.execute(f'DROP TABLE IF EXISTS "{FTS_TABLE}"')
    for suffix in (*SHADOW, "content"):  # left without their index
        conn.execute(f'DROP TABLE IF EXISTS "{FTS_TABLE}_{suffix}"')


def _blank_shadow_tables(conn: sqlite3.Connection) -> None:
    blank = "search_blank"
    columns = ", ".join(FTS_COLUMNS)
    conn.execute(
        f"CREATE VIRTUAL TABLE temp.{blank} USING fts5({columns}, tokenize='trigram', "
        "content='entries')"
    )
    for suffix in SHADOW:
        name = f'"{FTS_TABLE}_{suffix}"'
        exists = conn.execute(
            "SELECT count(*) FROM main.sqlite_master WHERE name = ?", (f"{FTS_TABLE}_{suffix}",)
        ).fetchone()[0]
        if not exists:
            sql = conn.execute(
                "SELECT sql FROM temp.sqlite_master WHERE name = ?", (f"{blank}_{suffix}",)
            ).fetchone()[0]
            conn.execute(sql.replace(f"'{blank}_{suffix}'", f"main.{name}", 1))
        conn.execute(f"DELETE FROM main.{name}")
        conn.execute(f"INSERT INTO main.{name} SELECT * FROM temp.{blank}_{suffix}")
    conn.execute(f"DROP TABLE temp.{blank}")


def _trigger_statements() -> builtins.list[str]:
    """The CREATE TRIGGER statements of the index as the migrations leave them (008
    made them, a later one may redefine one: the last definition of each counts)."""
    from .connection import migrations

    found: dict[str, str] = {}
    for migration in migrations():
        for statement in migration.statements():
            if statement.upper().startswith("CREATE TRIGGER"):
                name = statement.split()[2].strip('"')
                if name in TRIGGERS:
                    found[name] = statement
    if set(found) != set(TRIGGERS):
        raise StoreError(f"找不到迁移脚本 {MIGRATION}.sql，无法重建搜索索引")
    return [found[name] for name in TRIGGERS]


@contextmanager
def indexed_in_bulk(conn: sqlite3.Connection, first: int, last: int) -> Iterator[None]:
    """Inside a write transaction: entries inserted with ids ``first``…``last`` in the
    block are indexed in one statement when it ends (db/011_bulk_writes.sql), whether
    all, some or none of them were written. A file whose trigger does not know the pause
    (older, or rebuilt by hand) indexes each row as before."""
    pausable = conn.execute(
        "SELECT instr(sql, ?) FROM sqlite_master WHERE type = 'trigger' AND name = ?",
        (PAUSE_TABLE, TRIGGERS[0]),
    ).fetchone()
    if not (pausable and pausable[0]):
        yield
        return
    conn.execute(f"INSERT INTO {PAUSE_TABLE} (one) VALUES (1)")
    try:
        yield
    finally:
        conn.execute(f"DELETE FROM {PAUSE_TABLE}")
        conn.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, name, search_text) "
            "SELECT id, name, search_text FROM entries WHERE id BETWEEN ? AND ?",
            (first, last),
        )
