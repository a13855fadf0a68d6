"""Summary markup never crashes and never nests without bound: any text parses into a tree at most
``MAX_DEPTH`` deep that every edition renders, and raw HTML only ever reaches the tree as text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from precis.errors import PrecisError
from precis.markup import (
    MAX_DEPTH,
    Block,
    CrossRef,
    Doc,
    Emph,
    Heading,
    Inline,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Strong,
    Text,
    parse,
    walk,
)
from precis.model import Entry
from precis.render import Editions
from precis.store import Store
from tests.helpers import invoke, sample_db

FORMATS = ("html", "markdown", "text", "speech")


def depth(doc: Doc) -> int:
    """How many nodes deep the tree is (a list item counts as one node), counted without recursion."""
    deepest = 0
    todo: list[tuple[Block | Inline, int]] = [(b, 1) for b in doc.blocks]
    while todo:
        node, level = todo.pop()
        deepest = max(deepest, level)
        if isinstance(node, ListBlock):
            todo += [(b, level + 2) for item in node.items for b in item]
        elif isinstance(node, (Paragraph, Heading, Emph, Strong, Link, CrossRef, Quote)):
            todo += [(c, level + 1) for c in node.children]
    return deepest


def nested(n: int) -> dict[str, str]:
    """Texts that nest ``n`` deep in every way markup can nest."""
    return {
        "emphasis": "*" * n + "a" + "*" * n,
        "underscore-strong": "_**" * n + "a",
        "mixed-emphasis": "*_" * n + "a" + "_*" * n,
        "brackets": "[" * n + "a",
        "links": "[" * n + "a" + "](https://example.org/)" * n,
        "images": "![" * n + "a" + "](x.png)" * n,
        "quotes": ">" * n + " a",
        "lists": "- " * n + "a",
        "quoted-lists": "> - " * n + "a",
        "cross-references": "<@" * n + "a" + "@>" * n,
        "keyed-references": "<@a " * n + "@>(@Deep Double Descent@)" * n,
        "html-emphasis": "<em>" * n + "a" + "</em>" * n,
        "indented-lists": "".join(" " * (4 * i) + "- a\n" for i in range(min(n, 300))),
    }


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editions]:
    store = Store(str(sample_db(tmp_path_factory.mktemp("markup") / "sample.db")))
    yield Editions.load(store, warn=lambda _message: None)
    store.close()


def render_everywhere(editions: Editions, doc: Doc) -> None:
    """Render ``doc`` in every edition's renderer, public and private; a PrecisError is allowed."""
    for fmt in FORMATS:
        for private in (False, True):
            try:
                out = editions.renderer(fmt, private=private).blocks(doc)
            except PrecisError:
                continue
            assert isinstance(out, str)


@pytest.mark.parametrize(("shape", "text"), nested(5_000).items())
def test_deep_nesting_parses_into_a_bounded_tree_that_every_edition_renders(editions, shape, text):
    doc = parse(text)
    assert 1 <= depth(doc) <= MAX_DEPTH
    render_everywhere(editions, doc)


def test_emphasis_nested_too_deep_keeps_its_markers_as_text():
    doc = parse("*" * 100 + "word" + "*" * 100)
    assert "word" in doc.plain()
    assert "*" in doc.plain()  # the markers beyond the depth are kept as the text they are
    assert depth(doc) <= MAX_DEPTH


def test_shallow_emphasis_is_still_emphasis():
    nodes = list(walk(parse("a ***b*** " + "*" * 10 + "c" + "*" * 10).blocks))
    assert sum(isinstance(n, Emph) for n in nodes) == 1 and sum(isinstance(n, Strong) for n in nodes) == 6


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<div onclick=alert(1)>block</div>",
        "<iframe src=https://example.org></iframe>",
        "<svg/onload=alert(1)>",
    ],
)
def test_raw_html_reaches_the_tree_only_as_text(editions, html):
    for text in (html, f"inline {html} here", f"para\n\n{html}\n\nafter"):
        doc = parse(text)
        tags = [n.text for n in walk(doc.blocks) if isinstance(n, Text) and "<" in n.text]
        assert tags, text  # the tag is kept, as text
        out = editions.renderer("html").blocks(doc)
        for tag in ("<script", "<img", "<a", "<div", "<svg", "<iframe"):
            assert tag not in out, (text, out)


def test_a_reference_nested_in_an_anchor_ends_inside_it():
    """``<@a <@b@>``: the anchor is ``a <@b``; the ``<@`` inside it starts no reference of its own."""
    (only,) = parse("<@a <@b@> c").cross_references()
    assert only.key == "a <@b" and only.children == (Text("a <@b"),)


# -- properties ---------------------------------------------------------------------------------

MARKUP = "*_[]()<>@!`$#-+=\\ \n\t>|~&;\"'.:/aZ1é"
markup_text = st.text(alphabet=MARKUP, max_size=400)
deep_text = st.builds(
    lambda opener, n, core, closer: opener * n + core + closer * n,
    st.sampled_from(["*", "_", "**", "[", "![", "<@", "> ", "- ", "<em>", "1. ", "    ", "$", "`"]),
    st.integers(0, 3_000),
    markup_text,
    st.sampled_from(["", "*", "_", "]", "](u)", "@>", "@>(@k@)", "</em>", "$", "\n"]),
)


@given(st.one_of(markup_text, deep_text, st.text(max_size=300)))
def test_any_text_parses_into_a_bounded_tree_that_every_edition_renders(editions, text):
    doc = parse(text)
    assert depth(doc) <= MAX_DEPTH
    render_everywhere(editions, doc)
    editions.text_html(text)


def test_a_deep_summary_in_the_store_renders_builds_and_is_searched(tmp_path):
    """End to end: a summary nesting twelve thousand deep (far past Python's recursion limit, within
    Excel's cell limit), in every edition, the archive and its downloads, and search."""
    db = sample_db(tmp_path / "deep.db")
    store = Store(str(db))
    with store.session() as s:
        entry = s.scalars(select(Entry).where(Entry.title == "Zoom In: An Introduction to Circuits")).one()
        entry.summary = "*" * 12_000 + "circuits" + "*" * 12_000 + "\n\n" + "<@" * 4_000 + "x"
        issue = entry.issue.label
    store.close()
    for fmt in FORMATS:
        result = invoke(db, "render", issue, "--format", fmt)
        assert result.exit_code == 0, result.output
        assert result.stdout
    site = invoke(db, "site", "build", str(tmp_path / "site"))
    assert site.exit_code == 0, site.output
    assert (tmp_path / "site" / "entries").is_dir()
    found = invoke(db, "search", "circuits")
    assert found.exit_code == 0, found.output
    assert "Zoom In" in found.stdout
