"""Opening, checking, migrating and backing up the SQLite file.

A file is inspected read-only before anything is written to it: a file that is
not ours, is damaged, or was written by a newer version is rejected untouched.
Migrations (``db/NNN_*.sql``, with a Python step where SQL cannot do the work) run
in order, each in one transaction together with the ``user_version`` bump, after an
online backup of the file.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..paths import backups_dir, migrations_dir
from .errors import (
    CorruptFile,
    NewerVersion,
    NotOurFile,
    ReadOnly,
    StoreError,
    translate_sqlite_error,
)

APPLICATION_ID = 0x58484C47  # "XHLG"
SQLITE_MAGIC = b"SQLite format 3\x00"
_MIGRATION_RE = re.compile(r"^(\d{3})_[\w-]+\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    path: Path

    def statements(self) -> list[str]:
        """Split the script into statements (executescript would commit on its own)."""
        statements: list[str] = []
        buffer = ""
        for line in self.path.read_text(encoding="utf-8").splitlines(keepends=True):
            buffer += line
            if sqlite3.complete_statement(buffer):
                statement = buffer.strip()
                if statement and not all(
                    part.strip().startswith("--") or not part.strip()
                    for part in statement.splitlines()
                ):
                    statements.append(statement)
                buffer = ""
        if buffer.strip() and not all(
            p.strip().startswith("--") or not p.strip() for p in buffer.splitlines()
        ):
            raise StoreError(f"迁移脚本{self.path.name}末尾有不完整的语句")
        return statements


def _chain_audit_log(conn: sqlite3.Connection) -> None:
    from .audit_chain import chain_existing  # the hashing lives with the audit log

    chain_existing(conn)


#: Work SQL cannot do, run after a migration's statements in the same transaction
#: (keyed by the script's name without .sql).
PYTHON_STEPS: dict[str, Callable[[sqlite3.Connection], None]] = {
    "005_audit_chain": _chain_audit_log,
}


def schema_version(conn: sqlite3.Connection) -> int:
    """The schema version the file holds now (``PRAGMA user_version``): not necessarily
    the one it was opened with, since a restore may just have copied an older backup in."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrations() -> list[Migration]:
    return list(_migrations_in(migrations_dir()))


@functools.lru_cache(maxsize=8)
def _migrations_in(folder: Path) -> tuple[Migration, ...]:
    """The scripts of a folder (read once: every open asks for the latest version)."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if m:
            found.append(Migration(int(m.group(1)), path))
    return tuple(found)


def latest_version() -> int:
    return max((m.version for m in migrations()), default=0)


def quick_check(conn: sqlite3.Connection) -> str:
    """``PRAGMA quick_check`` ("ok" or the first problem): it reads the whole file, so
    an open runs it only when :func:`.health.due` says so (after a crash, once a day)."""
    return str(conn.execute("PRAGMA quick_check").fetchone()[0])


def corrupt_message(path: Path, result: str) -> str:
    first = next((line for line in str(result).splitlines() if "***" not in line), "")
    return f"数据文件“{path.name}”已损坏（{first.strip()[:200]}），已保持原样。请从备份恢复。"


def inspect(path: Path, check: bool = True) -> int:
    """Check an existing file read-only; return its schema version (0 for an empty db).

    Raises NotOurFile, CorruptFile or NewerVersion, leaving the file untouched.
    ``check``: also run :func:`quick_check` (reads the whole file).
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise StoreError(f"无法读取文件“{path}”：{exc.strerror or exc}") from exc
    if not head:
        return 0  # an empty file: SQLite treats it as a new database
    if not head.startswith(SQLITE_MAGIC):
        raise NotOurFile(
            f"“{path.name}”不是本程序的数据文件（也不是 SQLite 数据库），已保持原样未作改动。"
        )
    # Without a -wal file nobody has the database open and everything is in the main
    # file: read it as immutable, so that not even -wal/-shm files are created beside a
    # file we then reject. With a -wal file (open elsewhere, or left by a crash) its
    # content belongs to the database and must be read.
    wal = path.with_name(path.name + "-wal")
    journal = path.with_name(path.name + "-journal")
    if (
        not check
        and int.from_bytes(head[68:72], "big") == APPLICATION_ID
        and len(head) == 100
        and not wal.exists()
        and not journal.exists()
    ):
        # Ours, and nothing outside the main file: its header holds the schema version.
        return _not_newer(path, int.from_bytes(head[60:64], "big"))
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if wal.exists() else "&immutable=1")
    # A hot rollback journal (a crash in rollback-journal mode, e.g. on a network share):
    # the main file may hold half a transaction until the journal is rolled back, which
    # a read-only or immutable connection cannot do. Of our own file (application_id in
    # the header) let SQLite roll it back, as any open would.
    if (
        journal.exists()
        and journal.stat().st_size > 0
        and int.from_bytes(head[68:72], "big") == APPLICATION_ID
    ):
        uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[
            0
        ]
        if app_id != APPLICATION_ID and (app_id != 0 or tables > 0):
            raise NotOurFile(
                f"“{path.name}”是其他程序的 SQLite 数据库，不是本程序的数据文件，已保持原样未作改动。"
            )
        if check:
            result = quick_check(conn)
            if result != "ok":
                raise CorruptFile(corrupt_message(path, result))
        version = schema_version(conn)
    except sqlite3.DatabaseError as exc:
        raise CorruptFile(
            f"数据文件“{path.name}”已损坏或无法读取（{exc}），已保持原样。请从备份恢复。"
        ) from exc
    finally:
        conn.close()
    return _not_newer(path, version)


