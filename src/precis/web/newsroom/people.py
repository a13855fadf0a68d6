"""The owner's people page, ``/newsroom/people``: everyone on the team, inviting someone, changing
a role, aliases, or whether a person is active. Only owners (action "people"); the library
(``precis.newsroom.people``) checks again and keeps at least one active owner."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from precis.errors import PrecisError
from precis.model import ROLES, Person
from precis.newsroom import people
from precis.web import access
from precis.web.pages import error_page, status_of
from precis.web.templating import page

PEOPLE = "/newsroom/people"


def _aliases(text: str) -> list[str]:
    return [a for a in (part.strip() for part in text.split(",")) if a]


async def _page(request: Request, status: int = 200, **context: Any) -> Response:
    everyone = await run_in_threadpool(people.list_people, request.app.state.store)
    ctx = {"people": everyone, "roles": ROLES, "error": "", "link": "", "invited": None, "form": {}, **context}
    return page(request, "newsroom/people.html", ctx, status_code=status)


async def people_page(request: Request) -> Response:
    access.need(request, "people")
    return await _page(request)


def _full_link(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


async def invite_new(request: Request) -> Response:
    """Add someone and show their one-time invitation link (once: only its hash is kept)."""
    actor = access.need(request, "people")
    form = await request.form()
    fields = {k: str(form.get(k, "")) for k in ("name", "email", "role", "aliases")}
    store = request.app.state.store
    try:
        person = await run_in_threadpool(
            lambda: people.add_person(
                store, fields["name"], fields["email"], fields["role"], _aliases(fields["aliases"]), actor=actor
            )
        )
    except PrecisError as exc:
        return await _page(request, status_of(exc), error=str(exc), form=fields)
    path = await run_in_threadpool(people.invite, store, person)
    return await _page(request, invited=person, link=_full_link(request, path))


async def invite_again(request: Request) -> Response:
    """A new invitation link for someone already on the team (earlier links stop working)."""
    access.need(request, "people")
    store = request.app.state.store
    person = await _person(request)
    if not isinstance(person, Person):
        return person
    path = await run_in_threadpool(people.invite, store, person)
    return await _page(request, invited=person, link=_full_link(request, path))


async def _person(request: Request) -> Person | Response:
    try:
        person_id = int(request.path_params["person_id"])
        return await run_in_threadpool(people.get_person, request.app.state.store, person_id)
    except ValueError:
        return error_page(request, 404, "no such person")
    except PrecisError as exc:
        return error_page(request, status_of(exc), str(exc))


async def change(request: Request) -> Response:
    """Change a person's role, aliases and whether they are active, then back to the list."""
    actor = access.need(request, "people")
    person = await _person(request)
    if not isinstance(person, Person):
        return person
    form = await request.form()
    role = str(form.get("role", person.role))
    aliases = _aliases(str(form["aliases"])) if "aliases" in form else None
    active = form.get("active") is not None  # an unticked checkbox is not sent at all
    try:
        await run_in_threadpool(
            lambda: people.change_person(
                request.app.state.store, actor, person.id, role=role, aliases=aliases, active=active
            )
        )
    except PrecisError as exc:
        return await _page(request, status_of(exc), error=f"{person.email}: {exc}")
    return RedirectResponse(PEOPLE, status_code=303)


def routes() -> list[BaseRoute]:
    return [
        access.route("/people", people_page, action="people"),
        access.route("/people/invite", invite_new, methods=["POST"], action="people"),
        access.route("/people/{person_id}", change, methods=["POST"], action="people"),
        access.route("/people/{person_id}/invite", invite_again, methods=["POST"], action="people"),
    ]
