"""The one object the application talks to for data: :class:`Store`.

Like Anki's ``Collection``, the store is a facade of small managers, each in its
own module and sharing the facade's connection, transaction and permission
checks: ``store.catalogue``, ``store.units``, ``store.ledgers``, ``store.entries``,
``store.progress``, ``store.assessment``, ``store.audit``, ``store.users``,
``store.prints``, ``store.settings`` and the district's ``store.decomposition``,
``store.packages``, ``store.review``, ``store.reporting``, ``store.monitoring``,
``store.dashboard`` and ``store.search``. Every write is one transaction, records who
changed what in the audit log and returns a :class:`~.changes.Changes`; the facade hands
each committed transaction's changes to its subscribers.
"""

from __future__ import annotations

import importlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from ..core.enums import Role
from . import connection, health
from .audit import AuditManager
from .catalogue import CatalogueManager
from .changes import Changes, Operation
from .entries import EntryManager
from .errors import (
    BackupFailed,
    LedgerLocked,
    PermissionDenied,
    ReadOnly,
    StoreError,
    translate_sqlite_error,
)
from .ledgers import LedgerManager
from .progress import ProgressManager
from .records import Ledger, now
from .settings import SettingsManager
from .units import UnitManager
from .users import UserManager

if TYPE_CHECKING:
    from .assessment import AssessmentManager
    from .dashboard import DashboardManager
    from .decomposition import DecompositionManager
    from .monitoring import MonitoringManager
    from .packages import PackageManager
    from .prints import PrintManager
    from .reporting import ReportingManager
    from .review import ReviewManager
    from .search import SearchManager

SYSTEM_USER = "本机用户"

Subscriber = Callable[[Changes], None]
Params = Sequence[Any] | Mapping[str, Any]

_COUNTED = (
    "plans",
    "plan_targets",
    "catalogue_items",
    "units",
    "ledgers",
    "entries",
    "progress",
    "adjustments",
    "users",
    "audit_log",
)


M = TypeVar("M")


