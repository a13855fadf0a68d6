"""The newsroom's pages, under ``/newsroom/``: one module per part, each with its ``routes()``."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from precis.web.templating import STATIC, VENDOR


def newsroom_routes() -> list[BaseRoute]:
    from precis.web.auth import auth_routes
    from precis.web.newsroom import editor, issues, lists, people

    return [
        *auth_routes(),
        *people.routes(),
        *editor.routes(),
        *lists.routes(),
        *issues.routes(),
        Mount("/static/vendor", app=StaticFiles(directory=VENDOR), name="vendor"),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
