"""The ASGI app behind ``precis serve``.

It serves the archive (the same files ``precis site build`` writes) and answers
``GET /api/search?q=...`` from the store's full-text index (``precis.search``). Both follow the
store's changes: the search index is refilled before the next search, and the site is rebuilt as
soon as the store changed, no page the store no longer allows being served meanwhile
(``LiveSite``). Run it with any ASGI server; ``precis serve`` uses uvicorn.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from precis.errors import PrecisError
from precis.model import Entry, Revision
from precis.public import is_public
from precis.search import MAX_LIMIT, SearchIndex
from precis.site.lock import build_lock
from precis.store import Store


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@dataclass(frozen=True)
class Snapshot:
    """What the store holds at a moment: its fingerprint (the search index's: the newest revision,
    the numbers of entries and issues) and its newest revision."""

    fingerprint: str
    revision: int

    @classmethod
    def of(cls, store: Store) -> Snapshot:
        with store.session() as s:
            return cls(SearchIndex(store).fingerprint(s), s.scalar(select(func.max(Revision.id))) or 0)


@dataclass(frozen=True)
class Built:
    """What a site folder was built from (the snapshot taken before the build) and the page of each
    entry it holds (``BuildReport.entry_paths``)."""

    snapshot: Snapshot
    entry_paths: dict[int, str]


@dataclass(frozen=True)
class Stale:
    """While the site is being rebuilt after a change: the pages of entries that are no longer public
    (answered 404 at once), and what marks a file that shows a changed entry (it waits for the
    rebuild: the path of a changed entry's page, which every page listing or linking it holds)."""

    gone: frozenset[str]
    marks: tuple[bytes, ...]
    changed_pages: frozenset[str]


# Files that show entries without linking their pages (downloads, the search index, chart data):
# while the site is being rebuilt they wait for it.
_WAIT_UNDER = ("downloads/", "pagefind/", "data/")
# The home page, the list of issues and the feeds, which a new issue appears on: while the site is
# being rebuilt they wait for its first files (``build_site``'s ``ready``), which include them.
_LISTS = frozenset({"index.html", "issues/index.html", "feeds/issues.rss", "feeds/issues.atom"})


class LiveSite:
    """The built archive in ``site_dir``, served as static files and kept in step with the store.

    Before a file is served, the store's fingerprint is compared with the one the site was built
    from. When the store changed, a rebuild starts in the background (``build_site`` rewrites only
    what changed and deletes the pages of entries no longer public) and, until it is done: the page
    of an entry that is no longer public answers 404; a file that shows an entry changed since the
    build (its page, an issue or index page, a feed listing it, the downloads, the search index),
    the home page, the list of issues, the feeds, and a file not there yet (a new issue's page, the
    page of an entry just published) wait for the rebuild and are then served as rebuilt; every
    other file is served at once. The rebuild writes first the pages of the changed entries and
    their issues, the home page, the list of issues and the feeds (``build_site``'s ``ready``):
    those are served as soon as they are written, before the other pages, the downloads and the
    search index. So no reader sees a page the store no longer allows, a new issue is on the site
    within about a second of its publishing, and most pages are not held up.
    ``built`` is what the site in ``site_dir`` was built from (None: not known, so every file
    waits for a first rebuild).
    """

    def __init__(self, store: Store, site_dir: Path, base_url: str | None, built: Built | None) -> None:
        self.store = store
        self.site_dir = Path(site_dir).resolve()
        self.base_url = base_url
        self.built = built
        self.files = StaticFiles(directory=site_dir, html=True)
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._rebuilding: threading.Thread | None = None
        self._stale: tuple[str, Stale] | None = None  # for which store fingerprint
        # The files the running rebuild wrote first, and the store's fingerprint they show.
        self._fresh: tuple[str, frozenset[str]] | None = None
        self.error: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            status = await run_in_threadpool(self.verdict, scope["path"])
        except PrecisError as exc:
            status, self.error = 503, str(exc)
        if status == 404:
            await PlainTextResponse("Not Found", 404)(scope, receive, send)
        elif status == 503:
            await PlainTextResponse(f"The archive could not be brought up to date: {self.error}", 503)(
                scope, receive, send
            )
        else:
            await self.files(scope, receive, send)

    # -- deciding, in a worker thread ------------------------------------------------------------

    def verdict(self, path: str) -> int | None:
        """404 or 503 to answer for ``path``, or None to serve the file (after waiting for a
        rebuild when it shows a changed entry)."""
        now = Snapshot.of(self.store)
        with self._lock:
            if self.built is not None and now.fingerprint == self.built.snapshot.fingerprint:
                return None
            self._start_rebuild()
            stale = self._stale_for(now)
        relative = path.lstrip("/")
        if stale is not None and self._page_of(relative) in stale.gone:
            return 404
        if stale is None or self._shows_change(relative, stale):
            return self._wait(relative, now.fingerprint)
        return None

    def _stale_for(self, now: Snapshot) -> Stale | None:
        """What changed since the last build (computed once per change; None if unknown)."""
        if self.built is None:
            return None
        if self._stale is None or self._stale[0] != now.fingerprint:
            self._stale = (now.fingerprint, self._changes(self.built))
        return self._stale[1]

    def _changed_entries(self, revision: int) -> set[int]:
        """The entries changed since ``revision``."""
        with self.store.session() as s:
            return set(s.scalars(select(Revision.entry_id).where(Revision.id > revision)))

    def _changes(self, built: Built) -> Stale:
        changed = self._changed_entries(built.snapshot.revision)
        with self.store.session() as s:
            public = {
                i for i, level, status in s.execute(
                    select(Entry.id, Entry.public_level, Entry.status).where(Entry.id.in_(changed))
                ) if is_public(level, status)
            }
        pages = {built.entry_paths[i] for i in changed if i in built.entry_paths}
        gone = {built.entry_paths[i] for i in changed - public if i in built.entry_paths}
        return Stale(frozenset(gone), tuple(p.encode() for p in sorted(pages)), frozenset(pages))

    def _page_of(self, relative: str) -> str:
        """The page a request path is for, as the build names pages ("entries/x/")."""
        page = relative.removesuffix("index.html")
        return page if not page or page.endswith("/") else page + "/"

    def _file_of(self, relative: str) -> str:
        """The file a request path is for, as the build names files ("entries/x/index.html")."""
        return relative + "index.html" if not relative or relative.endswith("/") else relative

    def _shows_change(self, relative: str, stale: Stale) -> bool:
        if relative.startswith(_WAIT_UNDER) or self._page_of(relative) in stale.changed_pages:
            return True
        if self._file_of(relative) in _LISTS:
            return True
        target = (self.site_dir / relative).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.site_dir):
            return False
        if not target.is_file():
            return True  # a page the rebuild may make: a new issue's, an entry's just published
        if not stale.marks:
            return False
        data = target.read_bytes()
        return any(mark in data for mark in stale.marks)

    # -- rebuilding ------------------------------------------------------------------------------

    def _start_rebuild(self) -> None:
        """Start the background rebuild unless it is running (the lock is held)."""
        if self._rebuilding is None:
            self.error = None
            self._rebuilding = threading.Thread(target=self._rebuild, name="precis-site-rebuild", daemon=True)
            self._rebuilding.start()

    def _rebuild(self) -> None:
        from precis.site import build_site

        try:
            while True:
                # Taken before building: a change made meanwhile is seen after, and built again.
                with build_lock(self.site_dir):  # another worker process may be building it too
                    before = Snapshot.of(self.store)
                    built = self.built
                    changed = self._changed_entries(built.snapshot.revision) if built is not None else set()

                    def ready(files: list[str], fingerprint: str = before.fingerprint) -> None:
                        with self._lock:
                            self._fresh = (fingerprint, frozenset(files))
                            self._done.notify_all()

                    report = build_site(
                        self.store, self.site_dir, base_url=self.base_url, changed=changed, ready=ready
                    )
                with self._lock:
                    self.built = Built(before, report.entry_paths)
                    self._fresh = None
                if Snapshot.of(self.store).fingerprint == before.fingerprint:
                    break
        except Exception as exc:  # any failure: answered 503 to the waiting readers, not lost in the thread
            self.error = str(exc) or type(exc).__name__
        finally:
            with self._lock:
                self._rebuilding, self._fresh = None, None
                self._done.notify_all()

    def _wait(self, relative: str, fingerprint: str) -> int | None:
        """Wait for the running rebuild, or until it wrote the file of ``relative`` from the store
        as it is (``fingerprint``) among its first files; 503 if it failed."""
        with self._lock:
            while self._rebuilding is not None and not self._is_fresh(relative, fingerprint):
                self._done.wait()
            return 503 if self.error and not self._is_fresh(relative, fingerprint) else None

    def _is_fresh(self, relative: str, fingerprint: str) -> bool:
        """Whether the running rebuild wrote ``relative`` among its first files, from the store as
        it is (the lock is held)."""
        fresh = self._fresh
        return fresh is not None and fresh[0] == fingerprint and self._file_of(relative) in fresh[1]


