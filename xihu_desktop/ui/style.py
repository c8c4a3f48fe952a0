"""Application-wide look: a readable Chinese font, sized by the platform (DPI-safe)."""

from __future__ import annotations

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


def apply_style(app: QApplication) -> None:
    """Prefer a Chinese UI font; keep the platform's point size so scaling stays right."""
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
