"""Summary markup: parsing it into a tree, finding cross-references and resolving them.

A cross-reference is ``<@anchor text@>(@Title of the earlier entry@)`` or ``<@Title@>``. The key
(the title) matches an entry's title case-insensitively after trimming; where two entries share a
title, the one from the earliest issue wins. This is the one place references are resolved: the
checker, every edition, the archive and the suggesters all call it.

Two promises every output relies on (see ``parse``):

- **No raw HTML.** The tree has no HTML node: a few inline tags (``<em>``, ``<i>``, ``<strong>``,
  ``<b>``, ``<br>``) become emphasis or a line break, and any other HTML, ``<script>`` or
  ``<img onerror=...>`` included, becomes a ``Text`` node holding the tag as written, which every
  renderer escapes.
- **Bounded depth.** However deeply a text nests (a hundred thousand ``*``, ``>`` or ``<@``), the
  tree is at most ``MAX_DEPTH`` nodes deep: blocks nest as far as markdown-it's ``maxNesting``
  allows, and inline markup beyond ``MAX_INLINE_DEPTH`` is kept as the text it is (``*`` stays
  ``*``). Renderers may therefore recurse over the tree without meeting Python's recursion limit.
"""

from __future__ import annotations

import bisect
import itertools
import re
import textwrap
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process, utils
from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.model import Entry, Issue, issue_label, issue_slug, normalize_key, work_link


@dataclass(frozen=True)
class Reference:
    """One cross-reference as written: its anchor text, its key, and where it stands."""

    anchor: str
    key: str
    start: int
    end: int


def may_refer(text: str | None) -> bool:
    """Whether ``text`` may hold a cross-reference: none can without a ``<@`` (a quick test that
    spares parsing or walking the many texts that refer to nothing)."""
    return text is not None and "<@" in text


def find_references(text: str | None) -> list[Reference]:
    """Every cross-reference in ``text``, in order (in time linear in the text's length)."""
    if not text:
        return []
    out = []
    pos = 0
    while (start := text.find("<@", pos)) >= 0:
        found = _reference_at(text, start, len(text))
        if found is None:
            pos = start + 1
            continue
        anchor_end, key, end = found
        anchor = text[start + 2 : anchor_end]
        out.append(Reference(anchor, key if key is not None else anchor, start, end))
        pos = end
    return out


def replace_references(text: str, with_anchor: bool = True) -> str:
    """The text with each reference replaced by its anchor text (for plain-text uses)."""
    if not with_anchor:
        return text
    parts, pos = [], 0
    for ref in find_references(text):
        parts += [text[pos : ref.start], ref.anchor]
        pos = ref.end
    return "".join([*parts, text[pos:]])


def _reference_at(src: str, start: int, limit: int) -> tuple[int, str | None, int] | None:
    """The cross-reference whose ``<@`` is at ``start`` and which ends by ``limit``: where its
    anchor ends, its key (None when it gives none) and where it ends; None if there is none.

    The anchor (at least one character) runs to the first ``@>``; a key, if ``(@`` follows at
    once, to the first ``@)`` after it.
    """
    anchor_end = _find(src, "@>", start + 3, limit)
    if anchor_end < 0:
        return None
    end = anchor_end + 2
    key = None
    if src.startswith("(@", end, limit):
        key_end = _find(src, "@)", end + 3, limit)
        if key_end >= 0:
            key = src[end + 2 : key_end]
            end = key_end + 2
    return anchor_end, key, end


def _find(src: str, marker: str, start: int, limit: int) -> int:
    """``src.find(marker, start, limit)`` in logarithmic time: a text of many unclosed ``<@``
    would otherwise be scanned to its end once per ``<@``."""
    places = _places(src, marker)
    i = bisect.bisect_left(places, start)
    return places[i] if i < len(places) and places[i] + len(marker) <= limit else -1


