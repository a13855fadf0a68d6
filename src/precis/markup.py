"""Summary markup: finding cross-references and resolving them against the store.

A cross-reference is ``<@anchor text@>(@Title of the earlier entry@)`` or ``<@Title@>``. The key
(the title) matches an entry's title case-insensitively after trimming; where two entries share a
title, the one from the earliest issue wins. This is the one place references are resolved: the
checker, every edition, the archive and the suggesters all call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.model import Entry, Issue

REFERENCE = re.compile(r"<@(?P<anchor>.+?)@>(?:\(@(?P<key>.+?)@\))?", re.DOTALL)


@dataclass(frozen=True)
class Reference:
    """One cross-reference as written: its anchor text, its key, and where it stands."""

    anchor: str
    key: str
    start: int
    end: int


def find_references(text: str | None) -> list[Reference]:
    """Every cross-reference in ``text``, in order."""
    if not text:
        return []
    out = []
    for m in REFERENCE.finditer(text):
        key = m.group("key") if m.group("key") is not None else m.group("anchor")
        out.append(Reference(m.group("anchor"), key, m.start(), m.end()))
    return out


def replace_references(text: str, with_anchor: bool = True) -> str:
    """The text with each reference replaced by its anchor text (for plain-text uses)."""
    return REFERENCE.sub(lambda m: m.group("anchor"), text) if with_anchor else text


def normalize_key(key: str) -> str:
    return " ".join(key.split()).casefold()


@dataclass(frozen=True)
class Target:
    """What a reference resolves to: an entry, its title, and the issue it went out in."""

    entry_id: int
    title: str
    link: str | None
    issue_label: str | None
    issue_url: str | None
    issue_slug: str | None


class Resolver:
    """Resolves reference keys to entries; built once from the store and reused."""

    def __init__(self, targets: Iterable[tuple[Target, tuple[int, int, int]]]) -> None:
        # targets: (target, sort key) with the sort key saying which of two same-titled entries is
        # earlier: (has no issue, series rank, number).
        self._by_key: dict[str, tuple[tuple[int, int, int], Target]] = {}
        for target, order in targets:
            key = normalize_key(target.title)
            if key not in self._by_key or order < self._by_key[key][0]:
                self._by_key[key] = (order, target)
        self._titles = [t.title.strip() for _, t in self._by_key.values()]

    @classmethod
    def from_session(
        cls, session: Session, series_order: list[str] | None = None, before: tuple[str, int] | None = None
    ) -> "Resolver":
        """Build a resolver over every entry of the store.

        ``series_order`` lists series oldest first (from the publication settings). ``before``, if
        given as (series, number), keeps only entries from issues before that one.
        """
        rank = {s: i for i, s in enumerate(series_order or [])}
        rows = session.execute(
            select(Entry.id, Entry.title, Entry.title_url, Entry.url, Issue.series, Issue.number, Issue.url)
            .outerjoin(Issue, Entry.issue_id == Issue.id)
        )
        targets = []
        for entry_id, title, title_url, url, series, number, issue_url in rows:
            order = (
                (0, rank.get(series, len(rank)), number) if series is not None else (1, 0, entry_id)
            )
            if before is not None and (series is None or order[1:] >= (rank.get(before[0], len(rank)), before[1])):
                continue
            label = f"{series} #{number}" if series is not None else None
            slug = f"{series.lower()}-{number}" if series is not None else None
            targets.append(
                (Target(entry_id, title, title_url or url, label, issue_url, slug), order)
            )
        return cls(targets)

    def resolve(self, key: str) -> Target | None:
        found = self._by_key.get(normalize_key(key))
        return found[1] if found else None

    def closest(self, key: str, limit: int = 3) -> list[str]:
        """The titles nearest to an unresolved key, best first."""
        return [
            title
            for title, _score, _i in process.extract(
                key.strip(), self._titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit
            )
        ]

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Target]:
        return (t for _, t in self._by_key.values())
