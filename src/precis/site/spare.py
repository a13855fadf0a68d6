"""A new interpreter made ahead of need, for the builds that may not fork.

``precis serve`` builds the site in a thread beside the server's, where forking is not safe
(``precis.site.share.may_fork``): the downloads' child there is a new interpreter, which spent
about a second of processor time importing Précis and openpyxl while the build waited for it
(a build after one edit took 2.1 s, of which the downloads' child was the longest part). Such a
child is made ahead instead: it imports what it needs and then waits for its work on standard
input. In a process that builds in threads (a server), each child taken is replaced by another
once the build that took it is done with it (``make_ready``, called by the downloads when they end
off the main thread), so that the next build finds one ready, and its imports never compete with a
build for the processor; a command, which builds once, makes none ahead. A child made ready is
taken only while this process's environment variables and working folder are those it was made
with (which say where the caches are, for one). A child left waiting ends when this process does:
its standard input closes (and it is killed at exit besides).
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
from dataclasses import dataclass


@dataclass
class _Ready:
    process: subprocess.Popen[str]
    made_in: tuple[dict[str, str], str]  # the environment and the working folder it was made with

    def usable(self) -> bool:
        return self.process.poll() is None and self.made_in == _here()

    def discard(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


_lock = threading.Lock()
_ready: dict[str, _Ready] = {}


def _here() -> tuple[dict[str, str], str]:
    return dict(os.environ), os.getcwd()


def _start(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def interpreter(code: str) -> subprocess.Popen[str]:
    """A new interpreter running ``code`` (which reads its work on standard input): the one made
    ready for it if it is still waiting and this process is where it was made, else one made now."""
    with _lock:
        ready = _ready.pop(code, None)
    if ready is not None:
        if ready.usable():
            return ready.process
        ready.discard()
    return _start(code)


def make_ready(code: str) -> None:
    """Make an interpreter running ``code`` ready for the next ``interpreter(code)``, unless one is."""
    with _lock:
        ready = _ready.get(code)
        if ready is not None and ready.usable():
            return
        _ready[code] = _Ready(_start(code), _here())
    if ready is not None:
        ready.discard()


@atexit.register
def _discard() -> None:
    with _lock:
        waiting = list(_ready.values())
        _ready.clear()
    for ready in waiting:
        ready.discard()
