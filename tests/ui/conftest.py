"""Fixtures shared by the window tests."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QWidget


@pytest.fixture
def parent(qtbot: Any) -> QWidget:
    """A plain widget to parent the dialogs an action opens (closed after the test)."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget
