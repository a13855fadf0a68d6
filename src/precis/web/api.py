"""The newsroom's JSON API, version 1 (mounted at ``/api/v1``; documented in docs/api.md).

Every route names the action it needs (``access.route``) and does its work through the newsroom
library (``precis.newsroom.entries``, ``comments``, ``pipeline``), which applies the permissions
table and the version check: this module only reads requests and words answers. A person signs in
with ``Authorization: Bearer <token>`` or the session cookie (then a POST or PATCH also needs the
``x-csrftoken`` header: the CSRF middleware's job). Every error is ``{"error": "<one line>"}``:
401 nobody signed in, 403 the role or the entry does not allow it, 404 no such entry, 409 the entry
changed since the version the change was made on (with ``"current"``: the entry as it is now), 413
a body over ``web.limits.MAX_BODY`` bytes, 422 a body or field that is not acceptable. The library is
synchronous: each call runs in the threadpool, off the event loop.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from precis.errors import Conflict, InvalidValue, PrecisError
from precis.model import Person
from precis.newsroom import comments, entries
from precis.newsroom.pipeline import find_and_count
from precis.store import Store
from precis.web.access import need, route
from precis.web.pages import status_of

#: The largest request body accepted (bytes); a larger one is refused with 413.

Handler = Callable[[Request, Person], Awaitable[Any]]


def _error(message: str, status: int, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": " ".join(str(message).split()), **extra}, status_code=status)


def answer(action: str, handler: Handler, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint: the person must be allowed ``action``; the handler's result is the JSON body
    (with ``status``), and the errors a person can cause become one-line JSON answers."""

    async def endpoint(request: Request) -> Response:
        try:
            person = need(request, action)
            return JSONResponse(await handler(request, person), status_code=status)
        except HTTPException as exc:
            return _error(exc.detail, exc.status_code)
        except Conflict as exc:
            return _error(str(exc), status_of(exc), current=exc.current)
        except PrecisError as exc:
            return _error(str(exc), status_of(exc))

    return endpoint


# -- reading requests ------------------------------------------------------------------------------


async def body_of(request: Request, allowed: frozenset[str] | None = None) -> dict[str, Any]:
    """The request's JSON object (its size is capped before it is read: ``web.limits``), with only
    the ``allowed`` keys."""
    raw = await request.body()
    try:
        data = json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidValue("body", bytes(raw[:40]).decode("utf-8", "replace"), f"not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InvalidValue("body", data, "give a JSON object")
    if allowed is not None and (unknown := sorted(set(data) - allowed)):
        raise InvalidValue(unknown[0], data[unknown[0]], f"not understood here (give {', '.join(sorted(allowed))})")
    return data


def _int_param(request: Request, name: str, default: int) -> int:
    value = request.query_params.get(name, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidValue(name, value, "must be a whole number") from None


def _optional_int(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise InvalidValue(name, value, "must be a whole number (an id)")
    return value


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidValue(name, value, "must be text")
    return value


def _assignee_id(store: Store, key: str) -> int:
    """A person's id from how the list's ``assignee`` parameter names them: an id or an email."""
    if key.isdigit():
        return int(key)
    with store.session() as s:
        found = s.scalar(select(Person.id).where(Person.email == key.strip().lower()))
    if found is None:
        raise InvalidValue("assignee", key, "no person on the team has this id or email")
    return found


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


#: How many entries a list answers when ``limit`` is not given.
DEFAULT_LIMIT = 50


# -- the routes ------------------------------------------------------------------------------------


async def list_entries(request: Request, _person: Person) -> dict[str, Any]:
    params = request.query_params
    store = _store(request)
    limit, offset = _int_param(request, "limit", DEFAULT_LIMIT), _int_param(request, "offset", 0)
    assignee = params.get("assignee", "").strip()
    assignee_id = await run_in_threadpool(_assignee_id, store, assignee) if assignee else None
    found, total = await run_in_threadpool(
        find_and_count, store, status=params.get("status") or None, assignee_id=assignee_id,
        category=params.get("category") or None, q=params.get("q") or None, limit=limit, offset=offset,
    )
    return {"entries": found, "total": total, "limit": limit, "offset": offset}


async def create_entry(request: Request, person: Person) -> dict[str, Any]:
    data = await body_of(request)
    status = data.pop("status", "draft")
    return await run_in_threadpool(entries.create_entry, _store(request), person, data, status)


async def get_entry(request: Request, _person: Person) -> dict[str, Any]:
    return await run_in_threadpool(entries.get_entry, _store(request), request.path_params["id"])


async def save_entry(request: Request, person: Person) -> dict[str, Any]:
    data = await body_of(request)
    version = data.pop("version", None)
    return await run_in_threadpool(
        entries.save_entry, _store(request), person, request.path_params["id"], version, data
    )


async def set_status(request: Request, person: Person) -> dict[str, Any]:
    data = await body_of(request, frozenset({"status", "comment", "assignee_id"}))
    status = data.get("status")
    if not isinstance(status, str):
        raise InvalidValue("status", status, "give the status to move the entry to")
    return await run_in_threadpool(
        entries.set_status, _store(request), person, request.path_params["id"], status,
        _optional_text(data, "comment"), _optional_int(data, "assignee_id"),
    )


async def list_revisions(request: Request, _person: Person) -> list[dict[str, Any]]:
    return await run_in_threadpool(entries.revisions, _store(request), request.path_params["id"])


async def get_revision(request: Request, _person: Person) -> dict[str, Any]:
    p = request.path_params
    return await run_in_threadpool(entries.revision_data, _store(request), p["id"], p["revision"])


async def restore_revision(request: Request, person: Person) -> dict[str, Any]:
    data = await body_of(request, frozenset({"version"}))
    p = request.path_params
    return await run_in_threadpool(
        entries.restore_revision, _store(request), person, p["id"], p["revision"], data.get("version")
    )


async def list_comments(request: Request, _person: Person) -> list[dict[str, Any]]:
    store, entry_id = _store(request), request.path_params["id"]
    await run_in_threadpool(entries.get_entry, store, entry_id)  # 404 for an unknown entry
    return await run_in_threadpool(comments.comments_of, store, entry_id)


async def add_comment(request: Request, person: Person) -> dict[str, Any]:
    data = await body_of(request, frozenset({"text", "parent_id"}))
    return await run_in_threadpool(
        comments.add_comment, _store(request), person, request.path_params["id"],
        _optional_text(data, "text") or "", _optional_int(data, "parent_id"),
    )


async def resolve_comment(request: Request, person: Person) -> dict[str, Any]:
    data = await body_of(request, frozenset({"resolved"}))
    resolved = data.get("resolved", True)
    if not isinstance(resolved, bool):
        raise InvalidValue("resolved", resolved, "must be true or false")
    return await run_in_threadpool(
        comments.resolve_comment, _store(request), person, request.path_params["comment"], resolved
    )


async def me(_request: Request, person: Person) -> dict[str, Any]:
    """The signed-in person (their own email included: it is theirs)."""
    return {"id": person.id, "name": person.name, "email": person.email, "role": person.role,
            "aliases": list(person.aliases or [])}


def api_routes() -> list[BaseRoute]:
    entry = "/entries/{id:int}"
    return [
        route("/me", answer("read", me), action="read"),
        route("/entries", answer("read", list_entries), action="read"),
        route("/entries", answer("create", create_entry, 201), methods=["POST"], action="create"),
        route(entry, answer("read", get_entry), action="read"),
        route(entry, answer("edit", save_entry), methods=["PATCH"], action="edit"),
        route(f"{entry}/status", answer("status", set_status), methods=["POST"], action="status"),
        route(f"{entry}/revisions", answer("read", list_revisions), action="read"),
        route(f"{entry}/revisions/{{revision:int}}", answer("read", get_revision), action="read"),
        route(f"{entry}/revisions/{{revision:int}}/restore", answer("edit", restore_revision),
              methods=["POST"], action="edit"),
        route(f"{entry}/comments", answer("read", list_comments), action="read"),
        route(f"{entry}/comments", answer("comment", add_comment, 201), methods=["POST"], action="comment"),
        route("/comments/{comment:int}/resolve", answer("resolve", resolve_comment), methods=["POST"],
              action="resolve"),
    ]
