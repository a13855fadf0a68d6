"""Which person a summarizer or opinion-author name is: the one home of that rule.

The archive writes people as it pleases: "Flo" and "Flo Dorner", "Dan H" and "Dan Hendrycks". Two
sources say which names are one person, merged: the publication's ``[aliases]`` table (canonical
name -> its other names) and the team's people (``Person.name`` and ``Person.aliases``). Names
linked through either source, even in a chain, are one person; that person's canonical name is the
name of a ``Person`` when one is among them (the one made first), else the settings' canonical name.

A name is compared with its case and spacing folded. A text naming several people ("Rohin/Robert",
"Asya and Rohin", "Flo & Zach") is each of them: ``people`` splits it. Stored text is never changed:
canonical names are only for counting, grouping and filtering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.model import Person, Publication
from precis.store.queries import settings_of

#: What separates several people in one summarizer or author text.
SEPARATORS = re.compile(r"\s*(?:/|&|\+|,|\band\b)\s*", re.IGNORECASE)


def fold(name: str) -> str:
    """The key a name is compared by: spacing collapsed, case folded."""
    return " ".join(name.split()).casefold()


def tidy(name: str) -> str:
    return " ".join(name.split())


class People:
    """Answers which person a name is, from groups of names known to be one person."""

    def __init__(
        self, aliases: Mapping[str, Iterable[str]] | None = None, persons: Iterable[tuple[str, Iterable[str]]] = ()
    ) -> None:
        """``aliases``: the settings' table (canonical name -> other names); ``persons``: (name,
        aliases) of each person, oldest first."""
        self._parent: dict[str, str] = {}
        self._display: dict[str, str] = {}  # folded name -> how it is first written
        ranked: list[str] = []  # canonical candidates, the people's names first
        for name, others in persons:
            self._group(name, others)
            ranked.append(name)
        for name, others in (aliases or {}).items():
            self._group(name, others)
            ranked.append(name)
        self._canonical: dict[str, str] = {}
        for name in ranked:
            self._canonical.setdefault(self._root(fold(name)), tidy(name))

    @classmethod
    def load(cls, session: Session, publication: Publication) -> People:
        """The people of a store: its publication's ``[aliases]`` and its team."""
        persons = session.execute(select(Person.name, Person.aliases).order_by(Person.id)).all()
        return cls(settings_of(publication).aliases, ((n, a or []) for n, a in persons))

    def _group(self, name: str, others: Iterable[str]) -> None:
        root = self._root(fold(name))
        for other in others:
            if other.strip():
                self._parent[self._root(fold(other))] = root

    def _root(self, key: str) -> str:
        self._parent.setdefault(key, key)
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def canonical(self, name: str) -> str:
        """The canonical name of the person ``name`` is; a name nobody aliased is itself, tidied."""
        key = fold(name)
        if key not in self._parent:
            return tidy(name)
        return self._canonical.get(self._root(key), tidy(name))

    def people(self, text: str | None) -> list[str]:
        """The canonical names of everyone a summarizer or author text names, each once, in order."""
        if not text:
            return []
        names = (self.canonical(part) for part in SEPARATORS.split(text) if part.strip())
        return list(dict.fromkeys(names))
