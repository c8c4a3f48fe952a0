"""The one module that knows where files live.

Resources (catalogue, fonts, migrations) are looked up in a frozen build
(``sys._MEIPASS``), an installed wheel (``xihu_desktop/resources``) or a source
checkout (``<repo>/resources``), in that order. User data goes to the OS data
folder unless ``XIHU_DATA_DIR`` says otherwise (tests, portable builds).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .core.settings import DATA_DIR, from_environment

_PACKAGE_DIR = Path(__file__).resolve().parent


def _roots() -> list[Path]:
    roots: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.append(Path(frozen))
    roots.append(_PACKAGE_DIR)  # installed wheel: xihu_desktop/resources, xihu_desktop/db
    roots.append(_PACKAGE_DIR.parent)  # source checkout: <repo>/resources, <repo>/db
    return roots


def _find(top: str, relative: str) -> Path:
    for root in _roots():
        candidate = root / top / relative
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"找不到程序资源文件：{top}/{relative}")


def resource_path(relative: str = "") -> Path:
    """Path of a file under ``resources/``."""
    return _find("resources", relative)


def migrations_dir() -> Path:
    """Folder holding the numbered SQL migrations (``db/``)."""
    return _find("db", "")


def data_dir() -> Path:
    """Folder for the user's database, settings and logs."""
    env = from_environment(DATA_DIR)
    if env:
        path = Path(env)
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("xihu-desktop", "XihuDistrict"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "xihu.sqlite3"


def backups_dir(db_path: Path) -> Path:
    """Backups sit in a visible folder next to the database, easy to copy to a USB stick."""
    path = Path(db_path).resolve().parent / "备份"
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
