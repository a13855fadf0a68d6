"""Every way a source can fail gives one line naming the source, and leaves the store as it was.

The store starts with candidates and a feed's conditional-GET state from an earlier run, so
"unchanged" means something: no rows added, none altered, no validators forgotten.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from precis.errors import PrecisError
from precis.ingest.config import IngestConfig
from precis.ingest.pipeline import ingest_arxiv, ingest_feed, ingest_urls
from precis.store import Store
from tests.helpers import table_rows

from .conftest import PASS, Canned, FixtureServer

TABLES = ("candidate", "feed_state", "entry", "issue", "revision", "publication")


def snapshot(store: Store) -> dict[str, list[tuple]]:
    return table_rows(store, TABLES)


@pytest.fixture
def used_store(sample_store: Store, server: FixtureServer) -> Store:
    ingest_feed(sample_store, server.url("/conditional/feed_rss.xml"), IngestConfig.from_env())
    ingest_arxiv(sample_store, "cat:cs.AI", IngestConfig.from_env(), limit=2)
    server.reset()
    return sample_store


Case = Callable[[Store, FixtureServer], object]


def feed(path: str, **overrides) -> Case:
    return lambda store, server: ingest_feed(store, server.url(path), IngestConfig.from_env(**overrides))


def urls(*paths: str, **overrides) -> Case:
    return lambda store, server: ingest_urls(
        store, [p if not p.startswith("/") else server.url(p) for p in paths], IngestConfig.from_env(**overrides)
    )


def arxiv_second_page_fails(store: Store, server: FixtureServer) -> object:
    server.script("/api/query", Canned(PASS), Canned(500), Canned(500), Canned(500))
    return ingest_arxiv(store, "cat:cs.AI", IngestConfig.from_env(arxiv_page_size=2))


def known_feed_fails(store: Store, server: FixtureServer) -> object:
    server.script("/conditional/feed_rss.xml", Canned(502), Canned(502), Canned(502))
    return ingest_feed(store, server.url("/conditional/feed_rss.xml"), IngestConfig.from_env())


CASES: dict[str, tuple[Case, str]] = {
    "500 forever": (feed("/status/500"), r"^feed {base}/status/500: HTTP 500 Internal Server Error, still failing after 3 attempts$"),
    "429 forever": (feed("/status/429"), r"^feed {base}/status/429: HTTP 429 Too Many Requests, still failing after 3 attempts$"),
    "timeout": (feed("/slow", http_timeout=0.2, http_retries=0), r"^feed {base}/slow: no answer within 0.2 s \(timeout\), still failing after 1 attempts$"),
    "malformed XML": (feed("/static/feed_malformed.xml"), r"^feed {base}/static/feed_malformed.xml: malformed XML at line \d+, column \d+: .+$"),
    "huge body": (urls("/huge", http_max_bytes=100_000), r"^page {base}/huge: the response is larger than the 100,000-byte limit \(PRECIS_HTTP_MAX_BYTES\)$"),
    "huge declared body": (urls("/huge-declared"), r"^page {base}/huge-declared: the response is 1,000,000,000 bytes, more than the .+-byte limit \(PRECIS_HTTP_MAX_BYTES\)$"),
    "redirect loop": (feed("/loop/a"), r"^feed {base}/loop/a: more than 5 redirects \(a redirect loop\?\)$"),
    "non-UTF-8 page": (urls("/static/page_undeclared.html"), r"^page {base}/static/page_undeclared.html: not valid utf-8 text \(byte 0x[0-9a-f]{{2}} at offset \d+; no charset declared, so UTF-8 was expected\)$"),
    "non-UTF-8 feed": (feed("/static/feed_bad_utf8.xml"), r"^feed {base}/static/feed_bad_utf8.xml: not valid text in its declared encoding .+$"),
    "not a feed": (feed("/static/page_citation.html"), r"^feed {base}/static/page_citation.html: not an RSS or Atom feed \(got text/html\)$"),
    "arXiv API error": (urls("arXiv:2406.04102", "1234.12345"), r"^arXiv API \(id 2406.04102, 1234.12345\): no paper with id 1234.12345$"),
    "arXiv fails on page 2": (arxiv_second_page_fails, r"^arXiv API \(query 'cat:cs.AI', results 3–4\): HTTP 500 Internal Server Error, still failing after 3 attempts$"),
    "second URL fails": (urls("/static/lesswrong_post.html", "/status/404"), r"^page {base}/status/404: HTTP 404 Not Found$"),
    "a polled feed fails": (known_feed_fails, r"^feed {base}/conditional/feed_rss.xml: HTTP 502 Bad Gateway, still failing after 3 attempts$"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_failing_source_is_one_line_naming_it_and_changes_nothing(used_store: Store, server: FixtureServer, case: str) -> None:
    run, pattern = CASES[case]
    before = snapshot(used_store)
    assert before["candidate"] and before["feed_state"]
    with pytest.raises(PrecisError) as caught:
        run(used_store, server)
    message = str(caught.value)
    assert "\n" not in message
    assert re.match(pattern.format(base=server.base), message), message
    assert snapshot(used_store) == before
