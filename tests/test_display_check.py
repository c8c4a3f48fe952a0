"""The window's first start: a missing display or X11 library gives one readable line and exit
code 2 instead of Qt's uncatchable abort. Environment and loader are stand-ins; Qt never starts."""

from __future__ import annotations

import sys

import pytest

from xihu_desktop import app

DESKTOP = {"DISPLAY": ":0"}


def loader(missing: set[str]):
    def load(filename: str) -> object:
        if filename in missing:
            raise OSError(f"{filename}: cannot open shared object file")
        return object()

    return load


def test_a_complete_x11_desktop_starts() -> None:
    assert app.display_problem(DESKTOP, "linux", loader(set())) is None


def test_missing_xcb_cursor_is_named_with_the_install_command() -> None:
    line = app.display_problem(DESKTOP, "linux", loader({"libxcb-cursor.so.0"}))
    assert line is not None and "\n" not in line
    assert line.startswith("无法启动图形界面：缺少系统库 libxcb-cursor0（")
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in line
    assert "libxcb-icccm4、" not in line  # only the missing one is named as missing
    assert "Cannot open the window" in line


def test_every_missing_library_is_named() -> None:
    line = app.display_problem(
        {"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"},
        "linux",
        loader({"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}),
    )
    assert line is not None and "缺少系统库 libxcb-icccm4、libxcb-keysyms1" in line


def test_no_display_at_all() -> None:
    line = app.display_problem({}, "linux", loader(set()))
    assert line is not None and "DISPLAY" in line and "无法启动图形界面" in line


@pytest.mark.parametrize(
    ("environ", "platform"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),  # headless tests and smoke runs
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),  # Qt picks its Wayland plugin
        ({}, "win32"),
        ({}, "darwin"),
    ],
)
def test_other_platforms_are_left_to_qt(environ: dict[str, str], platform: str) -> None:
    assert app.display_problem(environ, platform, loader({"libxcb-cursor.so.0"})) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11 check is Linux's")
def test_main_prints_one_line_and_exits_2_before_qt(monkeypatch, capsys) -> None:
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "DISPLAY"):
        monkeypatch.delenv(name, raising=False)

    def qt_would_start() -> None:
        raise AssertionError("main went on towards QApplication")

    monkeypatch.setattr(app, "setup_logging", qt_would_start)
    assert app.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("无法启动图形界面：没有可用的显示")
