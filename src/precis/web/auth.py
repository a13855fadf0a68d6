"""Who is asking: the session cookie or API token of a request, and CSRF protection for forms.

``middleware(store)`` is what the app runs every request through. ``Authentication`` puts the signed-in ``Person`` (or
None) in the request's scope (``access.PERSON_KEY``): from ``Authorization: Bearer <token>`` when
the header is there (and then only from it: a bad token is nobody, whatever cookie comes along),
else from the session cookie. asgi-csrf (double-submit cookie, signed with a key kept in the store)
refuses a POST that carries cookies but neither the form field ``csrftoken`` nor the
``x-csrftoken`` header; a request with a Bearer token carries no ambient authority and skips it.
"""

from __future__ import annotations

from asgi_csrf import asgi_csrf
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from precis.newsroom import credentials
from precis.store import Store
from precis.web.access import PERSON_KEY

SESSION_COOKIE = "precis_session"
CSRF_COOKIE = "precis_csrf"
#: Where the way a request was signed in is kept: "token", "session", or None.
AUTH_KEY = "precis.auth"


class Authentication:
    """ASGI middleware: the person of each HTTP request (see the module doc)."""

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            conn = HTTPConnection(scope)
            header = conn.headers.get("authorization", "")
            person, how = None, None
            if header:
                scheme, _, secret = header.partition(" ")
                if scheme.lower() == "bearer" and secret.strip():
                    person = await run_in_threadpool(credentials.person_for, self.store, secret.strip(), "token")
                    how = "token" if person is not None else None
            elif secret := conn.cookies.get(SESSION_COOKIE, ""):
                person = await run_in_threadpool(credentials.person_for, self.store, secret, "session")
                how = "session" if person is not None else None
            scope = {**scope, PERSON_KEY: person, AUTH_KEY: how}
        await self.app(scope, receive, send)


def auth_routes() -> list[BaseRoute]:
    return []


def middleware(store: Store, secure_cookies: bool = False) -> list[Middleware]:
    """What the app runs every request through, outermost first: CSRF protection, then
    authentication (``secure_cookies`` behind https)."""
    return [
        Middleware(
            asgi_csrf,
            cookie_name=CSRF_COOKIE,
            signing_secret=credentials.app_secret(store, "csrf"),
            cookie_secure=secure_cookies,
            cookie_samesite="Strict",
        ),
        Middleware(Authentication, store=store),
    ]