@lru_cache(maxsize=8)
def _places(src: str, marker: str) -> list[int]:
    """Where ``marker`` (which cannot overlap itself) starts in ``src``, in order."""
    return [m.start() for m in re.finditer(re.escape(marker), src)]


@dataclass(frozen=True)
class Target:
    """What a reference resolves to: an entry, its title, and the issue it went out in."""

    entry_id: int
    title: str
    link: str | None
    issue_label: str | None
    issue_url: str | None
    issue_slug: str | None


#: Sorts two entries of one key, earliest first: (has no issue, series rank, number, entry id).
Order = tuple[int, int, int, int]

#: How many keys one query asks for (SQLite allows 32,766 bound values, older builds 999).
KEYS_PER_QUERY = 500


class Resolver:
    """Resolves reference keys to entries; built once from the store and reused."""

    def __init__(self, targets: Iterable[tuple[Target, Order]]) -> None:
        # targets: (target, sort key) with the sort key saying which of two same-titled entries is
        # earlier (``Order``).
        by_key: dict[str, tuple[Order, Target]] = {}
        for target, order in targets:
            key = normalize_key(target.title)
            if key not in by_key or order < by_key[key][0]:
                by_key[key] = (order, target)
        self._keep(by_key)

    def _keep(self, by_key: dict[str, tuple[Order, Target]], titles: Callable[[], list[str]] | None = None) -> None:
        self._by_key = by_key
        # ``closest`` ranks every title of the store: those of ``by_key`` when it holds every key,
        # else as ``titles`` reads them, when first asked.
        self._titles: list[str] | None = None if titles else [t.title.strip() for _, t in by_key.values()]
        self._read_titles = titles
        # Finding the closest titles scores the key against every title (about 25 µs each): the
        # same unresolved key, met again in another entry or edition, is scored once.
        self._closest: dict[tuple[str, int], list[str]] = {}

    @classmethod
    def from_session(
        cls,
        session: Session,
        series_order: list[str] | None = None,
        before: tuple[str, int] | None = None,
        keys: Iterable[str] | None = None,
    ) -> Resolver:
        """Build a resolver over every entry of the store.

        ``series_order`` lists series oldest first (from the publication settings). ``before``, if
        given as (series, number), keeps only entries from issues before that one.

        With ``keys`` (references' keys as written), it resolves those keys alone and reads only the
        entries titled so (by ``Entry.title_key``): what one issue's references need, read in the
        same time whatever the size of the store. Any other key then resolves to nothing, and
        ``closest`` reads every title (through a session of its own) when first asked.
        """
        rank = {s: i for i, s in enumerate(series_order or [])}
        query = (
            select(Entry.id, Entry.title_key, Entry.title, Entry.title_url, Entry.url,
                   Issue.series, Issue.number, Issue.url)
            .outerjoin(Issue, Entry.issue_id == Issue.id)
        )
        resolver = cls.__new__(cls)
        if keys is None:
            resolver._keep(_earliest(session.execute(query), rank, before))
            return resolver
        wanted = sorted({normalize_key(k) for k in keys})
        rows = itertools.chain.from_iterable(
            session.execute(query.where(Entry.title_key.in_(wanted[i : i + KEYS_PER_QUERY])))
            for i in range(0, len(wanted), KEYS_PER_QUERY)
        )
        bind = session.get_bind()

        def titles() -> list[str]:
            with Session(bind) as own:
                everything = cls.from_session(own, series_order, before)
            assert everything._titles is not None  # (a resolver over every key keeps its titles)
            return everything._titles

        resolver._keep(_earliest(rows, rank, before), titles)
        return resolver

    def resolve(self, key: str) -> Target | None:
        found = self._by_key.get(normalize_key(key))
        return found[1] if found else None

    def keys_to(self, entry_ids: Collection[int]) -> frozenset[str]:
        """The keys (normalized) that resolve to one of these entries."""
        return frozenset(key for key, (_order, target) in self._by_key.items() if target.entry_id in entry_ids)

    def closest(self, key: str, limit: int = 3) -> list[str]:
        """The titles nearest to an unresolved key, best first.

        WRatio finds candidates; its many ties (any title sharing one long word scores alike) are
        broken by how much of the key's wording each title shares.
        """
        query = utils.default_process(key)
        if (query, limit) in self._closest:
            return self._closest[query, limit]
        if self._titles is None:
            assert self._read_titles is not None  # (``_keep`` is given one or the other)
            self._titles = self._read_titles()
        pool = process.extract(
            query, self._titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=max(20, limit)
        )
        ranked = sorted(
            pool,
            key=lambda hit: (-hit[1], -fuzz.token_set_ratio(query, utils.default_process(hit[0]))),
        )
        found = self._closest[query, limit] = [title for title, _score, _i in ranked[:limit]]
        return found

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Target]:
        return (t for _, t in self._by_key.values())