def create_app(store: Store, site_dir: Path, *, base_url: str | None = None, built: Built | None = None) -> Starlette:
    """The app: the site in ``site_dir`` at ``/``, kept current (see ``LiveSite``; ``base_url`` as
    for ``build_site``), the search API at ``/api/search``, the newsroom at ``/newsroom/`` and its
    JSON API at ``/api/v1/``, behind sign-in and CSRF protection (``precis.web.auth``)."""
    from precis.web.api import api_routes
    from precis.web.auth import middleware
    from precis.web.newsroom import newsroom_routes
    from precis.web.pages import exception_handlers
    from precis.web.review import review_routes
    from precis.web.subscribe import subscription_routes

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
        category, summarizer = params.get("category") or None, params.get("summarizer") or None
        try:
            # A query takes a millisecond or two: it runs on the event loop, without the hop to a
            # worker thread (half a millisecond). Bringing the index up to date after the store
            # changed can take seconds: off it.
            found = index.search_if_current(query, category=category, year=year, summarizer=summarizer, limit=limit)
            hits = found if found is not None else await run_in_threadpool(partial(
                index.search, query, category=category, year=year, summarizer=summarizer, limit=limit
            ))
        except PrecisError as exc:
            return _error(str(exc))
        return JSONResponse({"query": query, "results": [h.to_json() for h in hits]})

    def health(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "index_current": index.is_current()})

    app = Starlette(
        routes=[
            Mount("/api/v1", routes=api_routes(), name="api"),
            Mount("/newsroom", routes=newsroom_routes(), name="newsroom"),
            Route("/api/search", search),
            Route("/api/health", health),
            *subscription_routes(),
            *review_routes(),
            Mount("/", app=LiveSite(store, site_dir, base_url, built), name="site"),
        ],
        middleware=middleware(store, secure_cookies=(base_url or "").startswith("https://")),
        exception_handlers=exception_handlers(),
    )
    app.state.store = store
    app.state.base_url = base_url  # where the archive is served: an issue published here links its page
    return app


