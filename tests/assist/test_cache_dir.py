"""The cache folders: one lookup (precis.paths) for the suggesters and the audio, moved by the
environment variables the README documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from precis.audio.cache import AudioCache
from precis.paths import cache_dir


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ("PRECIS_CACHE_DIR", "PRECIS_AUDIO_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_without_settings_caches_live_in_the_users_cache_folder(home: Path) -> None:
    assert cache_dir("assist") == home / ".cache" / "precis"
    assert cache_dir("audio") == home / ".cache" / "precis" / "audio"
    assert AudioCache().root == cache_dir("audio")


def test_xdg_cache_home_moves_both(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "xdg"))
    assert cache_dir("assist") == home / "xdg" / "precis"
    assert cache_dir("audio") == home / "xdg" / "precis" / "audio"


def test_each_variable_moves_its_own_cache_only(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRECIS_CACHE_DIR", "~/models")
    assert cache_dir("assist") == home / "models"
    assert cache_dir("audio") == home / ".cache" / "precis" / "audio"
    monkeypatch.setenv("PRECIS_AUDIO_CACHE", str(home / "wav"))
    assert cache_dir("audio") == home / "wav" == AudioCache().root
    assert cache_dir("assist") == home / "models"
