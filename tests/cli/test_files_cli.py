"""Files the commands meet: devices and FIFOs as --out, empty or foreign data files, a full
disk, a read-only data file or folder."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from xihu_desktop import cli
from xihu_desktop.store import Store, connection


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sidecars(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.glob(path.name + "-*"))


@pytest.fixture
def db(demo_store: Store) -> Path:
    path = demo_store.path
    assert path is not None
    demo_store.close()
    return path


def _unit(db: Path) -> str:
    with Store.open(db) as store:
        return next(lg.unit_code for lg in store.ledgers.list(year=2025) if lg.status == "草稿")


def _char_device(tmp_path: Path) -> Path:
    """A private twin of /dev/null (a test that failed must never replace the real one)."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (OSError, AttributeError):
        pytest.skip("cannot create a device node here")
    return node


# ---------------------------------------------------------------- --out not a regular file


def test_export_to_a_character_device_writes_to_it(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    null = _char_device(tmp_path)
    unit = _unit(db)
    args = ["export-pdf", "--db", str(db), "--year", "2025", "--unit", unit, "--out", str(null)]
    assert cli.main(args) == 0, capsys.readouterr().err
    assert stat.S_ISCHR(null.stat().st_mode)  # still the device, not a file
    assert sorted(p.name for p in tmp_path.glob(".null*")) == []


def test_export_to_a_fifo_is_refused(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    unit = _unit(db)
    args = ["export-excel", "--db", str(db), "--year", "2025", "--unit", unit, "--out", str(fifo)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert "命名管道" in err and "pipe.xlsx" in err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    pdf = tmp_path / "pipe.pdf"
    os.mkfifo(pdf)
    args = ["export-pdf", "--db", str(db), "--year", "2025", "--unit", unit, "--out", str(pdf)]
    assert cli.main(args) == 2
    assert "命名管道" in capsys.readouterr().err
    assert stat.S_ISFIFO(pdf.stat().st_mode)
    with Store.open(db) as store:  # nothing printed: no print record
        assert all(not store.prints.last(lg.id) for lg in store.ledgers.list(year=2025))


# ---------------------------------------------------------------- check: empty and foreign files


@pytest.mark.parametrize("content", [b"", b"hello, not a database\n", b"\0" * 4096])
def test_check_on_an_empty_or_foreign_file_exits_2_untouched(
    tmp_path: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "data.sqlite3"
    path.write_bytes(content)
    assert cli.main(["check", "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert "不是本程序的数据文件" in err and "data.sqlite3" in err
    assert path.read_bytes() == content
    assert _sidecars(path) == []


def test_init_turns_an_empty_file_into_a_data_file(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    path.write_bytes(b"")
    assert cli.main(["init", "--db", str(path)]) == 0
    assert cli.main(["check", "--db", str(path)]) == 0


# ---------------------------------------------------------------- a full disk


def test_full_disk_during_export_excel_is_one_line(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    def full(self: object) -> None:
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    out = tmp_path / "r.xlsx"
    args = ["export-excel", "--db", str(db), "--year", "2025", "--out", str(out)]
    assert cli.main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "磁盘空间已满" in err and "r.xlsx" in err and len(err.splitlines()) == 1
    assert not out.exists() and list(tmp_path.glob(".r.xlsx*")) == []


@pytest.fixture
def tiny_tmpfs(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "tiny"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_full_tmpfs_during_export_excel(db: Path, tiny_tmpfs: Path) -> None:
    """A real full disk, in a real process: one line on stderr, nothing after it."""
    out = tiny_tmpfs / "汇总.xlsx"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "xihu_desktop.cli",
            "export-excel",
            "--db",
            str(db),
            "--year",
            "2025",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    err = done.stderr.strip()
    assert "磁盘空间已满" in err and len(err.splitlines()) == 1, err
    assert list(tiny_tmpfs.iterdir()) == []  # no half file, no temporary file


# ---------------------------------------------------------------- a read-only data file


def _readonly_commands(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _sha(db)
    sidecars = _sidecars(db)
    assert cli.main(["check", "--db", str(db)]) == 0, capsys.readouterr().err
    out = tmp_path / "out" / "r.xlsx"
    assert cli.main(["export-excel", "--db", str(db), "--year", "2025", "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    assert cli.main(["verify", "--db", str(db), "--code", "ZZZZZ-ZZZZZ"]) == 1
    capsys.readouterr()
    unit = _unit_read_only(db)
    pdf = tmp_path / "out" / "s.pdf"
    args = ["export-pdf", "--db", str(db), "--year", "2025", "--unit", unit, "--out", str(pdf)]
    assert cli.main(args) == 2  # printing is recorded: a write
    assert not pdf.exists()
    err = capsys.readouterr().err
    assert "只读" in err
    assert _sha(db) == before and _sidecars(db) == sidecars


def _unit_read_only(db: Path) -> str:
    with Store.open(db, read_only=True) as store:
        return store.ledgers.list(year=2025)[0].unit_code


def test_read_only_file_detected(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root chmod does not stop writes: the program's own test says it cannot write."""
    monkeypatch.setattr(connection, "writable", lambda path: False)
    _readonly_commands(db, tmp_path, capsys)


@pytest.fixture
def read_only_folder(db: Path, tmp_path: Path) -> Iterator[Path]:
    """The data file in a folder bind-mounted read-only (real EROFS even for root)."""
    src = tmp_path / "src"
    src.mkdir()
    (src / db.name).write_bytes(db.read_bytes())
    folder = tmp_path / "ro"
    folder.mkdir()
    if subprocess.run(["mount", "--bind", str(src), str(folder)], capture_output=True).returncode:
        pytest.skip("cannot bind-mount here")
    try:
        done = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True)
        if done.returncode:
            pytest.skip("cannot remount read-only here")
        yield folder / db.name
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_read_only_folder(
    read_only_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not connection.writable(read_only_folder)
    _readonly_commands(read_only_folder, tmp_path, capsys)