# -- several worker processes (``precis serve --workers N``) ----------------------------------------

#: Where ``precis serve`` tells each worker process what to serve (set before the workers start).
ENV_DB, ENV_SITE, ENV_BASE_URL = "PRECIS_SERVE_DB", "PRECIS_SERVE_SITE", "PRECIS_SERVE_BASE_URL"
ENV_BUILT = "PRECIS_SERVE_BUILT"  # a file: what the site was built from (``save_built``)
def save_built(built: Built, path: Path) -> None:
    """Write what a site was built from, for the worker processes to read (``app_from_environment``)."""
    data = {"fingerprint": built.snapshot.fingerprint, "revision": built.snapshot.revision,
            "entry_paths": {str(k): v for k, v in built.entry_paths.items()}}
    path.write_text(json.dumps(data), "utf-8")


def load_built(path: Path) -> Built:
    data = json.loads(path.read_text("utf-8"))
    return Built(Snapshot(data["fingerprint"], data["revision"]),
                 {int(k): v for k, v in data["entry_paths"].items()})


def app_from_environment() -> Starlette:
    """The app of one worker process of ``precis serve --workers N`` (uvicorn's factory): the store,
    the site folder, the base URL and the built site's description come from the environment
    ``serve`` set. Everything the workers must agree on (sessions, tokens, signing keys, versions)
    is in the store, and the site folder is rebuilt under ``build_lock``."""
    store = Store(os.environ[ENV_DB])
    store.require()
    built = os.environ.get(ENV_BUILT)
    from precis.site.downloads import prepare

    prepare()  # the downloads' child of this worker's first rebuild, made ahead (``precis.site.spare``)
    return create_app(
        store, Path(os.environ[ENV_SITE]), base_url=os.environ.get(ENV_BASE_URL) or None,
        built=load_built(Path(built)) if built else None,
    )
