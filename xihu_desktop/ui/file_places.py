"""Where file dialogs start, and what the clerk sees after an export.

The dialogs of Excel and PDF start in the folder last used by either (the user's
setting ``LAST_FOLDER``). An export ends with a message naming the file, with buttons
to open it or the folder it is in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from ..core.settings import LAST_FOLDER
from . import user_settings

OPEN_FILE = "打开文件"
OPEN_FOLDER = "打开所在文件夹"


def _settings(parent: QWidget | None) -> QSettings:
    """The window's own settings (tests give theirs), else the user's settings file."""
    window = parent.window() if parent is not None else None
    found = getattr(window, "settings", None)
    return found if isinstance(found, QSettings) else user_settings.default_settings()


def start_dir(parent: QWidget | None) -> Path:
    """The folder the last file dialog (Excel or PDF) ended in, else the home folder."""
    last = user_settings.read(_settings(parent), LAST_FOLDER)
    folder = Path(last) if last else None
    return folder if folder is not None and folder.is_dir() else Path.home()


def start_path(parent: QWidget | None, name: str) -> str:
    """A default file name in :func:`start_dir`."""
    return str(start_dir(parent) / name)


def remember(parent: QWidget | None, path: str | Path) -> None:
    """Remember the folder of ``path`` (or ``path`` itself when it is a folder)."""
    p = Path(path)
    folder = p if p.is_dir() else p.parent
    settings = _settings(parent)
    user_settings.write(settings, LAST_FOLDER, str(folder))
    settings.sync()


def show_exported(parent: QWidget | None, title: str, path: Path, what: str) -> QMessageBox:
    """A message naming the exported file, with 打开文件 / 打开所在文件夹 / 关闭 (not modal)."""
    box = QMessageBox(QMessageBox.Icon.Information, title, f"已导出{what}：\n{path}", parent=parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    buttons = {}
    if path.is_file():
        buttons[box.addButton(OPEN_FILE, QMessageBox.ButtonRole.ActionRole)] = path
    buttons[box.addButton(OPEN_FOLDER, QMessageBox.ButtonRole.ActionRole)] = (
        path if path.is_dir() else path.parent
    )
    box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)

    def clicked(button: object) -> None:
        target = buttons.get(button)  # type: ignore[call-overload]
        if target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

    box.buttonClicked.connect(clicked)
    box.open()
    return box
