"""(being written)"""

from starlette.routing import BaseRoute


def api_routes() -> list[BaseRoute]:
    return []
