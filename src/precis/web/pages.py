"""How the newsroom's pages answer an error: a page with one line of words, or the way to sign in.

``error_page(request, status, message)`` is the 4xx page (``newsroom/error.html``) any newsroom
route can return. ``exception_handlers()`` is what the app installs (``Starlette(exception_handlers=
...)``) so that a route may simply raise: ``HTTPException`` (from ``access.need``) or a
``PrecisError`` of the library. Under ``/newsroom`` a 401 (nobody signed in) redirects to the login
page with ``next`` (htmx requests get ``HX-Redirect``), any other error is the error page; under
``/api/`` the answer is ``{"error": "..."}`` (with ``current`` for a conflict); elsewhere (the
archive) Starlette's plain answer is kept.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

from precis.errors import Conflict, Forbidden, InvalidValue, NotFound, PrecisError, StoreError, TooMany
from precis.web.templating import page

NEWSROOM = "/newsroom"
LOGIN = "/newsroom/login"


def error_page(request: Request, status: int, message: str) -> Response:
    """The newsroom's error page: the status and one line saying what is wrong."""
    return page(request, "newsroom/error.html", {"status": status, "message": message}, status_code=status)


def login_redirect(request: Request) -> Response:
    """Send someone not signed in to the login page, to come back here after."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = f"{LOGIN}?{urlencode({'next': here})}"
    if request.headers.get("hx-request"):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def status_of(exc: PrecisError) -> int:
    """The HTTP status of a library error: the one mapping every page and the API answer with."""
    if isinstance(exc, StoreError):
        return 503
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict):
        return 409
    if isinstance(exc, InvalidValue):
        return 422
    if isinstance(exc, TooMany):
        return 429
    return 400


def _under(request: Request, prefix: str) -> bool:
    path = request.url.path
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def error_answer(request: Request, status: int, message: str, headers: dict[str, str] | None = None,
            extra: dict[str, Any] | None = None) -> Response:
    """An error as the part of the site it happened in answers: a page in the newsroom (a sign-in
    for 401), JSON under /api, plain text elsewhere."""
    if _under(request, NEWSROOM):
        if status == 401:
            return login_redirect(request)
        response = error_page(request, status, message)
        response.headers.update(headers or {})
        return response
    if _under(request, "/api"):
        return JSONResponse({"error": message, **(extra or {})}, status_code=status, headers=headers)
    if status in (204, 304):
        return Response(status_code=status, headers=headers)
    return PlainTextResponse(message, status_code=status, headers=headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_answer(request, exc.status_code, exc.detail, dict(exc.headers or {}))


async def library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PrecisError)
    extra = {"current": exc.current} if isinstance(exc, Conflict) else None
    return error_answer(request, status_of(exc), " ".join(str(exc).split()), extra=extra)


def exception_handlers() -> dict[Any, Any]:
    """For ``Starlette(exception_handlers=...)``: see the module doc."""
    return {HTTPException: http_error, PrecisError: library_error}
