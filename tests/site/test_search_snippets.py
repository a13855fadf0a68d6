"""What a search hit's snippet shows on PostgreSQL, however long the summary: the words around the
first occurrence of a query word, marked, or the summary's first words when only the title or the
authors hold the query's words. PostgreSQL makes a long text's snippet from its start when that
gives the same (``precis.search.postgres.SNIPPET``): the snippets must be exactly those of the whole
text, wherever the first occurrence lies, before, across or after the prefix's end."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from precis.model import Entry
from precis.search import SearchIndex
from precis.search.hits import START, STOP, snippet
from precis.search.postgres import SNIPPET_PREFIXES
from precis.store import Store
from tests.helpers import load_sample

OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, MaxFragments=1"
FILLER = "The agents were trained for longer on every environment of the benchmark suite. "


def summary_with_word_at(at: int, word: str = "quasicrystals") -> str:
    """A long summary whose first occurrence of ``word`` starts near character ``at``."""
    head = (FILLER * (at // len(FILLER) + 1))[:at]
    return f"{head} and {word} appear here, with more words after them. " + FILLER * 60


@pytest.fixture
def store(pg_url: str):
    store = load_sample(Store(pg_url))
    yield store
    store.close()


def whole_text_snippets(store: Store, query: str) -> dict[str, str]:
    """Each matching entry's snippet as ``ts_headline`` of its whole text gives it, by title."""
    with store.session() as s:
        rows = s.execute(text(
            "SELECT d.title, ts_headline('english', CASE WHEN d.body = '' THEN d.title ELSE d.body END, q, :o) "
            "FROM search_document d JOIN search_vector v USING (entry_id), "
            "websearch_to_tsquery('english', :m) AS q WHERE v.tsv @@ q"
        ), {"o": OPTIONS, "m": query}).all()
    return {title: snippet(marked)[1] for title, marked in rows}


#: Where the first occurrence starts: at the start, before, across and after the end of each prefix.
PLACES = [0, *(n + d for n in SNIPPET_PREFIXES for d in (-120, -20, 5)), 2 * SNIPPET_PREFIXES[-1]]


@pytest.mark.parametrize("at", PLACES)
def test_the_snippet_of_a_long_summary_shows_its_first_occurrence_wherever_it_is(store, at):
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        entry.summary = summary_with_word_at(at) + " Quasicrystals again, later."
    hit = SearchIndex(store).search("quasicrystals")[0]
    assert hit.title == "Curve Detectors"
    assert "<mark>quasicrystals</mark> appear here" in hit.snippet_html
    assert whole_text_snippets(store, "quasicrystals")["Curve Detectors"] == hit.snippet_html


def test_a_long_summary_matched_by_its_title_alone_shows_its_first_words(store):
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Curve Detectors")).one()
        entry.summary = FILLER * 40
    hit = SearchIndex(store).search("curve")[0]
    assert hit.title == "Curve Detectors"
    assert hit.snippet.startswith("The agents were trained for longer") and "<mark>" not in hit.snippet_html
    assert whole_text_snippets(store, "curve")["Curve Detectors"] == hit.snippet_html


def test_snippets_are_those_of_the_whole_texts_for_words_phrases_and_angle_brackets(store):
    with store.session(by="test") as s:
        for title, summary in [
            ("Curve Detectors", summary_with_word_at(3000, "reward")),
            ("Concrete Problems in AI Safety", "An <aside> on x " + summary_with_word_at(200, "reward")),
            ("Scaling Laws for Neural Language Models", summary_with_word_at(100, "reward_model")),
            # A tag (the parser's one token holding white space) that the prefix's end cuts in two.
            ("Proximal Policy Optimization Algorithms",
             f"The reward <span title={'longwords ' * SNIPPET_PREFIXES[-1]}> " + FILLER * 20),
        ]:
            s.scalars(select(Entry).where(Entry.title == title)).one().summary = summary
    index = SearchIndex(store)
    for query in ["reward", "reward model", "reward_model", "agents", "neural networks", "safety problems"]:
        hits = index.search(query, limit=100)
        assert hits
        expected = whole_text_snippets(store, " or ".join(query.split()))
        assert {h.title: h.snippet_html for h in hits} == {h.title: expected[h.title] for h in hits}
