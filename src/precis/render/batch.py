"""Rendering every issue of a publication to files, in worker processes.

Workers are forked from the process that loaded the editions, so each inherits them and needs
nothing from the store; warnings travel back to the parent, which shows each once.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from precis.errors import PrecisError
from precis.render.editions import Editions
from precis.render.styles import FORMATS, check_format, template

# In a worker process: the editions it inherited from its parent (set by ``_start_worker``).
_worker_editions: Editions | None = None


def render_all(
    editions: Editions,
    out: Path,
    formats: list[str],
    *,
    private: bool = False,
    style: str | None = None,
    progress: Callable[[], None] | None = None,
    workers: int | None = None,
) -> int:
    """Write every issue in each format to ``out/<issue-slug><extension>``; return the number of
    issues. ``progress`` is called after each issue.

    Issues are rendered by ``workers`` processes (default: one per CPU); where the platform cannot
    fork, or with one worker, they are rendered here. Warnings are passed to ``editions.warn`` here.
    """
    for fmt in formats:  # a missing style or template fails before any work starts
        template(editions.style(style), FORMATS[check_format(fmt)][0], fmt == "html")
    if out.exists() and not out.is_dir():
        raise PrecisError(f"{out}: a file, not a folder; give a folder for the rendered issues")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PrecisError(f"{out}: cannot make the folder: {exc.strerror}") from None
    jobs = [(n, out, tuple(formats), private, style) for n in range(len(editions.issues))]
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for job in jobs:
            write_issue(editions, *job)
            if progress:
                progress()
        return len(jobs)
    seen: set[str] = set()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(editions,)) as pool:
        for done in as_completed([pool.submit(_write_in_worker, *job) for job in jobs]):
            for message in done.result():
                if message not in seen:
                    seen.add(message)
                    editions.warn(message)
            if progress:
                progress()
    return len(jobs)


def write_issue(
    editions: Editions, n: int, out: Path, formats: tuple[str, ...], private: bool, style: str | None
) -> None:
    """Write the ``n``-th issue in each format."""
    issue = editions.issues[n]
    for fmt in formats:
        path = out / f"{issue.slug}{FORMATS[fmt][1]}"
        text = editions.render(issue, fmt, private=private, style=style)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None


def _start_worker(editions: Editions) -> None:
    global _worker_editions
    _worker_editions = editions


def _write_in_worker(n: int, out: Path, formats: tuple[str, ...], private: bool, style: str | None) -> list[str]:
    """Render one issue's files in a worker; return its warnings for the parent to show."""
    assert _worker_editions is not None, "the pool's initializer sets it"
    messages: list[str] = []
    _worker_editions.warn = messages.append
    write_issue(_worker_editions, n, out, formats, private, style)
    return messages
