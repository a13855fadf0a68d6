"""The largest request body any route takes, enforced before anything reads one.

Starlette reads a form or a JSON body whole into memory, and so does the CSRF check in front of
every route; a body sent in chunks declares no length. So the limit is an ASGI middleware, outermost:
a declared length over it is refused at once, and a body that grows past it while it is read is cut
off, both with 413 — on the public pages (sign-up, authors' review) as on the newsroom's.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from precis.web.pages import error_answer

#: The largest body of any request, in bytes: an entry's save is a few tens of kilobytes.
MAX_BODY = 1_000_000


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuses a request whose body is over ``limit`` bytes with 413 (see the module doc)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        received, started = 0, False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except _TooLarge:
            if started:  # the answer is under way: all that is left is to stop
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = error_answer(request, 413, f"what was sent is over {self.limit:,} bytes", {"Connection": "close"})
        await response(scope, receive, send)
