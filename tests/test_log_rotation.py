"""The program's log is rotated when it starts (not by ``RotatingFileHandler`` while it
writes): over its size limit it becomes ``.1``, older ones move up, the oldest goes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from xihu_desktop import app


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_a_small_log_is_kept_and_written_on(logs: Path) -> None:
    log = logs / "xihu-desktop.log"
    write(log, "昨天的记录\n")
    app.rotate_log(log, max_bytes=1000)
    assert log.read_text(encoding="utf-8") == "昨天的记录\n"
    assert sorted(p.name for p in logs.iterdir()) == ["xihu-desktop.log"]


def test_no_log_yet_is_fine(logs: Path) -> None:
    app.rotate_log(logs / "xihu-desktop.log", max_bytes=10)
    assert list(logs.iterdir()) == []


def test_a_full_log_moves_up_and_the_oldest_is_dropped(logs: Path) -> None:
    log = logs / "xihu-desktop.log"
    write(log, "x" * 50)
    for n, text in ((1, "一"), (2, "二"), (3, "三")):
        write(logs / f"xihu-desktop.log.{n}", text)
    app.rotate_log(log, max_bytes=40, kept=3)
    assert not log.exists()
    names = {p.name: p.read_text(encoding="utf-8") for p in logs.iterdir()}
    assert names == {
        "xihu-desktop.log.1": "x" * 50,
        "xihu-desktop.log.2": "一",
        "xihu-desktop.log.3": "二",
    }


def test_rotation_fills_the_gaps_without_losing_a_log(logs: Path) -> None:
    log = logs / "xihu-desktop.log"
    write(log, "y" * 50)
    write(logs / "xihu-desktop.log.2", "旧")  # .1 was deleted by hand
    app.rotate_log(log, max_bytes=40, kept=3)
    names = {p.name: p.read_text(encoding="utf-8") for p in logs.iterdir()}
    assert names == {"xihu-desktop.log.1": "y" * 50, "xihu-desktop.log.3": "旧"}


def test_setup_logging_rotates_then_appends(logs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app, "logs_dir", lambda: logs)
    monkeypatch.setattr(app, "LOG_MAX_BYTES", 20)
    log = logs / "xihu-desktop.log"
    write(log, "z" * 30)
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        assert app.setup_logging() == log
        logging.getLogger("xihu").warning("新的一次启动")
        for handler in root.handlers:
            handler.flush()
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
    assert (logs / "xihu-desktop.log.1").read_text(encoding="utf-8") == "z" * 30
    assert "新的一次启动" in log.read_text(encoding="utf-8")
