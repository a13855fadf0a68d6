"""Server-side search: `precis search`, the index's freshness, filters, PostgreSQL, the JSON API."""

from __future__ import annotations

import json

from sqlalchemy import select
from starlette.testclient import TestClient

from precis.cli import error_message
from precis.model import Entry
from precis.search import SearchIndex
from precis.sheets import read_file
from precis.site import build_site
from precis.store import Store, import_records
from tests.helpers import SAMPLE_CSV
from tests.helpers import invoke as cli


def test_mesa_optimizer_query_finds_risks_from_learned_optimization_in_the_top_five(private_store):
    store, _ = private_store
    result = cli(store, "search", "mesa optimizers and inner alignment", "--json", "--limit", "5")
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)["results"]
    assert len(results) == 5
    assert set(results[0]) == {"title", "url", "issue", "category", "score", "snippet", "link"}
    titles = [r["title"] for r in results]
    assert "Risks from Learned Optimization in Advanced Machine Learning Systems" in titles
    risks = results[titles.index("Risks from Learned Optimization in Advanced Machine Learning Systems")]
    assert risks["url"] == "/entries/risks-from-learned-optimization-in-advanced-machine-learning-systems/"
    assert risks["issue"] == "AN #58" and risks["category"] == "Mesa optimization"
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)


def test_filters_keep_only_the_category_section_year_or_summarizer_asked_for(private_store):
    store, _ = private_store
    index = SearchIndex(store)
    leaf = index.search("reward", category="mesa optimization", limit=20)
    assert leaf and {h.category for h in leaf} == {"Mesa optimization"}
    section = index.search("reward", category="Near-term concerns", limit=50)
    tree = {"Fairness and bias", "Privacy and security", "Recommender systems", "Machine ethics", "Security", "Near-term concerns"}
    assert section and {h.category for h in section} <= tree
    assert {h.year for h in index.search("reward", year=2018, limit=30)} == {2018}
    assert {h.summarizer for h in index.search("reward", summarizer="flo", limit=30)} == {"Flo"}


def test_the_index_follows_changes_to_the_store(sample_store):
    index = SearchIndex(sample_store)
    assert [h.title for h in index.search("circuits", limit=3)][0] == "Zoom In: An Introduction to Circuits"
    with sample_store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Zoom In: An Introduction to Circuits")).one()
        entry.title = "Zoom In: Circuits under the Microscope"
        entry.public_level = "Link only"
    assert not index.is_current()
    hits = index.search("microscope", limit=3)
    # A Link-only entry keeps where its issue placed it (its category), and nothing written about it.
    assert hits[0].title == "Zoom In: Circuits under the Microscope" and hits[0].summarizer is None
    assert "Zoom In: Circuits under the Microscope" not in [h.title for h in index.search("features", limit=10)]


def test_bad_queries_are_one_line_errors(sample_store):
    empty = cli(sample_store, "search", "  ?! ")
    assert empty.exit_code == 1 and "give at least one word" in str(empty.exception)
    too_many = cli(sample_store, "search", "reward", "--limit", "500")
    assert too_many.exit_code == 1 and "--limit 500: give a number from 1 to 100" == error_message(too_many.exception)


def test_the_search_api_words_errors_for_the_web_not_for_the_command_line(sample_store, tmp_path):
    from precis.web.app import create_app

    with TestClient(create_app(sample_store, tmp_path)) as client:
        answer = client.get("/api/search", params={"q": "reward", "limit": "500"})
    assert answer.status_code == 400
    assert answer.json() == {"error": "limit 500: give a number from 1 to 100"}


def test_postgresql_full_text_search_ranks_stems_and_hides_private_entries(pg_url):
    store = Store(pg_url)
    store.init()
    import_records(store, read_file(SAMPLE_CSV))
    index = SearchIndex(store)
    hits = index.search("circuit features", limit=3)
    assert hits[0].title == "Zoom In: An Introduction to Circuits"
    assert "circuit" in hits[0].snippet_html.lower() and "<mark>" in hits[0].snippet_html
    assert [h.title for h in index.search("preference comparisons", limit=3)][0] == "Deep Reinforcement Learning from Human Preferences"
    assert "Internal Draft on Lab Policy" not in [h.title for h in index.search("Internal Draft Lab Policy", limit=10)]
    link_only = index.search("fellowship", limit=3)
    assert link_only[0].title == "Sample Fellowship Announcement" and link_only[0].summarizer is None
    assert {h.category for h in index.search("reward", category="Interpretability", limit=10)} <= {"Interpretability"}
    store.close()


def test_the_web_app_serves_the_site_and_a_json_search_api(sample_store, tmp_path):
    from precis.web import create_app

    build_site(sample_store, tmp_path / "site")
    client = TestClient(create_app(sample_store, tmp_path / "site"))
    home = client.get("/")
    assert home.status_code == 200 and "<main" in home.text
    entry = client.get("/entries/curve-detectors/")
    assert entry.status_code == 200 and "Curve Detectors" in entry.text
    found = client.get("/api/search", params={"q": "curve detectors", "limit": 2})
    assert found.status_code == 200
    body = found.json()
    assert body["results"][0]["title"] == "Curve Detectors"
    assert body["results"][0]["url"] == "/entries/curve-detectors/"
    assert client.get(body["results"][0]["url"]).status_code == 200
    hidden = client.get("/api/search", params={"q": "internal draft lab policy"}).json()["results"]
    assert "Internal Draft on Lab Policy" not in [r["title"] for r in hidden]
    assert client.get("/api/search").status_code == 400
    assert client.get("/api/search", params={"q": "x", "limit": "many"}).status_code == 400
