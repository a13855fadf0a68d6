"""Is this work already known? Matching against the archive's entries and the stored candidates.

Identifiers are compared first (arXiv id ignoring versions, DOI, normalized URL), then titles,
fuzzily: two titles match when rapidfuzz's ratio of their keys is at least ``TITLE_CUTOFF`` and
they hold the same numbers. The cut-off and the number rule come from the real archive, whose
distinct works include "… (Part 1)" / "… (Part 2)" (98), "2019 … Review" / "2020 … Review" (96)
and "Active Preference-Based Learning …" / "Batch Active Preference-Based Learning …" (94).
Two works whose arXiv ids (or DOIs) differ never match by title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

from precis.identity import arxiv_id, doi_of, numbers_in, title_key, url_key
from precis.ingest.work import Work

TITLE_CUTOFF = 95.0

T = TypeVar("T")


@dataclass
class Keys:
    """The identifying keys of one work."""

    arxiv: set[str] = field(default_factory=set)
    doi: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    title: str = ""

    @classmethod
    def of(cls, title: str, urls: Iterable[str | None], arxiv: str | None = None, doi: str | None = None) -> Keys:
        keys = cls(title=title_key(title))
        for url in urls:
            if not url:
                continue
            if found := arxiv_id(url):
                keys.arxiv.add(found)
            if found := doi_of(url):
                keys.doi.add(found)
            if found := url_key(url):
                keys.urls.add(found)
        if arxiv:
            keys.arxiv.add(arxiv)
            keys.urls.add(f"arxiv:{arxiv}")
        if doi:
            keys.doi.add(doi.lower())
        return keys

    @classmethod
    def of_work(cls, work: Work) -> Keys:
        return cls.of(work.title, [work.url], work.arxiv_id, work.doi)


@dataclass
class Match(Generic[T]):
    items: list[T]  # every known record that is this work (the archive can hold a work twice)
    reason: str  # "same arXiv id 1811.10840", "same URL", "similar title (97%)"


class Index(Generic[T]):
    """Known records by their keys; ``match`` finds the records a new work is the same as."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, str], list[int]] = {}  # key -> positions in _items
        self._keys: list[Keys] = []
        self._items: list[T] = []
        self._titles: list[str] = []

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: T, keys: Keys) -> None:
        position = len(self._items)
        self._items.append(item)
        self._keys.append(keys)
        self._titles.append(keys.title)
        for kind, values in (("arxiv", keys.arxiv), ("doi", keys.doi), ("url", keys.urls)):
            for value in values:
                self._by.setdefault((kind, value), []).append(position)
        if keys.title:
            self._by.setdefault(("title", keys.title), []).append(position)

    def match(self, keys: Keys) -> Match[T] | None:
        for kind, values, label in (
            ("arxiv", keys.arxiv, "same arXiv id"),
            ("doi", keys.doi, "same DOI"),
            ("url", keys.urls, "same URL"),
        ):
            for value in sorted(values):
                if found := self._by.get((kind, value)):
                    shown = f" {value}" if kind != "url" else ""
                    return self._match(found, f"{label}{shown}")
        if not keys.title:
            return None
        exact = [p for p in self._by.get(("title", keys.title), []) if _no_conflict(self._keys[p], keys)]
        if exact:
            return self._match(exact, "same title")
        numbers = numbers_in(keys.title)
        hits = process.extract(
            keys.title, self._titles, scorer=fuzz.ratio, score_cutoff=TITLE_CUTOFF, limit=5, processor=None
        )
        for title, score, position in hits:
            if numbers_in(title) == numbers and _no_conflict(self._keys[position], keys):
                same = [p for p in self._by[("title", title)] if _no_conflict(self._keys[p], keys)]
                return self._match(same, f"similar title, {score:.0f}% alike")
        return None

    def _match(self, positions: list[int], reason: str) -> Match[T]:
        return Match([self._items[p] for p in positions], reason)


def _no_conflict(a: Keys, b: Keys) -> bool:
    """False when both records carry an arXiv id (or a DOI) and the ids differ."""
    if a.arxiv and b.arxiv and not (a.arxiv & b.arxiv):
        return False
    return not (a.doi and b.doi and not (a.doi & b.doi))
