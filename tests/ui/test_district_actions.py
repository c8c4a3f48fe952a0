"""区级 → 下发任务包…: the administrator writes every unit's package to a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window
from PySide6.QtWidgets import QFileDialog

from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.arrival import read_meta
from xihu_desktop.store import Store

YEAR = 2025


def test_issue_packages_writes_one_package_per_unit_with_tasks(
    qtbot: Any, demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stick = tmp_path / "U盘"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(stick))
    unit = demo_store.units.find("三墩镇")
    window = make_window(qtbot, demo_store, tmp_path, unit.id, YEAR)
    action = window.menu_actions["issue_packages"]
    assert action.isVisible() and action.isEnabled()
    action.trigger()
    files = sorted(stick.glob("*.xlsx"))
    assert len(files) == len(demo_store.decomposition.units_with_tasks(YEAR)) > 20
    metas = [read_meta(f) for f in files]
    assert {m[layout.META_KIND] for m in metas} == {layout.KIND_PACKAGE}
    assert unit.code in {m[layout.META_UNIT_CODE] for m in metas}
    assert "任务包" in window.statusBar().currentMessage()
