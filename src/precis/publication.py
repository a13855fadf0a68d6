"""A publication's settings: name, issue prefix, category tree, placement rule and boilerplate.

The settings are data: a TOML file (the default one ships in ``precis/data``) copied into the store
by ``precis init``. This module reads such a file and answers where a category belongs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from precis.errors import PrecisError

DEFAULT_PUBLICATION = "alignment_newsletter.toml"


@dataclass(frozen=True)
class Section:
    """A top-level section of the category tree and its ordered subsections."""

    name: str
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class Placement:
    """Where a category is shown: its top-level section and, if any, its subsection."""

    section: str
    subsection: str | None
    known: bool  # in the tree exactly as written
    placed_by_rule: bool  # not in the tree, placed by case-folding or the [placement] table


@dataclass
class Settings:
    """The parsed settings of one publication."""

    name: str
    slug: str
    issue_prefix: str
    series: list[str]
    house_style: str
    sections: list[Section]
    placement: dict[str, str] = field(default_factory=dict)
    boilerplate: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    # The [ingest] table (feeds to poll); read by precis.ingest, see docs/ingest.md.
    ingest: dict[str, Any] = field(default_factory=dict)
    # The [aliases] table: a person's canonical name -> the other names they appear under in the
    # archive; read by precis.people_names.
    aliases: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "publication settings") -> Settings:
        try:
            sections = [
                Section(str(c["name"]), tuple(str(x) for x in c.get("children", [])))
                for c in data.get("categories", [])
            ]
            prefix = str(data["issue_prefix"])
            return cls(
                name=str(data["name"]),
                slug=str(data.get("slug") or data["name"].lower().replace(" ", "-")),
                issue_prefix=prefix,
                series=[str(s) for s in data.get("series", [prefix])],
                house_style=str(data.get("house_style", "alignment")),
                sections=sections,
                placement={str(k): str(v) for k, v in data.get("placement", {}).items()},
                boilerplate={str(k): str(v) for k, v in data.get("boilerplate", {}).items()},
                url=data.get("url"),
                ingest=dict(data.get("ingest", {})),
                aliases=_aliases(data.get("aliases", {}), source),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise PrecisError(f"{source}: missing or malformed field {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "slug": self.slug,
            "issue_prefix": self.issue_prefix,
            "series": self.series,
            "house_style": self.house_style,
            "url": self.url,
            "ingest": self.ingest,
            "boilerplate": self.boilerplate,
            "categories": [
                {"name": s.name, **({"children": list(s.children)} if s.children else {})}
                for s in self.sections
            ],
            "placement": self.placement,
            "aliases": self.aliases,
        }

    def leaf_categories(self) -> list[str]:
        """Every category an entry can be filed in, in tree order."""
        out: list[str] = []
        for s in self.sections:
            out.extend(s.children or (s.name,))
        return out

    def place(self, category: str) -> Placement:
        """Where an entry filed under ``category`` is shown.

        The rule: an exact tree category is itself; a case or spacing variant of one is shown with
        it; a category named in ``[placement]`` is an extra subsection of that top-level section; any
        other category is a top-level section of its own, after the tree. Nothing is dropped.
        """
        exact = self._index().get(category)
        if exact:
            return Placement(exact[0], exact[1], known=True, placed_by_rule=False)
        folded = self._folded_index().get(_fold(category))
        if folded:
            return Placement(folded[0], folded[1], known=False, placed_by_rule=True)
        for name, parent in self.placement.items():
            if _fold(name) == _fold(category):
                return Placement(parent, name, known=False, placed_by_rule=True)
        return Placement(category.strip(), None, known=False, placed_by_rule=False)

    def _index(self) -> dict[str, tuple[str, str | None]]:
        idx: dict[str, tuple[str, str | None]] = {}
        for s in self.sections:
            if s.children:
                for c in s.children:
                    idx[c] = (s.name, c)
            else:
                idx[s.name] = (s.name, None)
        return idx

    def _folded_index(self) -> dict[str, tuple[str, str | None]]:
        return {_fold(k): v for k, v in self._index().items()}


def _aliases(table: Any, source: str) -> dict[str, list[str]]:
    """The [aliases] table checked: each key a name, each value a list of names, and no name
    given to two people (which would make them one)."""
    if not isinstance(table, dict):
        raise PrecisError(f"{source}: [aliases] must be a table of name = [other names]")
    aliases: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for name, others in table.items():
        where = f"{source}: [aliases] {name!r}"
        if not name.strip():
            raise PrecisError(f"{source}: [aliases] has an empty name")
        if not isinstance(others, list) or not all(isinstance(o, str) and o.strip() for o in others):
            raise PrecisError(f"{where} must be a list of names, like [\"Flo\"]")
        for n in (name, *others):
            first = owner.setdefault(_fold(n), name)
            if first != name:
                raise PrecisError(f"{where}: {n!r} is already a name of {first!r}")
        aliases[name] = list(others)
    return aliases


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_settings(path: Path | None = None) -> Settings:
    """Read publication settings from a TOML file, or the shipped default when ``path`` is None."""
    if path is None:
        text = resources.files("precis.data").joinpath(DEFAULT_PUBLICATION).read_text("utf-8")
        source = DEFAULT_PUBLICATION
    else:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise PrecisError(f"{path}: cannot read publication settings: {exc.strerror}") from None
        text = _utf8(raw, str(path))
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line L, column C)"
        raise PrecisError(f"{source}: invalid TOML: {exc}") from None
    return Settings.from_dict(data, source)


def _utf8(raw: bytes, source: str) -> str:
    """The file's text; a ``PrecisError`` naming the first byte that is not UTF-8 and where it is
    (TOML files are UTF-8 by definition)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PrecisError(
            f"{source}: not UTF-8: byte 0x{raw[exc.start]:02x} at line {line}, column {column}; "
            "save the file as UTF-8"
        ) from None
