"""Reading works from the documented formats: arXiv API Atom, abstract pages, meta tags, forum
posts, RSS 2.0 and Atom 1.0, all served by the local server."""

from __future__ import annotations

from datetime import date

import pytest

from precis.errors import PrecisError
from precis.ingest import feeds, pages
from precis.ingest.arxiv import ArxivClient
from precis.ingest.config import IngestConfig
from precis.ingest.fetch import Fetcher, RateLimiter

from .conftest import FixtureServer


@pytest.fixture
def fetch(server: FixtureServer):
    with Fetcher(IngestConfig.from_env()) as f:
        yield f


def arxiv(fetch: Fetcher, **overrides) -> ArxivClient:
    config = IngestConfig.from_env(**overrides)
    return ArxivClient(fetch, config, RateLimiter(config.arxiv_delay))


def test_an_arxiv_search_pages_through_results_newest_first(server: FixtureServer, fetch: Fetcher) -> None:
    works = arxiv(fetch, arxiv_page_size=2).search("cat:cs.AI")
    assert [w.arxiv_id for w in works] == ["2406.04102", "2406.01877", "2405.17311", "2405.11002", "2405.00420"]
    calls = server.seen("/api/query")
    assert [c.query["start"] for c in calls] == [["0"], ["2"], ["4"]]
    assert all(c.query["sortBy"] == ["submittedDate"] and c.query["sortOrder"] == ["descending"] for c in calls)
    first = works[0]
    assert first.title == "Detecting Deceptive Mesa-Optimizers with Activation Probes"
    assert first.authors == ["Alice Example", "Bob Sample"]
    assert (first.url, first.venue, first.arxiv_version) == ("https://arxiv.org/abs/2406.04102", "arXiv", 2)
    assert first.published == date(2024, 6, 10) and first.year == 2024
    assert first.abstract.startswith("We study learned optimizers inside trained networks")
    assert works[1].doi == "10.5555/soil.2024.001"


def test_an_arxiv_search_stops_paging_at_the_since_date(server: FixtureServer, fetch: Fetcher) -> None:
    works = arxiv(fetch, arxiv_page_size=2).search("cat:cs.AI", since=date(2024, 5, 25))
    assert [w.arxiv_id for w in works] == ["2406.04102", "2406.01877", "2405.17311"]
    assert len(server.seen("/api/query")) == 2


def test_arxiv_api_calls_are_paced_by_the_configured_delay(server: FixtureServer, fetch: Fetcher) -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    config = IngestConfig.from_env(arxiv_page_size=2, arxiv_delay=3.0)
    client = ArxivClient(fetch, config, RateLimiter(config.arxiv_delay, clock=lambda: now[0], sleep=sleep))
    client.search("cat:cs.AI")
    assert waits == [3.0, 3.0]  # three pages, two pauses


def test_an_arxiv_search_honours_the_limit(server: FixtureServer, fetch: Fetcher) -> None:
    works = arxiv(fetch, arxiv_page_size=100).search("cat:cs.AI", limit=2)
    assert len(works) == 2
    assert server.seen("/api/query")[0].query["max_results"] == ["2"]


def test_arxiv_ids_are_looked_up_through_the_api(server: FixtureServer, fetch: Fetcher) -> None:
    works = arxiv(fetch).lookup(["2405.00420v1", "2405.17311"])
    assert {w.title for w in works} == {
        "A Benchmark for Scalable Oversight with Debate",
        "Reward Model Overoptimization in Preference Learning",
    }
    assert server.seen("/api/query")[0].query["id_list"] == ["2405.00420v1,2405.17311"]


def test_an_arxiv_api_error_is_reported_with_its_message(server: FixtureServer, fetch: Fetcher) -> None:
    with pytest.raises(PrecisError) as caught:
        arxiv(fetch).lookup(["1234.12345x"])
    assert str(caught.value) == (
        "arXiv API (id 1234.12345x): the API answered with an error: incorrect id format for 1234.12345"
    )


def test_an_arxiv_abstract_page_gives_citation_metadata(server: FixtureServer, fetch: Fetcher) -> None:
    work = arxiv(fetch).abstract_page("2406.04102", 2)
    assert server.seen("/abs/2406.04102v2")
    assert work.title == "Detecting Deceptive Mesa-Optimizers with Activation Probes"
    assert work.authors == ["Alice Example", "Bob Sample"]  # "Example, Alice" in the meta tag
    assert (work.url, work.venue, work.arxiv_id, work.arxiv_version) == (
        "https://arxiv.org/abs/2406.04102", "arXiv", "2406.04102", 2)
    assert work.published == date(2024, 6, 10)


def page(server: FixtureServer, fetch: Fetcher, name: str):
    return pages.work_of(fetch.get(server.url(f"/static/{name}"), f"page {name}"))


