"""The public archive: a static website of every public summary and issue.

``build_site(store, outdir)`` writes it; ``precis site build`` is the command. See
``docs/archive.md``.
"""

from precis.site.build import BuildReport, build_site

__all__ = ["BuildReport", "build_site"]
