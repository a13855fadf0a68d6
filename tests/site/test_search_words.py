"""PostgreSQL ranks a query of words OR-ed from each word's precomputed part of every document's
rank (``search_word``, migration ``search_0003``) instead of ranking the candidates' vectors: the
hits, their scores, order and snippets must be exactly those of ranking the vectors
(``ts_rank_cd``), whatever the words (in titles, authors or texts, repeated, common, stemmed alike),
the filters, and however many documents match (of more than ``CANDIDATES``, the newest); and the
table must follow every change of the documents."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text

from precis.model import Entry
from precis.search import SearchIndex
from precis.search import postgres as pg
from precis.search.hits import Filters, query_words
from precis.store import Store, alembic_config
from tests.helpers import load_sample, search_words

#: Queries beyond the sample's own words: stop words alone or around a word, words stemmed alike,
#: words joined by "_" (a phrase to PostgreSQL), words no document holds, an operator.
FIXED = [
    "the", "the of and", "the learning", "learning learn learned", "Learning LEARNING", "reward_model",
    "safety_problems policy", "zyzzyva", "zyzzyva learning", "don't", "AND", "policy OR reward",
    "neural networks neural", "12 2020", "scaling laws for neural language models",
]
FILTERS: list[dict[str, Any]] = [
    {}, {"year": 2020}, {"category": "Interpretability"}, {"summarizer": "Ada"},
    {"year": 2017, "category": "technical ai alignment"},
]


@pytest.fixture
def store(pg_url: str) -> Iterator[Store]:
    store = load_sample(Store(pg_url))
    yield store
    store.close()


def sample_queries(store: Store, count: int, seed: int = 7) -> list[str]:
    """``count`` queries of one to five words of the sample's titles, authors and texts, some
    repeating a word."""
    SearchIndex(store).refresh()
    with store.session() as s:
        texts = [" ".join(row) for row in s.execute(text("SELECT title, authors, body FROM search_document"))]
    words = sorted({w for t in texts for w in t.split() if w.isalpha()})
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        chosen = rng.sample(words, rng.randint(1, 5))
        if rng.random() < 0.2:
            chosen.append(chosen[0].upper())
        queries.append(" ".join(chosen))
    return queries


def by_vectors(index: SearchIndex, monkeypatch: pytest.MonkeyPatch, query: str, **filters: Any) -> list[dict]:
    """The hits ranking the vectors gives (every query taken as one that is not words OR-ed)."""
    with monkeypatch.context() as m:
        m.setattr(pg, "or_of_words", lambda query: [])
        return [h.to_json() for h in index.search(query, **filters)]


def ranked(store: Store, query: str, filters: Filters) -> list[tuple]:
    """The rows of the hits as the database gives them (the score unrounded)."""
    with store.session() as s:
        rows, _lexemes = pg.PostgresSearch(store).ranked(s, query_words(query), filters, 20)
    return [tuple(row) for row in rows]


def assert_same_hits(store: Store, monkeypatch: pytest.MonkeyPatch, queries: list[str]) -> int:
    """Every query, with every filter, finds the same by words as by vectors, to the last bit of
    the scores; the number of searches that found something."""
    index = SearchIndex(store)
    found = 0
    for query in queries:
        for given in FILTERS:
            want = by_vectors(index, monkeypatch, query, limit=20, **given)
            assert [h.to_json() for h in index.search(query, limit=20, **given)] == want, (query, given)
            summarizers = index.summarizer_texts(given["summarizer"]) if "summarizer" in given else None
            filters = Filters(given.get("category"), given.get("year"), summarizers)
            with monkeypatch.context() as m:
                m.setattr(pg, "or_of_words", lambda query: [])
                exact = ranked(store, query, filters)
            assert ranked(store, query, filters) == exact, (query, given)
            found += bool(want)
    return found


def test_a_query_of_words_is_ranked_from_its_words_and_any_other_from_the_vectors(store):
    index = SearchIndex(store)
    index.refresh()
    with store.session() as s:
        def words(query: str) -> list[str]:
            return pg.or_of_words(s.scalar(text("SELECT websearch_to_tsquery('english', :q)::text"), {"q": query}))

        assert words("learning or learned or reward") == ["learn", "reward"]
        assert words("v1 or 3d or gpt3") == ["v1", "3d", "gpt3"]
        assert words("reward_model") == words("reward <-> model") == words("reward & model") == []
        assert words("-reward or model") == words("the") == []


def test_queries_of_the_samples_words_find_the_same_as_ranking_the_vectors(store, monkeypatch):
    found = assert_same_hits(store, monkeypatch, FIXED + sample_queries(store, 60))
    assert found > 150


@pytest.mark.parametrize("candidates", [1, 3])
def test_of_more_matches_than_candidates_the_newest_are_ranked_alike(store, monkeypatch, candidates):
    monkeypatch.setattr(pg, "CANDIDATES", candidates)
    queries = ["learning", "model policy reward", "the learning neural", "safety agents", *sample_queries(store, 15)]
    assert assert_same_hits(store, monkeypatch, queries) > 40
    assert len(SearchIndex(store).search("learning model policy reward agents", limit=20)) == candidates


def test_a_document_with_words_past_the_last_position_is_ranked_from_its_vector(store, monkeypatch):
    """PostgreSQL puts every word after the 16,383rd at that one position, where ``ts_rank_cd``
    counts the query's words once: such a document's rank is taken from its vector."""
    long = " ".join(f"filler{i % 500}x" for i in range(16500)) + " quasar pulsar quasar nebula"
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        entry.summary = "Pulsar timing. " + long
    index = SearchIndex(store)
    index.refresh()
    with store.session() as s:
        crowded = s.execute(text("SELECT count(*), count(whole) FROM search_word w JOIN search_document d "
                                 "USING (entry_id) WHERE d.title = 'Curve Detectors'")).one()
    assert crowded[0] > 500 and crowded[1] == 0
    for query in ["quasar pulsar", "quasar nebula pulsar", "pulsar", "curve quasar"]:
        want = by_vectors(index, monkeypatch, query)
        assert want and want[0]["title"] == "Curve Detectors"
        assert [h.to_json() for h in index.search(query)] == want


def test_the_words_follow_every_change_of_the_documents(store):
    """After a new entry, an edit of a text, an edit changing only other entries' boosts, a
    deletion and a refill, ``search_word`` holds what
    ``search_vector`` gives afresh (``search_words`` checks), and the updates that leave a
    document's texts as they were (another's new boost) leave its words' rows as they were."""
    index = SearchIndex(store)
    index.refresh()
    words = search_words(store)
    with store.session(by="test") as s:
        ppo = s.scalars(select(Entry).where(Entry.title == "Proximal Policy Optimization Algorithms")).one()
        s.add(Entry(publication_id=ppo.publication_id, title="Quasar Policies", summary="Quasars, policies.",
                    public_level="Yes", status="published", position=98, authors="A. Person"))
    assert index.refresh() and index.updates == 1
    new = search_words(store) - words
    assert {w for w, *_ in new} >= {"quasar", "polici", "person"} and all(w in words for w in words - new)
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Quasar Policies")).one()
        entry.summary = "Pulsars only, twice: pulsars."
    assert index.refresh()
    words = search_words(store)
    assert ("pulsar", entry.id, 0, 4) in words and not any(w == "quasar" and i == entry.id and b == 2
                                                            for w, i, _, b in words)
    # A new reference to "Curve Detectors" lifts its boost (an update of its document's boost only):
    # its words' rows are untouched.
    before = rows_of(store, "Curve Detectors")
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Quasar Policies")).one()
        entry.summary = "Pulsars only, twice: pulsars. See <@Curve Detectors@>."
    assert index.refresh()
    after = rows_of(store, "Curve Detectors")
    assert after["boost"] > before["boost"] and after["words"] == before["words"]
    search_words(store)
    with store.session(by="test") as s:
        curve = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        curve_id = curve.id
        s.delete(curve)
    assert index.refresh()
    assert not any(i == curve_id for _, i, *_ in search_words(store))
    index.refresh(force=True)
    assert search_words(store)