def _not_newer(path: Path, version: int) -> int:
    if version > latest_version():
        raise NewerVersion(
            f"数据文件“{path.name}”由更新版本的程序创建（结构版本 {version}，本程序支持到 "
            f"{latest_version()}），请升级程序后再打开。文件未作改动。"
        )
    return version


def configure(conn: sqlite3.Connection, wal: bool = True) -> None:
    """Pragmas for a connection we write through."""
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 5000")
    if wal:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # e.g. a network share; keep the rollback journal
            conn.execute("PRAGMA journal_mode = DELETE")
    else:
        conn.execute("PRAGMA journal_mode = DELETE")
    # FULL: with NORMAL, a commit shown as saved can roll back on power loss.
    conn.execute("PRAGMA synchronous = FULL")


def backup_to(conn: sqlite3.Connection, dest: Path) -> Path:
    """A compact copy of ``conn``'s database in ``dest``, checked before it takes the name.

    ``VACUUM INTO`` writes one consistent snapshot (a read transaction: a writer on
    another connection neither blocks it nor shows half in it) without free pages; inside
    an open transaction (which VACUUM cannot run in) the backup API copies the pages.
    The copy's indexes are rebuilt from its tables, so ``quick_check`` suffices for it.
    """
    dest = Path(dest)
    if dest.is_dir():
        raise StoreError(
            f"“{dest}”是文件夹，请给出备份文件的文件名（如 {dest / '备份.sqlite3'}）。"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A name of its own: two processes backing up at the same moment (two imports of one
    # return) must never share, or unlink, each other's temporary file.
    import secrets  # not at start-up: only a backup needs it

    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.part")
    try:
        if conn.in_transaction or not _vacuum_into(conn, tmp):
            tmp.unlink(missing_ok=True)
            target = sqlite3.connect(tmp)
            try:
                conn.backup(target)
            finally:
                target.close()
        target = sqlite3.connect(tmp)
        try:
            target.execute("PRAGMA journal_mode = DELETE")
            ok = quick_check(target)
        finally:
            target.close()
        if ok != "ok":
            raise CorruptFile(f"备份校验失败：{ok}")
        tmp.replace(dest)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)  # never leave a half-written backup behind
        raise translate_sqlite_error(exc, dest) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _vacuum_into(conn: sqlite3.Connection, dest: Path) -> bool:
    """``VACUUM INTO`` also from a reader (``query_only`` refuses it); False when SQLite
    cannot: on a ``mode=ro`` connection SQLite 3.40 miscounts a table's generated column
    ("has 16 columns but 17 values"), and the caller copies the pages instead."""
    query_only = bool(conn.execute("PRAGMA query_only").fetchone()[0])
    if query_only:
        conn.execute("PRAGMA query_only = OFF")
    try:
        conn.execute("VACUUM INTO ?", (str(dest),))
    except sqlite3.OperationalError:
        return False
    finally:
        if query_only:
            conn.execute("PRAGMA query_only = ON")
    return True


def backup_name(db_path: Path, reason: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return backups_dir(db_path) / f"{Path(db_path).stem}-{stamp}-{reason}.sqlite3"


def migrate(conn: sqlite3.Connection, db_path: Path | None, current: int) -> int:
    """Apply pending migrations; back the file up first if it holds a schema already."""
    pending = [m for m in migrations() if m.version > current]
    if not pending:
        return current
    if current > 0 and db_path is not None:
        backup_to(conn, backup_name(db_path, f"before-v{pending[0].version}"))
    for migration in pending:
        statements = migration.statements()  # a broken script fails before BEGIN
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in statements:
                conn.execute(statement)
            step = PYTHON_STEPS.get(migration.path.stem)
            if step is not None:
                step(conn)
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {migration.version}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:  # not when BEGIN itself failed (busy)
                conn.execute("ROLLBACK")
            raise StoreError(
                f"数据库结构升级到版本{migration.version}失败：{exc}。数据未作改动。"
            ) from exc
        current = migration.version
    return current


_NETWORK_FS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs", "davfs"}
)


PROC_MOUNTS = Path("/proc/mounts")


def _mount_type(path: Path) -> str:
    """File system type of the mount holding ``path`` (Linux /proc/mounts), or ''."""
    try:
        lines = PROC_MOUNTS.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    target = str(path.resolve())
    best, fstype = "", ""
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), parts[1])
        inside = target == mount or target.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, fstype = mount, parts[2]
    return fstype


