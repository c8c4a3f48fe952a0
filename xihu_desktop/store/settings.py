"""Settings kept in the data file (declared in :mod:`xihu_desktop.core.settings`)."""

from __future__ import annotations

import json
from typing import TypeVar

from ..core.settings import BOUND_UNIT, Home, Setting
from .changes import Changes
from .manager import Manager

T = TypeVar("T")


def _check_home(setting: Setting[T]) -> None:
    if setting.home is not Home.DATA_FILE:
        raise ValueError(f"{setting.key} is not kept in the data file")


class SettingsManager(Manager):
    def get(self, setting: Setting[T]) -> T:
        _check_home(setting)
        raw = self.store.scalar("SELECT value FROM settings WHERE key = ?", (setting.key,))
        return setting.parse(None if raw is None else json.loads(raw))

    def set(self, setting: Setting[T], value: T) -> Changes:
        """Change a data-file setting (the administrator's); audited."""
        _check_home(setting)
        self.store.require_admin("修改设置")
        with self.store.transaction():
            old = self.get(setting)
            self.store.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (setting.key, json.dumps(value, ensure_ascii=False)),
            )
            self.store.audit.record("设置", field_key=setting.key, old=old, new=value)
            if setting.key == BOUND_UNIT.key:
                self.store.packages.forget()
            return self.store.noted(Changes(settings=frozenset({setting.key})))