def rows_of(store: Store, title: str) -> dict[str, Any]:
    """A document's boost in ``search_vector`` and the physical rows (``ctid``) of its rows of
    ``search_word``: a row updated or made again has another."""
    with store.session() as s:
        entry_id, boost = s.execute(text(
            "SELECT v.entry_id, v.boost FROM search_vector v JOIN search_document d USING (entry_id) "
            "WHERE d.title = :t"), {"t": title}).one()
        words = s.execute(text("SELECT array_agg(ctid::text ORDER BY word) FROM search_word WHERE entry_id = :i"),
                          {"i": entry_id}).scalar()
    return {"boost": boost, "words": words}


def test_a_downgrade_removes_the_words_and_an_upgrade_makes_them_again(store, pg_url):
    index = SearchIndex(store)
    before = [h.to_json() for h in index.search("learning policy reward", limit=20)]
    words = search_words(store)
    command.downgrade(alembic_config(pg_url), "search_0002")
    with store.session() as s:
        assert s.scalar(text("SELECT to_regclass('search_word')")) is None
    store.migrate()
    assert search_words(store) == words
    assert [h.to_json() for h in SearchIndex(store).search("learning policy reward", limit=20)] == before


def test_a_refill_writes_only_the_changes_and_leaves_what_an_empty_index_filled_holds(store):
    """A refill writes what differs from the table (a document gone, changed, missing): the words
    of the documents it leaves as they were keep their rows, and the table ends as a fill of an
    empty index leaves it."""
    index = SearchIndex(store)
    index.refresh()
    with store.session(by="test") as s:
        s.execute(text("DELETE FROM search_document WHERE title = 'Curve Detectors'"))
        s.execute(text("UPDATE search_document SET body = 'Nothing but quasars.', boost = 3 "
                       "WHERE title = 'Concrete Problems in AI Safety'"))
        s.execute(text("UPDATE search_document SET path = 'elsewhere' "
                       "WHERE title = 'Proximal Policy Optimization Algorithms'"))
        s.execute(text("INSERT INTO search_document (entry_id, title, authors, body, path, boost) "
                       "VALUES (999999, 'Gone Long Ago', '', 'quasars', 'gone', 1)"))
    kept = rows_of(store, "Scaling Laws for Neural Language Models")
    index.refresh(force=True)
    assert rows_of(store, "Scaling Laws for Neural Language Models") == kept
    refilled, words = stored(store), search_words(store)
    with store.session(by="test") as s:
        s.execute(text("DELETE FROM search_document"))
    index.refresh(force=True)
    assert stored(store) == refilled and search_words(store) == words
    assert [h.title for h in index.search("quasars")] == []


