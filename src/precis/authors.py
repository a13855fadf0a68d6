"""Authors text: parsing it into ordered names with equal-contribution marks.

The sheet writes authors as one cell: "Andrew Ilyas*, Shibani Santurkar*, Aleksander Madry",
"Dan Hendrycks, Nicholas Carlini, and Jacob Steinhardt", "OpenAI". A trailing ``*`` marks equal
contribution. The text stays the source of truth; the parsed list serves indexes and search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPLIT = re.compile(r"\s*,\s*(?:and\s+|&\s+)?|\s+and\s+|\s+&\s+")
_NOT_NAMES = {"others", "et al", "et al.", "and others"}


@dataclass(frozen=True)
class Author:
    name: str
    equal_contribution: bool = False


def parse_authors(text: str | None) -> list[Author]:
    """Split an authors cell into ordered authors; "others" and "et al" are not authors."""
    if not text or not text.strip():
        return []
    out: list[Author] = []
    for part in _SPLIT.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        equal = part.endswith("*")
        name = part.rstrip("*").strip()
        if name and name.casefold() not in _NOT_NAMES:
            out.append(Author(name, equal))
    return out


def format_authors(text: str | None) -> str:
    """Authors as the newsletter shows them after a title.

    One author: the name. Text containing " and ": as written. Several: "First et al". Leading
    equal-contribution marks ("A*, B*, C"): those authors, "A, B et al" (all of them marked: all
    of them, without "et al").
    """
    if not text or not text.strip():
        return ""
    text = " ".join(text.split())
    if " and " in text:
        return text
    names = [part.strip() for part in text.split(",") if part.strip()]
    if len(names) <= 1:
        return names[0].rstrip("*").strip() if names else ""
    equal = []
    for name in names:
        if not name.endswith("*"):
            break
        equal.append(name.rstrip("*").strip())
    if len(equal) >= 2:
        rest = names[len(equal):]
        return ", ".join(equal) + (" et al" if rest else "")
    return names[0].rstrip("*").strip() + " et al"
