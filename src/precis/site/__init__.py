"""The public archive: a static website of every public summary and issue.

``build_site(store, outdir)`` writes it; ``precis site build`` is the command. See
``docs/archive.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from precis.site.build import BuildReport, build_site

__all__ = ["BuildReport", "build_site"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that the downloads' child interpreter (``precis.site.downloads``)
    # does not pay for Jinja2, the markup parser and the renderers it never uses.
    if name in __all__:
        from precis.site import build

        return getattr(build, name)
    raise AttributeError(f"module 'precis.site' has no attribute {name!r}")
