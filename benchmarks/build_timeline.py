"""When each step of a site build starts and ends, in process: where a build after an edit spends
its time, and what runs beside what (Pagefind's runs, the downloads' child).

Run: PYTHONPATH=src .venv/bin/python benchmarks/build_timeline.py STORE FOLDER
     (edit an entry first, e.g. with ``site_incremental.py``'s EDIT, to time a build after an edit)

It wraps the build's steps (reading the manifest, the inputs' digest, the parsed texts, the
guess of the search documents, the edition source's read, the archive made of it, the builder,
what changed, the pages, the downloads and Pagefind) and prints the time since the process started
at each one's start and end. The times include this script's own imports, as a user's command does.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()


def mark(what: str) -> None:
    print(f"{time.perf_counter() - STARTED:7.3f} s  {what}", flush=True)


def timed(owner: Any, name: str, label: str) -> None:
    """Print when ``owner.name`` starts and ends, each time it is called."""
    inner: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        mark(f"{label} starts")
        try:
            return inner(*args, **kwargs)
        finally:
            mark(f"{label} ends")

    setattr(owner, name, staticmethod(wrapper) if isinstance(owner.__dict__.get(name), staticmethod) else wrapper)


def main() -> None:
    import precis.cli  # noqa: F401  (what the command imports before it builds)

    mark("Précis imported")
    from precis.site import build, parsed, search_parts
    from precis.site.archive import Archive
    from precis.store import Store

    done = search_parts.SearchParts._done

    def pagefind_done(self: search_parts.SearchParts, run: Any, result: Any) -> None:
        mark(f"Pagefind done: {run.location}")
        done(self, run, result)

    search_parts.SearchParts._done = pagefind_done  # type: ignore[method-assign]
    timed(search_parts.SearchParts, "_run", "Pagefind started")
    timed(build.KeptSource, "read", "reading the edition source (whole, or what changed)")
    timed(Archive, "load", "making the archive")
    timed(build.KeptSource, "keep", "keeping the edition source")
    timed(build.DownloadsProcess, "wait", "waiting for the downloads")
    timed(build, "build_inputs", "the inputs' digest")
    timed(build, "guess_search", "the guess of the search documents")
    timed(build, "edited_entries", "what changed")
    timed(build.SiteBuilder, "__init__", "the builder")
    timed(build.SiteBuilder, "build_edited", "the pages after an edit")
    timed(build.SiteBuilder, "build", "every page")
    timed(build.SiteWriter, "__init__", "reading the manifest")
    timed(build.SiteWriter, "finish", "saving the manifest")
    timed(parsed, "_load", "reading the parsed texts")
    timed(search_parts.SearchParts, "finish", "writing the search index")
    with Store(sys.argv[1]) as store:
        mark("store opened")
        report = build.build_site(store, Path(sys.argv[2]))
    mark(f"end: {len(report.written)} files written")


if __name__ == "__main__":
    main()
