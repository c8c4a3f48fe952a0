"""A hostile environment: read-only media, a full disk, a file locked by another
program, a network share. Each gets a clear message and no damage."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from xihu_desktop.exchange.atomic import atomic_path
from xihu_desktop.store import Busy, DiskFull, ReadOnly, Store, connection, locks
from xihu_desktop.store.seed import initialise

REPO = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ledger_entry(store: Store):
    unit = store.units.list()[0]
    ledger = store.ledgers.ensure(unit.id, 2025)
    return ledger, store.entries.get(store.entries.add(ledger.id, "indicator", {"name": "原值"}).id)


# ---------------------------------------------------------------- read-only media

_PROBE = """
import sys
from xihu_desktop.store import Store, StoreError
try:
    s = Store.open(sys.argv[1])
except StoreError as exc:
    print("REFUSED", type(exc).__name__, exc)
else:
    try:
        s.units.update(s.units.list()[0].id, {"leader": "x"})
        print("WROTE")
    except StoreError as exc:
        print("REFUSED", type(exc).__name__, exc)
"""


def test_read_only_folder_and_file_refused_untouched(tmp_path: Path) -> None:
    """A real read-only file in a read-only folder. As root, chmod does not stop
    writes, so the probe runs as the unprivileged user ``nobody`` (through util-linux
    ``setpriv``, which can still start an interpreter installed under /root)."""
    root = os.geteuid() == 0
    setpriv = shutil.which("setpriv")
    if root and not setpriv:
        pytest.skip("running as root without setpriv: cannot make a file read-only for us")
    folder = Path(tempfile.mkdtemp(prefix="xihu-ro-", dir="/tmp" if root else tmp_path))
    copy: Path | None = None
    try:
        folder.chmod(0o755)
        db = folder / "ro.sqlite3"
        with Store.open(db) as s:
            initialise(s)
        for extra in folder.iterdir():
            if extra != db:
                extra.unlink()
        before = _digest(db)
        db.chmod(0o444)
        folder.chmod(0o555)
        # the checkout may lie in a home folder other users cannot read (mode 0700, Debian
        # 12's default): nobody runs the package from a copy it can read
        copy = _readable_copy() if root else None
        env = {**os.environ, "PYTHONPATH": str(copy or REPO)}
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if root else []
        result = subprocess.run(
            [*prefix, sys.executable, "-c", _PROBE, str(db)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=folder,
        )
        if root and "Permission denied" in result.stderr and "python" in result.stderr:
            pytest.skip("user nobody cannot run the interpreter here")
        assert result.stdout.startswith("REFUSED ReadOnly"), result.stdout + result.stderr
        assert "只读" in result.stdout
        assert _digest(db) == before
        assert sorted(p.name for p in folder.iterdir()) == ["ro.sqlite3"]
    finally:
        folder.chmod(stat.S_IRWXU)
        for p in folder.iterdir():
            p.chmod(stat.S_IRWXU)
            p.unlink()
        folder.rmdir()
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)


def _readable_copy() -> Path:
    """The package and its migrations copied where every user may read them."""
    target = Path(tempfile.mkdtemp(prefix="xihu-code-", dir="/tmp"))
    for part in ("xihu_desktop", "db"):
        shutil.copytree(REPO / part, target / part, ignore=shutil.ignore_patterns("__pycache__"))
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def test_read_only_connection_gives_clear_message(store: Store) -> None:
    """The same SQLite error through the store's own write path (query_only)."""
    _, entry = _ledger_entry(store)
    counts = store.counts()
    store.conn.execute("PRAGMA query_only = 1")
    with pytest.raises(ReadOnly, match="只读"):
        store.entries.update(entry.id, {"name": "新值"})
    store.conn.execute("PRAGMA query_only = 0")
    assert store.counts() == counts
    assert store.entries.get(entry.id).name == "原值"


# ---------------------------------------------------------------- full disk


def test_full_disk_rolls_back_whole_import(store: Store) -> None:
    ledger, entry = _ledger_entry(store)
    counts = store.counts()
    pages = store.scalar("PRAGMA page_count")
    store.conn.execute(f"PRAGMA max_page_count = {pages + 3}")
    with pytest.raises(DiskFull, match="磁盘空间已满"), store.transaction():
        for i in range(2000):
            store.entries.add(ledger.id, "project", {"name": f"导入{i}" + "长" * 200})
    assert store.counts() == counts  # nothing half-written
    assert store.integrity_check() == "ok"
    store.conn.execute("PRAGMA max_page_count = 1073741823")
    store.entries.update(entry.id, {"name": "空间释放后"})
    assert store.entries.get(entry.id).name == "空间释放后"


