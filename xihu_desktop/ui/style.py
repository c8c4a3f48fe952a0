"""Application-wide look: a readable Chinese font, sized by the platform (DPI-safe),
and Qt's own dialogs (file, print, message buttons) in Chinese."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

CHINESE_FONTS = (
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "SimSun",
)


#: Qt's translation catalogues of the modules the window uses: qtbase holds QtCore,
#: QtGui, QtWidgets (file dialog, message boxes) and QtPrintSupport (print dialog);
#: QtPdf and QtCharts ship none. Each is loaded by its file name (qtbase_zh_CN.qm), not
#: through the locale's UI languages, which some Qt versions list only as zh-Hans-CN / zh
#: (no such files: the dialogs stayed English).
QT_CATALOGUES = ("qtbase",)
QT_LANGUAGE = "zh_CN"


def install_translations(app: QApplication) -> list[str]:
    """Load Qt's Chinese translations once; returns the catalogues loaded."""
    loaded = [t.objectName() for t in app.findChildren(QTranslator) if t.objectName()]
    if loaded:
        return loaded
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in QT_CATALOGUES:
        translator = QTranslator(app)  # parented: lives as long as the application
        if translator.load(f"{name}_{QT_LANGUAGE}", folder) and app.installTranslator(translator):
            translator.setObjectName(name)
            loaded.append(name)
        else:
            translator.deleteLater()
    return loaded


def apply_style(app: QApplication) -> None:
    """Prefer a Chinese UI font (the platform's point size kept so scaling stays right);
    Qt's own dialogs speak Chinese."""
    install_translations(app)
    font = QFont(app.font())
    families = [*CHINESE_FONTS, *font.families()]
    font.setFamilies(families)
    if font.pointSizeF() > 0 and font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)


def application(argv: list[str]) -> QApplication:
    """The running QApplication, or a new one (``QApplication.instance()`` is typed as
    the core application, which has no widgets, fonts or styles)."""
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else QApplication(argv)
