"""The public subscription pages: sign up (double opt-in), confirm, unsubscribe (RFC 8058).

``GET /subscribe`` is the form; ``POST /subscribe`` records an unconfirmed subscriber and emails
the confirmation link, answering the same whether or not the address was known (so the form tells
nobody who subscribes), and emailing one address at most once every few minutes
(``subscribers.CONFIRM_EVERY``). ``GET /subscribe/confirm/{token}`` confirms. ``GET
/unsubscribe/{token}`` is a page with a button and changes nothing (mail scanners open links);
``POST /unsubscribe/{token}`` unsubscribes and answers 200 with a page, never a redirect: a mail
client's one-click POST (body ``List-Unsubscribe=One-Click``) comes without cookies, which the CSRF
middleware lets through, and the page's button sends the CSRF token in its form. Mail settings
come from the environment (``MailConfig``); links point at ``PRECIS_BASE_URL``, else at the address
the request came to.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from precis.errors import InvalidValue, PrecisError
from precis.mail import subscribers
from precis.mail.config import MailConfig
from precis.mail.confirmation import send_confirmation
from precis.mail.links import BadLink, Signer, confirm_url
from precis.mail.message import ONE_CLICK
from precis.store import Store
from precis.web import access
from precis.web.templating import page

MAX_FORM = 10_000


def _publication(store: Store) -> str:
    with store.session() as s:
        return store.default_publication(s).name


async def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    ctx = {"publication": await run_in_threadpool(_publication, request.app.state.store), **context}
    response = page(request, f"public/{name}", ctx, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


async def _message(request: Request, title: str, message: str, status: int = 200) -> Response:
    """A page saying one thing (the library's messages start in lower case, without a stop)."""
    sentence = message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")
    return await _page(request, "message.html", {"title": title, "message": sentence}, status)


async def _bad_link(request: Request, exc: BadLink) -> Response:
    return await _message(request, "This link does not work", str(exc), 410 if exc.gone else 400)


async def _closed(request: Request) -> Response:
    """The mail settings are missing or wrong: said to the server's log by ``precis send``, not here."""
    return await _message(request, "Sign-up is closed", "this server cannot send mail now; try again later", 503)


async def subscribe_page(request: Request) -> Response:
    if request.method == "GET":
        return await _page(request, "subscribe.html", {"email": "", "name": "", "error": ""})
    store: Store = request.app.state.store
    form = await request.form(max_fields=10, max_part_size=MAX_FORM)
    email, name = str(form.get("email", ""))[:400].strip(), str(form.get("name", ""))[:400].strip()
    try:
        subscribers.check_email(email)
    except InvalidValue:
        return await _page(request, "subscribe.html", {"email": email, "name": name,
                                                       "error": f"{email!r} is not an email address"}, 422)
    try:
        config = MailConfig.from_environment()
        config.require_smtp()
    except PrecisError:
        return await _closed(request)
    sub, due = await run_in_threadpool(subscribers.subscribe, store, email, name)
    if due:
        signer = await run_in_threadpool(Signer.of, store)
        link = confirm_url(config.base_url or str(request.base_url), signer.confirm_token(sub.id, sub.email))
        try:
            await run_in_threadpool(send_confirmation, config, _publication(store), sub.email, link)
        except PrecisError:
            return await _message(request, "Not sent", "the confirmation email could not be sent; try again later", 503)
        await run_in_threadpool(subscribers.confirmation_sent, store, sub.id)
    return await _message(request, "Check your inbox",
                    f"if {sub.email} may subscribe, a message with a link to confirm is on its way. "
                    "Open it to start receiving the newsletter.")


async def confirm_page(request: Request) -> Response:
    store: Store = request.app.state.store
    try:
        signer = await run_in_threadpool(Signer.of, store)
        sub = await run_in_threadpool(subscribers.confirm, store, request.path_params["token"], signer)
    except BadLink as exc:
        return await _bad_link(request, exc)
    return await _message(request, "You are subscribed", f"{sub.email} will receive the next issue.")


async def unsubscribe_page(request: Request) -> Response:
    store: Store = request.app.state.store
    token = request.path_params["token"]
    try:
        signer = await run_in_threadpool(Signer.of, store)
        if request.method == "GET":
            sub = await run_in_threadpool(subscribers.by_unsubscribe_token, store, token, signer)
            return await _page(request, "unsubscribe.html", {"email": sub.email, "status": sub.status})
        body = (await request.body())[:MAX_FORM]
        how = "one-click" if ONE_CLICK.encode() in body else "page"
        sub = await run_in_threadpool(subscribers.unsubscribe_by_token, store, token, signer, how)
    except BadLink as exc:
        return await _bad_link(request, exc)
    return await _message(request, "You are unsubscribed", f"{sub.email} will receive no more issues.")


def subscription_routes() -> list[BaseRoute]:
    return [
        access.route("/subscribe", subscribe_page, methods=["GET", "POST"], action=access.ANYONE),
        access.route("/subscribe/confirm/{token}", confirm_page, methods=["GET"], action=access.ANYONE),
        access.route("/unsubscribe/{token}", unsubscribe_page, methods=["GET", "POST"], action=access.ANYONE),
    ]
