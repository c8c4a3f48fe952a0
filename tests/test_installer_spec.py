"""The installer bundles the Qt modules the windows use (QtCharts for 规划监测 and the
dashboard): read build_installer.spec's lists without running PyInstaller."""

from __future__ import annotations

import ast
from pathlib import Path

SPEC = Path(__file__).resolve().parents[1] / "build_installer.spec"


def spec_lists() -> dict[str, list[str]]:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    wanted = {"QT_EXCLUDES", "OTHER_EXCLUDES", "HIDDEN"}
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in wanted:
                found[name] = eval(compile(ast.Expression(node.value), str(SPEC), "eval"))
    assert set(found) == wanted
    return found


def test_qtcharts_is_collected_and_not_excluded() -> None:
    lists = spec_lists()
    excluded = set(lists["QT_EXCLUDES"]) | set(lists["OTHER_EXCLUDES"])
    assert "PySide6.QtCharts" in lists["HIDDEN"]
    assert "PySide6.QtCharts" not in excluded
    assert "PySide6.QtWidgets" not in excluded and "PySide6.QtGui" not in excluded
    assert "PySide6.Qt3DCore" in excluded  # the check reads the real lists


def test_reportlab_accelerator_is_bundled_and_a_dependency() -> None:
    """reportlab imports ``_rl_accel`` by exec(); only HIDDEN brings it into the folder."""
    assert "_rl_accel" in spec_lists()["HIDDEN"]
    pyproject = (SPEC.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert '"rl-accel' in pyproject
