"""The newsroom's issue pages: compose, preview, test-send and publish an issue; its jobs."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
