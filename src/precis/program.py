"""The ``precis`` program (the command and ``python -m precis``): the CLI, and a quick way out.

A process that has imported Précis spends a quarter to two fifths of a second after its work
tearing the interpreter down: freeing every module and every object it still holds. Nothing in
that writes anything a user keeps, so the program leaves without it, as mypy does (its
``util.hard_exit``): after the interpreter has waited for its threads and run every exit handler
(which remove temporary folders, stop child processes and flush logs), the last handler flushes
standard output and error and ends the process with the status the command decided.

A command's output files and the store's connections are closed by the command itself (the CLI
closes the store before it returns), so nothing is left half-written. A bug's traceback takes the
ordinary way out.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys

#: The exit status the command decided; None until it has (and after a bug, which exits the usual way).
_status: int | None = None


def _leave() -> None:
    """The last exit handler: end the process without tearing the interpreter down."""
    if _status is None:
        return
    for stream in (sys.stdout, sys.stderr):
        # A reader gone, a stream closed: the status is decided, and what could not be written is lost
        # as it would be on the interpreter's own way out.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(_status)


def status_of(code: object) -> int:
    """The process's exit status for ``SystemExit(code)``, as the interpreter computes it."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def main() -> None:
    """Run the ``precis`` command and leave quickly once it has ended.

    The handler is registered before the CLI (and the libraries it imports) is imported: exit
    handlers run last registered first, so every handler those libraries register runs before it.
    """
    global _status
    atexit.register(_leave)
    from precis.cli import main as run

    try:
        run()
    except SystemExit as exc:
        _status = status_of(exc.code)
        raise
    _status = 0
