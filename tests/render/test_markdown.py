"""The forum Markdown reads back as what was written: escaping never adds or loses markup."""

from precis.markup import Link, parse, walk
from precis.render.markdown import MarkdownRenderer


def links(doc) -> list[str]:
    return [n.href for n in walk(doc.blocks) if isinstance(n, Link)]


def test_every_real_text_survives_markdown_and_back(real_records):
    r = MarkdownRenderer(lambda key: None)
    texts = [
        t for rec in real_records
        for t in [rec.summary, rec.prerequisites, rec.read_more, *(o.text for o in rec.opinions)] if t
    ]
    for text in texts:
        doc = parse(text)
        again = parse(r.blocks(doc))
        assert " ".join(again.plain().split()) == " ".join(doc.plain().split()), text[:80]
        assert links(again) == [u for u in (r.url(h) for h in links(doc)) if u], text[:80]


def test_text_that_looks_like_markup_is_escaped():
    r = MarkdownRenderer(lambda key: None)
    doc = parse("costs \\$5 and 2 \\* 3, see \\[1\\]\n\n\\# not a heading")
    assert r.blocks(doc) == "costs \\$5 and 2 \\* 3, see \\[1\\]\n\n\\# not a heading"
    assert parse(r.blocks(doc)) == doc