class _Lazy(Generic[M]):
    """A manager made on first use: a command that lists units does not import (and
    build) the district's decomposition, review, monitoring or search managers."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name
        self.attr = ""

    def __set_name__(self, owner: type, attr: str) -> None:
        self.attr = attr

    def __get__(self, store: Store | None, owner: type) -> M:
        if store is None:
            return self  # type: ignore[return-value]
        with store._lock:  # two threads must not make two managers
            made = store.__dict__.get(self.attr)
            if made is None:
                factory = getattr(importlib.import_module(self.module, __package__), self.name)
                made = store.__dict__[self.attr] = factory(store)
        return made


class Store:
    """A ledger database file, opened, checked and migrated."""

    assessment: _Lazy[AssessmentManager] = _Lazy(".assessment", "AssessmentManager")
    decomposition: _Lazy[DecompositionManager] = _Lazy(".decomposition", "DecompositionManager")
    packages: _Lazy[PackageManager] = _Lazy(".packages", "PackageManager")
    prints: _Lazy[PrintManager] = _Lazy(".prints", "PrintManager")
    reporting: _Lazy[ReportingManager] = _Lazy(".reporting", "ReportingManager")
    review: _Lazy[ReviewManager] = _Lazy(".review", "ReviewManager")
    monitoring: _Lazy[MonitoringManager] = _Lazy(".monitoring", "MonitoringManager")
    dashboard: _Lazy[DashboardManager] = _Lazy(".dashboard", "DashboardManager")
    search: _Lazy[SearchManager] = _Lazy(".search", "SearchManager")

    def __init__(self, conn: sqlite3.Connection, path: Path | None, version: int) -> None:
        self.conn: sqlite3.Connection | None = conn
        self.path = path
        self.version = version
        self.user = SYSTEM_USER
        # Single-user mode (no login) acts as the administrator of a one-person office.
        self.role = Role.ADMIN
        self.unit_id: int | None = None
        self._override = 0  # >0 inside admin_override(): writes to submitted ledgers allowed
        self._lock = threading.RLock()  # serialises access from worker threads
        self._depth = 0
        self._pending = Changes()
        self._subscribers: list[Subscriber] = []
        self.lock_record: int | None = None  # our row in db_lock (network share only)
        self.read_only = False  # opened with mode=ro: every write is refused
        # Why an integrity check is due but was left to the caller (Store.open "defer").
        self.pending_check: str | None = None
        self._counted = False  # in health's list of files this process has open
        self.catalogue = CatalogueManager(self)
        self.units = UnitManager(self)
        self.ledgers = LedgerManager(self)
        self.entries = EntryManager(self)
        self.progress = ProgressManager(self)
        self.audit = AuditManager(self)
        self.users = UserManager(self)
        self.settings = SettingsManager(self)

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def open(
        cls,
        path: str | Path,
        migrate: bool = True,
        *,
        create: bool = False,
        read_only: bool | None = None,
        share_lock: bool = True,
        integrity: Literal["due", "crash", "defer"] = "due",
        reading: bool = False,
    ) -> Store:
        """Open the data file at ``path`` (a missing file is created).

        ``create``: an existing empty file may become a new database (``xihu init``).
        ``read_only``: open without writing anything (None: when the file or its folder
        cannot be written); any write is then refused with a plain message.
        ``share_lock=False``: do not take the network-share lock record (``xihu unlock``).
        ``integrity``: when the whole-file check runs (see :mod:`.health`): "due" when a
        crash left a journal behind or the last check is a day old, "crash" only after a
        crash, "defer" never (``pending_check`` says why one is due; the window runs it in
        the background).
        ``reading``: a read-only command: nothing is written (no lock record, no journal
        mode, no optimize); a file that needs a schema upgrade is opened as usual.
        """
        path = Path(path)
        existed = path.exists()
        reason = health.due(path) if existed else None
        check = reason is not None and (
            integrity == "due" or (integrity == "crash" and reason == health.CRASH)
        )
        if read_only is None:
            read_only = existed and not connection.writable(path)
        store = None
        if read_only:
            conn, version = connection.connect_read_only(path, check)
            store = cls(conn, path, version)
            store.read_only = True
        elif reading and existed:
            opened = connection.connect_query_only(path, check)
            if opened is not None:
                store = cls(opened[0], path, opened[1])
                store.read_only = True
        if store is None:
            conn, version = connection.connect(
                path, migrate_schema=migrate, create=create, check=check
            )
            store = cls(conn, path, version)
            store._take_share_lock(share_lock)
        if check or not existed:
            health.record_check(path)
        store.pending_check = None if check else reason
        health.opened(path)
        store._counted = True
        return store

    def _take_share_lock(self, share_lock: bool) -> None:
        path, conn = self.path, self.db
        if path is None:
            return
        if share_lock and self.version >= 3 and connection.on_network_share(path):
            from .locks import acquire  # who holds a file on a share: see locks.py

            try:
                self.lock_record = acquire(self)
            except BaseException:
                conn.close()
                raise

    @classmethod
    def memory(cls) -> Store:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys = ON")
        version = connection.migrate(conn, None, 0)
        return cls(conn, None, version)

    def reader(self) -> Store:
        """A read-only twin on a second connection, for work off the UI thread.

        It acts as a viewer and shares nothing with this store but the file (a
        database in memory has no second connection: its reader is itself).
        """
        if self.path is None:
            return self
        if self.read_only:
            conn = connection.connect_read_only(self.path)[0]
        else:
            conn = connection.connect_reader(self.path)
        twin = Store(conn, self.path, self.version)
        twin.read_only = self.read_only
        twin.role = Role.VIEWER
        return twin

    @property
    def closed(self) -> bool:
        return self.conn is None

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction (ours or a snapshot) is open on this connection: what
        another connection reads may then differ from what this one sees."""
        conn = self.conn
        return bool(self._depth or (conn is not None and conn.in_transaction))

    @property
    def db(self) -> sqlite3.Connection:
        """The open connection (a closed store raises a plain message)."""
        if self.conn is None:
            raise StoreError("数据文件已关闭")
        return self.conn

    def close(self) -> None:
        with self._lock:
            if self.conn is not None:
                if self.lock_record is not None:
                    from .locks import release

                    with suppress(StoreError, sqlite3.Error):
                        release(self)
                if not self.read_only:  # a reader leaves the file as it found it
                    with suppress(sqlite3.Error):
                        self.conn.execute("PRAGMA optimize")
                self.conn.close()
                self.conn = None
                if self._counted and self.path is not None:
                    health.closed(self.path)
                    self._counted = False

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ transactions

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one.

        After the outermost COMMIT the subscribers get the union of the
        transaction's changes (nothing after a rollback).
        """
        with self._lock:
            conn = self.db
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            if self.read_only:
                raise ReadOnly(
                    f"数据文件“{self.path}”是只读的（文件或所在文件夹不可写），已以只读方式打开，"
                    "不能保存修改。请把数据文件复制到可写的文件夹后再操作。"
                )
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc, self.path) from exc
            self._depth = 1
            self._pending = Changes()
            try:
                yield conn
            except BaseException as exc:
                self._depth = 0
                self.packages.forget()  # a rolled-back bind must not stay cached
                if conn.in_transaction:  # SQLite rolls back by itself on e.g. a full disk
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.IntegrityError):
                    raise translate_sqlite_error(exc, self.path) from exc
                raise
            else:
                self._depth = 0
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise translate_sqlite_error(exc, self.path) from exc
                done, self._pending = self._pending, Changes()
                if not done.empty:
                    for subscriber in list(self._subscribers):
                        subscriber(done)

    @contextmanager
    def bulk_write(self, reason: str) -> Iterator[sqlite3.Connection]:
        """The transaction of a bulk write (an import): a checked backup in 备份 first.

        Without a backup there is no bulk write (:class:`BackupFailed`); an in-memory
        database has nothing to back up.
        """
        if self.path is not None and not self._depth:
            from .backups import backup_before

            try:
                backup_before(self, reason)
            except (StoreError, OSError, sqlite3.Error) as exc:
                raise BackupFailed(f"写入前备份数据库失败，未写入任何数据：{exc}") from exc
        with self.transaction() as conn:
            yield conn

    def interrupt(self) -> None:
        """Abort the query running on this store's connection (safe from another thread;
        the query raises). For a reader whose answer is no longer wanted."""
        conn = self.conn
        if conn is not None:
            conn.interrupt()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A consistent read of several queries without taking the write lock."""
        with self._lock:
            conn = self.db
            if self._depth or conn.in_transaction:
                yield
                return
            conn.execute("BEGIN DEFERRED")
            try:
                yield
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def noted(self, changes: Changes) -> Changes:
        """Remember a write's changes for the subscribers; returns them (for ``return``)."""
        self._pending = self._pending | changes
        return changes

    def subscribe(self, subscriber: Subscriber) -> None:
        """Call ``subscriber`` with each committed transaction's changes."""
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with suppress(ValueError):
            self._subscribers.remove(subscriber)

    def apply(self, operation: Operation) -> Changes:
        """Run an operation (an undo or redo) as one transaction."""
        with self.transaction():
            return operation(self)

    # ------------------------------------------------------------ queries (store/ only)

    def query(self, sql: str, params: Params = ()) -> list[Any]:
        with self._lock:
            try:
                return self.db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc, self.path) from exc

    def rows(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Rows addressable by column name (records are built from these)."""
        with self._lock:
            cursor = self.db.cursor()
            cursor.row_factory = sqlite3.Row
            try:
                return cursor.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise translate_sqlite_error(exc, self.path) from exc

    def data_version(self) -> int:
        """SQLite's count of commits by OTHER connections to the file (PRAGMA
        data_version): equal on two calls when nobody else wrote in between."""
        return int(self.scalar("PRAGMA data_version"))

    def scalar(self, sql: str, params: Params = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        """A statement inside the caller's transaction."""
        return self.db.execute(sql, params)

    def backup(self, dest: str | Path) -> Path:
        with self._lock:
            return connection.backup_to(self.db, Path(dest))

    def quick_check(self) -> str:
        """The whole-file check an open runs when due ("ok" or the first problem)."""
        with self._lock:
            return connection.quick_check(self.db)

    def integrity_check(self) -> str:
        rows = self.query("PRAGMA integrity_check")
        return "; ".join(str(r[0]) for r in rows)

    def foreign_key_problems(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.query("PRAGMA foreign_key_check")]

    def counts(self) -> dict[str, int]:
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in _COUNTED}

    # ------------------------------------------------------------ who acts

    def act_as(self, user: str, role: str, unit_id: int | None = None) -> None:
        """Set who performs the following writes (after login)."""
        try:
            parsed = Role(role)
        except ValueError:
            raise PermissionDenied(f"未知的角色：{role}") from None
        if parsed is Role.OPERATOR and unit_id is None:
            raise PermissionDenied("填报员必须绑定责任单位")
        self.user, self.role, self.unit_id = user, parsed, unit_id

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @contextmanager
    def admin_override(self) -> Iterator[None]:
        """District-administrator writes to a submitted or locked ledger (e.g. an import)."""
        if self.role is not Role.ADMIN:
            raise PermissionDenied("此操作需要区管理员权限")
        self._override += 1
        try:
            yield
        finally:
            self._override -= 1

    def can_write(self, ledger: Ledger) -> bool:
        """Whether the current user may change this ledger's data right now."""
        if self.role is Role.VIEWER:
            return False
        if self.role is Role.OPERATOR and ledger.unit_id != self.unit_id:
            return False
        return ledger.editable or self._override > 0

    def require_admin(self, what: str) -> None:
        if self.role is not Role.ADMIN:
            raise PermissionDenied(f"{what}需要区管理员权限")

    def require_editable(self, ledger_id: int) -> Ledger:
        """The ledger, if the current user may change its data now; else a plain refusal."""
        ledger = self.ledgers.get(ledger_id)
        if self.role is Role.VIEWER:
            raise PermissionDenied("当前用户为只读（查看）角色，不能修改数据")
        if self.role is Role.OPERATOR and ledger.unit_id != self.unit_id:
            raise PermissionDenied(f"填报员只能修改本单位的台账，不能修改{ledger.unit_name}的台账")
        if not ledger.editable and not self._override:
            raise LedgerLocked(
                f"{ledger.unit_name}{ledger.year}年台账{ledger.status}，不能修改。"
                "如需修改，请区管理员解锁。"
            )
        return ledger

    def touch(self, ledger_id: int) -> None:
        """A ledger's data changed: bump its revision (inside the caller's transaction)."""
        self.execute(
            "UPDATE ledgers SET revision = revision + 1, updated_at = ? WHERE id = ?",
            (now(), ledger_id),
        )
        self.noted(Changes(ledgers=frozenset({ledger_id})))
