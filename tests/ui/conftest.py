"""Fixtures shared by the window tests."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from xihu_desktop.store import Store

YEAR = 2025  # the ledger's year: a past year, so lights do not depend on today's date


@pytest.fixture
def parent(qtbot: Any) -> QWidget:
    """A plain widget to parent the dialogs an action opens (closed after the test)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def unit_id(store: Store) -> int:
    return store.units.list()[0].id


@pytest.fixture
def ledger_id(store: Store, unit_id: int) -> int:
    """A new, empty ledger of the first unit for ``YEAR``."""
    return store.ledgers.create(unit_id, YEAR).id
