"""Writing a site into a directory, touching only the files whose content changed.

The writer keeps a manifest (``.precis-site.json``) of a digest per file it wrote. A file is
rewritten only when its digest differs from the manifest's or it is missing on disk; files of
the previous build that this build did not produce (an entry that became private, say) are
deleted. For files whose bytes are not reproducible (an ``.xlsx`` carries a timestamp), the
digest is taken over the file's *inputs* and the file is produced only when they changed.

What a build records of itself for the next one (what it was made from, every entry's version,
its warnings: ``finish(build=...)``) is not in the folder, which is published: it names every
entry of the store, public or not, and a warning's closest titles may be a private entry's. It is
kept in the render cache, named by its digest (``<render cache>/builds/<digest>.json``, the one
before it removed), and the manifest holds only that digest: a copy of the folder finds it too, and
a record that is not the folder's is never taken for it. Without it (the cache deleted), the next
build renders every page again.

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
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from precis.errors import PrecisError
from precis.files import replacing
from precis.paths import cache_dir

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
        self._record_key: str | None = None  # the digest of the last build's record, if it had one
        marker = self.outdir / BUILDING
        partial = marker.exists()
        if manifest.exists():
            try:
                saved = json.loads(manifest.read_text("utf-8"))
                self.previous, self.previous_inputs = dict(saved["files"]), dict(saved.get("inputs", {}))
                partial = partial or bool(saved.get("partial"))
                self._record_key = _record_key(saved.get("build"))
                if self._record_key is not None and not partial:
                    self.previous_build = self._load_record(self._record_key)
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
            key = self._save(self.current, self.inputs, build)
            if self._record_key is not None and key != self._record_key:
                with contextlib.suppress(OSError):  # the last build's record, now no folder's
                    _record_file(self._record_key).unlink()
        with contextlib.suppress(FileNotFoundError):
            (self.outdir / BUILDING).unlink()

    def _load_record(self, key: str) -> dict[str, Any] | None:
        """The record of the last build, if the render cache holds the one whose digest is ``key``."""
        try:
            data = _record_file(key).read_bytes()
            record = json.loads(data) if digest(data) == key else None
        except (OSError, ValueError):
            return None
        build = record.get("build") if isinstance(record, dict) else None
        return build if isinstance(build, dict) else None

    def _save_record(self, build: dict[str, Any]) -> str | None:
        """Keep the build's record in the render cache; its digest, or None if it could not be kept
        (the next build then renders every page again)."""
        # The folder is named in it so that two folders built alike do not share one record, which
        # either would remove when it is rebuilt or forgotten (``forget``).
        record = {"folder": str(self.outdir.resolve()), "build": build}
        data = json.dumps(record, indent=0).encode("utf-8", "surrogatepass")
        key = digest(data)
        path = _record_file(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with replacing(path) as f:
                f.write(data)
        except (OSError, PrecisError):
            return None
        return key

    def _save(self, files: dict[str, str], inputs: dict[str, str], build: dict[str, Any] | None) -> str | None:
        """Save the manifest (and the build's record); the record's digest, if one was kept."""
        manifest: dict[str, object] = {"files": dict(sorted(files.items())), "inputs": dict(sorted(inputs.items()))}
        key = self._save_record(build) if build is not None else None
        if key is not None:
            manifest["build"] = key
        path = self.outdir / MANIFEST
        scratch = self.outdir / f".{MANIFEST}.precis-new"
        try:
            scratch.write_text(json.dumps(manifest, indent=0) + "\n", "utf-8")
            os.replace(scratch, path)
        except OSError as exc:
            raise PrecisError(f"{path}: cannot write: {exc.strerror}") from None
        return key


def forget(outdir: Path) -> None:
    """Remove the record the render cache keeps of the last build in ``outdir`` (a folder about to
    be deleted)."""
    try:
        key = _record_key(json.loads((Path(outdir) / MANIFEST).read_text("utf-8")).get("build"))
    except (OSError, ValueError, AttributeError):
        return
    if key is not None:
        with contextlib.suppress(OSError):
            _record_file(key).unlink()


def _record_key(value: object) -> str | None:
    """The digest of the last build's record as the manifest holds it (a dict where an earlier
    version kept the record itself; never a path into the cache)."""
    return value if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) else None


def _record_file(key: str) -> Path:
    return cache_dir("render") / "builds" / f"{key}.json"
