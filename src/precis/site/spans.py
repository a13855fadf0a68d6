"""Where each record lies in the last build's downloads, so that a build after an edit writes the
edited records' bytes and copies the rest (``downloads.py``).

Writing the three downloads anew reads every public record and serializes it three times: most of
a second at the real archive's size, twice what the rest of a build after one edited summary
takes. The files of the last build already hold every other record's bytes; these spans say where
(in the JSON, the CSV, and the .xlsx's sheet before compression, with the pieces it is deflated
in: ``precis.site.zipped``), with what each record told the
files' columns (its ``sheets.Shape``) and a digest of its hyperlinks, so that a splice can tell
the columns and the hyperlinks stayed as they were.

There is one file per site folder, ``<render cache>/downloads/<folder>.pickle`` (``precis.paths``),
rewritten by every build that writes downloads; like every cache it can be deleted at any time
(the next build then writes the downloads whole). Files there are trusted as the code is.
"""

from __future__ import annotations

import contextlib
import hashlib
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from precis.paths import cache_dir, folder_key, load_cached, save_cached
from precis.sheets import Layout, Shape
from precis.site.zipped import Pieces

FORMATS = ("json", "csv", "xlsx")
CHUNK = 1 << 20


class Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...


@dataclass
class Spans:
    """The records of one build's downloads, in the files' order."""

    stem: str
    key: str  # the downloads' key: the JSON file's digest
    ids: array[int] = field(default_factory=lambda: array("q"))  # each record's entry
    starts: dict[str, array[int]] = field(default_factory=dict)  # by format: where each record starts
    sizes: dict[str, array[int]] = field(default_factory=dict)  # and its length in bytes
    shapes: array[int] = field(default_factory=lambda: array("l"))  # each record's index in ``kinds``
    kinds: list[Shape] = field(default_factory=list)
    links: list[bytes] = field(default_factory=list)  # each record's .xlsx hyperlinks, digested
    pieces: Pieces = field(default_factory=Pieces)  # where the .xlsx's sheet lies, deflated (``zipped``)

    def add(self, entry_id: int, shape: Shape) -> None:
        """A record, in the files' order; its places are given by ``place``."""
        self.ids.append(entry_id)
        self.shapes.append(self.kind(shape))

    def kind(self, shape: Shape) -> int:
        """The index of ``shape`` in ``kinds`` (added if new: records share a handful of shapes)."""
        if shape not in self.kinds:
            self.kinds.append(shape)
        return self.kinds.index(shape)

    def place(self, ext: str, start: int, size: int) -> None:
        """The next record's bytes in the file of format ``ext``."""
        self.starts.setdefault(ext, array("q")).append(start)
        self.sizes.setdefault(ext, array("q")).append(size)

    def complete(self) -> bool:
        """Whether every record is placed in every format (and its hyperlinks known)."""
        n = len(self.ids)
        pieces = getattr(self, "pieces", None)  # (spans kept by a version before the pieces)
        return isinstance(pieces, Pieces) and len(self.shapes) == n and len(self.links) == n and all(
            len(self.starts.get(ext, ())) == n and len(self.sizes.get(ext, ())) == n for ext in FORMATS
        )

    def layout(self, replaced: dict[int, Shape] | None = None) -> Layout:
        """The files' layout: the records' shapes merged (with those at the positions ``replaced``
        given their new ones)."""
        replaced = replaced or {}
        counts = Counter(self.shapes)
        for position in replaced:
            counts[self.shapes[position]] -= 1
        layout = Layout()
        for shape in [self.kinds[n] for n, count in counts.items() if count > 0] + list(replaced.values()):
            layout.merge(shape)
        return layout

    def spliced(
        self, changes: dict[str, dict[int, int]], shapes: dict[int, Shape], key: str, pieces: Pieces
    ) -> Spans:
        """These spans after the records at some positions were given new bytes (``changes``: by
        format, position -> new length) and shapes, the sheet's new ``pieces``: the records after
        each moved by the difference."""
        new = Spans(self.stem, key, array("q", self.ids), {}, {}, array("l", self.shapes), list(self.kinds),
                    list(self.links), pieces)
        for position, shape in shapes.items():
            new.shapes[position] = new.kind(shape)
        for ext in FORMATS:
            starts, sizes = array("q", self.starts[ext]), array("q", self.sizes[ext])
            moved = 0
            for position in range(len(starts)):
                if moved:
                    starts[position] += moved
                size = changes.get(ext, {}).get(position)
                if size is not None:
                    moved += size - sizes[position]
                    sizes[position] = size
            new.starts[ext], new.sizes[ext] = starts, sizes
        return new


def links_digest(links: Iterable[tuple[str, str | None, str | None]]) -> bytes:
    """A record's .xlsx hyperlinks (cell, target, location), digested."""
    return hashlib.blake2b(repr(list(links)).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def splice(source: IO[bytes], target: IO[bytes], changes: Sequence[tuple[int, int, bytes]],
           hashed: Hash | None = None) -> None:
    """Copy ``source`` to ``target`` with each span (start, length) of ``changes`` (in order)
    replaced by its bytes, a megabyte at a time; ``hashed`` is fed what is written."""

    def put(data: bytes) -> None:
        target.write(data)
        if hashed is not None:
            hashed.update(data)

    at = 0
    for start, size, data in changes:
        _copy(source, put, start - at)
        put(data)
        _skip(source, size)
        at = start + size
    _copy(source, put, None)


def _copy(source: IO[bytes], put: Any, size: int | None) -> None:
    while size is None or size > 0:
        chunk = source.read(CHUNK if size is None else min(CHUNK, size))
        if not chunk:
            if size:
                raise ValueError("the last build's download is shorter than its spans say")
            return
        put(chunk)
        if size is not None:
            size -= len(chunk)


def _skip(source: IO[bytes], size: int) -> None:
    while size > 0:
        chunk = source.read(min(CHUNK, size))
        if not chunk:
            raise ValueError("the last build's download is shorter than its spans say")
        size -= len(chunk)


def _path(site: Path) -> Path:
    return cache_dir("render") / "downloads" / f"{folder_key(site)}.pickle"


def forget(site: Path) -> None:
    """Remove the spans kept for the folder ``site`` (which is about to be deleted)."""
    with contextlib.suppress(OSError):
        _path(site).unlink(missing_ok=True)


def load(site: Path, stem: str, previous: dict[str, str]) -> Spans | None:
    """The spans of the downloads the last build wrote in ``site``, if they describe the files
    there now (``previous``: format -> the key each was made from, by the site's manifest); else
    None."""
    found = load_cached(_path(site))
    if not isinstance(found, Spans) or found.stem != stem or not found.complete():
        return None
    if any(previous.get(ext) != f"{ext}:{found.key}" for ext in FORMATS):
        return None
    return found


def save(site: Path, spans: Spans | None) -> None:
    """Keep ``spans`` for the next build of ``site`` (None: forget the last ones)."""
    if spans is None:
        with contextlib.suppress(OSError):
            _path(site).unlink(missing_ok=True)
    else:
        save_cached(_path(site), spans)
