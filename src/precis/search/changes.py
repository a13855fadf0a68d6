"""Bringing the search index up to date with the entries revised since it was last written.

Every change to an entry leaves a revision with the entry before and after
(``precis.store.revisions``), and the index records the newest revision it reflects. An update
derives again the documents of the entries revised since, and of the few others whose documents
depend on them:

- An entry's path is unique among entries whose titles make the same slug (``urls.entry_slugs``):
  when an entry's title, issue, place or public status changed (its *identity*), the documents
  whose path starts with its old or new slug are given their paths again, together.
- An entry's boost counts the public entries that refer to it (``documents.boost``). A revised
  entry whose references changed lifts or lowers each of their targets by one, from the count the
  stored boost was made from. When an entry's identity changed, what a reference to its old or new
  title resolves to may have changed too: the entries with those titles are counted again, from
  the texts that name them.

An update gives up (``None``: the caller refills the index) when more entries changed than a refill
would cost (an import), or when new paths would meet a path outside the entries given them again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, delete, distinct, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from precis.markup import Resolver, find_references, normalize_key
from precis.model import Entry, EntryAuthor, Opinion, Publication, Revision
from precis.public import EntryData, OpinionData, is_public, private_view, public_view
from precis.publication import Settings
from precis.render.source import EditionSource
from precis.search.documents import boost, document, documents, referred
from precis.site import urls

#: What resolves public cross-references: the resolver over every entry, and the public entries' ids.
Resolved = tuple[Resolver, frozenset[int]]
#: Beyond this many revised entries an update gives way to a refill (which reads every entry once).
MAX_REVISED = 2000
#: What of an entry decides which references resolve to it and where its page is.
IDENTITY = ("title", "issue", "position", "public_level", "status", "publication_id")
_CHUNK = 500


@dataclass
class Revised:
    """An entry as the index last saw it (None: made since) and as it is now (None: deleted)."""

    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def identity_changed(self) -> bool:
        return _identity(self.before) != _identity(self.after)

    @property
    def references_changed(self) -> bool:
        """Whether its references may reach other entries than before (texts or public level)."""
        return self.identity_changed or _reference_keys(self.before) != _reference_keys(self.after)


@dataclass
class Written:
    """What an update writes: whole documents, and new boosts or paths of other documents."""

    removed: set[int] = field(default_factory=set)
    rows: list[dict[str, Any]] = field(default_factory=list)
    boosts: dict[int, float] = field(default_factory=dict)
    paths: dict[int, str] = field(default_factory=dict)

    @property
    def replaced(self) -> set[int]:
        """The documents removed or written whole (their words changed)."""
        return self.removed | {r["entry_id"] for r in self.rows}

    @property
    def touched(self) -> set[int]:
        return self.replaced | set(self.boosts) | set(self.paths)

    def apply(self, session: Session) -> None:
        """Write it to ``search_document`` (a full-text index outside the table is the caller's)."""
        c = documents.c
        for chunk in _chunks(sorted(self.replaced)):
            session.execute(delete(documents).where(c.entry_id.in_(chunk)))
        if self.rows:
            session.execute(insert(documents), self.rows)
        for name, values in (("boost", self.boosts), ("path", self.paths)):
            if values:
                session.execute(
                    update(documents).where(c.entry_id == bindparam("id")).values({name: bindparam("value")}),
                    [{"id": i, "value": v} for i, v in values.items()],
                )


def revised_since(session: Session, since: int, newest: int) -> dict[int, Revised] | None:
    """The entries revised after revision ``since`` up to ``newest``; None if too many."""
    window = (Revision.id > since, Revision.id <= newest)
    if (session.scalar(select(func.count(distinct(Revision.entry_id))).where(*window)) or 0) > MAX_REVISED:
        return None
    out: dict[int, Revised] = {}
    rows: Any = session.execute(
        select(Revision.entry_id, Revision.before, Revision.after).where(*window).order_by(Revision.id)
    )
    for entry_id, before, after in rows:
        if entry_id in out:
            out[entry_id].after = after
        else:
            out[entry_id] = Revised(before, after)
    return out


class Update:
    """The documents to write for a set of revised entries of one publication (see the module doc)."""

    def __init__(
        self, session: Session, publication: Publication, settings: Settings, resolved: Resolved | None = None,
    ) -> None:
        """``resolved``: the store's resolver and public entries as of the revision the index
        reflects, if the caller kept them (building them reads every entry); used only while no
        revised entry's identity changed."""
        self.session = session
        self.publication = publication
        self.settings = settings
        self.resolved = resolved

    def run(self, revised: dict[int, Revised]) -> Written | None:
        stored = self._stored(revised)
        now = self._public_views(revised)
        out = Written(removed={i for i in revised if i in stored and i not in now})
        # An entry the index lacks though it is public is given its path and count like a new one.
        identity = {i for i, r in revised.items() if r.identity_changed} | (set(now) - set(stored))
        if identity:
            self.resolved = None  # what references resolve to may have changed
        titles = {normalize_key(s["title"]) for i in identity for s in (revised[i].before, revised[i].after) if s}
        titles |= {normalize_key(now[i].title) for i in identity if i in now}
        paths = {i: stored[i][0] for i in now if i in stored}
        # Paths are shared out among the entries with documents only: those that had or have one.
        placed = {i for i in identity if i in now or i in stored}
        if placed:
            moved = self._paths(placed, revised, now, out.removed)
            if moved is None:
                return None
            for i, path in moved.items():
                if i in now:
                    paths[i] = path
                elif i not in stored or stored[i][0] != path:
                    out.paths[i] = path
        counts = self._counts(revised, now, stored, titles, out.removed)
        for i, view in now.items():
            out.rows.append(document(view, self.settings, paths[i], counts[i]))
        out.boosts = {t: boost(n) for t, n in counts.items() if t not in now}
        return out

    # -- reading ---------------------------------------------------------------------------------

    def _stored(self, ids: Iterable[int]) -> dict[int, tuple[str, float]]:
        """Path and boost of the documents of ``ids`` that the index holds."""
        out: dict[int, tuple[str, float]] = {}
        for chunk in _chunks(list(ids)):
            c = documents.c
            rows: Any = self.session.execute(select(c.entry_id, c.path, c.boost).where(c.entry_id.in_(chunk)))
            for entry_id, path, value in rows:
                out[entry_id] = (path, value)
        return out

    def _public_views(self, ids: Iterable[int]) -> dict[int, EntryData]:
        """The public views of those of ``ids`` that are public entries of the publication."""
        out = {}
        for view in views(self.session, ids).values():
            public = public_view(view) if self._ours(view.id) else None
            if public is not None:
                out[view.id] = public
        return out

    def _ours(self, entry_id: int) -> bool:
        return self.session.get(Entry, entry_id).publication_id == self.publication.id  # type: ignore[union-attr]

    # -- paths -----------------------------------------------------------------------------------

    def _paths(
        self, identity: set[int], revised: dict[int, Revised], now: dict[int, EntryData], removed: set[int],
    ) -> dict[int, str] | None:
        """New paths of the public entries whose slugs start like those of the entries whose
        identity changed (theirs included); None if one would take a path kept by another."""
        slugs = {urls.slugify(s["title"]) for i in identity for s in (revised[i].before, revised[i].after) if s}
        slugs |= {urls.slugify(now[i].title) for i in identity if i in now}
        c = documents.c
        near: set[int] = set(self.session.scalars(
            select(c.entry_id).where(or_(*(c.path.startswith(urls.entry_path(s)[:-1]) for s in slugs)))
        ))
        group = (near - removed) | (identity & set(now))
        others = self._public_views(group - set(now))
        if len(others) != len(group - set(now)):
            return None  # a document of an entry that is not public: the index is not as recorded
        members = [*(now[i] for i in group if i in now), *others.values()]
        given = {v.id: urls.entry_path(s) for v, s in _slugged(members, self.settings.series)}
        taken = {
            entry_id for chunk in _chunks(list(given.values())) for (entry_id,) in self.session.execute(
                select(c.entry_id).where(c.path.in_(chunk))
            )
        }
        return None if taken - group - removed else given

    # -- counts ----------------------------------------------------------------------------------

    def _counts(
        self, revised: dict[int, Revised], now: dict[int, EntryData], stored: dict[int, tuple[str, float]],
        titles: set[str], removed: set[int],
    ) -> dict[int, int]:
        """How many public entries refer to each public revised entry, and to every other entry
        whose count changed."""
        counts = {i: referred(stored[i][1]) for i in now if i in stored}
        changing = [i for i, r in revised.items() if r.references_changed]
        if not changing and not titles:
            return counts
        # Entries whose title a changed identity had or has: counted again from the texts.
        recount: set[int] = set()
        if titles:
            recount = (self._titled(titles) - removed - set(revised)) | {
                i for i, v in now.items() if normalize_key(v.title) in titles}
        if recount:
            referrers = self._public_views(self._naming(titles))
            found: dict[int, int] = dict.fromkeys(recount, 0)
            for targets in self._source(list(referrers.values())).public_references().values():
                for t in targets:
                    if t in found:
                        found[t] += 1
            counts.update(found)
        delta: dict[int, int] = defaultdict(int)
        for i in changing:
            r = revised[i]
            ours = r.before is not None and r.before.get("publication_id") == self.publication.id
            before = self._targets(_snapshot_view(i, r.before)) if r.before and ours else set()
            after = self._targets(now[i]) if i in now else set()
            for t in after - before:
                delta[t] += 1
            for t in before - after:
                delta[t] -= 1
        moved = {t: d for t, d in delta.items() if d and t not in recount and t not in removed}
        base = self._stored(t for t in moved if t not in counts)
        for t, d in moved.items():
            if t in counts:
                counts[t] += d
            elif t in base:  # else not a document of the index (another publication's entry)
                counts[t] = referred(base[t][1]) + d
        return counts

    def _resolver(self) -> Resolved:
        """The store's resolver and public entries as they are now (read once)."""
        if self.resolved is None:
            public_ids = frozenset(
                i for i, level, status in self.session.execute(select(Entry.id, Entry.public_level, Entry.status))
                if is_public(level, status)
            )
            self.resolved = (Resolver.from_session(self.session, self.settings.series), public_ids)
        return self.resolved

    def _source(self, entries: list[EntryData]) -> EditionSource:
        """A source holding only ``entries``, to ask what their public texts refer to."""
        resolver, public_ids = self._resolver()
        return EditionSource(
            self.publication.id, self.publication.house_style, self.settings, [], entries, {}, resolver,
            public_ids, {},
        )

    def _targets(self, view: EntryData) -> set[int]:
        """The public entries the public view of ``view`` refers to (none if it has no public view)."""
        if public_view(view) is None:
            return set()
        return set(self._source([view]).public_references().get(view.id, ()))

    def _titled(self, titles: set[str]) -> set[int]:
        """The documents whose title is one of ``titles`` (as references name them)."""
        c = documents.c
        rows: Any = self.session.execute(select(c.entry_id, c.title).where(_mentions(c.title, titles)))
        return {entry_id for entry_id, title in rows if normalize_key(title) in titles}

    def _naming(self, titles: set[str]) -> set[int]:
        """The entries with a text holding a reference to one of ``titles``."""
        found: set[int] = set()
        columns = (Entry.summary, Entry.prerequisites, Entry.read_more)
        queries = [
            *(select(Entry.id, col).where(col.contains("<@"), _mentions(col, titles)) for col in columns),
            select(Opinion.entry_id, Opinion.text).where(Opinion.text.contains("<@"), _mentions(Opinion.text, titles)),
        ]
        for query in queries:
            for entry_id, text in self.session.execute(query):
                if any(normalize_key(ref.key) in titles for ref in find_references(text)):
                    found.add(entry_id)
        return found


def views(session: Session, ids: Iterable[int]) -> dict[int, EntryData]:
    """The private views of the entries of ``ids`` that exist (as ``EditionSource.read`` makes them)."""
    out: dict[int, EntryData] = {}
    for chunk in _chunks(list(ids)):
        names: dict[int, list[str]] = defaultdict(list)
        for entry_id, name in session.execute(
            select(EntryAuthor.entry_id, EntryAuthor.name).where(EntryAuthor.entry_id.in_(chunk))
            .order_by(EntryAuthor.entry_id, EntryAuthor.position)
        ):
            names[entry_id].append(name)
        for entry in session.scalars(
            select(Entry).where(Entry.id.in_(chunk)).options(selectinload(Entry.opinions), selectinload(Entry.issue))
        ):
            out[entry.id] = private_view(entry, tuple(names.get(entry.id, ())))
    return out


def _slugged(members: list[EntryData], series: list[str]) -> list[tuple[EntryData, str]]:
    ordered = urls.archive_order(members, series)
    slugs = urls.entry_slugs(ordered)
    return [(v, slugs[v.id]) for v in ordered]


def _mentions(column: Any, titles: set[str]) -> Any:
    """A condition that every text naming one of ``titles`` meets (and few others): it holds the
    longest word of one of them, in lower case. No condition for a title whose longest word is not
    ASCII (SQL's ``lower`` and Python's ``casefold`` differ there)."""
    words = {max(t.split(), key=len) for t in titles if t.strip()}
    if not words or any(not w.isascii() for w in words):
        return column.is_not(None)
    return or_(*(func.lower(column).contains(w, autoescape=True) for w in words))


def _identity(snapshot: dict[str, Any] | None) -> tuple[Any, ...] | None:
    return None if snapshot is None else tuple(snapshot.get(name) for name in IDENTITY)


def _reference_keys(snapshot: dict[str, Any] | None) -> dict[str, frozenset[str]] | None:
    """The keys of the references in each text of a revision's snapshot that has any (the
    opinions' together: they are public or not together)."""
    if snapshot is None:
        return None
    texts: dict[str, list[str]] = {name: [value] for name, value in snapshot.items() if isinstance(value, str)}
    texts["opinions"] = [o.get("text") or "" for o in snapshot.get("opinions", [])]
    out = {name: frozenset(normalize_key(r.key) for text in values for r in find_references(text))
           for name, values in texts.items()}
    return {name: keys for name, keys in out.items() if keys}


def _snapshot_view(entry_id: int, snapshot: dict[str, Any]) -> EntryData:
    """A view of an entry as a revision's snapshot recorded it, holding what decides what its public
    texts refer to (its public level, status and texts) and nothing else."""
    return EntryData(
        id=entry_id, position=snapshot.get("position") or 0, title=snapshot.get("title") or "", link=None,
        authors=None, author_names=(), venue=None, year=None, category=None, highlight=False, issue=None,
        updated_at=None, public_level=snapshot.get("public_level") or "", status=snapshot.get("status") or "",
        link_only=False, summarizer=None, hat_tip=None, summary=snapshot.get("summary"),
        opinions=tuple(OpinionData(o.get("author"), o.get("text") or "") for o in snapshot.get("opinions", [])),
        prerequisites=snapshot.get("prerequisites"), prerequisites_url=None, read_more=snapshot.get("read_more"),
        read_more_url=None,
    )


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]