def detect_network_share(path: Path) -> bool:
    """Whether ``path`` lives on a network file system, where WAL must not be used."""
    text = str(path)
    if text.startswith("\\\\") or (sys.platform == "win32" and text.startswith("//")):  # UNC
        return True
    if sys.platform == "win32":
        import ctypes

        drive = os.path.splitdrive(str(Path(path).resolve()))[0]
        if drive.startswith("\\\\"):
            return True
        if drive:
            get_type = ctypes.windll.kernel32.GetDriveTypeW  # type: ignore[attr-defined]
            return bool(get_type(drive + "\\") == 4)  # DRIVE_REMOTE
        return False
    fstype = _mount_type(Path(path).parent if not Path(path).exists() else Path(path))
    return fstype in _NETWORK_FS or fstype.startswith(("fuse.sshfs", "smb", "fuse.smb"))


#: Replaceable for tests: decides whether a database path is on a network share.
network_share_detector: Callable[[Path], bool] = detect_network_share


def on_network_share(path: Path) -> bool:
    try:
        return bool(network_share_detector(Path(path)))
    except Exception:  # detection must never stop the program from opening a file
        return False


def connect(
    path: Path, migrate_schema: bool = True, *, create: bool = False, check: bool = True
) -> tuple[sqlite3.Connection, int]:
    """Open (creating if needed) a database file of ours; return it and its version.

    An existing empty (0-byte) file becomes a new database only with ``create``
    (``xihu init``); otherwise it is refused untouched like any file that is not ours.
    ``check``: run the integrity check before opening.
    """
    path = Path(path)
    if path.exists():
        refuse_empty(path, create)
    version = inspect(path, check) if path.exists() else 0
    if not path.parent.exists():
        raise StoreError(f"文件夹“{path.parent}”不存在。")
    clean_orphans(path.parent)
    clean_orphans(path.parent / BACKUP_FOLDER)
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    try:
        # WAL needs shared memory that a network file system does not provide.
        configure(conn, wal=not on_network_share(path))
        if migrate_schema:
            version = migrate(conn, path, version)
    except BaseException as exc:
        conn.close()  # a failed open must not keep the file (and its -wal) open
        if isinstance(exc, sqlite3.Error):
            raise translate_sqlite_error(exc, path) from exc
        raise
    return conn, version


