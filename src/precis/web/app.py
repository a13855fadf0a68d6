"""The ASGI app behind ``precis serve``.

It serves a built archive (the same files ``precis site build`` writes) and answers
``GET /api/search?q=...`` from the store's full-text index (``precis.search``), which follows the
store's changes by itself. Run it with any ASGI server; ``precis serve`` uses uvicorn.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from precis.errors import PrecisError
from precis.search import MAX_LIMIT, SearchIndex
from precis.store import Store


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(store: Store, site_dir: Path) -> Starlette:
    """The app: the site in ``site_dir`` at ``/`` and the search API at ``/api/search``."""
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
            Mount("/", app=StaticFiles(directory=site_dir, html=True), name="site"),
        ]
    )
