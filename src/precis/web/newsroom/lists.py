"""The newsroom's lists: the "for me" page, the pipeline (board and table), staff search, activity,
and triage (candidates marked to summarize, made into ideas or drafts in one click).

Each page is a thin shell over ``precis.newsroom.pipeline``, ``.activity`` and ``.ideas`` and over
``precis.ingest.queue``. Filters live in the URL's query, so a filtered list can be bookmarked; an
htmx request (``HX-Request``) gets only the list, which htmx swaps in and pushes to the address bar.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute

from precis.errors import InvalidValue, PrecisError
from precis.ingest import queue
from precis.ingest.model import NEW, SKIPPED, STATES, SUMMARIZE
from precis.links import safe_url
from precis.model import STATUSES, Person
from precis.newsroom import activity, ideas, permissions, pipeline
from precis.store import Store
from precis.web.access import person_of, route
from precis.web.pages import status_of
from precis.web.templating import page

PAGE_SIZE = 50
Handler = Callable[[Request, Person], Awaitable[Response]]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _error(request: Request, message: str, status: int) -> HTMLResponse:
    return page(request, "newsroom/lists/error.html", {"message": message}, status_code=status)


def _page(action: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """A page that needs ``action``: nobody signed in is sent to log in (and back), a role that may
    not gets a 403 page, and an error the person caused is a 4xx page with the library's words."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            person = person_of(request)
            if person is None:
                here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/newsroom/login?next={quote(here, safe='')}", status_code=303)
            if not permissions.may(person, action):
                return _error(request, f"a{'n' if person.role[0] in 'aeiou' else ''} {person.role} may not {action}",
                              403)
            try:
                return await handler(request, person)
            except PrecisError as exc:
                return _error(request, str(exc), status_of(exc))

        endpoint.__name__ = handler.__name__
        endpoint.__doc__ = handler.__doc__
        return endpoint

    return wrap


def _int(request: Request, name: str, default: int | None = None) -> int | None:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise InvalidValue(name, raw, "must be a whole number")
    return int(raw)


def _text(request: Request, name: str) -> str | None:
    return request.query_params.get(name, "").strip() or None


def _pages(total: int, offset: int, params: dict[str, Any], path: str) -> dict[str, Any]:
    """Links to the previous and next pages of a list, keeping its filters."""
    def link(at: int) -> str:
        return f"{path}?{urlencode({**{k: v for k, v in params.items() if v not in (None, '')}, 'offset': at})}"

    return {
        "total": total, "first": offset + 1 if total else 0, "last": min(total, offset + PAGE_SIZE),
        "prev": link(max(0, offset - PAGE_SIZE)) if offset > 0 else None,
        "next": link(offset + PAGE_SIZE) if offset + PAGE_SIZE < total else None,
    }


# -- for me ---------------------------------------------------------------------------------------


@_page("read")
async def for_me(request: Request, me: Person) -> Response:
    """What needs me: my entries not yet approved, entries waiting for my review, mentions, and
    what others did on my entries."""
    data = await run_in_threadpool(activity.for_me, _store(request), me)
    return page(request, "newsroom/lists/for_me.html", {"data": data, "editor": me.role in permissions.EDITORS})


# -- the pipeline ---------------------------------------------------------------------------------


@_page("read")
async def pipeline_page(request: Request, me: Person) -> Response:
    """The pipeline as a board (a column per status) or a table (``view=table``), filtered by
    person, category and status."""
    store = _store(request)
    view = "table" if request.query_params.get("view") == "table" else "board"
    status = _text(request, "status")
    if status is not None and status not in STATUSES:
        raise InvalidValue("status", status, f"not one of {', '.join(STATUSES)}")
    assignee, category = _int(request, "assignee"), _text(request, "category")
    filters = {"assignee": assignee, "category": category, "status": status}
    sort = request.query_params.get("sort") or "-updated"
    offset = _int(request, "offset", 0) or 0

    def load() -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "view": view, "filters": filters, "sort": sort, "statuses": STATUSES,
            "people": pipeline.people(store), "categories": pipeline.categories(store),
        }
        if view == "board":
            ctx["board"] = pipeline.board(store, assignee, category)
            ctx["board_statuses"] = [s for s in pipeline.BOARD_STATUSES if status in (None, s)]
        else:
            ctx["entries"], total = pipeline.find_and_count(
                store, status, assignee, category, limit=PAGE_SIZE, offset=offset, sort=sort
            )
            ctx["pages"] = _pages(total, offset, {**filters, "view": view, "sort": sort}, "/newsroom/pipeline")
        return ctx

    ctx = await run_in_threadpool(load)
    partial = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "pipeline-list"
    return page(request, "newsroom/lists/pipeline_list.html" if partial else "newsroom/lists/pipeline.html", ctx)


# -- search ---------------------------------------------------------------------------------------


