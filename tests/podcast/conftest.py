"""Fixtures for the podcast tests: a private audio cache, and espeak-ng (the fast engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from precis.audio.cache import AudioCache
from tests.helpers import require_program


@pytest.fixture(autouse=True)
def private_cache_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test writes to the user's cache: the default cache folder is a temporary one."""
    folder = tmp_path / "audio-cache"
    monkeypatch.setenv("PRECIS_AUDIO_CACHE", str(folder))
    return folder


@pytest.fixture
def cache(tmp_path: Path) -> AudioCache:
    return AudioCache(tmp_path / "cache")


@pytest.fixture
def espeak() -> str:
    return require_program("espeak-ng")
