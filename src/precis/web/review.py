"""The author's review pages, public and without login: ``/review/{token}``.

``GET /review/{token}`` shows the planned summary as it will be published (``answers.open_review``)
with this request's own earlier answers and three forms: approve, comment (on the whole, or on a
passage selected in the summary: ``static/review.js`` fills the passage field; without script it is
a textarea), propose an edit. Each form POSTs to ``/review/{token}/approve|comment|edit`` and is
redirected back (303) with a confirmation. A bad, tampered or swapped token answers 404, a revoked or
expired link 410 (saying which, and whom to ask), too many answers 429, a text too long 400 naming
the field (the page again, with what was typed).

Every answer carries ``Referrer-Policy: no-referrer`` (the token is in the URL), ``Cache-Control:
no-store`` and ``X-Robots-Tag: noindex``. The forms carry the CSRF token; asgi-csrf checks it when
the browser sends cookies, and these routes refuse a POST that comes without the CSRF cookie and a
matching token at all (the token is the only authority here, so nothing may act without the page).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute

from precis.errors import InvalidValue, PrecisError
from precis.mail.links import BadLink
from precis.review import answers
from precis.store import Store
from precis.web import access
from precis.web.auth import CSRF_COOKIE
from precis.web.templating import page

HEADERS = {"Referrer-Policy": "no-referrer", "Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
#: The largest form body taken (a proposed summary at its longest, with a note and a passage).
MAX_BODY = 200_000
DONE = {
    "approved": "Thank you: your approval is recorded. The editors will see it.",
    "commented": "Thank you: your comment is recorded. The editors will read it before the summary goes out.",
    "proposed": "Thank you: your proposed edit is recorded. An editor will accept it or answer it.",
}


def _headed(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response


def _publication(store: Store) -> str:
    with store.session() as s:
        return store.default_publication(s).name


async def _message(request: Request, title: str, message: str, status: int) -> Response:
    """A page saying one thing (the library's messages start in lower case, without a stop)."""
    sentence = message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
    publication = await run_in_threadpool(_publication, request.app.state.store)
    return _headed(page(request, "public/message.html",
                        {"publication": publication, "title": title, "message": sentence}, status))


async def _bad_link(request: Request, exc: BadLink) -> Response:
    if exc.gone:
        return await _message(request, "This review link no longer works", str(exc), 410)
    return await _message(request, "This review link is not valid", str(exc), 404)


async def _review_page(request: Request, status: int = 200, error: str = "",
                       typed: dict[str, str] | None = None) -> Response:
    store: Store = request.app.state.store
    token = request.path_params["token"]
    try:
        view = await run_in_threadpool(answers.open_review, store, token)
    except BadLink as exc:
        return await _bad_link(request, exc)
    done = DONE.get(request.query_params.get("done", ""), "")
    context = {
        "publication": view.publication, "review": view, "token": token, "done": done, "error": error,
        "typed": typed or {}, "max_comment": answers.MAX_COMMENT, "max_passage": answers.MAX_PASSAGE,
        "max_proposed": answers.proposed_limit(view.source),
    }
    return _headed(page(request, "review/page.html", context, status))


async def review_page(request: Request) -> Response:
    return await _review_page(request)


def _csrf_ok(request: Request, form: Any) -> bool:
    """The form's (or header's) CSRF token matches the CSRF cookie, which must be there."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrftoken", "")) or request.headers.get("x-csrftoken", "")
    return bool(cookie) and secrets.compare_digest(sent.encode(), cookie.encode())


def _answer_route(
    done: str, act: Callable[[Store, str, dict[str, str]], object], fields: tuple[str, ...]
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        store: Store = request.app.state.store
        token = request.path_params["token"]
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            return await _message(request, "Too long", "what you sent is too long to take", 400)
        form = await request.form(max_fields=10, max_part_size=MAX_BODY)
        if not _csrf_ok(request, form):
            return await _message(request, "Not sent", "the form has expired or came from elsewhere: "
                                  "reload the review page and send it again", 403)
        typed = {name: str(form.get(name, "")) for name in fields}
        try:
            await run_in_threadpool(act, store, token, typed)
        except BadLink as exc:
            return await _bad_link(request, exc)
        except answers.TooMany as exc:
            return await _message(request, "Too many answers", str(exc), 429)
        except InvalidValue as exc:
            return await _review_page(request, 400, f"{exc.field}: {exc.reason}", typed)
        except PrecisError as exc:
            return await _review_page(request, 400, str(exc), typed)
        return _headed(RedirectResponse(f"/review/{token}?done={done}#answered", status_code=303))

    return endpoint


approve_answer = _answer_route("approved", lambda store, token, _typed: answers.approve(store, token), ())
comment_answer = _answer_route(
    "commented", lambda store, token, typed: answers.comment(store, token, typed["comment"], typed["passage"]),
    ("comment", "passage"),
)
edit_answer = _answer_route(
    "proposed", lambda store, token, typed: answers.propose_edit(store, token, typed["proposed"], typed["note"],
                                                                 seen=typed["seen"]),
    ("proposed", "note", "seen"),
)


def review_routes() -> list[BaseRoute]:
    return [
        access.route("/review/{token}", review_page, methods=["GET"], action=access.ANYONE),
        access.route("/review/{token}/approve", approve_answer, methods=["POST"], action=access.ANYONE),
        access.route("/review/{token}/comment", comment_answer, methods=["POST"], action=access.ANYONE),
        access.route("/review/{token}/edit", edit_answer, methods=["POST"], action=access.ANYONE),
    ]
