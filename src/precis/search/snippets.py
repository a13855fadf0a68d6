"""A hit's snippet on PostgreSQL, made here from its text: the words around the first word that
PostgreSQL's English configuration reduces to one of the query's lexemes, those words marked.

``ts_headline`` made them before, in the ranking statement; but it parses the whole text it is
given (0.2 to 0.4 microseconds a character: up to 3 ms for a long summary, 8 ms for the ten hits
of a query on the real archive, most of a search's time). Here a text is read only up to its first
match and the 30 words around it, and each word is stemmed once per server: the stems are asked of
PostgreSQL itself (``ts_lexize`` with the ``english_stem`` dictionary of the ``english``
configuration, the words holding a digit lower-cased as its ``simple`` dictionary does), the first
time a word is met, and kept (an archive's words are a bounded vocabulary: 12,500 in the real one).
So a word is marked when PostgreSQL's index has the same lexeme for it; words are the runs of
letters and digits (PostgreSQL's parser also makes tokens of whole URLs, e-mail addresses and
hyphenated words, whose parts it indexes too).
"""

from __future__ import annotations

import hashlib
import re
import threading
from itertools import islice

from sqlalchemy import text
from sqlalchemy.orm import Session

from precis.search.hits import START, STOP

#: Words in a snippet, and at most how many before its first match (as ``ts_headline`` with
#: ``MaxWords=30`` and one fragment stretches a cover of one word).
WORDS = 30
BEFORE = (WORDS - 1) // 2
ELLIPSIS = "…"
_WORD = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
#: PostgreSQL's lexeme of each word ("" for a stop word) by the ``english`` configuration's dictionary.
_STEMS = text("SELECT w, coalesce((ts_lexize('english_stem', w))[1], '') FROM unnest(CAST(:words AS text[])) AS w")
#: A lexeme in a ``tsquery``'s text: quoted, a quote inside doubled.
_LEXEME = re.compile(r"'((?:[^']|'')+)'")


def query_lexemes(tsquery: str | None) -> frozenset[str]:
    """The lexemes of a ``tsquery``'s text; give ``querytree()``'s, which leaves out the negated ones."""
    return frozenset(m.group(1).replace("''", "'") for m in _LEXEME.finditer(tsquery or ""))


class Stems:
    """PostgreSQL's lexeme of each word met so far ("" for a stop word), asked in one query per
    batch of new words, and the words of each lexeme; which texts have had every word learned.
    Bounded: past ``limit`` words it starts again."""

    def __init__(self, limit: int = 500_000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        self._stem: dict[str, str] = {}
        self._words: dict[str, set[str]] = {}
        self._learned: set[bytes] = set()

    def learn(self, session: Session, texts: list[str]) -> None:
        """Know the stems of every word of ``texts``, asking PostgreSQL for those not known yet."""
        keys = {_key(t): t for t in texts}
        with self._lock:
            if len(self._stem) > self.limit or len(self._learned) > self.limit:
                self._start()
            new_texts = {key: t for key, t in keys.items() if key not in self._learned}
            if not new_texts:
                return
            new = sorted({w.lower() for t in new_texts.values() for w in _WORD.findall(t)} - self._stem.keys())
        stemmed = {w: w for w in new if _DIGIT.search(w)}  # a "numword": the simple dictionary
        asked = [w for w in new if w not in stemmed]
        if asked:
            stemmed.update(session.execute(
                _STEMS, {"words": asked},
            ).all())
        with self._lock:
            for word, stem in stemmed.items():
                self._stem[word] = stem
                self._words.setdefault(stem, set()).add(word)
            self._learned.update(new_texts)

    def get(self, word: str) -> str | None:
        """The lexeme of a word (lower-cased) known so far; "" for a stop word."""
        return self._stem.get(word)

    def pattern(self, lexemes: frozenset[str]) -> re.Pattern[str] | None:
        """A pattern finding the words (whole, in any case) whose lexeme is among ``lexemes``."""
        with self._lock:
            found = {w for lexeme in lexemes - {""} for w in self._words.get(lexeme, ())}
        words = sorted(found)  # always in one order: one pattern, compiled once (the re module keeps it)
        if not words:
            return None
        return re.compile(rf"(?<![^\W_])(?:{'|'.join(map(re.escape, words))})(?![^\W_])", re.IGNORECASE)


def _key(text_: str) -> bytes:
    """A text's digest: which texts were learned is kept, not the texts."""
    return hashlib.blake2b(text_.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def snippets(session: Session, texts: list[str], lexemes: frozenset[str], stems: Stems) -> list[str]:
    """Each text's snippet with match markers (``START``/``STOP``): the words around the first
    word whose lexeme is among ``lexemes`` (at most ``BEFORE`` before it, ``WORDS`` in all), every
    such word marked; or, with none, its first ``WORDS`` words. "…" where words are left out."""
    stems.learn(session, texts)
    pattern = stems.pattern(lexemes)
    return [_snippet(t, pattern) for t in texts]


def _snippet(text_: str, pattern: re.Pattern[str] | None) -> str:
    found = pattern.search(text_) if pattern is not None else None
    if found is None:
        shown = _words(text_, 0, WORDS + 1)
    else:
        # The words before the match, from a stretch of the text long enough for ``BEFORE`` words
        # of any usual length; a word the stretch's start cuts in two is not one of them.
        start = max(0, found.start() - 40 * BEFORE)
        before = _words(text_, start, None, end=found.start())
        if start > 0 and before and before[0].start() == start and _WORD.match(text_, start - 1):
            before = before[1:]
        shown = before[-BEFORE:] + _words(text_, found.start(), WORDS + 1 - min(BEFORE, len(before)))
    if not shown:
        return text_
    more = len(shown) > WORDS
    shown = shown[:WORDS]
    first, last = shown[0].start(), shown[-1].end()
    head = ELLIPSIS if _WORD.search(text_, 0, first) else text_[:first]
    tail = ELLIPSIS if more else text_[last:]
    body = text_[first:last]
    if pattern is not None:
        body = pattern.sub(lambda m: f"{START}{m.group()}{STOP}", body)
    return head + body + tail


def _words(text_: str, start: int, count: int | None, end: int | None = None) -> list[re.Match[str]]:
    """The first ``count`` words (all, if None) of ``text_`` from ``start`` (to ``end``)."""
    found = _WORD.finditer(text_, start, len(text_) if end is None else end)
    return list(found) if count is None else list(islice(found, count))
