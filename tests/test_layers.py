"""Layering rules, checked on the source: core/store/exchange/cli never import Qt, each
layer imports only the layers below it, our modules import each other without cycles,
no module is over 600 lines, and ui/ and exchange/ hold no SQL."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "xihu_desktop"
QT_MODULES = ("PySide6", "shiboken6", "PyQt5", "PyQt6")
SQL_MARKERS = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE", "PRAGMA ")


def modules(*folders: str) -> list[Path]:
    """The files of packages or modules of ours; ``"cli"`` is ``cli/`` or ``cli.py``."""
    found: list[Path] = []
    for folder in folders:
        path = PACKAGE / folder
        if not path.exists() and path.with_suffix(".py").exists():
            path = path.with_suffix(".py")
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(path: Path) -> list[str]:
    package = module_name(path).split(".")
    return package if path.name == "__init__.py" else package[:-1]


def from_base(node: ast.ImportFrom, package: list[str]) -> str:
    """The absolute module of ``from <base> import …``."""
    if not node.level:
        return node.module or ""
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def literal_import(node: ast.AST) -> str | None:
    """The name in ``importlib.import_module("x")`` / ``__import__("x")``."""
    if (
        isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", ""))
        in ("import_module", "__import__")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value
    return None


def imported_names(path: Path, package: list[str] | None = None) -> Iterator[tuple[int, str]]:
    """Absolute names of everything ``path`` imports, anywhere in the file (also inside
    functions, and through importlib.import_module / __import__ with a literal name)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        package = package_of(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            name = from_base(node, package)
            yield node.lineno, name
            for alias in node.names:  # from . import ui → xihu_desktop.ui
                yield node.lineno, f"{name}.{alias.name}"
        elif (literal := literal_import(node)) is not None:
            yield node.lineno, literal


NO_QT = modules("core", "store", "exchange", "cli", "paths")


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


@pytest.mark.parametrize("path", modules("ui"), ids=lambda p: str(p.relative_to(PACKAGE)))
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
    assert raw == [], "ui/ calls Store methods, not the SQLite connection"


# ---------------------------------------------------------------- layers and the import graph

ALL = sorted(PACKAGE.rglob("*.py"))
OURS = {module_name(p) for p in ALL}
#: importable from every layer: the version constants and the folder locations
BASE = {"xihu_desktop", "xihu_desktop.paths"}
#: the layers each layer may import (besides BASE); data flows ui/cli → exchange → store → core
ALLOWED = {
    "core": {"core"},
    "store": {"core", "store"},
    "exchange": {"core", "store", "exchange"},
    "ui": {"core", "store", "exchange", "ui"},
    "cli": {"core", "store", "exchange", "cli"},
    "app": {"core", "store", "exchange", "ui", "app"},
}


def layer(name: str) -> str:
    """``xihu_desktop.store.users`` → ``store``; ``xihu_desktop.cli`` → ``cli``."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def resolve(name: str) -> str | None:
    """The module of ours an imported name lands in (``xihu_desktop.store.Store`` →
    ``xihu_desktop.store``), or None for other packages."""
    while name:
        if name in OURS:
            return name
        name = name.rpartition(".")[0]
    return None


def import_edges(path: Path) -> set[str]:
    """Our modules ``path`` imports, anywhere in the file. ``from pkg import mod`` imports
    ``pkg.mod`` (its package is already loading), ``from pkg import name`` imports ``pkg``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = package_of(path)
    names: list[str] = []
    typing_only = {  # ``if TYPE_CHECKING:`` imports are for annotations, never run
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for stmt in node.body
        for inner in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = from_base(node, package)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                names.append(full if full in OURS else base)
        elif (literal := literal_import(node)) is not None:
            names.append(literal)
    edges = {target for name in names if (target := resolve(name)) is not None}
    return edges - {module_name(path)}


GRAPH = {module_name(p): import_edges(p) for p in ALL}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_each_layer_imports_only_the_layers_below(path: Path) -> None:
    own = layer(module_name(path))
    if own not in ALLOWED:  # the package root, paths.py, __main__.py
        return
    bad = sorted(
        target
        for target in GRAPH[module_name(path)]
        if target not in BASE and layer(target) not in ALLOWED[own]
    )
    assert bad == []


@pytest.mark.parametrize("path", modules("ui", "app"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_window_loads_its_parts_by_ordinary_imports(path: Path) -> None:
    bad = [f"{path.name}:{line}" for line, name in imported_names(path) if name == "importlib"]
    assert bad == []


def test_no_import_cycles_between_our_modules() -> None:
    assert cycles(GRAPH) == []


def test_the_graph_sees_imports_inside_functions_and_the_cycle_check_works() -> None:
    assert "xihu_desktop.ui.excel_actions" in GRAPH["xihu_desktop.ui.main_window"]
    cli_imports = {t for m, edges in GRAPH.items() if layer(m) == "cli" for t in edges}
    assert "xihu_desktop.store" in cli_imports  # cli.py imports it inside functions
    assert "xihu_desktop.store.store" in GRAPH["xihu_desktop.store"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert cycles({"a": {"b"}, "b": set()}) == []


MAX_LINES = 600


def test_no_module_is_over_600_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in ALL
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_ui_modules_are_not_over_600_lines() -> None:
    long = [p.name for p in modules("ui", "app") if len(p.read_text("utf-8").splitlines()) > 600]
    assert long == []


RAW_SQL = ("execute(", "SELECT ", "INSERT ", "UPDATE ", "DELETE FROM")
#: the store's own raw access, for its managers only
RAW_ACCESS = re.compile(r"\bstore\.(query|scalar|rows|execute|db|conn|transaction)\b")


def test_no_sql_above_the_store() -> None:
    bad = [
        f"{p.relative_to(PACKAGE)}:{i}"
        for p in modules("ui", "exchange", "cli", "app")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if any(marker in line for marker in RAW_SQL) or RAW_ACCESS.search(line)
    ]
    assert bad == []
