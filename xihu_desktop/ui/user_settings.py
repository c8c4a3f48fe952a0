"""The user's own settings (QSettings), read and written by their declarations only."""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import QSettings

from ..core.settings import Home, Setting
from ..paths import data_dir

T = TypeVar("T")


def default_settings() -> QSettings:
    """Window state lives next to the user's data (tests get their own folder)."""
    return QSettings(str(data_dir() / "xihu-desktop.ini"), QSettings.Format.IniFormat)


def _key(setting: Setting[Any], parts: dict[str, str]) -> str:
    if setting.home is not Home.USER:
        raise ValueError(f"{setting.key} is not kept in the user's settings")
    return setting.key_for(**parts)


def read(store: QSettings, setting: Setting[T], **parts: str) -> T:
    return setting.parse(store.value(_key(setting, parts)))


def write(store: QSettings, setting: Setting[T], value: T, **parts: str) -> None:
    store.setValue(_key(setting, parts), value)
