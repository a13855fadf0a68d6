"""Writing a file whole or not at all.

An export, a rendered issue or a download is written to a temporary file beside its target and
moved over it only when complete, so a failure (a full disk, Ctrl-C) leaves the file that was
there before, never a half-written one; the error names the target and the reason.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from precis.errors import PrecisError


@contextmanager
def replacing(path: Path) -> Iterator[IO[bytes]]:
    """A binary file to write; on leaving the block without an error it becomes ``path``.

    Through a symbolic link, the file the link points to is replaced. A target that is not a
    regular file (a terminal, a pipe, ``/dev/stdout``) cannot be replaced and is written directly.
    """
    path = Path(path)
    target = path.resolve() if path.is_symlink() else path
    if target.exists() and not target.is_file():
        try:
            with open(target, "wb") as f:
                yield f
        except OSError as exc:
            raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except OSError as exc:
        raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` as the whole of ``path`` (see ``replacing``)."""
    with replacing(path) as f:
        f.write(data)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
