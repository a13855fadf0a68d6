"""Where Précis keeps what it can make again: the one lookup of its cache folders.

Everything in them is safe to delete. Each kind of cache has an environment variable that moves it
(documented in the README's "Configuration"); without it, caches live in the user's cache folder,
``$XDG_CACHE_HOME/precis`` (``~/.cache/precis`` when XDG_CACHE_HOME is unset):

- ``assist``, the fitted suggesters and sentence vectors: ``$PRECIS_CACHE_DIR``, else that folder;
- ``audio``, the synthesized segments: ``$PRECIS_AUDIO_CACHE``, else its ``audio`` subfolder;
- ``render``, what rendering keeps between runs (compiled templates; the parsed texts of a site
  build, its search documents, where each record lies in its downloads and the edition source it
  read):
  ``$PRECIS_RENDER_CACHE``, else its ``render`` subfolder.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Literal

from precis.errors import PrecisError
from precis.files import replacing

CacheKind = Literal["assist", "audio", "render"]

CACHE_ENV: dict[CacheKind, str] = {
    "assist": "PRECIS_CACHE_DIR", "audio": "PRECIS_AUDIO_CACHE", "render": "PRECIS_RENDER_CACHE",
}
# Where each kind lives inside the user's cache folder ("" is the folder itself: the suggesters
# were kept there before the audio cache existed, and moving them would make users train again).
_SUBFOLDER: dict[CacheKind, str] = {"assist": "", "audio": "audio", "render": "render"}


def user_cache_dir() -> Path:
    """$XDG_CACHE_HOME/precis, else ~/.cache/precis."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "precis"


def cache_dir(kind: CacheKind) -> Path:
    """The folder of one kind of cache: its environment variable if set, else its default."""
    if value := os.environ.get(CACHE_ENV[kind]):
        return Path(value).expanduser()
    folder = user_cache_dir()
    return folder / _SUBFOLDER[kind] if _SUBFOLDER[kind] else folder


def folder_key(folder: Path) -> str:
    """How a cache names what it keeps for one folder (a site's): a digest of its absolute path."""
    return hashlib.sha256(str(Path(folder).resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def load_cached(path: Path) -> object | None:
    """What ``save_cached`` kept at ``path``; None when there is nothing or it cannot be read
    (the caller then makes it again). Files in the cache folders are trusted as the code is."""
    try:
        with path.open("rb") as f:
            found: object = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return found


def save_cached(path: Path, value: object) -> None:
    """Keep ``value`` at ``path`` in a cache folder, written whole or not at all; a cache that
    cannot be written only costs time later."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with replacing(path) as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    except (OSError, PrecisError):
        pass
