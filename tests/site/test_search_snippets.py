"""What a search hit's snippet shows on PostgreSQL, however long the summary: the words around the
first word PostgreSQL's index has one of the query's lexemes for, every such word marked, or the
summary's first words when only the title or the authors hold the query's words (the snippets are
made in Python from PostgreSQL's own stems: ``precis.search.snippets``)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from precis.model import Entry
from precis.search import SearchIndex
from precis.search.snippets import BEFORE, ELLIPSIS, WORDS, Stems, snippets
from precis.store import Store
from tests.helpers import load_sample

FILLER = "The agents were trained for longer on every environment of the benchmark suite. "
MARKED = re.compile(r"<mark>(.*?)</mark>")


def summary_with_word_at(at: int, word: str = "quasicrystals") -> str:
    """A long summary whose first occurrence of ``word`` starts near character ``at``."""
    head = (FILLER * (at // len(FILLER) + 1))[:at]
    return f"{head} and {word} appear here, with more words after them. " + FILLER * 60


@pytest.fixture
def store(pg_url: str):
    store = load_sample(Store(pg_url))
    yield store
    store.close()


def set_summary(store: Store, title: str, summary: str) -> None:
    with store.session(by="test") as s:
        s.scalars(select(Entry).where(Entry.title == title)).one().summary = summary


def lexemes_of(store: Store, query: str) -> set[str]:
    """The lexemes PostgreSQL's index looks for, of a query."""
    with store.session() as s:
        tree = s.scalar(text("SELECT querytree(websearch_to_tsquery('english', :q))::text"), {"q": query})
    return set(re.findall(r"'([^']+)'", tree))


def stem(store: Store, word: str) -> str:
    with store.session() as s:
        return s.scalar(text("SELECT to_tsvector('english', :w)::text"), {"w": word}).split("'")[1]


@pytest.mark.parametrize("at", [0, 380, 500, 3900, 4005, 8000, 20000])
def test_the_snippet_of_a_long_summary_shows_its_first_occurrence_wherever_it_is(store, at):
    set_summary(store, "Curve Detectors", summary_with_word_at(at) + " Quasicrystals again, later.")
    hit = SearchIndex(store).search("quasicrystals")[0]
    assert hit.title == "Curve Detectors"
    assert "<mark>quasicrystals</mark> appear here" in hit.snippet_html
    assert "again" not in hit.snippet  # the later occurrence is not the one shown
    words = hit.snippet.replace(ELLIPSIS, " ").split()
    assert len(words) <= WORDS
    before = hit.snippet.split("quasicrystals")[0].replace(ELLIPSIS, " ").split()
    assert len(before) <= BEFORE + 1  # "and" and the words before it
    assert hit.snippet.startswith(ELLIPSIS) == (at > 100) and hit.snippet.endswith(ELLIPSIS)


def test_a_long_summary_matched_by_its_title_alone_shows_its_first_words(store):
    set_summary(store, "Curve Detectors", FILLER * 40)
    hit = SearchIndex(store).search("curve")[0]
    assert hit.title == "Curve Detectors"
    assert hit.snippet.startswith("The agents were trained for longer") and "<mark>" not in hit.snippet_html
    assert hit.snippet.endswith(ELLIPSIS) and len(hit.snippet.split()) == WORDS


def test_every_form_the_index_stems_alike_is_marked_and_only_those(store):
    set_summary(store, "Curve Detectors", "Rewarded agents, a rewarding game: reward is not rewriting.")
    hit = SearchIndex(store).search("rewards")[0]
    assert hit.title == "Curve Detectors"
    assert MARKED.findall(hit.snippet_html) == ["Rewarded", "rewarding", "reward"]


def test_phrases_negations_angle_brackets_and_underscores(store):
    set_summary(store, "Curve Detectors", "An <aside> on x " + summary_with_word_at(0, "reward model"))
    set_summary(store, "Scaling Laws for Neural Language Models", summary_with_word_at(100, "reward_model"))
    index = SearchIndex(store)
    hit = next(h for h in index.search('"reward model"', limit=100) if h.title == "Curve Detectors")
    assert "<mark>reward</mark> <mark>model</mark>" in hit.snippet_html
    assert "&lt;aside&gt;" in hit.snippet_html and "<aside>" not in hit.snippet_html  # text, never markup
    hit = next(h for h in index.search("reward_model", limit=100) if h.title.startswith("Scaling Laws"))
    assert "<mark>reward</mark>_<mark>model</mark>" in hit.snippet_html
    for hit in index.search('reward -"neural"', limit=100):  # a negated word is not marked
        assert all(stem(store, w) == "reward" for w in MARKED.findall(hit.snippet_html)), hit.snippet_html


@pytest.mark.parametrize("query", ["reward", "neural networks", "learning agents", "safety problems", "circuits"])
def test_snippets_mark_the_words_the_index_matches_in_every_hit(store, query):
    """Against PostgreSQL itself: a hit whose summary holds a query lexeme (its vector's text part,
    weight C) has a marked word, and every marked word is one PostgreSQL stems to a query lexeme."""
    lexemes = lexemes_of(store, query)
    hits = SearchIndex(store).search(query, limit=100)  # the index filled first
    with store.session() as s:
        in_text = set(s.scalars(text(
            "SELECT d.title FROM search_document d JOIN search_vector v USING (entry_id) "
            "WHERE ts_filter(v.tsv, '{c}') @@ websearch_to_tsquery('english', :q)"
        ), {"q": " or ".join(query.split())}))
    assert hits
    for hit in hits:
        marked = MARKED.findall(hit.snippet_html)
        assert bool(marked) == (hit.title in in_text), hit
        assert all(stem(store, w) in lexemes for w in marked), hit


def test_the_stems_kept_are_bounded_and_start_again_when_full(store):
    stems = Stems(limit=5)
    with store.session() as s:
        for n in range(20):  # three new words a text: 60 in all, unbounded
            word = "glorp" + chr(ord("a") + n)
            text_ = f"The {word} of rewarded agents"
            assert snippets(s, [text_], frozenset({"reward"}), stems) == [f"The {word} of \x02rewarded\x03 agents"]
            assert len(stems._stem) <= 5 + 5
