"""Helpers for the archive's tests (a module of its own: ``conftest`` is not importable by name)."""

from __future__ import annotations

import gzip
import http.server
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path


def file_texts(outdir: Path) -> Iterator[tuple[str, str]]:
    """(site path, text) for every file of a built site, unpacking gzip (Pagefind's index) and
    zip (.xlsx) so that their contents can be searched too."""
    for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
        data = path.read_bytes()
        rel = path.relative_to(outdir).as_posix()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for name in z.namelist():
                    yield f"{rel}!{name}", z.read(name).decode("utf-8", "replace")
            continue
        if rel.startswith("assets/vendor/"):
            continue  # third-party libraries
        yield rel, data.decode("utf-8", "replace")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass
