"""The ingest commands as functions: fetch and parse everything first, then store in one go.

Fetching comes before any write, so a source that fails (HTTP errors after retries, timeouts,
malformed XML, oversized bodies, redirect loops, undecodable text) raises its one-line
``PrecisError`` while the store is still exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date

from precis.errors import PrecisError
from precis.identity import split_arxiv_id
from precis.ingest import feeds, pages
from precis.ingest.arxiv import ArxivClient
from precis.ingest.config import IngestConfig
from precis.ingest.fetch import Fetcher
from precis.ingest.queue import FeedUpdate, Report, add_works, feed_validators, remember_not_modified
from precis.ingest.work import Work
from precis.store import Store, settings_of


def ingest_urls(store: Store, items: list[str], config: IngestConfig, fetcher: Fetcher | None = None) -> Report:
    """Works from URLs (any page; arXiv abstract/PDF links; forum posts) and bare arXiv ids."""
    if not items:
        raise PrecisError("give at least one URL or arXiv id")
    with _fetcher(config, fetcher) as f:
        client = ArxivClient(f, config)
        works: list[Work] = []
        bare_ids = []
        for item in items:
            item = item.strip()
            found = split_arxiv_id(item)
            if found and "://" not in item:
                paper_id, version = found
                bare_ids.append(paper_id + (f"v{version}" if version else ""))
            elif found:
                works.append(client.abstract_page(*found))
            elif item.lower().startswith(("http://", "https://")):
                works.append(pages.work_of(f.get(item, f"page {item}")))
            else:
                raise PrecisError(f"{item!r}: not an http(s) URL or an arXiv id")
        works.extend(client.lookup(bare_ids))
    return add_works(store, works, f"{len(items)} URL(s) and id(s)")


def ingest_arxiv(
    store: Store,
    query: str,
    config: IngestConfig,
    since: date | None = None,
    limit: int = 200,
    fetcher: Fetcher | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Report:
    """Papers matching an arXiv API query, newest first, back to ``since``."""
    with _fetcher(config, fetcher) as f:
        works = ArxivClient(f, config).search(query, since=since, limit=limit, progress=progress)
    return add_works(store, works, f"arXiv API (query {query!r})")


def ingest_feed(store: Store, url: str, config: IngestConfig, fetcher: Fetcher | None = None) -> Report:
    """The items of one RSS or Atom feed, asking the server only for what changed since last time."""
    source = f"feed {url}"
    etag, last_modified = feed_validators(store, url)
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with _fetcher(config, fetcher) as f:
        fetched = f.get(url, source, headers=headers)
    if fetched.not_modified:
        remember_not_modified(store, url)
        return Report(source, not_modified=True)
    works = feeds.works_of(fetched)
    update = FeedUpdate(url, fetched.headers.get("etag"), fetched.headers.get("last-modified"), changed=True)
    return add_works(store, works, source, feed=update)


@dataclass
class RunAll:
    reports: list[Report] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # one line each, naming the feed


def configured_feeds(store: Store) -> list[str]:
    """The feeds listed under [ingest] in the publication's settings."""
    with store.session() as s:
        pub = store.default_publication(s)
        settings = settings_of(pub)
    value = settings.ingest.get("feeds", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PrecisError(f"publication {settings.slug!r}, [ingest] feeds: expected a list of URLs")
    return [v.strip() for v in value if v.strip()]


def ingest_all(
    store: Store,
    config: IngestConfig,
    fetcher: Fetcher | None = None,
    progress: Callable[[str], None] | None = None,
) -> RunAll:
    """Every configured feed, each in its own transaction: one failing feed is reported and
    leaves the store as it was, and the others are still read."""
    urls = configured_feeds(store)
    if not urls:
        raise PrecisError(
            "the publication lists no feeds: add `[ingest] feeds = [...]` to its settings file and "
            "run `precis init --publication FILE`"
        )
    run = RunAll()
    with _fetcher(config, fetcher) as f:
        for url in urls:
            if progress:
                progress(url)
            try:
                run.reports.append(ingest_feed(store, url, config, fetcher=f))
            except PrecisError as exc:
                run.failures.append(str(exc))
    return run


def _fetcher(config: IngestConfig, fetcher: Fetcher | None) -> AbstractContextManager[Fetcher]:
    """The caller's fetcher (left open), or a new one closed at the end of the block."""
    return nullcontext(fetcher) if fetcher is not None else Fetcher(config)
