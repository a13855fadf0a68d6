"""The triage queue in the store: adding works as candidates, ranking them, and triage itself.

Every function here is one transaction (``Store.session``): a batch of works is stored whole, with
its feed's conditional-GET state, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.authors import parse_authors
from precis.errors import PrecisError
from precis.ingest.dedup import Index, Keys
from precis.ingest.model import NEW, SKIPPED, STATES, SUMMARIZE, Candidate, FeedState
from precis.ingest.work import Work
from precis.model import Entry, Issue, Publication, issue_label, utcnow
from precis.store import Store, settings_of

NEW_WORK = "new"
ARCHIVED = "archived"  # already summarized: an entry of the archive
QUEUED = "queued"  # already a candidate from an earlier run
REPEAT = "repeat"  # twice in the same batch


@dataclass
class Outcome:
    work: Work
    status: str  # NEW_WORK, ARCHIVED, QUEUED or REPEAT
    candidate_id: int
    note: str = ""  # "already in AN #58 (same arXiv id 1811.10840)"


@dataclass
class Report:
    """What one source brought."""

    source: str
    outcomes: list[Outcome] = field(default_factory=list)
    not_modified: bool = False

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


@dataclass
class FeedUpdate:
    """A feed's validators to remember, written in the same transaction as its items."""

    url: str
    etag: str | None
    last_modified: str | None
    changed: bool


@dataclass(frozen=True)
class ArchivedRef:
    entry_id: int
    label: str  # "AN #58", or "the archive (entry 12, not sent)"
    order: tuple[int, int]


def add_works(store: Store, works: list[Work], source: str, feed: FeedUpdate | None = None) -> Report:
    """Store new works as candidates, recognising those already summarized or already queued."""
    report = Report(source)
    with store.session(by="ingest") as s:
        pub = store.default_publication(s)
        archive = archive_index(s, pub)
        queue = candidate_index(s, pub.id)
        fresh: set[int] = set()
        pending: list[tuple[Work, str, Candidate, str]] = []
        for work in works:
            keys = Keys.of_work(work)
            known = queue.match(keys)
            if known is not None:
                cand = known.items[0]
                _fill_missing(cand, work)
                status = REPEAT if id(cand) in fresh else QUEUED
                pending.append((work, status, cand, known.reason))
                if cand.entry_id is None and cand.state == NEW:
                    _mark_archived(cand, archive, keys)
                continue
            cand = _candidate(work, pub.id, keys)
            _mark_archived(cand, archive, keys)
            s.add(cand)
            queue.add(cand, keys)
            fresh.add(id(cand))
            pending.append((work, NEW_WORK, cand, ""))
        if feed is not None:
            _remember_feed(s, pub.id, feed)
        s.flush()
        for work, status, cand, reason in pending:
            if status == NEW_WORK and cand.entry_id is not None:
                report.outcomes.append(Outcome(work, ARCHIVED, cand.id, cand.match or ""))
            elif status == NEW_WORK:
                report.outcomes.append(Outcome(work, NEW_WORK, cand.id))
            elif status == REPEAT:
                report.outcomes.append(Outcome(work, REPEAT, cand.id, f"appears twice in this batch ({reason})"))
            else:
                note = (
                    (cand.match or "") if cand.entry_id is not None else f"already a candidate ({cand.state}; {reason})"
                )
                report.outcomes.append(Outcome(work, QUEUED, cand.id, note))
        rescore(s, pub.id)
    return report


def remember_not_modified(store: Store, url: str) -> None:
    """A feed answered 304: note when it was checked; its validators stay as they are."""
    with store.session(by="ingest") as s:
        pub = store.default_publication(s)
        state = s.scalar(select(FeedState).where(FeedState.publication_id == pub.id, FeedState.url == url))
        if state is not None:
            state.checked_at = utcnow()


def feed_validators(store: Store, url: str) -> tuple[str | None, str | None]:
    """The ETag and Last-Modified a feed sent last time, to send back as If-None-Match/-Modified-Since."""
    with store.session() as s:
        pub = store.default_publication(s)
        state = s.scalar(select(FeedState).where(FeedState.publication_id == pub.id, FeedState.url == url))
        return (state.etag, state.last_modified) if state else (None, None)


