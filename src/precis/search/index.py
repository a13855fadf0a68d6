"""The search index of a store's public archive: kept current, and asked through one interface
whatever the database.

The index is kept lazily: a search first makes sure the index reflects the store as it is now (the
newest revision, the issues, the publication's settings; one query), and brings it up to date when
not. It records the newest revision it reflects, so that it is *updated*: only the documents of the
entries revised since, and of the few others that depend on them, are derived again
(``changes``). It is refilled, every document derived again in one transaction, only when it was
never filled, its shape changed (``INDEX_VERSION``), the publication's settings changed (sections,
the order of series), an issue's name changed, or more entries changed than an update is worth.
Deriving documents needs the public rules and the markup parser, which live in Python, so database
triggers could not keep it current.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Protocol

from sqlalchemy import Text, cast, delete, func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from precis.errors import InvalidValue, StoreError
from precis.model import Entry, Issue, Publication, Revision, issue_label
from precis.people_names import People, fold
from precis.render.source import EditionSource
from precis.search.changes import Resolved, Update, Written, revised_since
from precis.search.documents import documents, make_documents, state
from precis.search.hits import Check, Filters, Hit, query_words
from precis.search.sqlite import SqliteSearch
from precis.store import Store, settings_of

#: Bump when the documents' content changes shape, so that old indexes are refilled.
INDEX_VERSION = "2"
MAX_LIMIT = 100
#: Full-text query operators (FTS5's, written in capitals as a user of search engines writes them):
#: a query's words are looked for whatever the database, so these are dropped, never searched as
#: the common words "and", "or", "not" that every document holds.
OPERATORS = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")


class Dialect(Protocol):
    """What each database does its own way: searching, and writing documents."""

    #: Whether a search asks, in its own transaction, whether the index is current (``search``'s
    #: ``check``), rather than ``ready`` saying so before it.
    checks_current: bool

    def ready(self) -> bool: ...
    def begin(self, session: Session, *, write: bool) -> None: ...
    def fill(self, session: Session, rows: list[dict[str, Any]]) -> None: ...
    def write(self, session: Session, written: Written) -> None: ...
    def search(self, words: list[str], filters: Filters, limit: int, check: Check | None = None) -> list[Hit] | None:
        """The hits; None when ``check``, asked first, says the index is behind the store."""


class Seen:
    """What the index reflects, or what the store is now: ``basis`` (the index's version, the
    publication and its settings), the issues (their count, newest id and numbers) and the newest
    revision. A change of ``basis`` needs a refill; of ``issues`` a look at the issues' names."""

    def __init__(self, basis: str | None, issues: str | None, revision: int | None) -> None:
        self.basis, self.issues, self.revision = basis, issues, revision

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Seen) and (self.basis, self.issues, self.revision) == (
            other.basis, other.issues, other.revision)

    __hash__ = None  # type: ignore[assignment]