# ---------------------------------------------------------------- locked by another program


def test_file_locked_by_another_program(store: Store) -> None:
    _, entry = _ledger_entry(store)
    store.conn.execute("PRAGMA busy_timeout = 100")
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(Busy, match="占用"):
            store.entries.update(entry.id, {"name": "被锁时修改"})
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.entries.get(entry.id).name == "原值"
    assert store.integrity_check() == "ok"
    store.entries.update(entry.id, {"name": "解锁后修改"})
    assert store.entries.get(entry.id).name == "解锁后修改"


# ---------------------------------------------------------------- network share


@pytest.fixture
def on_share(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "network_share_detector", lambda path: True)


def test_network_share_uses_rollback_journal_and_lock_record(
    db_path: Path, on_share: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(db_path) as first:
        initialise(first)
        assert first.scalar("PRAGMA journal_mode") == "delete"
        (mine,) = locks.holders(first)
        assert (mine.host, mine.pid) == (locks.this_host(), os.getpid())
        # A second PC opens the same file and is told who holds it.
        monkeypatch.setattr(locks, "this_host", lambda: "PC-财务科")
        with pytest.raises(locks.InUse) as info:
            Store.open(db_path)
        message = str(info.value)
        assert f"数据文件正由 {mine.host} 上的进程 {os.getpid()}" in message
        assert "使用（自 " in message
        monkeypatch.undo()
        monkeypatch.setattr(connection, "network_share_detector", lambda path: True)
    # Closing removes the record: the other PC may open it now.
    monkeypatch.setattr(locks, "this_host", lambda: "PC-财务科")
    with Store.open(db_path) as second:
        assert [h.host for h in locks.holders(second)] == ["PC-财务科"]


def test_stale_lock_of_this_host_is_removed(db_path: Path, on_share: None) -> None:
    with Store.open(db_path) as s:
        initialise(s)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO db_lock (host, pid, since) VALUES (?, ?, '2025-01-01T08:00:00')",
        (locks.this_host(), dead.pid),
    )
    conn.execute(
        "INSERT INTO db_lock (host, pid, since) VALUES ('PC-已关机', 4242, '2025-01-01T08:00:00')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(locks.InUse, match="PC-已关机"):
        Store.open(db_path)
    removed = locks.clear(db_path)  # xihu unlock, after checking the other PC
    assert {r.host for r in removed} == {locks.this_host(), "PC-已关机"}
    with Store.open(db_path) as s:
        assert [h.pid for h in locks.holders(s)] == [os.getpid()]


def test_local_disk_keeps_wal_and_no_lock_record(store: Store) -> None:
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert locks.holders(store) == []


def test_network_detection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert connection.detect_network_share(Path(r"\\server\share\台账.sqlite3"))
    assert not connection.detect_network_share(tmp_path / "x.sqlite3")
    mounts = tmp_path / "mounts"
    share = tmp_path / "share dir"
    share.mkdir()
    escaped = str(share).replace(" ", "\\040")
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\n"
        f"//server/office {escaped} cifs rw,vers=3.0 0 0\n"
        f"srv:/export {tmp_path}/nfs nfs4 rw 0 0\n"
        f"user@host: {tmp_path}/ssh fuse.sshfs rw 0 0\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(connection, "PROC_MOUNTS", mounts)
    assert connection.detect_network_share(share / "台账.sqlite3")
    for name in ("nfs", "ssh"):
        (tmp_path / name).mkdir()
        assert connection.detect_network_share(tmp_path / name / "x.sqlite3")
    assert not connection.detect_network_share(tmp_path / "x.sqlite3")
    # A broken detector never stops a file from opening.
    monkeypatch.setattr(connection, "network_share_detector", lambda p: 1 / 0)
    assert connection.on_network_share(tmp_path) is False


# ---------------------------------------------------------------- files written atomically


def test_atomic_write_never_leaves_a_truncated_file(tmp_path: Path) -> None:
    dest = tmp_path / "报表.xlsx"
    dest.write_bytes(b"old complete content")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash while writing")
    assert dest.read_bytes() == b"old complete content"
    assert [p.name for p in tmp_path.iterdir() if p.name != "appdata"] == ["报表.xlsx"]
    with atomic_path(dest) as tmp:
        tmp.write_bytes(b"new")
    assert dest.read_bytes() == b"new"