def _earliest(
    rows: Iterable[Any], rank: dict[str, int], before: tuple[str, int] | None
) -> dict[str, tuple[Order, Target]]:
    """The earliest entry of each title key among ``rows`` (the ``from_session`` query's), with its
    ``Order``: an entry of an issue before any entry of none, issues by series ``rank`` and number;
    with ``before`` (series, number), only entries of issues before that one."""
    # The earliest entry of each key first, then a Target for it alone: made for every entry,
    # the Targets and their issue labels were most of the time a large store took here.
    best: dict[str, tuple[Order, Any]] = {}
    cutoff = (rank.get(before[0], len(rank)), before[1]) if before is not None else None
    for row in rows:
        entry_id, key, _title, _title_url, _url, series, number, _issue_url = row
        order = (0, rank.get(series, len(rank)), number, entry_id) if series is not None else (1, 0, 0, entry_id)
        if cutoff is not None and (series is None or order[1:3] >= cutoff):
            continue
        if key not in best or order < best[key][0]:
            best[key] = (order, row)
    by_key = {}
    for key, (order, (entry_id, _key, title, title_url, url, series, number, issue_url)) in best.items():
        label = issue_label(series, number) if series is not None else None
        slug = issue_slug(series, number) if series is not None else None
        by_key[key] = (order, Target(entry_id, title, work_link(title_url, url), label, issue_url, slug))
    return by_key


# -- the markup tree ---------------------------------------------------------------------------
#
# Summary and opinion text is CommonMark plus two extensions: cross-references (above) and math
# (``$...$`` inline, ``$$...$$`` display, kept verbatim). ``parse`` turns a text into a small,
# immutable tree once; every edition renders that tree (``precis.render``), so no output format is
# ever produced by rewriting another one.


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class Math:
    """TeX source, verbatim; ``display`` for ``$$...$$``."""

    tex: str
    display: bool = False


@dataclass(frozen=True, slots=True)
class SoftBreak:
    """A single newline inside a paragraph (the sheet's writers meant it as a line break)."""


@dataclass(frozen=True, slots=True)
class HardBreak:
    pass


@dataclass(frozen=True, slots=True)
class Emph:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Link:
    href: str
    children: tuple[Inline, ...]
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    alt: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class CrossRef:
    """``<@anchor@>(@key@)`` or ``<@key@>``: the anchor parsed as inline markup, the key raw."""

    key: str
    children: tuple[Inline, ...]


Inline = Text | Code | Math | SoftBreak | HardBreak | Emph | Strong | Link | Image | CrossRef


@dataclass(frozen=True, slots=True)
class Paragraph:
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    children: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class ListBlock:
    """A bullet (``ordered=False``) or numbered list; each item is a tuple of blocks."""

    ordered: bool
    items: tuple[tuple[Block, ...], ...]
    start: int = 1
    tight: bool = True


@dataclass(frozen=True, slots=True)
class Quote:
    children: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    text: str


@dataclass(frozen=True, slots=True)
class MathBlock:
    tex: str


@dataclass(frozen=True, slots=True)
class Rule:
    pass


