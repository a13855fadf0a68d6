"""What search keeps when a store's schema is upgraded (PostgreSQL's words moved to a narrow table
of their own), and what tells the archive's server that the store changed."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from precis.model import Entry, Person
from precis.newsroom import entries as newsroom_entries
from precis.search import SearchIndex
from precis.store import Store, alembic_config
from precis.web.app import Snapshot
from tests.helpers import load_sample

QUERIES = ["convergence", "reward learning", "neural networks", "the", "safety problems"]


def test_an_index_filled_before_the_upgrade_finds_the_same_after_it_without_a_refill(pg_url):
    store = load_sample(Store(pg_url))
    index = SearchIndex(store)
    before = {q: [h.to_json() for h in index.search(q, limit=20)] for q in QUERIES}
    assert any(before.values())
    command.downgrade(alembic_config(pg_url), "search_0001")  # as the store was before the upgrade
    with store.session() as s:
        assert s.scalar(text("SELECT to_regclass('search_vector')")) is None
    store.migrate()
    upgraded = SearchIndex(store)
    assert {q: [h.to_json() for h in upgraded.search(q, limit=20)] for q in QUERIES} == before
    assert (upgraded.refills, upgraded.updates) == (0, 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    url = str(tmp_path / "sample.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = load_sample(Store(url))
    yield store
    store.close()


def test_the_servers_snapshot_changes_with_every_edit_new_entry_and_deletion(store):
    """The archive's server rebuilds its pages when the snapshot changes (``precis.web.app.LiveSite``)."""
    seen = [Snapshot.of(store)]
    person = Person(name="Ed Itor", email="ed@example.org", role="editor", aliases=[], active=True)
    with store.session(by="test") as s:
        s.add(person)
        s.flush()
        entry = s.scalars(select(Entry).order_by(Entry.id)).first()
        assert entry is not None
        entry_id, version, publication_id = entry.id, entry.version, entry.publication_id
        s.expunge(person)
    assert Snapshot.of(store) == seen[-1]  # a person is not on the archive
    newsroom_entries.save_entry(store, person, entry_id, version, {"summary": "A new summary."})
    seen.append(Snapshot.of(store))
    with store.session(by="test") as s:
        s.add(Entry(title="A work added since", publication_id=publication_id))
    seen.append(Snapshot.of(store))
    with store.session(by="test") as s:
        s.delete(s.get(Entry, entry_id))
    seen.append(Snapshot.of(store))
    assert len({snapshot.fingerprint for snapshot in seen}) == len(seen) == 4
    assert [snapshot.revision for snapshot in seen] == sorted({snapshot.revision for snapshot in seen})
