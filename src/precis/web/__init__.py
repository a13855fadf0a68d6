"""``precis serve``: the archive's pages and a JSON search API, as one ASGI app (Starlette)."""

from precis.web.app import create_app

__all__ = ["create_app"]
