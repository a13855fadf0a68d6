"""HTTP behaviour against the local server: retries, backoff, Retry-After, limits, charsets."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from precis.errors import PrecisError
from precis.ingest.config import IngestConfig
from precis.ingest.fetch import Fetcher, RateLimiter, parse_retry_after

from .conftest import Canned, FixtureServer


class Sleeps(list):
    """Records the waits asked for instead of sleeping, so retry tests are fast and exact."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def fetcher(sleeps: Sleeps, **overrides) -> Fetcher:
    return Fetcher(IngestConfig.from_env(**overrides), sleep=sleeps)


def test_a_429_is_retried_after_the_time_the_server_asks_for(server: FixtureServer) -> None:
    server.script("/static/feed_rss.xml", Canned(429, {"Retry-After": "7"}))
    sleeps = Sleeps()
    with fetcher(sleeps, http_backoff=0.5) as f:
        got = f.get(server.url("/static/feed_rss.xml"), "feed test")
    assert got.status == 200 and b"Example Safety Blog" in got.content
    assert sleeps == [7.0]
    assert len(server.seen("/static/feed_rss.xml")) == 2


def test_5xx_without_retry_after_backs_off_exponentially(server: FixtureServer) -> None:
    server.script("/static/feed_rss.xml", Canned(503), Canned(502), Canned(500))
    sleeps = Sleeps()
    with fetcher(sleeps, http_backoff=0.5, http_retries=3) as f:
        assert f.get(server.url("/static/feed_rss.xml"), "feed test").status == 200
    assert sleeps == [0.5, 1.0, 2.0]


def test_500_forever_fails_after_the_retries_with_one_line_naming_the_source(server: FixtureServer) -> None:
    sleeps = Sleeps()
    url = server.url("/status/500")
    with fetcher(sleeps, http_retries=2) as f, pytest.raises(PrecisError) as caught:
        f.get(url, f"feed {url}")
    message = str(caught.value)
    assert message == f"feed {url}: HTTP 500 Internal Server Error, still failing after 3 attempts"
    assert len(server.seen("/status/500")) == 3 and len(sleeps) == 2


def test_a_retry_after_beyond_the_limit_fails_at_once(server: FixtureServer) -> None:
    server.script("/static/feed_rss.xml", Canned(429, {"Retry-After": "3600"}))
    with fetcher(Sleeps(), http_max_wait=60) as f, pytest.raises(PrecisError, match="retry after 3600 s, longer than the 60 s limit"):
        f.get(server.url("/static/feed_rss.xml"), "feed test")
    assert len(server.seen("/static/feed_rss.xml")) == 1


def test_client_errors_are_not_retried(server: FixtureServer) -> None:
    with fetcher(Sleeps()) as f, pytest.raises(PrecisError, match="^page x: HTTP 404 Not Found"):
        f.get(server.url("/status/404"), "page x")
    assert len(server.seen("/status/404")) == 1


def test_a_server_that_does_not_answer_in_time_is_a_timeout(server: FixtureServer) -> None:
    server.slow_seconds = 1.0
    sleeps = Sleeps()
    with fetcher(sleeps, http_timeout=0.2, http_retries=1) as f, pytest.raises(PrecisError) as caught:
        f.get(server.url("/slow"), "page slow")
    assert str(caught.value) == "page slow: no answer within 0.2 s (timeout), still failing after 2 attempts"
    assert len(sleeps) == 1


def test_a_body_larger_than_the_limit_is_cut_off_while_streaming(server: FixtureServer) -> None:
    with fetcher(Sleeps(), http_max_bytes=256 * 1024) as f, pytest.raises(PrecisError) as caught:
        f.get(server.url("/huge"), "page huge")
    assert str(caught.value) == "page huge: the response is larger than the 262,144-byte limit (PRECIS_HTTP_MAX_BYTES)"


def test_a_declared_length_beyond_the_limit_is_refused_before_reading(server: FixtureServer) -> None:
    with fetcher(Sleeps(), http_max_bytes=1000) as f, pytest.raises(PrecisError, match="is 1,000,000,000 bytes, more than the 1,000-byte limit"):
        f.get(server.url("/huge-declared"), "page big")


def test_a_redirect_loop_stops_at_the_redirect_limit(server: FixtureServer) -> None:
    with fetcher(Sleeps(), http_max_redirects=4) as f, pytest.raises(PrecisError) as caught:
        f.get(server.url("/loop/a"), "page loop")
    assert str(caught.value) == "page loop: more than 4 redirects (a redirect loop?)"
    assert len(server.seen("/loop/a")) + len(server.seen("/loop/b")) == 5


def test_a_page_in_a_declared_legacy_charset_is_decoded_correctly(server: FixtureServer) -> None:
    with fetcher(Sleeps()) as f:
        text = f.get(server.url("/static/page_latin1.html"), "page latin").text()
    assert "Schätzung von Präferenzen" in text and "Hernández-Exemple, José" in text


def test_a_page_that_is_not_utf8_and_declares_nothing_is_refused(server: FixtureServer) -> None:
    with fetcher(Sleeps()) as f:
        got = f.get(server.url("/static/page_undeclared.html"), "page legacy")
    with pytest.raises(PrecisError) as caught:
        got.text()
    assert str(caught.value).startswith("page legacy: not valid utf-8 text (byte 0x")
    assert "no charset declared" in str(caught.value)


def test_the_header_charset_wins_and_an_unknown_one_is_an_error(server: FixtureServer) -> None:
    server.types["page_opengraph.html"] = "text/html; charset=x-no-such-charset"
    with fetcher(Sleeps()) as f:
        got = f.get(server.url("/static/page_opengraph.html"), "page odd")
    with pytest.raises(PrecisError, match="^page odd: declares an unknown character set 'x-no-such-charset'$"):
        got.text()


def test_the_rate_limiter_keeps_calls_apart() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3.0, clock=lambda: now[0], sleep=sleep)
    limiter.wait()
    now[0] += 1.0  # the first call took a second
    limiter.wait()
    limiter.wait()
    now[0] += 5.0  # long enough: no wait
    limiter.wait()
    assert waits == [2.0, 3.0]


def test_retry_after_may_be_seconds_or_an_http_date() -> None:
    now = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Sat, 01 Jun 2024 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Sat, 01 Jun 2024 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
