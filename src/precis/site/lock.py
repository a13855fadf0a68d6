"""The site folder's build lock, held by whoever writes the folder (``precis serve``'s processes,
``precis site build`` under serve, the worker's "site" job)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def build_lock(site_dir: Path) -> Iterator[None]:
    """Hold the site folder's build lock: ``flock`` on the folder itself (no file is added to it,
    and the lock goes when the process dies). The worker processes of one server and the job
    worker share the folder, and two builds writing it at once could leave a page of one beside
    the manifest of the other."""
    site_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(site_dir, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
