"""The optional extras: which modules a feature needs, and the check that says in one line which
extra to install when some are missing (``MissingExtra``), for the CLI and the jobs alike.

Features import their heavy libraries inside the function that needs them, so a missing extra never
stops ``precis`` itself or any other feature; this check turns it into advice instead of a traceback.
"""

from __future__ import annotations

import importlib.util

from precis.errors import MissingExtra

#: What the archive needs (the ``site`` extra) and what the audio edition needs (``podcast``).
SITE_MODULES = ("pagefind_bin", "feedgen")
AUDIO_MODULES = ("pyloudnorm", "pedalboard", "mutagen")


def require_extra(what: str, extra: str, *modules: str) -> None:
    """Stop with one line when ``what`` needs the extra ``extra`` and some of its modules are missing."""
    missing = tuple(m for m in modules if importlib.util.find_spec(m) is None)
    if missing:
        raise MissingExtra(extra, what, missing)