class SearchIndex:
    """Searches one store's public archive, updating the index when the store changed."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = store.engine.dialect.name
        backend: Dialect
        if self.dialect == "sqlite":
            backend = SqliteSearch(store)
        elif self.dialect == "postgresql":
            # Imported here: psycopg's import is a tenth of a second of every SQLite command's start.
            from precis.search.postgres import PostgresSearch

            backend = PostgresSearch(store)
        else:
            raise StoreError(f"{store.display}: search needs SQLite or PostgreSQL, not {self.dialect}")
        self.backend = backend
        #: How many times this index was refilled and updated (for tests and benchmarks).
        self.refills = self.updates = 0
        # The store's resolver and public entries as of a revision: kept from the last refill or
        # update, so that an update after a save that adds a cross-reference need not read every
        # entry again (valid while no entry's identity changed: ``changes.Update``).
        self._resolved: tuple[int, Resolved] | None = None
        # The summarizer texts of the documents, as of what the index reflected (``seen``): read
        # once per state of the index, not at every filtered search (100,000 rows at that size).
        self._summarizers: tuple[tuple[str | None, str | None, int | None], list[str]] | None = None

    # -- freshness ---------------------------------------------------------------------------

    def fingerprint(self, session: Session) -> str:
        """The newest revision, the newest entry and the number of issues: what the archive site's
        server compares to know whether its pages show the store as it is (``precis.web``). Every
        change to an entry leaves a revision (a deletion too), and a new entry has the highest id;
        each of these is read from the end of an index (counting the entries read every row)."""
        row: Any = session.execute(select(
            select(func.max(Revision.id)).scalar_subquery(),
            select(func.max(Entry.id)).scalar_subquery(),
            select(func.count()).select_from(Issue).scalar_subquery(),
        )).one()
        newest, entry, issues = row
        return f"{INDEX_VERSION}:{newest or 0}:{entry or 0}:{issues or 0}"

    def now(self, session: Session) -> Seen:
        """What the store is now (one query)."""
        return self._now_and_seen(session)[0]

    def seen(self, session: Session) -> Seen:
        """What the index reflects (all None if it was never filled)."""
        saved: dict[str, str] = dict(session.execute(
            select(state.c.name, state.c.value).where(state.c.name.in_(_SEEN))
        ).all())
        return _seen(*(saved.get(name) for name in _SEEN))

    def _now_and_seen(self, session: Session) -> tuple[Seen, Seen]:
        """What the store is now and what the index reflects, in one query (a PostgreSQL search asks
        it in its own transaction: ``_CHECK``)."""
        return _now_and_seen(session.execute(_NOW_AND_SEEN).one())

    def is_current(self) -> bool:
        """Whether the index reflects the store as it is now."""
        with self.store.session() as s:
            now, seen = self._now_and_seen(s)
            return now == seen

    def ready(self) -> bool:
        """Whether a search from this thread can start at once, the index known to be current
        without a query. A server calls ``refresh()`` off its event loop when not."""
        return self.backend.ready()

    def refresh(self, force: bool = False) -> bool:
        """Bring the index up to date if the store changed since it was last written (refill it
        if ``force``); True if it was written."""
        try:
            if not force:
                if self.is_current():
                    return False
                done = self._update()
                if done is not None:
                    return done
            self._refill(force)
        except OperationalError as exc:
            if "readonly" not in str(exc.orig):
                raise
            return self._read_only()
        return True

    def _update(self) -> bool | None:
        """Update the index from the revisions since it was written, in one transaction that
        takes the index's write lock first; True if it wrote, False if another had brought it
        up to date meanwhile, None if it must be refilled."""
        with self.store.session(by="search index") as s:
            self.backend.begin(s, write=True)
            now, seen = self._now_and_seen(s)
            if now == seen:
                return False
            if seen.basis != now.basis or seen.revision is None:
                return None
            revised = revised_since(s, seen.revision, now.revision or 0)
            if revised is None or (seen.issues != now.issues and self._renamed_issues(s, set(revised))):
                return None
            publication = self.store.default_publication(s)
            kept = self._resolved
            update = Update(s, publication, settings_of(publication),
                            kept[1] if kept is not None and kept[0] == seen.revision else None)
            written = update.run(revised)
            if written is None:
                return None
            self._resolved = (now.revision or 0, update.resolved) if update.resolved is not None else None
            self.backend.write(s, written)
            _save(s, now, written.touched)
        self.updates += 1
        return True

    def _renamed_issues(self, session: Session, revised: set[int]) -> bool:
        """Whether a document of an entry not revised names its entry's issue otherwise than the
        issue is named now (which no revision records)."""
        rows: Any = session.execute(
            select(documents.c.entry_id, documents.c.issue, Issue.series, Issue.number)
            .join(Entry, Entry.id == documents.c.entry_id)
            .outerjoin(Issue, Issue.id == Entry.issue_id)
            .where(documents.c.issue.is_not(None))
        )
        return any(
            label != (issue_label(series, number) if series is not None else None)
            for entry_id, label, series, number in rows if entry_id not in revised
        )

    def _refill(self, force: bool) -> None:
        # Read in one snapshot, the store as of the revision recorded; written under the index's
        # lock, unless another wrote a newer state meanwhile.
        with self.store.session() as s:
            self.backend.begin(s, write=False)
            now = self.now(s)
            source = EditionSource.read(s, self.store.default_publication(s))
            rows = make_documents(source)
        self._resolved = (now.revision or 0, (source.resolver, source.public_ids))
        with self.store.session(by="search index") as s:
            self.backend.begin(s, write=True)
            seen = self.seen(s)
            ahead = seen.revision is not None and now.revision is not None and seen.revision >= now.revision
            if not force and ahead and (seen.basis, seen.issues) == (now.basis, now.issues):
                return  # another wrote the index as of this revision or a later one meanwhile
            self.backend.fill(s, rows)
            _save(s, now, None)
        self.refills += 1

    def _read_only(self) -> bool:
        """A store that cannot be written is searched as its index was last written; one never
        filled cannot be searched."""
        with self.store.session() as s:
            filled = self.seen(s).basis
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
        hits = self._find(query, category, year, summarizer, limit, refresh=refresh, write=True)
        assert hits is not None
        return hits

    def search_if_current(
        self,
        query: str,
        *,
        category: str | None = None,
        year: int | None = None,
        summarizer: str | None = None,
        limit: int = 10,
    ) -> list[Hit] | None:
        """``search``, or None when the index is behind the store (then ``search`` brings it up to
        date): it never writes, so a server answers on its event loop and brings the index up to
        date, which can take seconds, off it."""
        return self._find(query, category, year, summarizer, limit, refresh=True, write=False)

    def _find(
        self, query: str, category: str | None, year: int | None, summarizer: str | None, limit: int,
        *, refresh: bool, write: bool,
    ) -> list[Hit] | None:
        if limit < 1 or limit > MAX_LIMIT:
            raise InvalidValue("limit", limit, f"give a number from 1 to {MAX_LIMIT}")
        words = query_words(OPERATORS.sub(" ", query))
        if not words:
            if query_words(query):
                return []  # only operators (AND, OR, NOT, NEAR): nothing to look for
            raise InvalidValue("query", query, "give at least one word to search for")
        ask = refresh and not self.backend.ready()
        # A summarizer filter reads the index's names before the search: the index is brought up
        # to date first, as it is where the search cannot ask (``checks_current``).
        if ask and (not self.backend.checks_current or summarizer):
            if write:
                self.refresh()
            elif not self.is_current():
                return None
            ask = False
        hits = self._search(words, category, year, summarizer, limit, _CHECK if ask else None)
        if hits is None and write:  # the index was behind the store
            self.refresh()
            hits = self._search(words, category, year, summarizer, limit, None)
        return hits

    def _search(
        self, words: list[str], category: str | None, year: int | None, summarizer: str | None, limit: int,
        check: Check | None,
    ) -> list[Hit] | None:
        summarizers = self.summarizer_texts(summarizer) if summarizer and summarizer.strip() else None
        if summarizers is not None and not summarizers:
            return []
        return self.backend.search(words, Filters(category, year, summarizers), limit, check)

    def summarizer_texts(self, name: str) -> frozenset[str]:
        """The summarizer texts of the index that name the person ``name`` is (``precis.people_names``)."""
        with self.store.session() as s:
            people = People.load(s, self.store.default_publication(s))
            seen = self.seen(s)
            key = (seen.basis, seen.issues, seen.revision)
            if self._summarizers is None or self._summarizers[0] != key:
                column = documents.c.summarizer
                self._summarizers = (key, list(s.scalars(select(column).distinct().where(column.is_not(None)))))
            written = self._summarizers[1]
            person = fold(people.canonical(name))
            return frozenset(w for w in written if person in map(fold, people.people(w)))


#: The names under which ``search_state`` records what the index reflects (``Seen``).
_SEEN = ("basis", "issues", "revision")


#: The statement of ``_now_and_seen``, made once (making it took longer than PostgreSQL's answering it).
_NOW_AND_SEEN = select(
    select(func.max(Revision.id)).scalar_subquery(),
    func.count(Issue.id), func.max(Issue.id), func.sum(Issue.number),
    select(Publication.id).order_by(Publication.id).limit(1).scalar_subquery(),
    select(cast(Publication.settings, Text)).order_by(Publication.id).limit(1).scalar_subquery(),
    *(select(state.c.value).where(state.c.name == name).scalar_subquery() for name in _SEEN),
).select_from(Issue)


def _now_and_seen(row: Any) -> tuple[Seen, Seen]:
    """What ``_NOW_AND_SEEN``'s row says the store is now and the index reflects."""
    newest, count, top, numbers, pub, settings, *saved = row
    digest = hashlib.sha256(str(settings or "").encode()).hexdigest()[:16]
    return Seen(f"{INDEX_VERSION}:{pub}:{digest}", f"{count}:{top}:{numbers}", int(newest or 0)), _seen(*saved)


def _current(row: Any) -> bool:
    now, seen = _now_and_seen(row)
    return now == seen


#: Whether the index is current, asked in a search's transaction (``Dialect.checks_current``).
_CHECK = Check(_NOW_AND_SEEN, _current)


def _seen(basis: str | None, issues: str | None, revision: str | None) -> Seen:
    return Seen(basis, issues, int(revision) if revision is not None else None)


def _save(session: Session, now: Seen, touched: set[int] | None) -> None:
    """Record what the index reflects, and which documents this write changed (None: all), for
    readers that keep documents' fields in memory (``sqlite``): "generation before:ids"."""
    generation = int(session.scalar(select(state.c.value).where(state.c.name == "generation")) or 0)
    changed = "*" if touched is None else ",".join(map(str, sorted(touched)))
    values = {
        "basis": now.basis, "issues": now.issues, "revision": str(now.revision), "generation": str(generation + 1),
        "changed": f"{generation}:{changed}",
    }
    session.execute(delete(state).where(state.c.name.in_([*values, "fingerprint"])))
    session.execute(insert(state), [{"name": k, "value": v} for k, v in values.items()])
