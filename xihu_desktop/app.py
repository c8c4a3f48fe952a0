"""Start the desktop application: ``xihu-desktop [--db PATH] [--demo]``."""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from . import APP_TITLE, __version__
from .core.settings import SMOKE_QUIT_MS, from_environment
from .paths import default_db_path, logs_dir

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

log = logging.getLogger("xihu")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="xihu-desktop", description=APP_TITLE)
    parser.add_argument("--db", type=Path, help="数据文件路径（默认在用户数据文件夹中）")
    parser.add_argument("--demo", action="store_true", help="新数据文件填入演示数据")
    parser.add_argument("--version", action="version", version=f"xihu-desktop {__version__}")
    return parser.parse_args(argv)


#: Libraries Qt's X11 (xcb) display plugin loads beyond those of a headless run: (file, Debian
#: package). Without them Qt aborts the process, which cannot be caught, so they are looked for
#: before Qt starts.
XCB_LIBRARIES = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
)


def display_problem(
    environ: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    load: Callable[[str], object] = ctypes.CDLL,
) -> str | None:
    """One line (Chinese, then English) saying why the window cannot open, or None."""
    if not platform.startswith("linux"):
        return None
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith("xcb"):  # offscreen, wayland, vnc …: Qt's own business
        return None
    if not chosen and environ.get("WAYLAND_DISPLAY"):
        return None
    if not environ.get("DISPLAY"):
        return (
            "无法启动图形界面：没有可用的显示（DISPLAY 未设置），请在桌面会话中运行，"
            "或使用命令行工具 xihu · Cannot open the window: no display (DISPLAY is not set); "
            "run it in a desktop session, or use the xihu command line."
        )
    missing = []
    for filename, package in XCB_LIBRARIES:
        try:
            load(filename)
        except OSError:
            missing.append(package)
    if not missing:
        return None
    every = " ".join(package for _, package in XCB_LIBRARIES)
    return (
        f"无法启动图形界面：缺少系统库 {'、'.join(missing)}（sudo apt install {every}） · "
        f"Cannot open the window: missing system library {', '.join(missing)} "
        f"(sudo apt install {every})."
    )


#: the log is rotated at start once over this size; this many older logs are kept
LOG_MAX_BYTES = 1_000_000
LOG_KEPT = 3


def rotate_log(path: Path, max_bytes: int = LOG_MAX_BYTES, kept: int = LOG_KEPT) -> None:
    """A log over ``max_bytes`` becomes ``.1`` (``.1`` becomes ``.2`` …, the oldest goes).

    Rotated once per start, not by ``RotatingFileHandler`` while writing: its module
    (``logging.handlers``: socket, pickle, queue) costs the start about 10 ms, and one
    session's log stays small."""
    try:
        if path.stat().st_size <= max_bytes:
            return
        for n in range(kept - 1, 0, -1):
            older = path.with_name(f"{path.name}.{n}")
            if older.exists():
                os.replace(older, path.with_name(f"{path.name}.{n + 1}"))
        os.replace(path, path.with_name(f"{path.name}.1"))
    except OSError:  # no log yet, or another window has it open (Windows): keep writing it
        return


def setup_logging() -> Path:
    path = logs_dir() / "xihu-desktop.log"
    rotate_log(path, LOG_MAX_BYTES, LOG_KEPT)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


def install_excepthook(log_path: Path) -> None:
    """Bugs are logged and shown in a dialog instead of killing the window silently."""

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("未处理的异常\n%s", text)
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "程序错误",
                f"程序遇到意外错误，已记录到日志：\n{log_path}\n\n{exc_type.__name__}: {exc}\n\n"
                "已保存的数据不受影响。",
            )

    sys.excepthook = hook


def install_translations(app: QApplication) -> bool:
    """Qt's own texts (dialog buttons, file dialogs, print dialogs) in Chinese."""
    from PySide6.QtCore import QLocale

    from .ui.style import QT_CATALOGUES
    from .ui.style import install_translations as install_qt_translations

    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    loaded = install_qt_translations(app)
    if set(QT_CATALOGUES) - set(loaded):
        log.warning("未找到 Qt 中文翻译：%s", "、".join(sorted(set(QT_CATALOGUES) - set(loaded))))
    return bool(loaded)


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):  # a spawned worker of the installed program
        import multiprocessing  # (the batch PDF export) runs its task here and exits

        multiprocessing.freeze_support()
    args = parse_args(argv)
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    log_path = setup_logging()
    # The store (no Qt) is imported before PySide6: once PySide6 is loaded, its import hook
    # reads the source of every module imported after it (about 0.15 ms a module).
    from .store import Store, StoreError
    from .store.seed import initialise

    # isort: split
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    from .ui.main_window import MainWindow
    from .ui.style import application, apply_style

    app = application(sys.argv[:1])
    app.setApplicationName("xihu-desktop")
    app.setOrganizationName("XihuDistrict")
    app.setApplicationDisplayName(APP_TITLE)
    install_excepthook(log_path)
    from .ui.instance_lock import InstanceLock

    apply_style(app)
    install_translations(app)
    path = args.db or default_db_path()
    instance_lock = InstanceLock(path)  # one window per data file
    if not instance_lock.acquire():
        QMessageBox.warning(None, "数据文件正在使用", instance_lock.message())
        return 3
    try:
        # The whole-file check (when due) and the day's backup run after the window shows.
        store = Store.open(path, integrity="defer")
        initialise(store, demo=args.demo)
    except StoreError as exc:
        QMessageBox.critical(None, "无法打开数据文件", str(exc))
        return 2
    from .ui.file_check import FileCheck
    from .ui.login import install_idle_lock, login

    if not login(None, store):
        store.close()
        return 0
    window = MainWindow(store)
    idle_lock = install_idle_lock(window, store)
    idle_lock.userChanged.connect(window.user_changed)
    window.show()
    file_check = FileCheck(store, window)  # integrity when due, the day's backup
    # Both run off the UI thread, started once the event loop runs: a Python thread
    # started now would take the GIL from the window's first layout and paint.
    QTimer.singleShot(0, window.check_audit_log)  # once a day
    QTimer.singleShot(0, file_check.start)
    quit_ms = from_environment(SMOKE_QUIT_MS)  # installer smoke test: start, then quit
    if quit_ms:
        QTimer.singleShot(quit_ms, app.quit)
    code = app.exec()
    # app.quit() closes no window: close it here, so the background work (ledger summary,
    # audit check) has finished before the store goes and Python tears Qt down
    window.close()
    file_check.wait()
    store.close()
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
