"""Qt's own dialogs (file dialog, print dialog, message box buttons) speak Chinese."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication

from xihu_desktop.ui.style import apply_style, install_translations


def test_qt_file_dialog_words_are_chinese(qtbot: Any) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    font = app.font()
    try:
        apply_style(app)
        assert "qtbase" in install_translations(app)  # once: a second call loads nothing new
        look_in = QCoreApplication.translate("QFileDialog", "Look in:")
        assert look_in != "Look in:" and any("\u4e00" <= ch <= "\u9fff" for ch in look_in)
        files_of_type = QCoreApplication.translate("QFileDialog", "Files of type:")
        assert files_of_type != "Files of type:"
        assert QCoreApplication.translate("QPrintDialog", "Print") != "Print"
    finally:  # the rest of the session's tests run as before
        for translator in app.findChildren(QTranslator):
            app.removeTranslator(translator)
            translator.setParent(None)
        app.setFont(font)


def test_file_dialogs_keep_the_native_dialog() -> None:
    """No dialog is forced to Qt's own widget dialog: the platform's native one is preferred."""
    from pathlib import Path

    import xihu_desktop

    root = Path(xihu_desktop.__file__).parent
    for path in root.rglob("*.py"):
        assert "DontUseNativeDialog" not in path.read_text(encoding="utf-8"), path
