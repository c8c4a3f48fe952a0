"""The CJK font of the PDF sheets: embedded (subset) so a sheet prints the same anywhere.

The bundled font is WenQuanYi Micro Hei (``resources/fonts/wqy-microhei.ttc``,
Apache-2.0, licence files beside it). A setting (``PDF_FONT_PATH``) may prefer an
installed face such as 宋体 (``C:\\Windows\\Fonts\\simsun.ttc``); when it is missing or
reportlab cannot embed it (``TTFError``: PostScript-outline fonts such as Noto CJK),
the bundled font is used. Every text of the sheet uses this one font, so no
unembedded standard-14 font (Helvetica) ends up in the file.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from ..core.settings import PDF_FONT_PATH
from ..paths import resource_path
from ..store import Store

log = logging.getLogger(__name__)

BUNDLED_FONT = "fonts/wqy-microhei.ttc"

_lock = threading.Lock()
_registered: dict[str, str] = {}


def bundled_font_path() -> Path:
    return resource_path(BUNDLED_FONT)


def _register(path: Path) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    key = str(path.resolve())
    with _lock:
        if key in _registered:
            return _registered[key]
        name = "XihuCJK-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
        font = (
            TTFont(name, str(path), subfontIndex=0)
            if path.suffix.lower()
            in (
                ".ttc",
                ".otc",
            )
            else TTFont(name, str(path))
        )
        pdfmetrics.registerFont(font)
        _registered[key] = name
        return name


def register_file(path: str | Path) -> str:
    """Register the font file at ``path`` as it is (no fallback) and return its name:
    the same file gets the same name in every process (a worker of the batch export)."""
    return _register(Path(path))


def font_file(name: str) -> Path | None:
    """The file a font name registered here came from (None: not one of ours)."""
    with _lock:
        return next((Path(key) for key, known in _registered.items() if known == name), None)


def register_font(preferred: str | Path | None = None) -> str:
    """Register the sheet font with reportlab and return its name.

    ``preferred`` (e.g. the ``pdf_font_path`` setting) is tried first; the bundled
    font is the fallback.
    """
    from reportlab.pdfbase.ttfonts import TTFError

    if preferred:
        path = Path(preferred)
        if path.is_file():
            try:
                return _register(path)
            except (TTFError, OSError, ValueError) as exc:
                log.warning("Font %s cannot be embedded (%s); using the bundled font", path, exc)
        else:
            log.info("Font %s not found; using the bundled font", path)
    return _register(bundled_font_path())


def font_for_store(store: Store) -> str:
    """The font name for sheets printed from ``store`` (honours the setting)."""
    return register_font(store.settings.get(PDF_FONT_PATH))
