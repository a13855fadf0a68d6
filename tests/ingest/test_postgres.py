"""The same queue on PostgreSQL: candidates, feed state, triage and an all-or-nothing failure."""

from __future__ import annotations

from importlib import resources

import pytest
from sqlalchemy import select

from precis.errors import PrecisError
from precis.ingest import queue
from precis.ingest.config import IngestConfig
from precis.ingest.model import Candidate
from precis.ingest.pipeline import ingest_arxiv, ingest_feed
from precis.sheets import read_file
from precis.store import Store, import_records

from .conftest import PASS, Canned, FixtureServer


def test_ingest_and_triage_on_postgresql(pg_url: str, server: FixtureServer) -> None:
    store = Store(pg_url)
    store.init()
    with resources.as_file(resources.files("precis.data") / "sample.csv") as sample:
        import_records(store, read_file(sample))
    feed = server.url("/conditional/feed_known.xml")
    first = ingest_feed(store, feed, IngestConfig.from_env())
    assert first.count(queue.NEW_WORK) == 5 and first.count(queue.REPEAT) == 1
    assert ingest_feed(store, feed, IngestConfig.from_env()).not_modified

    ranked = queue.list_candidates(store)
    assert len(ranked) == 5 and all(c.explanation for c in ranked)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    queue.set_priority(store, [ranked[0].id], 7)
    queue.skip(store, [ranked[-1].id], "off topic")
    assert [c.priority for c in queue.list_candidates(store, "summarize")] == [7]

    with store.session() as s:
        before = [(c.id, c.state, c.priority, c.score) for c in s.scalars(select(Candidate).order_by(Candidate.id))]
    server.script("/api/query", Canned(PASS), Canned(500), Canned(500), Canned(500))
    with pytest.raises(PrecisError, match=r"^arXiv API \(query 'cat:cs.AI', results 3–4\): HTTP 500"):
        ingest_arxiv(store, "cat:cs.AI", IngestConfig.from_env(arxiv_page_size=2))
    with store.session() as s:
        after = [(c.id, c.state, c.priority, c.score) for c in s.scalars(select(Candidate).order_by(Candidate.id))]
    assert after == before
    store.close()