def rescore(session: Session, publication_id: int) -> int:
    """Score every candidate still waiting for triage against the current archive."""
    waiting = list(
        session.scalars(
            select(Candidate).where(Candidate.publication_id == publication_id, Candidate.state == NEW)
        )
    )
    if not waiting:
        return 0
    from precis.ingest.rank import Ranker  # scikit-learn: imported only when there is work to score

    ranker = Ranker.from_store(session, publication_id)
    for cand, scored in zip(waiting, ranker.score([(c.title, c.abstract) for c in waiting]), strict=True):
        cand.score = scored.score
        cand.explanation = scored.explanation
    return len(waiting)


def archive_index(session: Session, pub: Publication) -> Index[ArchivedRef]:
    """Every entry of the publication under its keys (links, arXiv id, DOI, title)."""
    series_order = {name: i for i, name in enumerate(settings_of(pub).series)}
    index: Index[ArchivedRef] = Index()
    rows = session.execute(
        select(Entry.id, Entry.title, Entry.title_url, Entry.url, Entry.issue_note, Issue.series, Issue.number)
        .outerjoin(Issue, Entry.issue_id == Issue.id)
        .where(Entry.publication_id == pub.id)
        .order_by(Entry.id)
    )
    for entry_id, title, title_url, url, note, series, number in rows:
        if series is not None:
            rank = (series_order.get(series, len(series_order)), number)
            ref = ArchivedRef(entry_id, issue_label(series, number), rank)
        else:
            ref = ArchivedRef(entry_id, f"the archive (entry {entry_id}, {note or 'not sent'})", (1 << 30, entry_id))
        index.add(ref, Keys.of(title, [title_url, url]))
    return index


def candidate_index(session: Session, publication_id: int) -> Index[Candidate]:
    index: Index[Candidate] = Index()
    for cand in session.scalars(select(Candidate).where(Candidate.publication_id == publication_id)):
        index.add(cand, Keys.of(cand.title, [cand.url], cand.arxiv_id, cand.doi))
    return index


def _candidate(work: Work, publication_id: int, keys: Keys) -> Candidate:
    return Candidate(
        publication_id=publication_id,
        title=work.title,
        authors=work.authors_text,
        venue=work.venue,
        year=work.year,
        published=work.published,
        abstract=work.abstract,
        url=work.url,
        arxiv_id=work.arxiv_id,
        arxiv_version=work.arxiv_version,
        doi=work.doi,
        url_key=min(keys.urls) if keys.urls else None,
        title_key=keys.title,
        source=work.source,
        found_at=utcnow(),
        state=NEW,
    )


def _mark_archived(cand: Candidate, archive: Index[ArchivedRef], keys: Keys) -> None:
    """A work the publication already summarized is skipped at once, saying where it went out."""
    found = archive.match(keys)
    if found is None:
        return
    refs = sorted(found.items, key=lambda r: r.order)
    labels = list(dict.fromkeys(r.label for r in refs))
    already = "already in " + " and ".join(labels)
    cand.entry_id = refs[0].entry_id
    cand.match = f"{already} ({found.reason})"
    cand.state = SKIPPED
    cand.priority = None
    cand.reason = already
    cand.score = None
    cand.explanation = None


def _fill_missing(cand: Candidate, work: Work) -> None:
    """A work seen again may say more than the first time: a DOI, a newer arXiv version, the full
    author list (an arXiv listing after a feed that named only the first author), a longer abstract."""
    for name, value in (
        ("venue", work.venue), ("year", work.year), ("published", work.published), ("url", work.url),
        ("arxiv_id", work.arxiv_id), ("doi", work.doi),
    ):
        if getattr(cand, name) in (None, "") and value not in (None, ""):
            setattr(cand, name, value)
    if len(work.authors) > len(parse_authors(cand.authors)):
        cand.authors = work.authors_text
    if work.abstract and len(work.abstract) > len(cand.abstract or ""):
        cand.abstract = work.abstract
    if work.arxiv_version and (cand.arxiv_version or 0) < work.arxiv_version:
        cand.arxiv_version = work.arxiv_version


