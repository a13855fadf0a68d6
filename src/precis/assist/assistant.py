"""The assistant: the fitted suggesters for one store, cached by the store's content.

``Assistant.for_store(store)`` returns the suggesters trained on the store as it is now. The fitted
models are kept in memory for the process and pickled to the cache directory under the store's
fingerprint, so the next process loads them instead of training again; any change to the store's
entries changes the fingerprint, and the next call trains afresh.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from precis.assist import embed
from precis.assist.category import CategoryModel, sentence_vectors
from precis.assist.corpus import Knowledge, fingerprint, load_knowledge
from precis.assist.embed import Embedder
from precis.assist.links import LinkModel
from precis.assist.text import tokens
from precis.markup import normalize_key
from precis.paths import cache_dir
from precis.store import Store

# Bump when the models change, so that caches written by older code are not read.
MODEL_VERSION = "assist-4"
KINDS = ("category", "refs", "anchor")
DEFAULT_K = {"category": 3, "refs": 10, "anchor": 5}


class Assistant:
    """Category, reference and anchor suggestions learned from one store's entries."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.fingerprint = knowledge.fingerprint
        self.titles = [d.title for d in knowledge.docs]
        self.embedder = Embedder(cache_dir("assist")) if embed.enabled() else None
        self.categories = CategoryModel(knowledge.docs, self.embedder)
        # Links need words to compare: a store with no text to learn from has no link model.
        has_words = any(tokens(d.text) for d in knowledge.docs)
        self.links = LinkModel(knowledge.docs) if has_words else None

    # -- getting one ---------------------------------------------------------------------------

    _memory: ClassVar[dict[str, Assistant]] = {}

    @classmethod
    def for_store(cls, store: Store, on_fit: Callable[[], None] | None = None) -> Assistant:
        """The assistant for the store's current content: from memory, the cache, or trained now.

        ``on_fit`` is called before training starts (to tell the user it will take a while).
        """
        mode = "embed" if embed.enabled() else "lexical"
        key = f"{MODEL_VERSION}-{mode}-{fingerprint(store)}"
        if key in cls._memory:
            return cls._memory[key]
        path = cache_dir("assist") / f"{key}.pkl"
        assistant = _load(path)
        if assistant is None:
            if on_fit:
                on_fit()
            assistant = cls(load_knowledge(store))
            _save(path, assistant)
        cls._memory = {key: assistant}
        return assistant

    # -- suggestions ---------------------------------------------------------------------------

    def prepare(self, texts: list[str]) -> None:
        """Embed many texts in one go (and keep their vectors) before asking about each of them."""
        if self.embedder is not None:
            sentence_vectors(self.embedder, texts)

    def category(self, text: str, k: int = DEFAULT_K["category"]) -> list[str]:
        """Categories for a text, best first."""
        return self.categories.ranked(text)[:k]

    def refs(self, text: str, k: int = DEFAULT_K["refs"]) -> list[str]:
        """Titles of the stored entries the text should link, best first."""
        links = self.links
        return self._titles(lambda n: links.rank_refs(text, n), k) if links else []

    def anchor(self, anchor: str, context: str = "", k: int = DEFAULT_K["anchor"]) -> list[str]:
        """Titles of the stored entries that ``<@anchor@>`` likely means in ``context``, best first."""
        links = self.links
        return self._titles(lambda n: links.rank_anchor(anchor, context, n), k) if links else []

    def answer(self, kind: str, text: str, context: str | None, k: int) -> list[str]:
        if kind == "category":
            return self.category(text, k)
        if kind == "refs":
            return self.refs(text, k)
        return self.anchor(text, context or "", k)

    def _titles(self, rank: Callable[[int], list[tuple[int, float]]], k: int) -> list[str]:
        """Distinct titles (the archive has a few works filed twice) of the best-ranked entries."""
        out: list[str] = []
        seen: set[str] = set()
        for i, _score in rank(k + 5):
            key = normalize_key(self.titles[i])
            if key not in seen:
                seen.add(key)
                out.append(self.titles[i])
            if len(out) == k:
                break
        return out


def _load(path: Path) -> Assistant | None:
    """A cached assistant, or None if there is none or it cannot be read (then we train again)."""
    try:
        with path.open("rb") as f:
            found = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return found if isinstance(found, Assistant) else None


def _save(path: Path, assistant: Assistant) -> None:
    """Write the cache atomically; a cache that cannot be written only costs the next run time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as f:
            pickle.dump(assistant, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, path)
        for old in path.parent.glob(f"{MODEL_VERSION}-*.pkl"):
            if old != path and old.stat().st_mtime < path.stat().st_mtime - 7 * 86400:
                old.unlink(missing_ok=True)
    except OSError:
        return