def stored(store: Store) -> dict[int, dict[str, Any]]:
    with store.session() as s:
        return {row["entry_id"]: dict(row) for row in s.execute(text("SELECT * FROM search_document")).mappings()}


def test_a_query_whose_lexemes_are_foreseen_finds_the_same_and_a_wrong_guess_is_never_used(store):
    """The ranking statement is sent with the query's parse when its lexemes can be foreseen from
    the stems kept for snippets; PostgreSQL's own reading decides which statement's rows count."""
    fresh = SearchIndex(store)
    want = [h.to_json() for h in fresh.search("the learning of rewards", limit=20)]
    backend = fresh.backend
    assert isinstance(backend, pg.PostgresSearch)
    assert backend.foreseen(["the", "learning", "of", "rewards"]) == ["learn", "reward"]  # learned by the search
    assert [h.to_json() for h in fresh.search("the learning of rewards", limit=20)] == want
    backend.stems._stem["learning"] = "zyzzyva"  # a wrong guess
    assert backend.foreseen(["learning", "rewards"]) == ["zyzzyva", "reward"]
    assert [h.to_json() for h in fresh.search("the learning of rewards", limit=20)] == want
    assert backend.foreseen(["reward_model"]) is None and backend.foreseen(["unheardofword"]) is None


def test_the_statements_kept_for_the_driver_are_bounded_however_many_words_queries_have(store):
    index = SearchIndex(store)
    backend = index.backend
    assert isinstance(backend, pg.PostgresSearch)
    for count in range(1, 60):
        query = " ".join(f"w{n}x" for n in range(count * 7))
        index.search(query)
        index.search(query)  # its words known now: the ranking statement goes through ``_compiled``
    assert backend.foreseen(["w1x", "w2x"]) == ["w1x", "w2x"]
    assert 2 < len(backend._statements) <= pg.KEPT_STATEMENTS
    assert all(len(str(c)) < 20_000 for c in backend._statements.values())
