"""The ASGI app behind ``precis serve``.

It serves the archive (the same files ``precis site build`` writes) and answers
``GET /api/search?q=...`` from the store's full-text index (``precis.search``). Both follow the
store's changes: the search index is refilled before the next search, and the site is brought up
to date (``build_site`` rewrites only what changed and deletes the pages of entries that are no
longer public) before the next file is served, so no page outlives a privacy change. Run it with
any ASGI server; ``precis serve`` uses uvicorn.
"""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from precis.errors import PrecisError
from precis.search import MAX_LIMIT, SearchIndex
from precis.store import Store


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def store_fingerprint(store: Store) -> str:
    """What the store holds now, as the search index tells it (the newest revision, the numbers of
    entries and issues): a site built when it was this is current."""
    index = SearchIndex(store)
    with store.session() as s:
        return index.fingerprint(s)


class LiveSite:
    """The built archive in ``site_dir``, served as static files and rebuilt when the store changed.

    Before a file is served, the store's fingerprint is compared with the one the site was built
    from; when they differ, the site is rebuilt first. Requests that arrive during a rebuild wait
    for it (one lock), so none sees a half-built site or a page the store no longer allows.
    ``built_from`` is the fingerprint taken before the site in ``site_dir`` was built (None: not
    known, so the first request rebuilds).
    """

    def __init__(self, store: Store, site_dir: Path, base_url: str | None, built_from: str | None) -> None:
        self.store = store
        self.site_dir = Path(site_dir)
        self.base_url = base_url
        self.built_from = built_from
        self.files = StaticFiles(directory=site_dir, html=True)
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.bring_up_to_date()
        except PrecisError as exc:
            await PlainTextResponse(f"The archive could not be brought up to date: {exc}", 503)(scope, receive, send)
            return
        await self.files(scope, receive, send)

    async def bring_up_to_date(self) -> None:
        # In a worker thread: the check is a query, and waiting for a rebuild must not stop the
        # event loop (searches go on meanwhile).
        await run_in_threadpool(self._bring_up_to_date)

    def _bring_up_to_date(self) -> None:
        if store_fingerprint(self.store) == self.built_from:
            return
        with self._lock:
            # Taken before building: a change made meanwhile leaves the site stale, to be rebuilt.
            now = store_fingerprint(self.store)
            if now != self.built_from:
                from precis.site import build_site

                build_site(self.store, self.site_dir, base_url=self.base_url)
                self.built_from = now


def create_app(
    store: Store, site_dir: Path, *, base_url: str | None = None, built_from: str | None = None
) -> Starlette:
    """The app: the site in ``site_dir`` at ``/``, kept current (see ``LiveSite``; ``base_url`` as
    for ``build_site``), and the search API at ``/api/search``."""
    index = SearchIndex(store)
    index.refresh()

    async def search(request: Request) -> JSONResponse:
        params = request.query_params
        query = params.get("q", "").strip()
        if not query:
            return _error("give the words to search for as ?q=...")
        try:
            limit = int(params.get("limit", "10"))
            year = int(params["year"]) if params.get("year") else None
        except ValueError:
            return _error(f"limit and year must be whole numbers (limit 1 to {MAX_LIMIT})")
        run = partial(
            index.search,
            query,
            category=params.get("category") or None,
            year=year,
            summarizer=params.get("summarizer") or None,
            limit=limit,
        )
        try:
            if index.dialect == "sqlite":
                # A query takes a millisecond or two: it runs on the event loop, without the hop to
                # a worker thread. Refilling the index after the store changed takes seconds: off it.
                if not index.ready():
                    await run_in_threadpool(index.refresh)
                hits = run()
            else:
                hits = await run_in_threadpool(run)
        except PrecisError as exc:
            return _error(str(exc))
        return JSONResponse({"query": query, "results": [h.to_json() for h in hits]})

    def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "index_current": index.is_current()})

    return Starlette(
        routes=[
            Route("/api/search", search),
            Route("/api/health", health),
            Mount("/", app=LiveSite(store, site_dir, base_url, built_from), name="site"),
        ]
    )
