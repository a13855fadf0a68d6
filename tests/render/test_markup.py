"""Summary markup is parsed once into a tree; every edition renders that tree."""

from precis.markup import (
    CrossRef,
    Emph,
    ListBlock,
    Math,
    MathBlock,
    Paragraph,
    Text,
    find_references,
    parse,
)


def test_a_cross_reference_keeps_its_key_and_its_anchor_as_markup():
    doc = parse("See <@the _big_ result@>(@Deep Double Descent@) and <@Risks from Learned Optimization@>.")
    refs = doc.cross_references()
    assert [r.key for r in refs] == ["Deep Double Descent", "Risks from Learned Optimization"]
    assert refs[0].children == (Text("the "), Emph((Text("big"),)), Text(" result"))
    assert refs[1].children == (Text("Risks from Learned Optimization"),)


def test_the_tree_finds_the_same_references_as_find_references():
    text = "A <@x@>(@Title One@), then <@Title Two@>; not <@ this."
    assert [r.key for r in parse(text).cross_references()] == [r.key for r in find_references(text)]


def test_math_is_kept_intact_and_money_is_not_math():
    doc = parse("The loss $L = -\\log \\sigma(r)$ costs $5 and $10.\n\n$$\nE = mc^2\n$$")
    para = doc.blocks[0]
    assert isinstance(para, Paragraph)
    assert Math("L = -\\log \\sigma(r)") in para.children
    assert para.children[-1] == Text(" costs $5 and $10.")
    assert doc.blocks[1] == MathBlock("E = mc^2")


def test_a_list_indented_under_a_paragraph_is_a_list_not_code():
    doc = parse("Some opinions:\n\n    - first point\n    - second point")
    assert isinstance(doc.blocks[1], ListBlock)
    assert len(doc.blocks[1].items) == 2


def test_inline_html_emphasis_becomes_markup_and_other_tags_stay_text():
    para = parse("an <em>important</em> case <GRAPHS HERE>").blocks[0]
    assert Emph((Text("important"),)) in para.children
    assert any(isinstance(n, Text) and "<GRAPHS HERE>" in n.text for n in para.children)


def test_the_same_text_is_parsed_once():
    text = "Cached <@Some Title@> text."
    assert parse(text) is parse(text)


def test_real_archive_references_are_all_found(real_records):
    texts = [
        t for r in real_records
        for t in [r.summary, r.prerequisites, r.read_more, *(o.text for o in r.opinions)] if t
    ]
    tree = [ref.key for t in texts for ref in parse(t).cross_references()]
    regex = [ref.key for t in texts for ref in find_references(t)]
    assert tree == regex
    assert len(tree) >= 741
    assert all(isinstance(r, CrossRef) for t in texts[:50] for r in parse(t).cross_references())
