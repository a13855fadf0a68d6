"""Fixtures for the editions tests: the real archive loaded once per module."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from precis.render import Editions
from precis.store import Store


@pytest.fixture(scope="module")
def real_db(real_db_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A module-wide copy of the real store, for tests that only read it."""
    path = tmp_path_factory.mktemp("editions") / "an.db"
    shutil.copy(real_db_template, path)
    return path


@pytest.fixture(scope="module")
def real_editions(real_db: Path) -> tuple[Editions, list[str]]:
    """Editions of the real archive and the warnings it gave."""
    warnings: list[str] = []
    store = Store(str(real_db))
    editions = Editions.load(store, warn=warnings.append)
    store.close()
    return editions, warnings

