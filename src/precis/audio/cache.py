"""The audio cache: one WAV file per synthesized segment, named by what made it.

The key is a SHA-256 of the engine's identity (engine, version, voice model, settings) and the
segment's text, so a segment is synthesized again exactly when its words or its voice change. Files
are written under a temporary name and renamed into place, so that parallel workers and interrupted
runs never leave a half-written file behind. Deleting the folder is always safe.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import wave
from pathlib import Path

import numpy as np

from precis.errors import PrecisError
from precis.paths import cache_dir


def cache_key(identity: str, text: str) -> str:
    digest = hashlib.sha256()
    digest.update(identity.encode("utf-8"))
    digest.update(b"\0")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


class AudioCache:
    """Cached segment audio in a folder: ``get`` and ``put`` by key."""

    def __init__(self, root: Path | None = None) -> None:
        """``root`` defaults to ``paths.cache_dir("audio")``: $PRECIS_AUDIO_CACHE, else ~/.cache/precis/audio."""
        self.root = Path(root) if root is not None else cache_dir("audio")

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str, sample_rate: int) -> np.ndarray | None:
        path = self.path(key)
        try:
            with wave.open(str(path), "rb") as w:
                if w.getframerate() != sample_rate or w.getsampwidth() != 2 or w.getnchannels() != 1:
                    return None
                return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.int16)
        except FileNotFoundError:
            return None
        except (wave.Error, EOFError):
            path.unlink(missing_ok=True)  # a damaged file is made again
            return None

    def put(self, key: str, samples: np.ndarray, sample_rate: int) -> None:
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        except OSError as exc:
            raise PrecisError(f"audio cache {self.root}: cannot write there ({exc.strerror})") from None
        try:
            with os.fdopen(fd, "wb") as f, wave.open(f, "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(sample_rate)
                w.writeframes(samples.astype("<i2").tobytes())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
