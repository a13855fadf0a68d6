"""What a site build is made from, as one digest: the store's content and the code that renders it.

A build whose digest equals the last build's has nothing to do: its pages, feeds, downloads and
search index would come out byte for byte the same (``build_site`` then keeps the folder as it is,
after checking every file is still there). The digest must therefore cover everything a page can
show, and it errs on the side of rebuilding:

- every entry by its version, which rises at each change of the entry, its opinions or its authors
  (``precis.store.revisions``; kept apart from the rest, so that a build can tell which entries
  changed);
- the issues, publications and people (their names and aliases group summarizers) whole, row by row;
- the code: every file of the installed package (templates, styles, static files) and of a house
  style kept in a folder of its own, by size and modification time, and the versions of the
  libraries whose output lands on the site;
- the options of the build (the base URL);
- which store it is (its URL): two stores can hold the same entries at the same versions with
  other words in them (two copies of one store, each edited its own way), and a folder built from
  one and then the other must show the other's.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import precis
from precis.errors import NotFound
from precis.model import Entry, Issue, Person, Publication
from precis.render.styles import style_directory
from precis.store import Store, settings_of

#: Libraries whose output is part of the site: a new version may write other bytes.
LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "nh3", "feedgen", "openpyxl", "pagefind-bin")
PACKAGE = Path(precis.__file__).parent


@dataclass(frozen=True)
class BuildInputs:
    """What a build is made from: each entry's version, and the digest of all the rest."""

    versions: dict[int, int]
    others: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr((self.others, sorted(self.versions.items()))).encode()).hexdigest()


def build_inputs(store: Store, base_url: str | None) -> BuildInputs:
    """What a build of ``store``'s archive with ``base_url`` is made from."""
    h = hashlib.sha256()

    def add(rows: Iterable[Any]) -> None:
        for row in rows:
            h.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
        h.update(b"\x00")

    add([("store", store.url), ("base_url", base_url)])
    with store.session() as s:
        versions: dict[int, int] = dict(s.execute(select(Entry.id, Entry.version)).all())
        for table in (Issue, Publication):
            add(s.execute(select(table.__table__).order_by(table.__table__.c.id)))
        add(s.execute(select(Person.id, Person.name, Person.aliases).order_by(Person.id)))
        styles = _style_folders(s)
    add(_files(PACKAGE, *styles))
    add((name, _version(name)) for name in LIBRARIES)
    return BuildInputs(versions, h.hexdigest())


def _style_folders(session: Session) -> list[Path]:
    """The house styles kept outside the package (a folder given by path), which pages are
    rendered with."""
    folders = []
    for pub in session.scalars(select(Publication)):
        for style in {pub.house_style, settings_of(pub).house_style} - {None, ""}:
            try:
                folder = style_directory(style)
            except NotFound:
                continue  # the build itself says so
            if not folder.is_relative_to(PACKAGE):
                folders.append(folder)
    return sorted(set(folders))


def _files(*folders: Path) -> list[tuple[str, int, int]]:
    out = []
    for folder in folders:
        for top, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                st = os.stat(os.path.join(top, name))
                out.append((os.path.join(top, name), st.st_size, st.st_mtime_ns))
    return out


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