Block = Paragraph | Heading | ListBlock | Quote | CodeBlock | MathBlock | Rule


@dataclass(frozen=True, slots=True)
class Doc:
    """A parsed text: its blocks, in order."""

    blocks: tuple[Block, ...]

    def __bool__(self) -> bool:
        return bool(self.blocks)

    def cross_references(self) -> list[CrossRef]:
        """Every cross-reference in the text, in order."""
        out: list[CrossRef] = []
        for node in walk(self.blocks):
            if isinstance(node, CrossRef):
                out.append(node)
        return out

    def plain(self) -> str:
        """The words of the text without any markup (cross-references give their anchor)."""
        return "\n\n".join(plain_text(b) for b in self.blocks)


EMPTY = Doc(())


def walk(nodes: Iterable[Block | Inline]) -> Iterator[Block | Inline]:
    """Every node under ``nodes``, depth first, in document order."""
    for node in nodes:
        yield node
        if isinstance(node, ListBlock):
            for item in node.items:
                yield from walk(item)
        elif isinstance(node, (Paragraph, Heading, Emph, Strong, Link, CrossRef, Quote)):
            yield from walk(node.children)


def plain_text(node: Block | Inline | tuple[Block | Inline, ...]) -> str:
    """The words under a node, markup dropped."""
    if isinstance(node, tuple):
        return "".join(plain_text(n) for n in node)
    if isinstance(node, (Text, Code)):
        return node.text
    if isinstance(node, Math):
        return node.tex
    if isinstance(node, (SoftBreak, HardBreak)):
        return " "
    if isinstance(node, Image):
        return node.alt
    if isinstance(node, ListBlock):
        return "\n".join(plain_text(item) for item in node.items)
    if isinstance(node, (CodeBlock,)):
        return node.text
    if isinstance(node, MathBlock):
        return node.tex
    if isinstance(node, Rule):
        return ""
    if isinstance(node, Quote):
        return "\n".join(plain_text(c) for c in node.children)
    return plain_text(node.children)


def _xref_rule(state: Any, silent: bool) -> bool:
    """markdown-it inline rule for cross-references; the anchor is tokenized as inline markup.

    It reads what ``find_references`` finds, within the text being read (so a reference nested in
    another's anchor ends inside it).
    """
    src, start = state.src, state.pos
    if not src.startswith("<@", start):
        return False
    found = _reference_at(src, start, state.posMax)
    if found is None:
        return False
    anchor_end, key, end = found
    if not silent:
        token = state.push("xref_open", "", 1)
        token.meta = {"key": key if key is not None else src[start + 2 : anchor_end]}
        old_max = state.posMax
        state.pos, state.posMax = start + 2, anchor_end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("xref_close", "", -1)
    state.pos = end
    return True


def _markdown() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    # Raw HTML is recognized only so that a few inline tags can become markup (see _INLINE_HTML);
    # it is never passed through. Dollar math is strict about spaces and digits, because the
    # archive writes amounts of money ("$1B to $10B") far more often than TeX.
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": BLOCK_NESTING})
    md.use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True)
    md.inline.ruler.before("link", "xref", _xref_rule)
    return md


#: How deep markdown-it nests blocks (a quote or a list item is one level, a list another); deeper
#: markers are read as text.
BLOCK_NESTING = 20
#: How deep emphasis, links and cross-references nest; deeper ones are kept as text.
MAX_INLINE_DEPTH = 16
#: The deepest a parsed tree can be, counted in nodes from a block at the top to a leaf: blocks, the
#: list items between them, one level of indented lists read again as lists (see ``_blocks``),
#: then inline markup.
MAX_DEPTH = 2 * (BLOCK_NESTING + 1) + MAX_INLINE_DEPTH + 2

_MD: Any = None
_INLINE_HTML = {"em": Emph, "i": Emph, "strong": Strong, "b": Strong}
_HTML_TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9]*)\s*/?>$")
# Code whose every line is a list item: an over-indented list.
_INDENTED_LIST = re.compile(r"^(?:[ \t]*(?:[-*+]|\d+[.)])[ \t][^\n]*(?:\n|$)|[ \t]*\n)+$")