@_page("read")
async def search_page(request: Request, me: Person) -> Response:
    """Full-text search over every entry, for staff: drafts, notes and opinions included."""
    store = _store(request)
    q = _text(request, "q")
    offset = _int(request, "offset", 0) or 0

    def load() -> dict[str, Any]:
        if not q:
            return {"q": "", "hits": [], "pages": None}
        entries, total = pipeline.find_and_count(store, q=q, limit=PAGE_SIZE, offset=offset)
        hits = [{"entry": e, "snippet": pipeline.snippet(e, q)} for e in entries]
        return {"q": q, "hits": hits, "pages": _pages(total, offset, {"q": q}, "/newsroom/search")}

    ctx = await run_in_threadpool(load)
    partial = request.headers.get("hx-request") == "true" and request.headers.get("hx-target") == "search-results"
    return page(request, "newsroom/lists/search_results.html" if partial else "newsroom/lists/search.html", ctx)


# -- activity -------------------------------------------------------------------------------------


@_page("read")
async def activity_page(request: Request, me: Person) -> Response:
    """What changed, by whom, newest first; filtered by person and by entry."""
    store = _store(request)
    person_id, entry_id = _int(request, "person"), _int(request, "entry")
    offset = _int(request, "offset", 0) or 0

    def load() -> dict[str, Any]:
        lines = activity.activity(store, person_id, entry_id, limit=PAGE_SIZE + 1, offset=offset)
        params = {"person": person_id, "entry": entry_id}
        more = _pages(offset + len(lines), offset, params, "/newsroom/activity")
        return {"lines": lines[:PAGE_SIZE], "people": pipeline.people(store), "filters": params, "pages": more}

    return page(request, "newsroom/lists/activity.html", await run_in_threadpool(load))


# -- triage ---------------------------------------------------------------------------------------


@_page("read")
async def triage_page(request: Request, me: Person) -> Response:
    """Candidates of one triage state (new first; ``state=summarize`` or ``skipped`` or ``all``)."""
    state = request.query_params.get("state") or NEW
    if state != "all" and state not in STATES:
        raise InvalidValue("state", state, f"not one of {', '.join(STATES)} or all")
    store = _store(request)

    def load() -> tuple[list[queue.CandidateView], dict[int, int]]:
        cands = queue.list_candidates(store, state, 200)
        return cands, ideas.made_entries(store, [c.id for c in cands])

    cands, made = await run_in_threadpool(load)
    return page(request, "newsroom/lists/triage.html", {
        "candidates": cands, "made": made, "state": state, "states": (*STATES, "all"),
        "links": {c.id: safe_url(c.url) for c in cands},
        "may_create": permissions.may(me, "create"), "SUMMARIZE": SUMMARIZE, "SKIPPED": SKIPPED,
    })


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _back(request: Request, default: str = "/newsroom/triage") -> str:
    """Where a triage form returns: the list it was posted from (only a newsroom path)."""
    back = request.headers.get("referer", "")
    path = back.split("://", 1)[-1].partition("/")[2] if "://" in back else ""
    return f"/{path}" if path.startswith("newsroom/triage") else default


def _candidate_id(request: Request) -> int:
    raw = request.path_params["id"]
    if not str(raw).isdigit():
        raise InvalidValue("candidate", raw, "not a candidate's id")
    return int(raw)


@_page("create")
async def triage_summarize(request: Request, me: Person) -> Response:
    """Mark a candidate "to summarize", with a priority (1-10; 5 when not given)."""
    form = await _form(request)
    raw = form.get("priority", "").strip() or "5"
    if not raw.isdigit():
        raise InvalidValue("priority", raw, "a priority is a whole number from 1 to 10")
    await run_in_threadpool(queue.set_priority, _store(request), [_candidate_id(request)], int(raw))
    return RedirectResponse(_back(request), status_code=303)


@_page("create")
async def triage_skip(request: Request, me: Person) -> Response:
    """Skip a candidate, with a reason when given."""
    form = await _form(request)
    await run_in_threadpool(queue.skip, _store(request), [_candidate_id(request)], form.get("reason"))
    return RedirectResponse(_back(request), status_code=303)


@_page("create")
async def triage_idea(request: Request, me: Person) -> Response:
    """Make a candidate marked to summarize into an idea, or (``write``) a draft of mine; then open it."""
    form = await _form(request)
    entry = await run_in_threadpool(
        ideas.make_entry, _store(request), me, _candidate_id(request), bool(form.get("write"))
    )
    return RedirectResponse(f"/newsroom/entries/{entry['id']}", status_code=303)


def routes() -> list[BaseRoute]:
    return [
        route("/", for_me, action="read"),
        route("/pipeline", pipeline_page, action="read"),
        route("/search", search_page, action="read"),
        route("/activity", activity_page, action="read"),
        route("/triage", triage_page, action="read"),
        route("/triage/{id}/summarize", triage_summarize, methods=["POST"], action="create"),
        route("/triage/{id}/skip", triage_skip, methods=["POST"], action="create"),
        route("/triage/{id}/idea", triage_idea, methods=["POST"], action="create"),
    ]
