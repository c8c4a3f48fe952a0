"""Every setting of the program, declared once: key, where it lives, type, default, label.

Four homes: the data file (``settings`` table, shared by everyone who opens the
file; the store reads and writes them), the user's own QSettings (window geometry,
column layout, last ledger and folder; the window reads and writes them), the user's
state file (``file-state.json`` in the user's data folder: what the store remembers
about a data file without writing to it, e.g. when its integrity was last checked)
and the environment (folders and passwords for scripts and tests). Nothing else reads or
writes a setting by a literal key: call sites name one of the constants below.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Home(StrEnum):
    DATA_FILE = "data file"
    USER = "user"
    STATE = "user state"
    ENVIRONMENT = "environment"


def _bool(raw: Any) -> bool:
    if isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return bool(raw)


def _int(raw: Any) -> int:
    return int(raw)


def _text(raw: Any) -> str:
    return str(raw)


def _raw(raw: Any) -> Any:
    return raw


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str  # may hold {placeholders} filled by ``key_for``
    home: Home
    convert: Callable[[Any], T]
    default: T
    label: str
    check: Callable[[T], bool] = lambda _value: True

    def key_for(self, **parts: str) -> str:
        return self.key.format(**parts) if parts else self.key

    def parse(self, raw: Any) -> T:
        """The stored value in its type; the default for a missing or unusable one."""
        if raw is None:
            return self.default
        try:
            value = self.convert(raw)
        except (TypeError, ValueError):
            return self.default
        return value if self.check(value) else self.default


# ---------------------------------------------------------------- in the data file

LOGIN_REQUIRED: Setting[bool] = Setting(
    "login_required", Home.DATA_FILE, _bool, False, "启用登录（多人使用同一数据文件时）"
)
IDLE_MINUTES: Setting[int] = Setting(
    "idle_lock_minutes",
    Home.DATA_FILE,
    _int,
    15,
    "无操作自动锁定（分钟，0表示不锁定）",
    check=lambda v: 0 <= v <= 24 * 60,
)
PDF_FONT_PATH: Setting[str | None] = Setting(
    "pdf_font_path", Home.DATA_FILE, _text, None, "考核表字体文件（如宋体，留空用内置字体）"
)

BOUND_UNIT: Setting[str | None] = Setting(
    "bound_unit", Home.DATA_FILE, _text, None, "本数据文件所属的责任单位（单位代码；区级文件为空）"
)

BACKUP_KEEP_DAILY: Setting[int] = Setting(
    "backup_keep_daily", Home.DATA_FILE, _int, 14, "保留的每日自动备份份数", check=lambda v: v >= 1
)
BACKUP_KEEP_OTHER: Setting[int] = Setting(
    "backup_keep_other",
    Home.DATA_FILE,
    _int,
    20,
    "保留的其他备份份数（导入前、升级前、手动）",
    check=lambda v: v >= 1,
)
BACKUP_SIZE_FACTOR: Setting[int] = Setting(
    "backup_size_factor",
    Home.DATA_FILE,
    _int,
    5,
    "备份文件夹总大小上限（数据文件大小的倍数）",
    check=lambda v: v >= 1,
)
BACKUP_MAX_MB: Setting[int] = Setting(
    "backup_max_mb",
    Home.DATA_FILE,
    _int,
    0,
    "备份文件夹总大小上限（MB，0表示只按倍数限制）",
    check=lambda v: v >= 0,
)

# ---------------------------------------------------------------- the user's QSettings

WINDOW_GEOMETRY: Setting[Any] = Setting("window/geometry", Home.USER, _raw, None, "窗口位置和大小")
LAST_UNIT: Setting[int | None] = Setting("ledger/unit_id", Home.USER, _int, None, "上次打开的单位")
LAST_YEAR: Setting[int | None] = Setting("ledger/year", Home.USER, _int, None, "上次打开的年度")
COLUMN_STATE: Setting[Any] = Setting(
    "table/{category}-{fields}/header", Home.USER, _raw, None, "表格列宽和顺序（每个类别）"
)
LAST_FOLDER: Setting[str | None] = Setting(
    "files/last_folder", Home.USER, _text, None, "上次导入导出文件的文件夹"
)
AUDIT_CHECKED_ON: Setting[str | None] = Setting(
    "audit/checked_on/{file}", Home.USER, _text, None, "上次校验审计日志的日期（每个数据文件）"
)

# ---------------------------------------------------------------- the user's state file

INTEGRITY_CHECKED_AT: Setting[str | None] = Setting(
    "integrity_checked_at/{file}",
    Home.STATE,
    _text,
    None,
    "上次检查数据文件完整性的时间（每个数据文件）",
)

# ---------------------------------------------------------------- the environment

DATA_DIR: Setting[str | None] = Setting(
    "XIHU_DATA_DIR", Home.ENVIRONMENT, _text, None, "数据文件夹（便携版和测试用）"
)
PASSWORD: Setting[str | None] = Setting(
    "XIHU_PASSWORD", Home.ENVIRONMENT, _text, None, "命令行登录密码"
)
NEW_PASSWORD: Setting[str | None] = Setting(
    "XIHU_NEW_PASSWORD", Home.ENVIRONMENT, _text, None, "命令行设置的新密码"
)
SMOKE_QUIT_MS: Setting[int | None] = Setting(
    "XIHU_SMOKE_QUIT_MS", Home.ENVIRONMENT, _int, None, "安装包冒烟测试：启动后自动退出（毫秒）"
)

ALL: tuple[Setting[Any], ...] = (
    LOGIN_REQUIRED,
    IDLE_MINUTES,
    PDF_FONT_PATH,
    BOUND_UNIT,
    BACKUP_KEEP_DAILY,
    BACKUP_KEEP_OTHER,
    BACKUP_SIZE_FACTOR,
    BACKUP_MAX_MB,
    WINDOW_GEOMETRY,
    LAST_UNIT,
    LAST_YEAR,
    COLUMN_STATE,
    LAST_FOLDER,
    AUDIT_CHECKED_ON,
    INTEGRITY_CHECKED_AT,
    DATA_DIR,
    PASSWORD,
    NEW_PASSWORD,
    SMOKE_QUIT_MS,
)


def from_environment(setting: Setting[T]) -> T:
    """An environment setting's value (empty counts as unset)."""
    if setting.home is not Home.ENVIRONMENT:
        raise ValueError(f"{setting.key} is not an environment setting")
    return setting.parse(os.environ.get(setting.key) or None)
