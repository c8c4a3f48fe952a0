"""Layering rules, checked on the source: core/store/exchange/cli never import Qt, the core
never reaches up, and ui/ and cli/ hold no SQL."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xihu_desktop"
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
SQL_MARKERS = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "PRAGMA ")


def modules(*folders: str) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        path = PACKAGE / folder
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(path: Path, package: list[str] | None = None) -> Iterator[tuple[int, str]]:
    """Absolute names of everything ``path`` imports, anywhere in the file (also inside
    functions, and through importlib.import_module / __import__ with a literal name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        package = module_name(path).split(".")
        if path.name != "__init__.py":
            package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield node.lineno, name
            for alias in node.names:  # from . import ui → xihu_desktop.ui
                yield node.lineno, f"{name}.{alias.name}"
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


NO_QT = modules("core", "store", "exchange", "cli", "paths.py")


def test_there_is_something_to_check() -> None:
    names = {p.name for p in NO_QT}
    assert {"validate.py", "scoring.py", "store.py", "connection.py", "session.py"} <= names


@pytest.mark.parametrize("path", NO_QT, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_qt_below_the_ui(path: Path) -> None:
    bad = [
        f"{path.name}:{line}: {name}"
        for line, name in imported_names(path)
        if name.split(".")[0] in QT_MODULES
    ]
    assert bad == []


@pytest.mark.parametrize(
    "path",
    modules("core", "store", "exchange", "cli"),
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_nothing_below_the_ui_imports_the_ui(path: Path) -> None:
    bad = [
        f"{path.name}:{line}: {name}"
        for line, name in imported_names(path)
        if name.startswith(("xihu_desktop.ui", "xihu_desktop.app"))
    ]
    assert bad == []


@pytest.mark.parametrize("path", modules("core"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_never_reaches_up(path: Path) -> None:
    bad = [
        f"{path.name}:{line}: {name}"
        for line, name in imported_names(path)
        if name.startswith(("xihu_desktop.store", "xihu_desktop.exchange", "xihu_desktop.cli"))
    ]
    assert bad == []


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_store_never_reaches_up(path: Path) -> None:
    """Data flows ui → store → exchange: the store knows nothing of exports and imports."""
    bad = [
        f"{path.name}:{line}: {name}"
        for line, name in imported_names(path)
        if name.startswith(("xihu_desktop.exchange", "xihu_desktop.cli"))
    ]
    assert bad == []


def test_the_checker_sees_every_spelling(tmp_path: Path) -> None:
    """The walker must find every way a module below the UI could pull in Qt or the UI."""
    fake = tmp_path / "fake.py"
    fake.write_text(
        "import PySide6\n"
        "from PySide6.QtCore import Qt\n"
        "def later():\n"
        "    import shiboken6\n"
        "    from ..ui import main_window\n"
        "import importlib\n"
        "importlib.import_module('PySide6.QtWidgets')\n",
        encoding="utf-8",
    )
    names = [name for _, name in imported_names(fake, ["xihu_desktop", "store"])]
    assert [n for n in names if n.split(".")[0] in QT_MODULES] == [
        "PySide6",
        "PySide6.QtCore",
        "PySide6.QtCore.Qt",
        "shiboken6",
        "PySide6.QtWidgets",
    ]
    assert "xihu_desktop.ui.main_window" in names


@pytest.mark.parametrize("path", modules("ui", "cli"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_ui_holds_no_sql(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad = [
        f"{path.name}:{node.lineno}: {node.value[:60]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any(marker in node.value for marker in SQL_MARKERS)
    ]
    assert bad == []
    raw = [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", "") in ("execute", "executemany", "executescript")
        and "conn" in ast.unparse(node.func.value)
    ]
    assert raw == [], "ui/ and cli/ call Store methods, not the SQLite connection"
