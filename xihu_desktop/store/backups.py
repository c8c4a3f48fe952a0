"""Automatic rotating backups and restore.

Backups are compact copies (``VACUUM INTO``, see ``connection.backup_to``), each
checked before it takes its name, in the visible folder ``备份`` next to the database
(easy to copy to a USB stick): one each day (the window makes it in the background),
one before every schema migration and one before every import. Old ones are rotated
away by count and by size (settings of the data file): the last
:data:`~..core.settings.BACKUP_KEEP_DAILY` daily and
:data:`~..core.settings.BACKUP_KEEP_OTHER` other backups, and no more in all than
:data:`~..core.settings.BACKUP_SIZE_FACTOR` times the data file's size (and
:data:`~..core.settings.BACKUP_MAX_MB`, when set). The newest backup, just made and
checked, is never deleted, however large. A restore checks the backup is ours and intact, backs the current
file up first and copies the backup's pages into the live file through the backup
API, so the file keeps its name, its permissions and any open connection.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.enums import Role
from ..core.settings import (
    BACKUP_KEEP_DAILY,
    BACKUP_KEEP_OTHER,
    BACKUP_MAX_MB,
    BACKUP_SIZE_FACTOR,
)
from ..paths import backups_dir
from . import connection
from .errors import (
    CorruptFile,
    NotOurFile,
    PermissionDenied,
    StoreError,
    translate_sqlite_error,
)

if TYPE_CHECKING:
    from .store import Store

KEEP_DAILY = BACKUP_KEEP_DAILY.default
KEEP_OTHER = BACKUP_KEEP_OTHER.default
MB = 1024 * 1024
DAILY = "daily"

# <stem>-YYYYMMDD-HHMMSS-ffffff-<reason>.sqlite3 (see connection.backup_name)
_NAME_RE = re.compile(r"^(?P<stem>.+)-(?P<date>\d{8})-(?P<time>\d{6})-(?P<us>\d{6})-(?P<reason>[\w-]+)\.sqlite3$")  # fmt: skip

REASONS = {
    DAILY: "每日自动备份",
    "manual": "手动备份",
    "before-restore": "恢复前备份",
}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created: dt.datetime
    reason: str
    size: int

    @property
    def reason_label(self) -> str:
        if self.reason in REASONS:
            return REASONS[self.reason]
        if self.reason.startswith("before-v"):
            return f"结构升级前备份（版本{self.reason[8:]}）"
        if self.reason.startswith("before-"):
            return f"{self.reason[7:]}前备份"
        return self.reason


def _db_path(store: Store) -> Path:
    if store.path is None:
        raise StoreError("内存数据库没有备份文件夹")
    return store.path


def list_backups(db_path: Path) -> list[BackupInfo]:
    """Backups of the database at ``db_path``, newest first."""
    stem = Path(db_path).stem
    out = []
    for path in backups_dir(db_path).glob(f"{stem}-*.sqlite3"):
        m = _NAME_RE.match(path.name)
        if not m or m.group("stem") != stem:
            continue
        try:
            created = dt.datetime.strptime(
                m.group("date") + m.group("time") + m.group("us"), "%Y%m%d%H%M%S%f"
            )
            size = path.stat().st_size
        except (ValueError, OSError):
            continue
        out.append(BackupInfo(path, created, m.group("reason"), size))
    out.sort(key=lambda b: (b.created, b.path.name), reverse=True)
    return out


@dataclass(frozen=True)
class Limits:
    """How many backups are kept, and how many bytes in all (None: no size cap)."""

    keep_daily: int = KEEP_DAILY
    keep_other: int = KEEP_OTHER
    max_bytes: int | None = None

    @classmethod
    def of(cls, store: Store) -> Limits:
        """The data file's settings; the size cap from the database's current size (its
        pages, wherever they are: a fresh WAL file holds them in -wal)."""
        size = int(store.scalar("PRAGMA page_count") or 0) * int(
            store.scalar("PRAGMA page_size") or 0
        )
        caps = [store.settings.get(BACKUP_SIZE_FACTOR) * size] if size else []
        fixed = store.settings.get(BACKUP_MAX_MB)
        if fixed:
            caps.append(fixed * MB)
        return cls(
            store.settings.get(BACKUP_KEEP_DAILY),
            store.settings.get(BACKUP_KEEP_OTHER),
            min(caps) if caps else None,
        )


def make_backup(store: Store, reason: str) -> Path:
    """One checked compact backup of ``store`` into the backup folder, then rotation.

    Rotation runs only after the new copy passed its check (``store.backup`` raises
    otherwise), so older copies are never pruned in favour of a bad one.
    """
    reason = re.sub(r"[^\w-]+", "-", reason).strip("-") or "manual"
    dest = store.backup(connection.backup_name(_db_path(store), reason))
    rotate(_db_path(store), Limits.of(store))
    return dest


def backup_before(store: Store, reason: str) -> Path:
    """Backup before a risky operation, e.g. ``backup_before(store, "import")``."""
    return make_backup(store, f"before-{reason}")


def daily_backup(store: Store, today: dt.date | None = None) -> Path | None:
    """The first start of each day makes a backup; later starts that day do nothing."""
    if store.path is None:
        return None
    today = today or dt.date.today()
    if any(b.reason == DAILY and b.created.date() == today for b in list_backups(_db_path(store))):
        return None
    return make_backup(store, DAILY)


def rotate(db_path: Path, limits: Limits | None = None) -> list[Path]:
    """Delete backups beyond the newest ``keep_daily`` daily and ``keep_other`` other
    ones, and the oldest beyond ``max_bytes`` in all; the newest one always stays."""
    limits = limits or Limits()
    removed = []
    kept = {True: 0, False: 0}  # daily, other
    total = 0
    full = False  # the size cap is reached: everything older goes
    doomed = []
    for i, b in enumerate(list_backups(db_path)):  # newest first
        daily = b.reason == DAILY
        count_ok = kept[daily] < (limits.keep_daily if daily else limits.keep_other)
        full = full or (limits.max_bytes is not None and total + b.size > limits.max_bytes)
        if i == 0 or (count_ok and not full):
            kept[daily] += 1
            total += b.size
        else:
            doomed.append(b)
    for b in doomed:
        try:
            b.path.unlink()
            removed.append(b.path)
        except OSError:
            pass  # a backup someone has open stays; the next rotation tries again
    return removed


def verify_backup(path: Path) -> int:
    """Check that ``path`` is an intact database of ours; return its schema version."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"备份文件“{path}”不存在")
    if path.stat().st_size == 0:
        raise NotOurFile(f"“{path.name}”是空文件，不是本程序的备份")
    version = connection.inspect(path)  # ours, quick_check, not newer
    if version == 0:
        raise NotOurFile(f"“{path.name}”不是本程序的备份（没有数据结构）")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptFile(f"备份文件“{path.name}”已损坏：{exc}") from exc
    if result != "ok":
        raise CorruptFile(f"备份文件“{path.name}”已损坏（{str(result)[:200]}），不能用于恢复")
    return version


def restore(store: Store, source: Path) -> Path:
    """Replace the content of the open database with the backup ``source``.

    Returns the backup made of the current content first. The store must be
    reopened afterwards (the restored file may need a schema migration).
    """
    source = Path(source)
    db_path = _db_path(store)
    if source.resolve() == db_path.resolve():
        raise StoreError("不能用数据文件自身恢复")
    if store.role is not Role.ADMIN:
        raise PermissionDenied("只有区管理员可以从备份恢复")
    verify_backup(source)
    safety = make_backup(store, "before-restore")
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, source) from exc
    try:
        with store._lock:
            src.backup(store.db)
            result = store.db.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as exc:
        raise translate_sqlite_error(exc, db_path) from exc
    finally:
        src.close()
    if result != "ok":
        raise CorruptFile(f"恢复后的检查未通过（{result}），请用“{safety.name}”再次恢复")
    with store.transaction() as c:
        # Lock rows copied in with the backup name sessions long gone.
        if c.execute("SELECT 1 FROM sqlite_master WHERE name = 'db_lock'").fetchone():
            c.execute("DELETE FROM db_lock")
        store.audit.record("恢复备份", field_key="backup", old=safety.name, new=source.name)
    store.lock_record = None
    return safety
