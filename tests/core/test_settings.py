"""Every setting is declared once, and nothing reads a setting by a literal key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xihu_desktop.core import settings as S
from xihu_desktop.store import Store

PACKAGE = Path(__file__).resolve().parents[2] / "xihu_desktop"


def test_keys_are_unique_and_labelled_in_chinese() -> None:
    keys = [s.key for s in S.ALL]
    assert len(keys) == len(set(keys))
    assert all(re.search(r"[\u4e00-\u9fff]", s.label) for s in S.ALL)


def test_parse_falls_back_to_the_default() -> None:
    assert S.IDLE_MINUTES.parse("abc") == 15
    assert S.IDLE_MINUTES.parse(99999) == 15  # out of range
    assert S.IDLE_MINUTES.parse("20") == 20
    assert S.LOGIN_REQUIRED.parse("true") is True
    assert S.COLUMN_STATE.key_for(category="project", fields="0a") == "table/project-0a/header"


def test_environment_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XIHU_SMOKE_QUIT_MS", "250")
    assert S.from_environment(S.SMOKE_QUIT_MS) == 250
    monkeypatch.setenv("XIHU_SMOKE_QUIT_MS", "")
    assert S.from_environment(S.SMOKE_QUIT_MS) is None
    with pytest.raises(ValueError):
        S.from_environment(S.IDLE_MINUTES)


def test_data_file_settings_round_trip(store: Store) -> None:
    assert store.settings.get(S.IDLE_MINUTES) == 15
    store.settings.set(S.IDLE_MINUTES, 30)
    assert store.settings.get(S.IDLE_MINUTES) == 30
    assert store.audit.log(limit=1)[0].field == S.IDLE_MINUTES.key
    with pytest.raises(ValueError):
        store.settings.get(S.WINDOW_GEOMETRY)  # lives in the user's QSettings


def test_no_setting_key_is_written_out_elsewhere() -> None:
    """Keys appear only in core/settings.py (a literal elsewhere would bypass the table)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "settings.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        for setting in S.ALL:
            literal = setting.key.split("{")[0]
            if f'"{literal}' in text or f"'{literal}" in text:
                offenders.append(f"{path.relative_to(PACKAGE)}: {setting.key}")
    assert offenders == []
