"""The search index is updated, not refilled, when entries change: what a search finds right after
an edit, a change of public level, a deletion, a new entry, a published or renamed issue, on SQLite
and on PostgreSQL; and an updated index holds exactly the documents a refill would make."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from precis.model import Entry, Issue, Opinion, Person
from precis.newsroom import entries as newsroom_entries
from precis.newsroom import issues as newsroom_issues
from precis.search import SearchIndex
from precis.search.documents import documents
from precis.store import Store
from tests.helpers import load_sample, search_words


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = str(tmp_path / "sample.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = load_sample(Store(url))
    yield store
    store.close()


def titles(index: SearchIndex, query: str) -> list[str]:
    return [h.title for h in index.search(query, limit=20)]


def stored(store: Store) -> dict[int, dict[str, Any]]:
    """Every document of the index, by entry."""
    with store.session() as s:
        return {row["entry_id"]: dict(row) for row in s.execute(select(documents)).mappings()}


def change(store: Store, which: str, **fields: Any) -> None:
    """Change the fields of the entry titled ``which``."""
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == which)).one()
        for name, value in fields.items():
            setattr(entry, name, value)


def vectors(store: Store) -> dict[int, tuple[float, str]]:
    """PostgreSQL: the boost and words of each document as ``search_vector`` holds them, after
    checking that they are the document's and that ``search_word`` follows them (empty on SQLite,
    where FTS5 is checked instead)."""
    if store.is_sqlite:
        return {}
    with store.session() as s:
        assert not s.execute(text(
            "SELECT d.entry_id FROM search_document d FULL JOIN search_vector v USING (entry_id) "
            "WHERE v.entry_id IS NULL OR d.entry_id IS NULL OR v.boost <> d.boost OR v.tsv <> ("
            "setweight(to_tsvector('english', d.title), 'A') || setweight(to_tsvector('english', d.authors), 'B') "
            "|| setweight(to_tsvector('english', d.body), 'C'))"
        )).all()
    assert search_words(store)
    with store.session() as s:
        return {i: (b, t) for i, b, t in s.execute(text("SELECT entry_id, boost, tsv::text FROM search_vector"))}


def assert_as_refilled(store: Store, index: SearchIndex) -> None:
    """The updated index holds what a refill makes of the store, and the database's index of the
    words agrees with the documents (SQLite: FTS5's; PostgreSQL: ``search_vector``)."""
    updated, words = stored(store), vectors(store)
    if store.is_sqlite:
        with store.session(by="test") as s:
            s.execute(text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
    index.refresh(force=True)
    assert updated == stored(store)
    assert words == vectors(store)


def test_an_edited_summary_is_found_by_its_new_words_and_no_longer_by_its_old(store):
    index = SearchIndex(store)
    assert titles(index, "convergence")[0] == "Scaling Laws for Neural Language Models"
    before = stored(store)
    filled = index.refills
    person = Person(name="Ed Itor", email="ed@example.org", role="editor", aliases=[], active=True)
    with store.session(by="test") as s:
        s.add(person)
        s.flush()
        entry = s.scalars(select(Entry).where(Entry.title == "Scaling Laws for Neural Language Models")).one()
        entry_id, version = entry.id, entry.version
        s.expunge(person)
    newsroom_entries.save_entry(store, person, entry_id, version,
                                {"summary": "Loss follows a power law; quasicrystals are not involved."})
    assert titles(index, "quasicrystals") == ["Scaling Laws for Neural Language Models"]
    assert "Scaling Laws for Neural Language Models" not in titles(index, "convergence")
    assert (index.refills, index.updates) == (filled, 1)
    after = stored(store)
    assert after[entry_id]["body"] != before[entry_id]["body"]
    assert {i: r for i, r in after.items() if i != entry_id} == {i: r for i, r in before.items() if i != entry_id}
    assert_as_refilled(store, index)


def test_a_summarizer_filter_follows_an_entry_given_to_another_summarizer(store):
    index = SearchIndex(store)
    assert "Scaling Laws for Neural Language Models" in [h.title for h in index.search("scaling", summarizer="Ada")]
    assert index.search("scaling", summarizer="Cleo") == []
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Scaling Laws for Neural Language Models")).one()
        entry.summarizer = "Cleo"
    assert [h.title for h in index.search("scaling", summarizer="Cleo")] == ["Scaling Laws for Neural Language Models"]
    assert "Scaling Laws for Neural Language Models" not in [h.title for h in index.search("scaling", summarizer="Ada")]


def test_entries_made_private_deleted_or_new_leave_or_join_the_results_at_once(store):
    index = SearchIndex(store)
    assert "Curve Detectors" in titles(index, "curve")
    change(store, "Curve Detectors", public_level="No")
    assert "Curve Detectors" not in titles(index, "curve")
    change(store, "Proximal Policy Optimization Algorithms", public_level="Link only")
    ppo = index.search("proximal policy", limit=1)[0]
    assert ppo.title == "Proximal Policy Optimization Algorithms" and ppo.summarizer is None
    assert "Proximal Policy Optimization Algorithms" not in titles(index, "clipping")
    with store.session(by="test") as s:
        s.delete(s.scalars(select(Entry).where(Entry.title == "Concrete Problems in AI Safety")).one())
    assert "Concrete Problems in AI Safety" not in titles(index, "negative side effects")
    assert "A Pending Post About Evaluations" not in titles(index, "evaluations")
    change(store, "A Pending Post About Evaluations", status="published")
    assert titles(index, "evaluations")[0] == "A Pending Post About Evaluations"
    assert index.refills == 1 and index.updates == 4
    assert_as_refilled(store, index)


def test_paths_and_boosts_of_other_entries_follow_renames_and_references(store):
    """An entry's path depends on the entries of the same title, its boost on the entries that
    refer to it: an update gives them again as a refill would."""
    index = SearchIndex(store)
    index.search("circuits")
    boosts = {r["title"]: r["boost"] for r in stored(store).values()}
    # The summary of "Curve Detectors" refers to "Zoom In": without the reference, Zoom In sinks.
    with store.session(by="test") as s:
        curve = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        curve.summary = "A close study of one family of neurons: curve detectors in InceptionV1."
    index.search("circuits")
    now = {r["title"]: r["boost"] for r in stored(store).values()}
    assert now["Zoom In: An Introduction to Circuits"] < boosts["Zoom In: An Introduction to Circuits"]
    assert_as_refilled(store, index)
    # A later entry given the title of an earlier one (edited at the same time) takes a path of its
    # own, and references to the title it left no longer reach it.
    with store.session(by="test") as s:
        zoom = s.scalars(select(Entry).where(Entry.title == "Zoom In: An Introduction to Circuits")).one()
        zoom.summary = "Features and circuits, studied like cells under a microscope."
        scaling = s.scalars(select(Entry).where(Entry.title == "Scaling Laws for Neural Language Models")).one()
        scaling.title = "Zoom In: An Introduction to Circuits"
    paths = sorted(h.url for h in index.search("zoom", limit=5))
    zoom = "/entries/zoom-in-an-introduction-to-circuits"
    assert paths == [f"{zoom}-sn-3/", f"{zoom}/"]
    assert index.refills == 2
    assert_as_refilled(store, index)
    # An opinion that starts referring to an entry lifts it; a new public entry with a reference too.
    with store.session(by="test") as s:
        ppo = s.scalars(select(Entry).where(Entry.title == "Proximal Policy Optimization Algorithms")).one()
        ppo.opinions.append(Opinion(author="Rohin", text="Compare <@Concrete Problems in AI Safety@>.", position=0))
        s.add(Entry(
            publication_id=ppo.publication_id, title="Curve Detectors", summary="See <@Deep Reinforcement Learning "
            "from Human Preferences@>.", public_level="Yes", status="published", position=99, authors="A. Person",
        ))
    assert sorted(h.url for h in index.search("curve detectors", limit=5))[0].startswith("/entries/curve-detectors")
    assert index.refills == 3 and index.updates == 3
    assert_as_refilled(store, index)


def test_a_published_issue_brings_its_entries_into_search_and_a_renamed_one_is_refilled(store):
    index = SearchIndex(store)
    index.search("reward")
    with store.session(by="test") as s:
        publication = store.default_publication(s)
        draft = newsroom_issues.new_issue(s, publication, None)
        s.add(Entry(
            publication_id=publication.id, title="Gnomonic Projections for Reward Models", category="Interpretability",
            summary="A study of gnomonic projections.", summarizer="Rohin", public_level="Yes", status="approved",
            position=100, authors="A. Person",
        ))
    assert "Gnomonic Projections for Reward Models" not in titles(index, "gnomonic")
    assert index.refills == 1  # a new draft issue changes no document: no refill
    with store.session(by="test") as s:
        draft = s.scalars(select(Issue).where(Issue.status == "draft")).one()
        entry = s.scalars(select(Entry).where(Entry.title.startswith("Gnomonic"))).one()
        newsroom_issues.add_entries(s, draft, None, [entry.id])
        newsroom_issues.publish(s, draft, None)
        label = draft.label
    hits = index.search("gnomonic", limit=3)
    assert [(h.title, h.issue) for h in hits] == [("Gnomonic Projections for Reward Models", label)]
    assert index.refills == 1
    assert_as_refilled(store, index)
    # No revision records an issue's new number: its entries' documents must say it all the same.
    with store.session(by="test") as s:
        s.scalars(select(Issue).where(Issue.number == 3)).one().number = 33
    assert {h.issue for h in index.search("scaling laws", limit=1)} == {"SN #33"}
    assert index.refills == 3  # the refill of assert_as_refilled above, and this one
    assert_as_refilled(store, index)


def test_two_servers_updating_at_once_write_each_document_once(store):
    first, second = SearchIndex(store), SearchIndex(store)
    first.search("reward")
    change(store, "Curve Detectors", summary="Neurons that detect curves, told anew.")
    errors: list[BaseException] = []

    def refresh(index: SearchIndex) -> None:
        try:
            index.refresh()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=refresh, args=(i,)) for i in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert first.updates + second.updates == 1 and first.refills + second.refills == 1
    assert titles(second, "anew") == ["Curve Detectors"]
    assert_as_refilled(store, first)


def test_a_query_matching_more_entries_than_are_ranked_ranks_the_most_recently_added(store, monkeypatch):
    """Ranking costs time for every match: beyond ``CANDIDATES`` matches (2,000, more than the real
    archive holds) the newest are ranked."""
    import precis.search.postgres
    import precis.search.sqlite

    index = SearchIndex(store)
    everything = index.search("reward", limit=20)
    with store.session() as s:
        found = [h.title for h in everything]
        newest = sorted(s.scalars(select(documents.c.entry_id).where(documents.c.title.in_(found))))
    monkeypatch.setattr(precis.search.sqlite, "CANDIDATES", 2)
    monkeypatch.setattr(precis.search.postgres, "CANDIDATES", 2)
    with store.session() as s:
        titles_of_newest = set(s.scalars(select(documents.c.title).where(documents.c.entry_id.in_(newest[-2:]))))
    assert len(everything) > 2 and {h.title for h in index.search("reward", limit=20)} == titles_of_newest


def test_a_search_for_the_event_loop_never_writes_and_says_when_the_index_is_behind(store):
    """``search_if_current`` (what ``precis serve`` asks on its event loop) answers as ``search``
    does while the index is current, and None, writing nothing, when the store changed since."""
    index = SearchIndex(store)
    assert index.search_if_current("curve") is None  # never filled
    assert index.refills == index.updates == 0
    want = [h.to_json() for h in index.search("curve")]
    assert [h.to_json() for h in index.search_if_current("curve") or []] == want and want
    change(store, "Curve Detectors", summary="Quasicrystals only.")
    assert index.search_if_current("quasicrystals") is None
    assert index.search_if_current("curve", summarizer="Ada") is None
    assert index.updates == 0
    assert titles(index, "quasicrystals") == ["Curve Detectors"]  # ``search`` brings it up to date
    assert index.updates == 1
    assert [h.title for h in index.search_if_current("quasicrystals") or []] == ["Curve Detectors"]


def test_a_server_thread_searches_without_writing_once_the_index_is_current(store):
    """A thread that never searched (a server's event loop) answers from a current index at once."""
    index = SearchIndex(store)
    index.refresh()
    found: list[Any] = []
    worker = threading.Thread(target=lambda: found.append(index.search_if_current("curve")))
    worker.start()
    worker.join()
    assert found[0] and found[0][0].title == "Curve Detectors"