# ---------------------------------------------------------------- empty, read-only, orphans


BACKUP_FOLDER = "备份"  # paths.backups_dir, without creating it
ORPHAN_AGE = 60.0  # seconds: a .part file younger than this may be another process's
# The temporary files of our atomic writes: ``.<name>.<8 random>.part`` from backup_to and
# exchange.atomic (+ SQLite's ``-journal`` of it), ``<name>.sqlite3.part`` of older versions.
_ORPHAN_RE = re.compile(r"^(?:.+\.sqlite3\.part|\..+\.[a-z0-9_]{8}\.part)(?:-journal)?$")


def refuse_empty(path: Path, create: bool = False) -> None:
    """An existing 0-byte file is not a data file (only ``xihu init`` makes it one)."""
    try:
        empty = path.is_file() and path.stat().st_size == 0
    except OSError:
        return  # inspect() reports an unreadable file
    if empty and not create:
        raise NotOurFile(
            f"“{path.name}”是空文件（0 字节），不是本程序的数据文件，已保持原样未作改动。"
            f"如需新建数据文件，请运行 xihu init --db {path}"
        )


def clean_orphans(folder: Path, age: float = ORPHAN_AGE) -> list[Path]:
    """Remove our temporary files (a crash's leftovers) older than ``age`` seconds."""
    removed: list[Path] = []
    try:
        candidates = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return removed
    limit = dt.datetime.now().timestamp() - age
    for item in candidates:
        if not _ORPHAN_RE.match(item.name):
            continue
        try:
            if item.is_file() and not item.is_symlink() and item.stat().st_mtime < limit:
                item.unlink()
                removed.append(item)
        except OSError:
            continue  # read-only folder, or someone has it open: the next start tries again
    return removed


def writable(path: Path) -> bool:
    """Whether the file and its folder (for -wal/-journal files) can be written."""
    path = Path(path)
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def connect_read_only(path: Path, check: bool = True) -> tuple[sqlite3.Connection, int]:
    """Open a file of ours that cannot be written: ``mode=ro``, nothing changed.

    No journal-mode change, no migration, no -wal or -shm created (immutable when no
    -wal exists: nobody can write the file while we read it). A file that needs a
    schema upgrade cannot be read this way.
    """
    path = Path(path)
    refuse_empty(path)
    version = inspect(path, check)
    if version < latest_version():
        raise ReadOnly(
            f"数据文件“{path}”是只读的，且需要升级数据结构（版本 {version} → "
            f"{latest_version()}），无法只读打开。请把它复制到可写的文件夹后再打开。"
        )
    wal = path.with_name(path.name + "-wal")
    uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if wal.exists() else "&immutable=1")
    try:
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    return conn, version


def connect_query_only(path: Path, check: bool = False) -> tuple[sqlite3.Connection, int] | None:
    """Open a writable file of ours for reading only (read-only commands).

    Nothing is set up or written: no journal-mode change, no migration, ``query_only``.
    A plain connection, not ``mode=ro``: that would leave -wal/-shm files behind, and
    reading a WAL file ``immutable`` could miss another process's commit. None when the
    file needs a schema upgrade (the caller then opens it for writing).
    """
    path = Path(path)
    refuse_empty(path)
    version = inspect(path, check)
    if version < latest_version():
        return None
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    return conn, version


def connect_reader(path: Path) -> sqlite3.Connection:
    """A read-only second connection to an open file of ours (background reads).

    In WAL mode it reads the last committed state while the writer works; it never
    migrates, checks or writes.
    """
    try:
        conn = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, path) from exc
    return conn
