"""What a site build reads of the store, kept between builds in the render cache.

Reading the whole publication (``precis.render.EditionSource.read``: every entry's row, authors
and opinions, the cross-reference resolver over every title) was most of a build after one edit
at 100,000 entries (9 s of about 20). The build keeps the source it read, with the versions of
the entries it was read at (``precis.site.inputs``), in
``<render cache>/source/<folder>.pickle`` (``precis.paths``); the next build of that folder from
the same store, with the rest of the store and the code as they were, reads again only the
entries whose version changed since (``EditionSource.updated``), and the whole publication when
that cannot give what a whole read would (an entry added, removed, moved or retitled, or more
than ``REREAD_AT_MOST`` changed). With the source it keeps the memo of the archive made from it
(``precis.site.archive.ArchiveMemo``: slugs, references, warnings), which the next archive takes
for the entries that did not change. The file is rewritten only after a whole read: the entries
changed since are read again at each build, a few milliseconds for hundreds. Like every cache of
Précis it can be deleted at any time; files there are trusted as the code is.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from precis.paths import cache_dir, folder_key, load_cached, save_cached
from precis.render import EditionSource
from precis.site.archive import ArchiveMemo
from precis.site.inputs import BuildInputs
from precis.store import Store

#: Beyond this many entries changed since the kept source, the whole publication is read again.
REREAD_AT_MOST = 2000


class KeptSource:
    """The edition source of the site in ``site``, read from ``store`` as its ``inputs`` say."""

    def __init__(self, store: Store, site: Path, inputs: BuildInputs) -> None:
        self.store = store
        self.path = _path(site)
        self.inputs = inputs
        self.read_whole: EditionSource | None = None  # a whole read, to keep when the build succeeds
        # After ``read`` from the kept source: the memo of the archive made from that source, and
        # the entries whose texts changed since (``precis.site.archive.Archive``).
        self.memo: ArchiveMemo | None = None
        self.changed: set[int] = set()

    def read(self) -> EditionSource:
        """The store's default publication as ``EditionSource.load`` reads it: from the kept source
        and the entries changed since when it can, else read whole."""
        if (kept := self._current()) is not None:
            source, versions, memo = kept
            changed = {i for i, v in self.inputs.versions.items() if versions[i] != v}
            updated: EditionSource | None = None
            if not changed:
                updated = source
            elif len(changed) <= REREAD_AT_MOST:
                with self.store.session() as s:
                    updated = source.updated(s, changed)
            if updated is not None:
                self.memo, self.changed = memo, changed
                return updated
        self.read_whole = EditionSource.load(self.store)
        return self.read_whole

    def _current(self) -> tuple[EditionSource, dict[int, int], ArchiveMemo | None] | None:
        """The kept source, the versions it was read at and the memo of its archive, if it was
        read from this store, with the rest of it and the code as now, and the same entries in it
        (``inputs.others`` names the store: a folder built from two stores in turn must never get
        one's entries from the other)."""
        kept = load_cached(self.path)
        if not isinstance(kept, dict) or kept.get("others") != self.inputs.others:
            return None
        source, versions, memo = kept.get("source"), kept.get("versions"), kept.get("archive")
        if not isinstance(source, EditionSource) or not isinstance(versions, dict):
            return None
        if versions.keys() != self.inputs.versions.keys():
            return None
        return source, versions, memo if isinstance(memo, ArchiveMemo) else None

    def keep(self, memo: ArchiveMemo) -> None:
        """After a build that succeeded: keep the source it read whole (a copy without the public
        views a build made of it) and the ``memo`` of the archive made from it, for the next build."""
        if self.read_whole is not None:
            save_cached(self.path, {
                "others": self.inputs.others,
                "versions": self.inputs.versions,
                "source": replace(self.read_whole),
                "archive": memo,
            })


def _path(site: Path) -> Path:
    return cache_dir("render") / "source" / f"{folder_key(site)}.pickle"


def forget(site: Path) -> None:
    """Remove the source kept for the folder ``site`` (which is about to be deleted)."""
    with contextlib.suppress(OSError):
        _path(site).unlink()
