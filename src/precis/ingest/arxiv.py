"""arXiv: the API (Atom, read with feedparser) for searches and id look-ups, and abstract pages.

The API's terms ask for one call every 3 seconds; ``RateLimiter`` keeps that pace across every
call of a run (``IngestConfig.arxiv_delay``). Results come newest first, so a search with
``since`` stops paging at the first paper submitted before that date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from precis.errors import PrecisError
from precis.identity import split_arxiv_id
from precis.ingest import feeds, pages
from precis.ingest.config import IngestConfig
from precis.ingest.fetch import Fetched, Fetcher, RateLimiter
from precis.ingest.work import Work

PUBLIC_ABS = "https://arxiv.org/abs/"
VENUE = "arXiv"


class ArxivClient:
    def __init__(self, fetcher: Fetcher, config: IngestConfig, limiter: RateLimiter | None = None) -> None:
        self.fetcher = fetcher
        self.config = config
        self.limiter = limiter or RateLimiter(config.arxiv_delay)

    def search(
        self,
        query: str,
        since: date | None = None,
        limit: int = 200,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> list[Work]:
        """Papers matching an arXiv API ``search_query``, newest first, submitted on or after
        ``since``, at most ``limit`` of them."""
        if not query.strip():
            raise PrecisError("arXiv API: the query is empty; give --query, e.g. 'cat:cs.AI AND abs:alignment'")
        works: list[Work] = []
        start = 0
        while len(works) < limit:
            size = min(self.config.arxiv_page_size, limit - len(works))
            source = f"arXiv API (query {query!r}, results {start + 1}–{start + size})"
            params: dict[str, str | int] = {
                "search_query": query,
                "start": start,
                "max_results": size,
                "sortBy": "submittedDate",
                "sortOrder": "descending",
            }
            page, total = parse_api(self._get(source, params))
            older = False
            for work in page:
                if since is not None and work.published is not None and work.published < since:
                    older = True
                    break
                works.append(work)
            start += len(page)
            if progress:
                progress(len(works), total)
            if older or len(page) < size or (total is not None and start >= total):
                break
        return works[:limit]

    def lookup(self, ids: list[str]) -> list[Work]:
        """The papers with these arXiv ids (with or without versions), in the order given."""
        if not ids:
            return []
        source = f"arXiv API (id {', '.join(ids)})"
        works, _total = parse_api(self._get(source, {"id_list": ",".join(ids), "max_results": len(ids)}))
        found = {w.arxiv_id for w in works}
        missing = [i for i in ids if (split_arxiv_id(i) or (i, None))[0] not in found]
        if missing:
            raise PrecisError(f"{source}: no paper with id {', '.join(missing)}")
        return works

    def abstract_page(self, paper_id: str, version: int | None = None) -> Work:
        """A paper's metadata from its abstract page (citation_* meta tags)."""
        url = f"{self.config.arxiv_abs_url}{paper_id}" + (f"v{version}" if version else "")
        fetched = self.fetcher.get(url, f"arXiv abstract page {url}")
        work = pages.work_of(fetched)
        work.arxiv_id = paper_id
        work.arxiv_version = version or work.arxiv_version
        work.url = PUBLIC_ABS + paper_id
        work.venue = VENUE
        return work

    def _get(self, source: str, params: dict[str, str | int]) -> Fetched:
        # The API explains a bad query in an Atom error entry sent with HTTP 400.
        return self.fetcher.get(
            self.config.arxiv_api_url, source, params=params, limiter=self.limiter, body_on=frozenset({400})
        )


def parse_api(fetched: Fetched) -> tuple[list[Work], int | None]:
    """The papers of one arXiv API response and the total the query matched."""
    try:
        parsed = feeds.parse(fetched)
    except PrecisError:
        if fetched.status >= 400:
            raise PrecisError(f"{fetched.source}: HTTP {fetched.status} without an error message") from None
        raise
    entries = parsed.entries
    if len(entries) == 1 and "/api/errors" in entries[0].get("id", ""):
        message = " ".join((entries[0].get("summary") or "unknown error").split())
        raise PrecisError(f"{fetched.source}: the API answered with an error: {message}")
    if fetched.status >= 400:
        raise PrecisError(f"{fetched.source}: HTTP {fetched.status} without an error message")
    works = []
    for n, entry in enumerate(entries, 1):
        found = split_arxiv_id(entry.get("id"))
        if found is None:
            raise PrecisError(f"{fetched.source}: entry {n} has no arXiv id ({entry.get('id')!r})")
        paper_id, version = found
        if not (entry.get("title") or "").strip():
            raise PrecisError(f"{fetched.source}: entry {n} (arXiv {paper_id}) has no title")
        works.append(
            Work(
                title=entry["title"],
                source=fetched.source,
                url=PUBLIC_ABS + paper_id,
                authors=feeds.authors_of(entry),
                venue=VENUE,
                published=feeds.date_of(entry),
                abstract=entry.get("summary"),
                arxiv_id=paper_id,
                arxiv_version=version,
                doi=(entry.get("arxiv_doi") or "").strip().lower() or None,
            )
        )
    total_text = str(parsed.feed.get("opensearch_totalresults", "")).strip()
    return works, int(total_text) if total_text.isdigit() else None
