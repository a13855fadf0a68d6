"""Writing a site into a directory, touching only the files whose content changed.

The writer keeps a manifest (``.precis-site.json``) of a digest per file it wrote. A file is
rewritten only when its digest differs from the manifest's or it is missing on disk; files of
the previous build that this build did not produce (an entry that became private, say) are
deleted. For files whose bytes are not reproducible (an ``.xlsx`` carries a timestamp), the
digest is taken over the file's *inputs* and the file is produced only when they changed.

A build that stops midway (a write error, Ctrl-C) leaves the folder usable: before the first file
is written, a marker (``.precis-site.building``) is put beside the manifest, and removed only once
the new manifest is saved. A build that finds the marker (or a manifest saved as "partial", as
earlier versions did) trusts no digest of the manifest and takes every file in the folder for one
of its own, so it rewrites what it makes and deletes the rest, ending as a clean build would. (The
manifest itself is not rewritten to say so: at 100,000 entries that was 1.5 s of every build.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from precis.errors import PrecisError

MANIFEST = ".precis-site.json"
BUILDING = ".precis-site.building"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)


@dataclass
class WriteRecord:
    """What a writer recorded of the files it produced since ``start_record``: their keys by site
    path, and which were written and which found current."""

    current: dict[str, str]
    written: list[str]
    unchanged: list[str]


class SiteWriter:
    """Writes files under ``outdir`` by their site path ("entries/x/index.html")."""

    def __init__(self, outdir: Path) -> None:
        self.outdir = Path(outdir)
        self._root = str(self.outdir)
        if self.outdir.exists() and not self.outdir.is_dir():
            raise PrecisError(f"{outdir}: a file, not a folder; give a folder for the site")
        try:
            self.outdir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PrecisError(f"{outdir}: cannot create the site directory: {exc.strerror}") from None
        if not self.outdir.is_dir():
            raise PrecisError(f"{outdir}: not a directory")
        manifest = self.outdir / MANIFEST
        self.previous: dict[str, str] = {}
        self.previous_inputs: dict[str, str] = {}
        #: What the last finished build recorded of itself (``finish(build=...)``), if anything.
        self.previous_build: dict[str, Any] | None = None
        marker = self.outdir / BUILDING
        partial = marker.exists()
        if manifest.exists():
            try:
                saved = json.loads(manifest.read_text("utf-8"))
                self.previous, self.previous_inputs = dict(saved["files"]), dict(saved.get("inputs", {}))
                partial = partial or bool(saved.get("partial"))
                self.previous_build = saved.get("build") if not partial else None
            except (ValueError, KeyError, TypeError, AttributeError):
                self.previous, partial = {}, True  # an unreadable manifest only costs a full rewrite
        elif not partial and any(self.outdir.iterdir()):
            raise PrecisError(
                f"{outdir}: the directory holds files but no {MANIFEST}; "
                "give an empty or new directory (or one a previous `site build` wrote)"
            )
        self._partial = partial
        self._all_there = False  # found by ``all_there``
        if partial:  # the last build stopped midway: any file here may be its, with any content
            on_disk = {p.relative_to(self.outdir).as_posix() for p in self.outdir.rglob("*") if p.is_file()}
            self.previous = dict.fromkeys(sorted((set(self.previous) | on_disk) - {MANIFEST, BUILDING}), "")
            self.previous_inputs = {}
        try:
            marker.touch()
        except OSError as exc:
            raise PrecisError(f"{marker}: cannot write: {exc.strerror}") from None
        self.current: dict[str, str] = {}
        # Digests of what groups of files were made from (e.g. the search index's documents).
        self.inputs: dict[str, str] = {}
        self._folders: set[str] = set()
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.deleted: list[str] = []

    def _target(self, path: str) -> Path:
        return Path(self._file(path))

    def _file(self, path: str) -> str:
        """The file at the site path ``path``, as a string: a build makes a ``Path`` of none of
        its hundreds of thousands of files (pathlib's parsing was a tenth of writing a page)."""
        if not path or path.startswith("/") or any(p in ("", ".", "..") for p in path.split("/")):
            raise ValueError(f"not a file path inside the site: {path!r}")
        return os.path.join(self._root, *path.split("/"))

    def is_current(self, path: str, key: str) -> bool:
        return self.previous.get(path) == key and os.path.isfile(os.path.join(self._root, path))

    def write(self, path: str, content: str | bytes) -> bool:
        """Write ``content`` at ``path`` unless it is already there; True if written."""
        data = content.encode("utf-8") if isinstance(content, str) else content
        return self.produce(path, digest(data), lambda: data)

    def produce(self, path: str, key: str, make: Callable[[], bytes] | Path) -> bool:
        """Write what ``make()`` returns (or a copy of the file ``make``) at ``path`` unless the file
        was made from the same inputs (``key``) last time; ``make`` is not called then. True if
        written."""
        self.current[path] = key
        if self.is_current(path, key):
            self.unchanged.append(path)
            return False
        target = self._file(path)
        folder, name = os.path.split(target)
        # Written beside and renamed over: a reader of the folder (``precis serve``) gets the old file
        # or the new one, never half of one.
        scratch = os.path.join(folder, f".{name}.precis-new")
        try:
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            if isinstance(make, Path):  # copied in pieces: a large file is never held in memory
                shutil.copyfile(make, scratch)
            else:
                _write_file(scratch, make())
            os.replace(scratch, target)
        except OSError as exc:  # a full disk names no file: say which
            with contextlib.suppress(FileNotFoundError):
                os.unlink(scratch)  # no half-written file is left beside the page
            raise PrecisError(f"{exc.filename or target}: cannot write: {exc.strerror or exc}") from None
        self.written.append(path)
        return True

    def start_record(self) -> None:
        """Record from now on only what is produced from now on (in a process rendering a share of
        the build: ``precis.site.share``)."""
        self.current, self.written, self.unchanged = {}, [], []

    def take_record(self) -> WriteRecord:
        return WriteRecord(self.current, self.written, self.unchanged)

    def add_record(self, record: WriteRecord) -> None:
        """Record the files another writer into the same folder produced."""
        self.current.update(record.current)
        self.written.extend(record.written)
        self.unchanged.extend(record.unchanged)
        self._folders.update(os.path.dirname(self._file(path)) for path in record.written)

    def keep_where(self, inside: Callable[[str], bool]) -> None:
        """Carry the previous build's files whose site path ``inside`` takes over unchanged (those
        still there), in one pass over them: a pass per group of files kept was quadratic (20 s
        for the 208 parts of the search index of 100,000 entries)."""
        for path, key in self.previous.items():
            if inside(path) and (self._all_there or os.path.isfile(os.path.join(self._root, path))):
                self.current[path] = key
                self.unchanged.append(path)

    def prune(self, under: str = "") -> None:
        """Delete what the previous build wrote under ``under`` and this one did not."""
        for path in sorted(set(self.previous) - set(self.current)):
            if not path.startswith(under) or path in self.deleted:
                continue
            target = self._target(path)
            if target.is_file():
                target.unlink()
                self.deleted.append(path)
            parent = target.parent
            while parent != self.outdir and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent

    def keep_rest(self, but_not: str) -> None:
        """Carry over, unchanged, every file of the previous build this one did not write (but
        those under ``but_not``, which their maker keeps or replaces itself)."""
        for path, key in self.previous.items():
            if path not in self.current and not path.startswith(but_not):
                self.current[path] = key
                self.unchanged.append(path)

    def all_there(self) -> bool:
        """Whether every file of the previous build is still in the folder (once known, what is kept
        is not looked for again: 100,000 files at 100,000 entries)."""
        root = str(self.outdir) + os.sep
        self._all_there = all(os.path.isfile(root + path) for path in self.previous)
        return self._all_there

    def keep_all(self) -> bool:
        """Carry every file of the previous build over unchanged, if all are still there (else
        nothing is carried over and False is returned)."""
        if not self.all_there():
            return False
        self.current, self.inputs = dict(self.previous), dict(self.previous_inputs)
        self.unchanged = list(self.previous)
        return True

    def finish(self, build: dict[str, Any] | None = None) -> None:
        """Delete every stale file and save the manifest, with what the build records of itself
        (unless it would say what the saved one says), then take the marker of a build away."""
        self.prune()
        same = (self.current, self.inputs, build) == (self.previous, self.previous_inputs, self.previous_build)
        if self._partial or not same:
            self._save(self.current, self.inputs, build)
        with contextlib.suppress(FileNotFoundError):
            (self.outdir / BUILDING).unlink()

    def _save(self, files: dict[str, str], inputs: dict[str, str], build: dict[str, Any] | None) -> None:
        manifest: dict[str, object] = {"files": dict(sorted(files.items())), "inputs": dict(sorted(inputs.items()))}
        if build is not None:
            manifest["build"] = build
        path = self.outdir / MANIFEST
        scratch = self.outdir / f".{MANIFEST}.precis-new"
        try:
            scratch.write_text(json.dumps(manifest, indent=0) + "\n", "utf-8")
            os.replace(scratch, path)
        except OSError as exc:
            raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None