def test_citation_meta_tags_win_over_opengraph(server: FixtureServer, fetch: Fetcher) -> None:
    work = page(server, fetch, "page_citation.html")
    assert work.title == "Cooperative Inverse Games Revisited"
    assert work.authors == ["Ngozi Okafor", "Jürgen Müller", "Thi Minh Nguyen"]
    assert (work.venue, work.doi, work.published) == ("Journal of Example Research", "10.5555/jer.2023.0042", date(2023, 11, 2))
    assert work.url == "https://journal.example.org/articles/42"


def test_opengraph_tags_describe_a_blog_post(server: FixtureServer, fetch: Fetcher) -> None:
    work = page(server, fetch, "page_opengraph.html")
    assert work.title == "Why Goal Misgeneralization Matters"
    assert (work.venue, work.published, work.authors) == ("The Example Blog", date(2024, 5, 14), ["Priya Raman"])
    assert work.abstract.startswith("Capable agents can pursue the wrong goal")
    assert work.url.startswith("https://blog.example.org/2024/05/goal-misgeneralization/")


def test_a_lesswrong_post_page_gives_its_authors_and_date(server: FixtureServer, fetch: Fetcher) -> None:
    work = page(server, fetch, "lesswrong_post.html")
    assert work.title == "Shard Theory in Nine Theses"  # without " — LessWrong"
    assert work.authors == ["Quintin Example", "Alex Turner-Sample"]
    assert (work.venue, work.published) == ("LessWrong", date(2023, 8, 31))
    assert work.url == "https://www.lesswrong.com/posts/AbCdEfGhIjKlMnOpQ/shard-theory-in-nine-theses"


def test_an_alignment_forum_post_is_filed_under_the_alignment_forum(server: FixtureServer, fetch: Fetcher) -> None:
    work = page(server, fetch, "alignmentforum_post.html")
    assert (work.title, work.venue, work.authors) == ("Eliciting Latent Knowledge, Briefly", "Alignment Forum", ["Mark Xample"])


def test_a_page_in_a_legacy_charset_keeps_its_accents(server: FixtureServer, fetch: Fetcher) -> None:
    work = page(server, fetch, "page_latin1.html")
    assert (work.title, work.authors, work.year, work.published) == (
        "Schätzung von Präferenzen", ["José Hernández-Exemple"], 2022, None)


def test_a_feed_or_a_pdf_given_as_a_page_is_refused_with_advice(server: FixtureServer, fetch: Fetcher) -> None:
    with pytest.raises(PrecisError, match=r"this is a feed \(application/rss\+xml\); use `precis ingest feed`"):
        page(server, fetch, "feed_rss.xml")
    server.types["arxiv_abs.html"] = "application/pdf"
    with pytest.raises(PrecisError, match=r"not an HTML page \(application/pdf\)"):
        page(server, fetch, "arxiv_abs.html")


def feed(server: FixtureServer, fetch: Fetcher, name: str):
    return feeds.works_of(fetch.get(server.url(f"/static/{name}"), f"feed {name}"))


def test_an_rss_feed_gives_one_work_per_titled_item(server: FixtureServer, fetch: Fetcher) -> None:
    works = feed(server, fetch, "feed_rss.xml")
    assert [w.title for w in works] == ["Red-Teaming Language Models with Language Models", "A Field Guide to Specification Gaming"]
    assert [w.authors for w in works] == [["Ada Lovelace-Test"], ["Brian Byline"]]
    assert works[0].venue == "The Example Safety Blog" and works[0].published == date(2024, 6, 11)
    assert works[0].abstract == "We use one language model to find inputs that make another misbehave."


def test_an_atom_feed_gives_authors_dates_and_dois(server: FixtureServer, fetch: Fetcher) -> None:
    works = feed(server, fetch, "feed_atom.xml")
    assert works[0].authors == ["Dora Forecaster", "Eli Estimate"]
    assert works[0].url == "https://newsletter.example.org/p/forecasting-update"
    assert works[0].abstract == "Our timelines moved; here is why."
    assert works[1].doi == "10.5555/jer.2023.0042" and works[1].published == date(2024, 6, 1)


def test_a_feed_in_a_declared_legacy_encoding_keeps_its_accents(server: FixtureServer, fetch: Fetcher) -> None:
    (work,) = feed(server, fetch, "feed_latin1.xml")
    assert (work.title, work.authors, work.venue) == (
        "Apprentissage des préférences humaines", ["José Hernández-Exemple"], "Le Blog de Sécurité")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("feed_malformed.xml", r"^feed feed_malformed.xml: malformed XML at line \d+, column \d+: "),
        ("feed_bad_utf8.xml", r"^feed feed_bad_utf8.xml: not valid text in its declared encoding"),
        ("page_citation.html", r"^feed page_citation.html: not an RSS or Atom feed \(got text/html\)$"),
        (
            "lesswrong_post.html",
            r"^feed lesswrong_post.html: not an RSS or Atom feed \(got text/html\); "
            r"it links to the feed https://www.lesswrong.com/feed.xml$",
        ),
    ],
)
def test_a_broken_feed_is_an_error_naming_it(server: FixtureServer, fetch: Fetcher, name: str, message: str) -> None:
    with pytest.raises(PrecisError, match=message):
        feed(server, fetch, name)