@dataclass
class Trees:
    """Trees of texts kept between runs (``precis.site.parsed``): ``known`` are those read back,
    ``used`` those ``parse`` was asked for while they were given (``keeping``)."""

    known: dict[str, Doc]
    used: dict[str, Doc]


_TREES: Trees | None = None


@contextmanager
def keeping(trees: Trees) -> Iterator[Trees]:
    """Within the block, ``parse`` takes a text's tree from ``trees.known`` when it is there (instead
    of parsing it again) and records in ``trees.used`` every tree it is asked for."""
    global _TREES
    previous, _TREES = _TREES, trees
    try:
        yield trees
    finally:
        _TREES = previous


def parse(text: str | None) -> Doc:
    """Parse summary markup into a tree (cached: the same text is parsed once)."""
    if not text or not text.strip():
        return EMPTY
    trees = _TREES
    if trees is None:
        return _parse(text)
    doc = trees.used.get(text) or trees.known.get(text) or _parse(text)
    trees.used[text] = doc
    return doc


@lru_cache(maxsize=16384)
def _parse(text: str) -> Doc:
    global _MD
    if _MD is None:
        _MD = _markdown()
    return Doc(tuple(_blocks(_MD.parse(text))))


def _blocks(tokens: list[Any], reread: bool = True) -> list[Block]:
    """The blocks of a token stream; ``reread`` says whether an indented list may be read again as
    a list (once only, so that the depth of the tree stays bounded)."""
    # A stack of (token type, attributes, children) frames for container blocks.
    root: list[Any] = []
    stack: list[tuple[str, dict[str, Any], list[Any]]] = [("root", {}, root)]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        kind = tok.type
        children = stack[-1][2]
        if kind in ("paragraph_open", "heading_open"):
            inline = tokens[i + 1]
            content = tuple(_inlines(inline.children or []))
            if kind == "heading_open":
                children.append(Heading(int(tok.tag[1:]), content))
            else:
                children.append(Paragraph(content))
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open", "list_item_open", "blockquote_open"):
            attrs = {"start": int(tok.attrGet("start") or 1)} if kind == "ordered_list_open" else {}
            stack.append((kind, attrs, []))
        elif kind == "list_item_close":
            _, _, blocks = stack.pop()
            stack[-1][2].append(tuple(blocks))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            opened, attrs, items = stack.pop()
            tight = _is_tight(tokens, i)
            stack[-1][2].append(
                ListBlock(opened == "ordered_list_open", tuple(items), attrs.get("start", 1), tight)
            )
        elif kind == "blockquote_close":
            _, _, blocks = stack.pop()
            stack[-1][2].append(Quote(tuple(blocks)))
        elif kind == "code_block" and reread and _INDENTED_LIST.match(tok.content):
            # The sheet's writers indent a list under a paragraph by four spaces and mean a list,
            # not code (CommonMark reads code); read it as the list it is.
            children.extend(_blocks(_MD.parse(textwrap.dedent(tok.content)), reread=False))
        elif kind in ("code_block", "fence"):
            children.append(CodeBlock(tok.content.rstrip("\n")))
        elif kind == "math_block":
            children.append(MathBlock(tok.content.strip()))
        elif kind == "hr":
            children.append(Rule())
        elif kind == "html_block":
            children.append(Paragraph((Text(tok.content.strip()),)))
        i += 1
    return root


def _is_tight(tokens: list[Any], close_index: int) -> bool:
    """Whether the list closed at ``close_index`` is tight (its paragraphs are hidden)."""
    level = tokens[close_index].level
    j = close_index - 1
    while j >= 0 and not (tokens[j].type.endswith("list_open") and tokens[j].level == level):
        if tokens[j].type == "paragraph_open" and tokens[j].level == level + 2:
            return bool(tokens[j].hidden)
        j -= 1
    return True


