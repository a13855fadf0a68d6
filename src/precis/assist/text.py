"""Words and phrases: the tokenizer and the phrase finder the suggesters share."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

WORD = re.compile(r"\w+")
SMALL_WORDS = frozenset(
    "a an the of for and or in on to with via by from at as is are be its it this that we our do does not "
    "how what why when which".split()
)


def tokens(text: str) -> list[str]:
    return WORD.findall(text.casefold())


def phrase(text: str) -> str:
    """The matching form of a phrase: its words, lower-cased, single-spaced."""
    return " ".join(tokens(text))


def short_names(title: str) -> set[str]:
    """The names a title is commonly cited by besides itself.

    "Agent57: Outperforming the human Atari benchmark" -> "agent57"; "AI safety via debate" keeps only
    itself; a title of three or more capitalized words also gives its acronym
    ("Cooperative Inverse Reinforcement Learning" -> "cirl"), and a parenthesized word gives itself
    ("... (SRA) ..." -> "sra").
    """
    names = {phrase(title)}
    for sep in (":", " - ", " — ", "?"):
        if sep in title:
            head = phrase(title.split(sep, 1)[0])
            if head:
                names.add(head)
    for inner in re.findall(r"\(([^()]{2,40})\)", title):
        names.add(phrase(inner))
    words = [w for w in re.findall(r"[\w'-]+", title.split(":", 1)[0]) if w.casefold() not in SMALL_WORDS]
    if len(words) >= 3 and all(w[:1].isupper() for w in words):
        names.add("".join(w[0] for w in words).casefold())
    names.discard("")
    return names


def acronym(text: str) -> str:
    """First letters of the content words: "inverse reinforcement learning" -> "irl"."""
    return "".join(w[0] for w in tokens(text) if w not in SMALL_WORDS)


class PhraseFinder:
    """Finds which of a fixed set of phrases occur in a text, as whole words, in one pass."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._phrases = {p for p in phrases if p}
        self._lengths: dict[str, set[int]] = defaultdict(set)
        for p in self._phrases:
            words = p.split()
            self._lengths[words[0]].add(len(words))

    def find(self, words: list[str]) -> set[str]:
        found: set[str] = set()
        for i, w in enumerate(words):
            for n in self._lengths.get(w, ()):
                candidate = " ".join(words[i : i + n])
                if candidate in self._phrases:
                    found.add(candidate)
        return found
