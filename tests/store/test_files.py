"""Files around the database: a crash's temporary files, a read-only data file."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from xihu_desktop.exchange.atomic import NotAFile, atomic_path, atomic_write_bytes
from xihu_desktop.store import ReadOnly, Store, connection


def _old(path: Path, content: bytes = b"x", age: float = 120) -> Path:
    path.write_bytes(content)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_orphaned_part_files_cleaned_at_open(store: Store, tmp_path: Path) -> None:
    path = store.path
    assert path is not None
    store.close()
    backups = path.parent / "备份"
    backups.mkdir(exist_ok=True)
    ours = [
        _old(backups / "ledger-20250101-000000-000000-daily.sqlite3.part"),
        _old(backups / "ledger-20250101-000000-000000-daily.sqlite3.part-journal"),
        _old(path.parent / "copy.sqlite3.part"),
        _old(path.parent / ".报表.xlsx.ab_cd123.part"),
    ]
    kept = [
        _old(path.parent / "young.sqlite3.part", age=0),  # maybe another process's, now
        _old(path.parent / "movie.mp4.part"),  # a browser's download, not ours
        _old(path.parent / "notes.part"),
        _old(backups / "ledger-20250101-000000-000000-daily.sqlite3"),
    ]
    Store.open(path).close()
    assert [p for p in ours if p.exists()] == []
    assert all(p.exists() for p in kept)


def test_atomic_write_leaves_the_orphan_pattern(tmp_path: Path) -> None:
    out = tmp_path / "报表.xlsx"
    with atomic_path(out) as tmp:
        assert connection._ORPHAN_RE.match(tmp.name), tmp.name
        tmp.write_bytes(b"data")
    assert out.read_bytes() == b"data"


def test_atomic_refuses_fifo_and_folder_follows_symlink(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(NotAFile, match="命名管道"):
        atomic_write_bytes(fifo, b"x")
    with pytest.raises(NotAFile, match="文件夹"):
        atomic_write_bytes(tmp_path, b"x")
    real = tmp_path / "real.pdf"
    real.write_bytes(b"old")
    link = tmp_path / "link.pdf"
    link.symlink_to(real)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.glob("*.part")) == []


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_open_reads_and_refuses_writes(demo_store: Store) -> None:
    path = demo_store.path
    assert path is not None
    demo_store.close()
    before = _sha(path)
    with Store.open(path, read_only=True) as store:
        assert store.read_only
        assert store.integrity_check() == "ok"
        ledger = store.ledgers.list(year=2025)[0]
        assert store.assessment.score(ledger.id).total >= 0
        reader = store.reader()
        assert reader.ledgers.get(ledger.id).id == ledger.id
        reader.close()
        entry = store.entries.list(ledger.id)[0]
        with pytest.raises(ReadOnly, match="只读"):
            store.entries.update(entry.id, {"name": "改"})
    assert _sha(path) == before
    assert sorted(p.name for p in path.parent.glob(path.name + "-*")) == []


def test_read_only_detected_when_not_writable(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = demo_store.path
    assert path is not None
    demo_store.close()
    monkeypatch.setattr(connection, "writable", lambda p: False)
    with Store.open(path) as store:
        assert store.read_only


def test_read_only_old_version_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA application_id = {connection.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ReadOnly, match="升级"):
        Store.open(path, read_only=True)