_OPENERS = ("em_open", "strong_open", "link_open", "xref_open")
_CLOSERS = ("em_close", "strong_close", "link_close", "xref_close")


def _inlines(tokens: list[Any]) -> list[Inline]:
    root: list[Inline] = []
    # Frames: (closing token type or html tag, constructor, attributes, children).
    stack: list[tuple[str, Any, dict[str, Any], list[Inline]]] = [("", None, {}, root)]
    # How many markdown-it pairs are open beyond MAX_INLINE_DEPTH (markdown-it nests its pairs
    # properly, so each closer beyond the depth closes one of these).
    flat = 0

    def add(node: Inline) -> None:
        stack[-1][3].append(node)

    for tok in tokens:
        kind = tok.type
        if kind in _OPENERS and (flat or len(stack) > MAX_INLINE_DEPTH):
            flat += 1  # too deep: emphasis keeps its marker as text; a link or reference its text
            if kind in ("em_open", "strong_open"):
                add(Text(tok.markup))
        elif kind in _CLOSERS and flat:
            flat -= 1
            if kind in ("em_close", "strong_close"):
                add(Text(tok.markup))
        elif kind == "text":
            add(Text(tok.content))
        elif kind == "softbreak":
            add(SoftBreak())
        elif kind == "hardbreak":
            add(HardBreak())
        elif kind == "code_inline":
            add(Code(tok.content))
        elif kind in ("math_inline", "math_inline_double"):
            add(Math(tok.content, display=kind == "math_inline_double"))
        elif kind == "image":
            add(Image(str(tok.attrGet("src") or ""), plain_text(tuple(_inlines(tok.children or []))),
                      tok.attrGet("title") or None))
        elif kind == "em_open":
            stack.append(("em_close", Emph, {}, []))
        elif kind == "strong_open":
            stack.append(("strong_close", Strong, {}, []))
        elif kind == "link_open":
            attrs = {"href": str(tok.attrGet("href") or ""), "title": tok.attrGet("title") or None}
            stack.append(("link_close", Link, attrs, []))
        elif kind == "xref_open":
            stack.append(("xref_close", CrossRef, {"key": tok.meta["key"]}, []))
        elif kind in ("em_close", "strong_close", "link_close", "xref_close"):
            _close(stack, kind)
        elif kind == "html_inline":
            m = _HTML_TAG.match(tok.content)
            tag = m.group(2).lower() if m else ""
            if m and tag == "br":
                add(HardBreak())
            elif m and tag in _INLINE_HTML and not m.group(1) and not flat and len(stack) <= MAX_INLINE_DEPTH:
                stack.append((f"</{tag}>", _INLINE_HTML[tag], {}, []))
            elif m and tag in _INLINE_HTML and stack[-1][0] == f"</{tag}>":
                _close(stack, f"</{tag}>")
            else:  # any other HTML is shown as the text it is
                add(Text(tok.content))
    while len(stack) > 1:  # an unclosed inline HTML tag: keep its content, drop the tag
        _, _, _, children = stack.pop()
        stack[-1][3].extend(children)
    return _merge_text(root)


def _close(stack: list[tuple[str, Any, dict[str, Any], list[Inline]]], closing: str) -> None:
    while len(stack) > 1:
        expected, make, attrs, children = stack.pop()
        if expected == closing:
            stack[-1][3].append(make(children=tuple(_merge_text(children)), **attrs))
            return
        stack[-1][3].extend(children)


def _merge_text(nodes: list[Inline]) -> list[Inline]:
    """Adjacent text nodes as one (markdown-it splits text at every special character).

    Each run is joined once, so a long run (a hundred thousand ``*`` kept as text) costs linear time.
    """
    out: list[Inline] = []
    run: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            run.append(node.text)
            continue
        if run:
            out.append(Text("".join(run)))
            run = []
        out.append(node)
    if run:
        out.append(Text("".join(run)))
    return out
