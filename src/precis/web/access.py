"""The web layer's permissions table: every newsroom and API route names the action it needs.

A route is declared with ``route(path, endpoint, methods=..., action=...)``, which keeps the action
on the route (``route.action``), and ``need`` checks the person of the request
against ``precis.newsroom.permissions`` (the one table of who may do what). ``action`` is an action
of ``permissions.ACTIONS``, or ``"anyone"`` for a page open to everybody (login, an invitation).
The test of every route for every role (``tests/newsroom/test_routes.py``) walks the app's routes
and fails on a route that has no row there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Route

from precis.model import Person
from precis.newsroom import permissions

ANYONE = "anyone"
#: Where the person of a request is kept by the authentication middleware (``precis.web.auth``).
PERSON_KEY = "precis.person"


def route(path: str, endpoint: Callable[..., Any], *, methods: Sequence[str] = ("GET",), action: str) -> Route:
    """A Starlette route that records the action it needs (see the module doc)."""
    if action != ANYONE and action not in permissions.ACTIONS:
        raise ValueError(f"unknown action {action!r} for {path}")
    r = Route(path, endpoint, methods=list(methods))
    r.action = action  # type: ignore[attr-defined]
    return r


def person_of(request: Request) -> Person | None:
    """The person signed in (session cookie or API token), or None."""
    person: Person | None = request.scope.get(PERSON_KEY)
    return person


def need(request: Request, action: str) -> Person:
    """The signed-in person, if their role allows ``action``: else 401 (nobody signed in) or 403."""
    person = person_of(request)
    if person is None:
        raise HTTPException(401, "sign in first")
    if not permissions.may(person, action):
        raise HTTPException(403, f"a{'n' if person.role[0] in 'aeiou' else ''} {person.role} may not {action}")
    return person
