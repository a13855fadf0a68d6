"""The triage queue in a real store: deduplication across runs, conditional GET, triage, ranking."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from precis.errors import PrecisError
from precis.ingest import queue
from precis.ingest.config import IngestConfig
from precis.ingest.pipeline import ingest_all, ingest_arxiv, ingest_feed, ingest_urls
from precis.ingest.model import NEW, SKIPPED, SUMMARIZE, Candidate, FeedState
from precis.store import Store

from .conftest import FixtureServer


def config() -> IngestConfig:
    return IngestConfig.from_env()


def candidates(store: Store) -> list[Candidate]:
    with store.session() as s:
        return list(s.scalars(select(Candidate).order_by(Candidate.id)))


def set_feeds(store: Store, urls: list[str]) -> None:
    with store.session() as s:
        pub = store.default_publication(s)
        pub.settings = {**pub.settings, "ingest": {"feeds": urls}}


def test_a_feed_read_twice_adds_nothing_the_second_time(empty_store: Store, server: FixtureServer) -> None:
    url = server.url("/static/feed_rss.xml")
    first = ingest_feed(empty_store, url, config())
    assert first.count(queue.NEW_WORK) == 2
    second = ingest_feed(empty_store, url, config())
    assert second.count(queue.NEW_WORK) == 0 and second.count(queue.QUEUED) == 2
    assert second.outcomes[0].note == "already a candidate (new; same URL)"
    assert len(candidates(empty_store)) == 2


def test_a_feed_is_asked_only_for_what_changed(empty_store: Store, server: FixtureServer) -> None:
    url = server.url("/conditional/feed_atom.xml")
    ingest_feed(empty_store, url, config())
    with empty_store.session() as s:
        state = s.scalar(select(FeedState).where(FeedState.url == url))
        assert state.etag and state.last_modified and state.changed_at is not None
        etag = state.etag
    again = ingest_feed(empty_store, url, config())
    assert again.not_modified and again.outcomes == []
    request = server.seen("/conditional/feed_atom.xml")[-1]
    assert request.headers["if-none-match"] == etag
    assert request.headers["if-modified-since"] == "Sun, 09 Jun 2024 08:00:00 GMT"
    assert len(candidates(empty_store)) == 2


def test_a_work_twice_in_one_batch_is_stored_once(empty_store: Store, server: FixtureServer) -> None:
    report = ingest_feed(empty_store, server.url("/static/feed_known.xml"), config())
    repeat = [o for o in report.outcomes if o.status == queue.REPEAT]
    assert len(repeat) == 1 and repeat[0].note == "appears twice in this batch (same arXiv id 2406.04102)"
    stored = [c for c in candidates(empty_store) if c.arxiv_id == "2406.04102"]
    assert len(stored) == 1 and stored[0].title == "Detecting Deceptive Mesa-Optimizers with Activation Probes"


def test_a_paper_seen_in_a_feed_and_then_on_arxiv_is_one_candidate(empty_store: Store, server: FixtureServer) -> None:
    ingest_feed(empty_store, server.url("/static/feed_known.xml"), config())
    report = ingest_arxiv(empty_store, "cat:cs.AI", config())
    assert report.count(queue.NEW_WORK) == 3  # 2406.04102 and the soil paper were already there
    mesa = next(c for c in candidates(empty_store) if c.arxiv_id == "2406.04102")
    assert mesa.arxiv_version == 2  # the API knew a newer version than the feed's PDF link
    assert mesa.authors == "Alice Example, Bob Sample"  # the feed named only the first author
    assert mesa.venue == "arXiv"  # an aggregator's feed title is not where the paper appeared
    soil = next(c for c in candidates(empty_store) if c.title.startswith("Soil"))
    assert soil.venue == "Example Alignment Reading List"  # a link to a site of its own


def test_urls_and_arxiv_ids_become_candidates(empty_store: Store, server: FixtureServer) -> None:
    report = ingest_urls(
        empty_store,
        [server.url("/static/lesswrong_post.html"), "https://arxiv.org/abs/2406.04102v2", "arXiv:2405.00420"],
        config(),
    )
    assert [o.work.title for o in report.outcomes] == [
        "Shard Theory in Nine Theses",
        "Detecting Deceptive Mesa-Optimizers with Activation Probes",
        "A Benchmark for Scalable Oversight with Debate",
    ]
    stored = candidates(empty_store)
    assert [(c.venue, c.authors) for c in stored] == [
        ("LessWrong", "Quintin Example, Alex Turner-Sample"),
        ("arXiv", "Alice Example, Bob Sample"),
        ("arXiv", "Grace Placeholder"),
    ]
    assert all(c.state == NEW and c.source for c in stored)


def test_triage_marks_priorities_and_skips_and_lists_them_in_order(empty_store: Store, server: FixtureServer) -> None:
    ingest_arxiv(empty_store, "cat:cs.AI", config())
    ids = [c.id for c in candidates(empty_store)]
    queue.set_priority(empty_store, [ids[0]], 3)
    queue.set_priority(empty_store, [ids[2]], 9)
    queue.skip(empty_store, [ids[1]], "  not about AI  ")
    todo = queue.list_candidates(empty_store, SUMMARIZE)
    assert [(c.id, c.priority) for c in todo] == [(ids[2], 9), (ids[0], 3)]
    (skipped,) = queue.list_candidates(empty_store, SKIPPED)
    assert (skipped.id, skipped.reason) == (ids[1], "not about AI")
    assert {c.id for c in queue.list_candidates(empty_store, NEW)} == {ids[3], ids[4]}
    queue.reopen(empty_store, [ids[1]])
    assert {c.id for c in queue.list_candidates(empty_store, NEW)} == {ids[1], ids[3], ids[4]}
    assert [c.state for c in queue.list_candidates(empty_store, "all")][:3] == [NEW, NEW, NEW]


def test_bad_triage_requests_change_nothing(empty_store: Store, server: FixtureServer) -> None:
    ingest_arxiv(empty_store, "cat:cs.AI", config())
    first = candidates(empty_store)[0].id
    with pytest.raises(PrecisError, match="a priority is a whole number from 1 to 10"):
        queue.set_priority(empty_store, [first], 11)
    with pytest.raises(PrecisError, match="^no candidate with id 999 "):
        queue.skip(empty_store, [first, 999], "nope")
    with pytest.raises(PrecisError, match="expected one of new, summarize, skipped or all"):
        queue.list_candidates(empty_store, "later")
    assert all(c.state == NEW and c.reason is None for c in candidates(empty_store))


def test_new_candidates_are_ranked_by_likeness_to_the_archive(sample_store: Store, server: FixtureServer) -> None:
    ingest_arxiv(sample_store, "cat:cs.AI", config())
    ranked = queue.list_candidates(sample_store, NEW)
    assert all(c.score is not None and c.explanation for c in ranked)
    assert ranked == sorted(ranked, key=lambda c: -c.score)
    soil = next(c for c in ranked if c.title.startswith("Soil"))
    assert soil.score == min(c.score for c in ranked)


def test_the_ranker_learns_from_the_editors_skips_but_not_from_duplicates(empty_store: Store, server: FixtureServer) -> None:
    from precis.ingest.rank import Ranker

    ingest_feed(empty_store, server.url("/static/feed_rss.xml"), config())
    red_team = next(c for c in candidates(empty_store) if c.title.startswith("Red-Teaming"))
    queue.skip(empty_store, [red_team.id], "capabilities")
    with empty_store.session() as s:
        ranker = Ranker.from_store(s, empty_store.default_publication(s).id)
    assert ranker.skipped == [(red_team.title, red_team.abstract)]


def test_ingest_all_reads_the_configured_feeds_and_reports_each_failure(empty_store: Store, server: FixtureServer) -> None:
    good, bad = server.url("/conditional/feed_rss.xml"), server.url("/status/503")
    set_feeds(empty_store, [good, bad])
    run = ingest_all(empty_store, config())
    assert [r.source for r in run.reports] == [f"feed {good}"]
    assert run.failures == [f"feed {bad}: HTTP 503 Service Unavailable, still failing after 3 attempts"]
    assert len(candidates(empty_store)) == 2
    with empty_store.session() as s:
        assert [f.url for f in s.scalars(select(FeedState))] == [good]


def test_ingest_all_without_feeds_says_where_to_add_them(empty_store: Store) -> None:
    set_feeds(empty_store, [])
    with pytest.raises(PrecisError, match=r"add `\[ingest\] feeds = \[\.\.\.\]` to its settings file"):
        ingest_all(empty_store, config())


def test_the_default_publication_lists_feeds_to_poll(empty_store: Store) -> None:
    from precis.ingest.pipeline import configured_feeds

    feeds = configured_feeds(empty_store)
    assert "https://www.alignmentforum.org/feed.xml" in feeds
    assert all(f.startswith("https://") for f in feeds)


def test_a_store_made_before_ingest_existed_is_upgraded(tmp_path) -> None:
    from alembic import command

    from precis.store import alembic_config

    store = Store(str(tmp_path / "old.db"))
    cfg = alembic_config(store.url)
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001_core")
    assert "candidate" not in inspect(store.engine).get_table_names()
    store.require()
    assert {"candidate", "feed_state"} <= set(inspect(store.engine).get_table_names())
