"""The public subscription pages: sign up (double opt-in), confirm, unsubscribe (RFC 8058)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def subscription_routes() -> list[BaseRoute]:
    return []
