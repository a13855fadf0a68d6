"""Fixtures of the assist tests: the suggesters trained once per run on the real archive."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from precis.assist import Assistant
from precis.assist.embed import ENV
from precis.store import Store


@pytest.fixture(scope="session", autouse=True)
def lexical_only() -> None:
    """The default suggesters whatever the environment says: the embed extra is tested on its own."""
    before = os.environ.get(ENV)
    os.environ[ENV] = "0"
    yield
    if before is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = before


@pytest.fixture(scope="session")
def assist_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model cache of this test run only; the environment points every run of Précis at it."""
    path = tmp_path_factory.mktemp("assist-cache")
    before = os.environ.get("PRECIS_CACHE_DIR")
    os.environ["PRECIS_CACHE_DIR"] = str(path)
    yield path
    if before is None:
        os.environ.pop("PRECIS_CACHE_DIR", None)
    else:
        os.environ["PRECIS_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def real_assist_db(real_db_template: Path, tmp_path_factory: pytest.TempPathFactory, assist_cache: Path) -> Path:
    """A copy of the real store whose suggesters are trained (and cached) once for the whole run.

    Tests may read it; tests that write make their own copy with ``real_store``.
    """
    path = tmp_path_factory.mktemp("assist-real") / "an.db"
    shutil.copy(real_db_template, path)
    Assistant.for_store(Store(str(path)))
    return path


@pytest.fixture(scope="session")
def real_assistant(real_assist_db: Path) -> Assistant:
    return Assistant.for_store(Store(str(real_assist_db)))
