"""A build's pages rendered by two processes at once.

Rendering a page is pure Python and holds the interpreter's lock, so threads would not help. A
process forked after the archive is read starts with all of it in memory, shared with this one
until either writes to it (the build runs with the cyclic collector off, which would otherwise
visit, and so copy, every object of the archive). The forked process renders its share of the steps, writes their files
itself, and sends back what the site writer must record of them (``WriteRecord``); then it exits
without running any of this process's clean-up.

It forks only where forking is safe and pays: on Linux, with more than one processor, for a
build with enough pages, from the main thread (not in ``precis serve``'s builds, which run beside
the server's threads); before any thread of the build starts (Pagefind's runs are started after
the fork).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import NoReturn

from precis.errors import PrecisError
from precis.site.writer import SiteWriter, WriteRecord

#: Fewer steps than this are rendered in this process alone (a fork costs about 20 ms).
MIN_STEPS = 200


def processors() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass
class _Sent:
    record: WriteRecord | None
    pages: int
    error: str | None  # a PrecisError's message
    crash: str | None  # any other exception's traceback (a bug)


def may_fork() -> bool:
    """Whether this process may fork a child that goes on running Python: on Linux, and from the
    main thread (``precis serve`` and the job queue build beside other threads, one of which might
    hold a lock at the fork, held forever in the child)."""
    return sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread()


class Child:
    """A forked process, and the pipe it sends its one message through before it exits."""

    def __init__(self, pid: int, reader: int) -> None:
        self.pid = pid
        self.reader = reader

    def receive(self) -> tuple[bytes, int]:
        """Wait for the child: what it sent, and its exit status (``os.waitpid``'s)."""
        with os.fdopen(self.reader, "rb") as pipe:
            data = pipe.read()
        self.reader = -1
        _pid, status = os.waitpid(self.pid, 0)
        self.pid = 0
        return data, status

    def stop(self, how: signal.Signals = signal.SIGTERM) -> None:
        """End the child (a build that gives up), and reap it."""
        if self.reader >= 0:
            os.close(self.reader)
            self.reader = -1
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, how)
            os.waitpid(self.pid, 0)
            self.pid = 0


def fork(run: Callable[[int], NoReturn]) -> Child | None:
    """Fork a child that calls ``run`` with the pipe's writing end (``run`` ends the process, with
    ``os._exit``: none of this process's clean-up runs there); None when the system cannot fork."""
    reader, sender = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        os.close(reader)
        os.close(sender)
        return None
    if pid == 0:  # pragma: no cover - the forked process (its coverage is not collected)
        os.close(reader)
        run(sender)
    os.close(sender)
    return Child(pid, reader)


class Helper:
    """The forked process rendering its share of the steps."""

    def __init__(self, child: Child) -> None:
        self.child = child

    def join(self, writer: SiteWriter) -> int:
        """Wait for the helper, record the files it wrote in ``writer``; the pages it rendered."""
        data, status = self.child.receive()
        if not data:
            raise PrecisError(f"the site build's second process stopped (status {status}) before it finished")
        sent: _Sent = pickle.loads(data)
        if sent.crash is not None:
            raise RuntimeError(f"the site build's second process failed:\n{sent.crash}")
        if sent.error is not None:
            raise PrecisError(sent.error)
        assert sent.record is not None
        writer.add_record(sent.record)
        return sent.pages

    def stop(self) -> None:
        """End the helper (a build that gives up)."""
        self.child.stop()


def share(
    steps: Sequence[Callable[[], None]], writer: SiteWriter, pages: Callable[[], int]
) -> tuple[list[Callable[[], None]], Helper | None]:
    """Fork a helper to run every other step of ``steps`` (``pages()`` counts the pages rendered);
    the steps left to this process, and the helper (None when the steps are too few to share,
    or there is one processor, or forking is not safe here: see above)."""
    if len(steps) < MIN_STEPS or processors() < 2 or not may_fork():
        return list(steps), None
    _release_free_memory()
    child = fork(partial(_run, list(steps[1::2]), writer, pages))
    if child is None:
        return list(steps), None
    return list(steps[0::2]), Helper(child)


def _release_free_memory() -> None:
    """Give the pages the C heap holds free back to the system before forking (glibc's
    ``malloc_trim``): reading the archive freed much of what it allocated (the database's rows,
    the ORM's objects), and pages kept for reuse would be counted in both processes and copied
    into the child as soon as either allocates from them. Nothing where the C library has no
    such call (the process's own symbols, where the C library's are, are searched)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _run(steps: list[Callable[[], None]], writer: SiteWriter, pages: Callable[[], int], sender: int) -> NoReturn:
    """The forked process: run ``steps``, send what was written, and exit at once."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it; the build says why
        writer.start_record()
        before = pages()
        sent = _Sent(None, 0, None, None)
        try:
            for step in steps:
                step()
            sent = _Sent(writer.take_record(), pages() - before, None, None)
        except PrecisError as exc:
            sent = _Sent(None, 0, str(exc), None)
        except Exception:
            sent = _Sent(None, 0, None, traceback.format_exc())
        with os.fdopen(sender, "wb") as pipe:
            pipe.write(pickle.dumps(sent))
    except BaseException:
        code = 1
    finally:
        os._exit(code)
