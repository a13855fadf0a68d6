"""A triage candidate marked "to summarize" becomes an entry: an idea, or a draft of the person who
takes it ("write it"), with the candidate's metadata and its abstract kept in the entry's notes
(notes are never public).

The entry is made by ``entries.write_entry`` (its permissions, checks, revision and activity line),
inside the same transaction that links the candidate to it, so that a candidate is made into one
entry at most even when two people click at once: the candidate is read and locked first (on SQLite
the writer's transaction holds the store's write lock; on PostgreSQL ``SELECT ... FOR UPDATE``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from precis.errors import Conflict, NotFound
from precis.ingest.model import SUMMARIZE, Candidate
from precis.model import Person
from precis.newsroom import permissions
from precis.newsroom.entries import entry_json, write_entry
from precis.record import YEAR_RANGE
from precis.store import Store


def idea_fields(c: Candidate) -> dict[str, Any]:
    """The entry's fields from the candidate: its metadata, and its abstract in the notes."""
    notes = [f"Abstract:\n{c.abstract.strip()}"] if c.abstract and c.abstract.strip() else []
    notes.append(f"From triage (candidate {c.id}, {c.source}).")
    year = c.year if c.year is not None and YEAR_RANGE[0] <= c.year <= YEAR_RANGE[1] else None
    return {
        "title": c.title, "authors": c.authors or None, "venue": c.venue or None, "year": year,
        "url": c.url or None, "priority": c.priority, "notes": "\n\n".join(notes),
    }


def _state(c: Candidate) -> dict[str, object]:
    """The candidate as it is now, for a refusal (``Conflict.current``)."""
    return {"candidate": c.id, "state": c.state, "entry_id": c.entry_id}


def make_entry(store: Store, actor: Person, candidate_id: int, write: bool = False) -> dict[str, Any]:
    """Turn a candidate marked to summarize into an entry: an idea (nobody's yet), or with
    ``write`` a draft assigned to ``actor``. The entry as the newsroom shows it (``entry_json``).
    A candidate already made into an entry (or already in the archive) is refused."""
    permissions.require(actor, "create", "create entries")
    with store.session(by=actor.name, person_id=actor.id) as s:
        pub = store.default_publication(s)
        query = select(Candidate).where(Candidate.id == candidate_id, Candidate.publication_id == pub.id)
        if not store.is_sqlite:
            query = query.with_for_update()
        cand = s.scalar(query)
        if cand is None:
            raise NotFound(f"no candidate {candidate_id}", kind="candidate", key=str(candidate_id))
        if cand.entry_id is not None:
            raise Conflict(f"candidate {candidate_id}: already made into entry {cand.entry_id}", _state(cand))
        if cand.state != SUMMARIZE:
            raise Conflict(f"candidate {candidate_id}: is {cand.state}: mark it to summarize first", _state(cand))
        person = s.get(Person, actor.id)
        if person is None:
            raise NotFound(f"{actor.email} is no longer on the team", kind="person", key=actor.email)
        entry = write_entry(s, store, person, idea_fields(cand), "draft" if write else "idea")
        cand.entry_id = entry.id
        cand.match = f"made into entry {entry.id} by {actor.name}"
        return entry_json(entry)


def made_entries(store: Store, candidate_ids: list[int]) -> dict[int, int]:
    """candidate id -> the entry it is (made into, or already in the archive), for those that are."""
    if not candidate_ids:
        return {}
    with store.session() as s:
        rows = s.execute(
            select(Candidate.id, Candidate.entry_id)
            .where(Candidate.id.in_(candidate_ids), Candidate.entry_id.is_not(None))
        )
        return {c: e for c, e in rows if e is not None}
