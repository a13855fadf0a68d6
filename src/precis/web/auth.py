"""Who is asking: the session cookie or API token of a request, and CSRF protection for forms.

``middleware(store)`` is what the app runs every request through. ``Authentication`` puts the signed-in ``Person`` (or
None) in the request's scope (``access.PERSON_KEY``): from ``Authorization: Bearer <token>`` when
the header is there (and then only from it: a bad token is nobody, whatever cookie comes along),
else from the session cookie. asgi-csrf (double-submit cookie, signed with a key kept in the store)
refuses a POST that carries cookies but neither the form field ``csrftoken`` nor the
``x-csrftoken`` header; a request with a Bearer token carries no ambient authority and skips it.
The login form is protected even when no cookie comes along (a forced sign-in into someone else's
account is an attack too).

``auth_routes()`` are the pages to sign in and out and to accept an invitation (under
``/newsroom``). The session cookie is HttpOnly, SameSite=Lax, Path=/, and Secure when the app is
behind https: ``middleware(store, secure_cookies=True)`` (the app passes it when its base URL is
https) or the request itself came over https.
"""

from __future__ import annotations

from asgi_csrf import asgi_csrf
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from precis.errors import PrecisError
from precis.newsroom import credentials, people
from precis.store import Store
from precis.web import access
from precis.web.access import PERSON_KEY
from precis.web.limits import BodyLimit
from precis.web.pages import LOGIN, error_page
from precis.web.templating import page

SESSION_COOKIE = "precis_session"
CSRF_COOKIE = "precis_csrf"
#: Where the way a request was signed in is kept: "token", "session", or None.
AUTH_KEY = "precis.auth"
#: Whether the app was told it is behind https (``middleware(store, secure_cookies=True)``).
SECURE_KEY = "precis.secure_cookies"
HOME = "/newsroom/"


class Authentication:
    """ASGI middleware: the person of each HTTP request (see the module doc)."""

    def __init__(self, app: ASGIApp, store: Store, secure_cookies: bool = False) -> None:
        self.app = app
        self.store = store
        self.secure_cookies = secure_cookies

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
            scope = {**scope, PERSON_KEY: person, AUTH_KEY: how, SECURE_KEY: self.secure_cookies}
        await self.app(scope, receive, send)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site, else the newsroom's home. Never another
    site (``//evil``, ``https://evil``, ``/\\evil``, which browsers read as ``//evil``)."""
    target = target or ""
    if (
        not target.startswith("/") or target.startswith("//") or "\\" in target
        or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target) or len(target) > 2000
    ):
        return HOME
    return target


def client_address(request: Request) -> str:
    """The address failed sign-ins are counted by (the peer, as the ASGI server reports it)."""
    return request.client.host if request.client is not None else "unknown"


def secure(request: Request) -> bool:
    return bool(request.scope.get(SECURE_KEY)) or request.url.scheme == "https"


def sign_in(request: Request, person_secret: str, target: str) -> Response:
    """Redirect to ``target`` with the session cookie set."""
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, person_secret, max_age=int(credentials.SESSION_LIFETIME.total_seconds()),
        path="/", httponly=True, samesite="lax", secure=secure(request),
    )
    return response


def _login_form(request: Request, target: str, email: str = "", error: str = "", status: int = 200) -> Response:
    return page(request, "newsroom/login.html", {"email": email, "error": error, "next": target}, status)


async def login_page(request: Request) -> Response:
    if request.method == "GET":
        if access.person_of(request) is not None:  # already signed in: go on
            return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        return _login_form(request, safe_next(request.query_params.get("next")))
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")) or request.query_params.get("next"))
    try:
        person = await run_in_threadpool(
            people.login, request.app.state.store, email, password, client_address(request)
        )
    except people.TooManyFailures as exc:
        return _login_form(request, target, email, str(exc), 429)
    except PrecisError as exc:
        return _login_form(request, target, email, str(exc), 400)
    secret = await run_in_threadpool(credentials.start_session, request.app.state.store, person)
    return sign_in(request, secret, target)


async def logout(request: Request) -> Response:
    """End the session for good (server-side, in every process) and clear the cookie."""
    if secret := request.cookies.get(SESSION_COOKIE, ""):
        await run_in_threadpool(credentials.end_session, request.app.state.store, secret)
    response = RedirectResponse(LOGIN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure(request))
    return response


async def invitation_page(request: Request) -> Response:
    """Set a password from a one-time invitation link, then sign in."""
    store = request.app.state.store
    token = request.path_params["token"]
    try:
        person = await run_in_threadpool(people.invited_person, store, token)
    except people.BadInvitation as exc:
        return error_page(request, 410 if exc.gone else 404, str(exc))
    context = {"person": person, "error": "", "min_length": people.MIN_PASSWORD}
    if request.method == "GET":
        return page(request, "newsroom/invitation.html", context)
    form = await request.form()
    password, again = str(form.get("password", "")), str(form.get("again", ""))
    try:
        if password != again:
            raise PrecisError("the two passwords differ")
        person = await run_in_threadpool(people.accept_invitation, store, token, password)
    except people.BadInvitation as exc:
        return error_page(request, 410 if exc.gone else 404, str(exc))
    except PrecisError as exc:
        return page(request, "newsroom/invitation.html", {**context, "error": str(exc)}, 400)
    secret = await run_in_threadpool(credentials.start_session, store, person)
    return sign_in(request, secret, HOME)


def auth_routes() -> list[BaseRoute]:
    """Signing in and out, and accepting an invitation: open to anyone."""
    return [
        access.route("/login", login_page, methods=["GET", "POST"], action=access.ANYONE),
        access.route("/logout", logout, methods=["POST"], action=access.ANYONE),
        access.route("/invitation/{token}", invitation_page, methods=["GET", "POST"], action=access.ANYONE),
    ]


def middleware(store: Store, secure_cookies: bool = False) -> list[Middleware]:
    """What the app runs every request through, outermost first: the body's size limit (before
    anything reads a body), CSRF protection, then authentication (``secure_cookies`` behind https)."""
    return [
        Middleware(BodyLimit),
        Middleware(
            asgi_csrf,
            cookie_name=CSRF_COOKIE,
            signing_secret=credentials.app_secret(store, "csrf"),
            cookie_secure=secure_cookies,
            cookie_samesite="Strict",
            always_protect={LOGIN},
        ),
        Middleware(Authentication, store=store, secure_cookies=secure_cookies),
    ]