def _remember_feed(session: Session, publication_id: int, feed: FeedUpdate) -> None:
    state = session.scalar(
        select(FeedState).where(FeedState.publication_id == publication_id, FeedState.url == feed.url)
    )
    if state is None:
        state = FeedState(publication_id=publication_id, url=feed.url)
        session.add(state)
    now = utcnow()
    state.etag = feed.etag
    state.last_modified = feed.last_modified
    state.checked_at = now
    if feed.changed:
        state.changed_at = now


# -- triage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateView:
    """A candidate as plain values, for listing outside a session."""

    id: int
    title: str
    authors: str | None
    venue: str | None
    year: int | None
    url: str | None
    state: str
    priority: int | None
    reason: str | None
    score: float | None
    explanation: str | None
    source: str
    found_at: datetime

    @classmethod
    def of(cls, c: Candidate) -> CandidateView:
        return cls(c.id, c.title, c.authors, c.venue, c.year, c.url, c.state, c.priority, c.reason,
                   c.score, c.explanation, c.source, c.found_at)


def list_candidates(store: Store, state: str = NEW, limit: int | None = None) -> list[CandidateView]:
    """Candidates in a triage state, best first: by predicted interest for new ones, by priority
    for those to summarize, most recent first for skipped ones. ``state`` "all" lists every one."""
    if state != "all" and state not in STATES:
        raise PrecisError(f"--state {state!r}: expected one of {', '.join(STATES)} or all")
    with store.session() as s:
        pub = store.default_publication(s)
        query = select(Candidate).where(Candidate.publication_id == pub.id)
        if state != "all":
            query = query.where(Candidate.state == state)
        cands = list(s.scalars(query))
    rank = {NEW: 0, SUMMARIZE: 1, SKIPPED: 2}

    def order(c: Candidate) -> tuple:
        if c.state == NEW:
            return (rank[c.state], -(c.score or 0.0), c.id)
        if c.state == SUMMARIZE:
            return (rank[c.state], -(c.priority or 0), -(c.score or 0.0), c.id)
        return (rank[c.state], -c.updated_at.timestamp(), -c.id)

    cands.sort(key=order)
    return [CandidateView.of(c) for c in cands[:limit]]


def set_priority(store: Store, ids: Iterable[int], priority: int) -> list[CandidateView]:
    """Mark candidates "to summarize" with a priority from 1 (low) to 10 (high)."""
    if not 1 <= priority <= 10:
        raise PrecisError(f"--priority {priority}: a priority is a whole number from 1 to 10")
    return _triage(store, ids, SUMMARIZE, priority=priority, reason=None)


def skip(store: Store, ids: Iterable[int], reason: str | None) -> list[CandidateView]:
    """Mark candidates skipped, with the reason if one is given."""
    return _triage(store, ids, SKIPPED, priority=None, reason=(reason or "").strip() or None)


def reopen(store: Store, ids: Iterable[int]) -> list[CandidateView]:
    """Put candidates back in the queue of new ones."""
    return _triage(store, ids, NEW, priority=None, reason=None)


def _triage(
    store: Store, ids: Iterable[int], state: str, priority: int | None, reason: str | None
) -> list[CandidateView]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        raise PrecisError("give at least one candidate id (see `precis triage list`)")
    with store.session(by="triage") as s:
        pub = store.default_publication(s)
        found = {
            c.id: c
            for c in s.scalars(
                select(Candidate).where(Candidate.publication_id == pub.id, Candidate.id.in_(wanted))
            )
        }
        missing = [str(i) for i in wanted if i not in found]
        if missing:
            raise PrecisError(f"no candidate with id {', '.join(missing)} (see `precis triage list --state all`)")
        for c in found.values():
            c.state = state
            c.priority = priority
            c.reason = reason
        if state == NEW:
            rescore(s, pub.id)
        s.flush()
        return [CandidateView.of(found[i]) for i in wanted]
