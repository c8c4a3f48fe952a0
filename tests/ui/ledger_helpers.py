"""Helpers for driving the ledger window the way a clerk does (keys, clipboard)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit

from xihu_desktop.store import Store
from xihu_desktop.ui.category_tab import CategoryTab
from xihu_desktop.ui.main_window import MainWindow


def make_window(qtbot: Any, store: Store, tmp_path: Path, unit_id: int, year: int) -> MainWindow:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, settings=settings)
    qtbot.addWidget(window)
    window.select(unit_id, year)
    window.show()
    return window


def type_text(qtbot: Any, widget: Any, text: str) -> None:
    """Key presses carrying the text; QTest only knows ASCII keys, Chinese goes as raw events."""
    for ch in text:
        if ch.isascii() and ch != "\n":
            qtbot.keyClick(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch)
                )


def type_into(qtbot: Any, tab: CategoryTab, row: int, key: str, text: str) -> None:
    """Select a cell, press F2, type, press Enter — and wait until the edit is committed."""
    view = tab.view
    index = tab.proxy.index(row, tab.model.column(key))
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(index)
    assert editor is not None, f"no editor opened for {key}"
    if isinstance(editor, QComboBox) and not editor.isEditable():
        editor.setCurrentIndex(editor.findText(text))
    elif isinstance(editor, QComboBox):
        editor.lineEdit().clear()
        type_text(qtbot, editor.lineEdit(), text)
    elif isinstance(editor, QLineEdit | QPlainTextEdit):
        if isinstance(editor, QLineEdit):
            editor.clear()
        type_text(qtbot, editor, text)
    target = editor.lineEdit() if isinstance(editor, QComboBox) and editor.isEditable() else editor
    qtbot.keyClick(target, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.indexWidget(index) is None, timeout=2000)
    QApplication.processEvents()


def paste(qtbot: Any, tab: CategoryTab, row: int, key: str, text: str) -> None:
    QApplication.clipboard().setText(text)
    index = tab.proxy.index(row, tab.model.column(key)) if row < tab.proxy.rowCount() else None
    if index is not None:
        tab.view.setCurrentIndex(index)
    qtbot.keyClick(tab.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
