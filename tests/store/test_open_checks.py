"""Opening a file runs the whole-file integrity check only when it is due: after a crash
(a hot journal or a -wal nobody holds) and a day after the last good check."""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from xihu_desktop import cli
from xihu_desktop.store import CorruptFile, Store, connection, health
from xihu_desktop.store.seed import initialise

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each whole-file check run, by the connection it ran on."""
    calls: list[str] = []
    real = connection.quick_check

    def counted(conn):  # type: ignore[no-untyped-def]
        calls.append("check")
        return real(conn)

    monkeypatch.setattr(connection, "quick_check", counted)
    return calls


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "district.sqlite3"
    with Store.open(path) as s:
        initialise(s)
    return path


def test_a_recent_check_and_no_crash_skip_the_check(db: Path, checks: list[str]) -> None:
    assert health.last_checked(db) is not None  # a new file counts as checked
    for _ in range(3):
        with Store.open(db) as store:
            assert store.pending_check is None
            assert store.units.list()
    assert checks == []


def test_a_day_old_check_runs_once_and_is_remembered(db: Path, checks: list[str]) -> None:
    health.record_check(db, dt.datetime.now() - dt.timedelta(days=1, minutes=1))
    with Store.open(db):
        pass
    assert checks == ["check"]
    assert dt.datetime.now() - health.last_checked(db) < dt.timedelta(minutes=1)  # type: ignore[operator]
    with Store.open(db):
        pass
    assert checks == ["check"]  # not again the same day


def test_a_check_from_the_future_does_not_count(db: Path, checks: list[str]) -> None:
    """A clock set back (or an edited state file) must not silence the check for good."""
    health.record_check(db, dt.datetime.now() + dt.timedelta(days=30))
    assert health.due(db) == health.DAILY


def test_a_garbled_state_file_means_check_again(
    db: Path, checks: list[str], tmp_path: Path
) -> None:
    (tmp_path / "appdata" / health.STATE_FILE).write_text("{not json", encoding="utf-8")
    with Store.open(db):
        pass
    assert checks == ["check"]


def test_deferred_check_is_left_to_the_caller(db: Path, checks: list[str]) -> None:
    health.record_check(db, dt.datetime(2020, 1, 1))
    with Store.open(db, integrity="defer") as store:
        assert store.pending_check == health.DAILY
    with Store.open(db, integrity="crash") as store:  # a read-only command: crash only
        assert store.pending_check == health.DAILY
    assert checks == []


def _killed_writer(db: Path, journal: str) -> None:
    """A child process writes and is killed with SIGKILL, as a crash would."""
    script = f"""
import sqlite3, sys, os, signal
c = sqlite3.connect({str(db)!r}, isolation_level=None)
c.execute("PRAGMA journal_mode = {journal}")
c.execute("PRAGMA cache_size = 5")
if {journal == "delete"!r}:
    c.execute("BEGIN IMMEDIATE")  # left half done: a hot rollback journal
c.execute("CREATE TABLE IF NOT EXISTS crash_rows (x TEXT)")
c.executemany("INSERT INTO crash_rows VALUES (?)", [("x" * 500,)] * 2000)
os.kill(os.getpid(), signal.SIGKILL)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL needs POSIX signals")
@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_crash_runs_the_check_even_after_a_recent_one(
    db: Path, checks: list[str], journal: str
) -> None:
    health.record_check(db)
    _killed_writer(db, journal)
    leftover = db.with_name(db.name + ("-wal" if journal == "wal" else "-journal"))
    assert leftover.exists() and leftover.stat().st_size > 0
    assert health.due(db) == health.CRASH
    with Store.open(db, integrity="crash") as store:  # even a read-only command checks
        assert store.pending_check is None
        rows = store.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'crash_rows'")
        if journal == "delete":  # the half transaction was rolled back
            assert rows == 0
    assert checks == ["check"]
    assert health.due(db) is None  # recovered and checked: the next open skips it


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX locks")
def test_a_wal_held_by_another_running_program_is_no_crash(db: Path, checks: list[str]) -> None:
    health.record_check(db)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
            "c.execute('PRAGMA journal_mode = WAL')\n"
            "c.execute('CREATE TABLE t (x)'); c.execute('INSERT INTO t VALUES (1)')\n"
            "print('ready', flush=True); sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert db.with_name(db.name + "-wal").stat().st_size > 0
        assert not health.left_by_crash(db)
        with Store.open(db):
            pass
        assert checks == []
    finally:
        child.communicate("\n", timeout=30)


def test_a_damaged_file_found_by_the_due_check_is_refused(db: Path) -> None:
    health.record_check(db, dt.datetime(2020, 1, 1))
    conn = __import__("sqlite3").connect(db)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'units'").fetchone()[0]
    conn.close()
    with db.open("r+b") as fh:  # scribble over the units table's root page
        fh.seek((root - 1) * page_size + 8)
        fh.write(b"\xff" * 64)
    with pytest.raises(CorruptFile):
        Store.open(db)


# ---------------------------------------------------------------- read-only commands


def _state(folder: Path) -> dict[str, tuple[int, float, str]]:
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def read_only_copy(db: Path, tmp_path: Path) -> Iterator[Path]:
    """The data file in a folder bind-mounted read-only (EROFS even for root)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / db.name).write_bytes(db.read_bytes())
    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["mount", "--bind", str(src), str(folder)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)]).returncode:
            pytest.skip("cannot remount read-only here")
        yield folder / db.name
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


READ_COMMANDS = (
    ("units",),
    ("units", "--json"),
    ("users",),
    ("catalogue",),
    ("status", "--year", "2025"),
    ("dashboard", "--year", "2025"),
)


def test_read_only_commands_write_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], checks: list[str]
) -> None:
    health.record_check(db)
    appdata = tmp_path / "appdata"
    state_before = _state(appdata)
    before = {k: v for k, v in _state(db.parent).items() if k.startswith(db.name)}
    for argv in READ_COMMANDS:
        code, out, err = _run(capsys, argv[0], "--db", str(db), *argv[1:])
        assert code == 0, err
        assert out
    after = {k: v for k, v in _state(db.parent).items() if k.startswith(db.name)}
    assert after == before  # the file untouched, no -wal, -shm or -journal left
    assert _state(appdata) == state_before  # nor the user's state
    assert not (db.parent / "备份").exists() or not any((db.parent / "备份").iterdir())
    assert checks == []


def test_read_only_commands_on_a_read_only_file(
    read_only_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not connection.writable(read_only_copy)
    for argv in READ_COMMANDS:
        code, _out, err = _run(capsys, argv[0], "--db", str(read_only_copy), *argv[1:])
        assert code == 0, err
    assert sorted(p.name for p in read_only_copy.parent.iterdir()) == [read_only_copy.name]
