"""The newsroom's Jinja2 templates (``web/templates``): autoescaped, with what every page needs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from precis.web.access import person_of

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
#: htmx, vendored from npm with the archive's libraries (``precis.site.vendor``).
VENDOR = Path(__file__).parent.parent / "site" / "static" / "vendor"

templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined)
)


def csrf_token(request: Request) -> str:
    """The CSRF token to put in a form (``<input name="csrftoken">``) or htmx's header; set by the
    CSRF middleware (asgi-csrf)."""
    token = request.scope.get("csrftoken")
    return token() if callable(token) else ""


def page(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a newsroom template with the signed-in person and the CSRF token."""
    ctx = {"me": person_of(request), "csrf": csrf_token(request), **(context or {})}
    response: HTMLResponse = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    return response
