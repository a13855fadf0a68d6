"""The search index of a store's public archive: kept current, and asked through one interface
whatever the database.

The index is filled lazily: a search first makes sure the index was filled from the store as it
is now (a fingerprint: the newest revision, the number of entries and issues), and refills it in one
transaction when not. Deriving documents needs the public rules and the markup parser, which live in
Python, so database triggers could not keep it current.
"""

from __future__ import annotations

import re
from typing import Protocol

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from precis.errors import InvalidValue, StoreError
from precis.model import Entry, Issue, Revision
from precis.people_names import People, fold
from precis.render.source import EditionSource
from precis.search.documents import documents, make_documents, state
from precis.search.hits import Filters, Hit, query_words
from precis.search.postgres import PostgresSearch
from precis.search.sqlite import SqliteSearch
from precis.store import Store

#: Bump when the documents' content changes shape, so that old indexes are refilled.
INDEX_VERSION = "2"
MAX_LIMIT = 100
#: Full-text query operators (FTS5's, written in capitals as a user of search engines writes them):
#: a query's words are looked for whatever the database, so these are dropped, never searched as
#: the common words "and", "or", "not" that every document holds.
OPERATORS = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")


class Dialect(Protocol):
    """What each database does its own way: searching, and the steps around a refill."""

    def ready(self) -> bool: ...
    def before_fill(self, session: Session) -> None: ...
    def after_fill(self, session: Session) -> None: ...
    def search(self, words: list[str], filters: Filters, limit: int) -> list[Hit]: ...


class SearchIndex:
    """Searches one store's public archive, refilling the index when the store changed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = store.engine.dialect.name
        backend: Dialect
        if self.dialect == "sqlite":
            backend = SqliteSearch(store)
        elif self.dialect == "postgresql":
            backend = PostgresSearch(store)
        else:
            raise StoreError(f"{store.display}: search needs SQLite or PostgreSQL, not {self.dialect}")
        self.backend = backend

    # -- freshness ---------------------------------------------------------------------------

    def fingerprint(self, session: Session) -> str:
        newest = session.scalar(select(func.max(Revision.id))) or 0
        entries = session.scalar(select(func.count()).select_from(Entry)) or 0
        issues = session.scalar(select(func.count()).select_from(Issue)) or 0
        return f"{INDEX_VERSION}:{newest}:{entries}:{issues}"

    def is_current(self) -> bool:
        """Whether the index was filled from the store as it is now (one query)."""
        with self.store.session() as s:
            newest, entries, issues, saved = s.execute(select(
                select(func.max(Revision.id)).scalar_subquery(),
                select(func.count()).select_from(Entry).scalar_subquery(),  # count(*): SQLite answers from the b-tree
                select(func.count()).select_from(Issue).scalar_subquery(),
                select(state.c.value).where(state.c.name == "fingerprint").scalar_subquery(),
            )).one()
        return bool(saved == f"{INDEX_VERSION}:{newest or 0}:{entries or 0}:{issues or 0}")

    def ready(self) -> bool:
        """Whether a search from this thread can start at once, the index known to be current
        without a query. A server calls ``refresh()`` off its event loop when not."""
        return self.backend.ready()

    def refresh(self, force: bool = False) -> bool:
        """Refill the index if the store changed since the last fill (or if ``force``); True if
        it was refilled."""
        if not force and self.is_current():
            return False
        # Taken before reading: a change made meanwhile leaves the index marked stale, not current.
        with self.store.session() as s:
            fingerprint = self.fingerprint(s)
            rows = make_documents(EditionSource.read(s, self.store.default_publication(s)))
        try:
            with self.store.session(by="search index") as s:
                self.backend.before_fill(s)
                s.execute(delete(documents))
                if rows:
                    s.execute(insert(documents), rows)
                self.backend.after_fill(s)
                s.execute(delete(state).where(state.c.name == "fingerprint"))
                s.execute(insert(state).values(name="fingerprint", value=fingerprint))
        except OperationalError as exc:
            if "readonly" not in str(exc.orig):
                raise
            return self._read_only()
        return True

    def _read_only(self) -> bool:
        """A store that cannot be written is searched as its index was last filled; one never
        filled cannot be searched."""
        with self.store.session() as s:
            filled = s.scalar(select(state.c.value).where(state.c.name == "fingerprint"))
        if filled is None:
            raise StoreError(
                f"{self.store.display}: the store is read-only and its search index was never made; "
                "search it once where it can be written"
            )
        return False

    # -- querying ----------------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        category: str | None = None,
        year: int | None = None,
        summarizer: str | None = None,
        limit: int = 10,
        refresh: bool = True,
    ) -> list[Hit]:
        """The best public entries for ``query``, best first.

        Queries are natural language: the words are OR-ed (common English words dropped) and ranked
        with the title weighted above the authors above the text, then lifted a little for entries
        that many later summaries refer to (see ``documents.boost``). ``category`` matches an
        entry's category or its top-level section, case-insensitively; ``summarizer`` is a person,
        by any of their names ("Flo" finds the entries of "Flo Dorner" too).
        """
        if limit < 1 or limit > MAX_LIMIT:
            raise InvalidValue("limit", limit, f"give a number from 1 to {MAX_LIMIT}")
        words = query_words(OPERATORS.sub(" ", query))
        if not words:
            if query_words(query):
                return []  # only operators (AND, OR, NOT, NEAR): nothing to look for
            raise InvalidValue("query", query, "give at least one word to search for")
        if refresh and not self.backend.ready():
            self.refresh()
        summarizers = self.summarizer_texts(summarizer) if summarizer and summarizer.strip() else None
        if summarizers is not None and not summarizers:
            return []
        return self.backend.search(words, Filters(category, year, summarizers), limit)

    def summarizer_texts(self, name: str) -> frozenset[str]:
        """The summarizer texts of the index that name the person ``name`` is (``precis.people_names``)."""
        with self.store.session() as s:
            people = People.load(s, self.store.default_publication(s))
            column = documents.c.summarizer
            written: list[str] = list(s.scalars(select(column).distinct().where(column.is_not(None))))
            person = fold(people.canonical(name))
            return frozenset(w for w in written if person in map(fold, people.people(w)))
