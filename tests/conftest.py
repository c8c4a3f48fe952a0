"""Shared fixtures: every test gets its own data folder and a fresh, seeded database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "appdata"
    data.mkdir()
    monkeypatch.setenv("XIHU_DATA_DIR", str(data))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """A new database file with the built-in catalogue (no ledgers)."""
    s = Store.open(db_path)
    initialise(s)
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    s = Store.open(path)
    initialise(s, demo=True)
    s.close()
    return path


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Iterator[Store]:
    """A copy of the demo district (built once per session)."""
    src = Store.open(demo_template)
    dest = tmp_path / "demo.sqlite3"
    src.backup(dest)
    src.close()
    s = Store.open(dest)
    yield s
    s.close()
