"""Public editions leave out what is not public; --private shows everything and marks it."""

from __future__ import annotations

from sqlalchemy import select

from precis.model import Entry
from precis.render import Editions, Links, render_all, speech_script
from precis.store import find_entry
from tests.helpers import run_precis as run


def editions(store) -> Editions:
    return Editions.load(store)


def test_an_entry_that_is_not_public_is_absent_from_every_public_edition(sample_store):
    ed = editions(sample_store)
    issue = ed.issue("SN #2")
    for fmt in ("markdown", "html", "text", "speech"):
        out = ed.render(issue, fmt)
        assert "Internal Draft on Lab Policy" not in out, fmt
        assert "not for publication" not in out, fmt
    assert "AI GOVERNANCE" not in ed.render(issue, "markdown")  # its only entry is private


def test_private_edition_shows_everything_and_marks_what_the_public_one_hides(sample_store):
    out = editions(sample_store).render(editions(sample_store).issue("SN #2"), "markdown", private=True)
    assert (
        "**[Internal Draft on Lab Policy](https://example.org/private-draft)** *(Anonymous)* (summarized by Ada) "
        "**\\[not in the public edition\\]**: A draft shared privately"
    ) in out
    assert "(H/T Ada) **\\[public edition: with edits\\]**: This paper applies" in out


def test_with_edits_renders_normally_in_public(sample_store):
    out = editions(sample_store).render(editions(sample_store).issue("SN #2"), "markdown")
    assert "(summarized by Ben) (H/T Ada): This paper applies [learning from human preferences]" in out
    assert "public edition" not in out


def test_link_only_shows_title_authors_and_link_only(sample_store):
    with sample_store.session() as s:
        e = find_entry(s, "Proximal Policy Optimization Algorithms")
        e.public_level = "Link only"
    ed = editions(sample_store)
    issue = ed.issue("SN #3")
    out = ed.render(issue, "markdown")
    assert "**[Proximal Policy Optimization Algorithms](https://arxiv.org/abs/1707.06347)** *(John Schulman et al)*\n" in out
    for fmt in ("markdown", "html", "text", "speech"):
        assert "clipping the probability ratio" not in ed.render(issue, fmt), fmt
    private = ed.render(issue, "markdown", private=True)
    assert "(summarized by Ben) **\\[public edition: link only\\]**: PPO keeps each policy update small" in private


def test_private_flag_on_the_command_line(sample_store):
    db = sample_store.url.removeprefix("sqlite:///")
    public = run(db, "render", "SN #2", "--format", "text")
    private = run(db, "render", "SN #2", "--format", "text", "--private")
    assert public.returncode == private.returncode == 0
    assert "Internal Draft" not in public.stdout
    assert "[NOT IN THE PUBLIC EDITION]" in " ".join(private.stdout.split())


def test_entry_html_fragments_follow_the_public_rules_and_point_references_anywhere(sample_store):
    ed = editions(sample_store)
    with sample_store.session() as s:
        hidden = find_entry(s, "Internal Draft on Lab Policy")
        edited = find_entry(s, "Learning to summarize from human feedback")
        assert ed.entry_html(hidden) is None
        assert ed.entry_html(hidden, private=True).summary.startswith("<p>A draft shared privately")
        links = Links(entry=lambda t: f"../entries/{t.entry_id}.html", issue=lambda t: f"../issues/{t.issue_slug}.html")
        frag = ed.entry_html(edited, links=links)
    target = ed.resolver.resolve("Deep Reinforcement Learning from Human Preferences")
    assert (
        f'<a class="cross-reference" href="../entries/{target.entry_id}.html">learning from human preferences</a> '
        '(<a href="../issues/sn-1.html">SN #1</a>)'
    ) in frag.summary
    assert [author for author, _html in frag.opinions] == ["Ben"]
    assert frag.prerequisites == (
        '<p><a href="https://arxiv.org/abs/1706.03741">Deep Reinforcement Learning from Human Preferences</a></p>'
    )


def test_math_is_kept_in_print_and_read_in_words_when_simple(sample_store):
    ed = editions(sample_store)
    issue = ed.issue("SN #2")
    assert "The loss is $L = -\\log \\sigma(r(x, y_1) - r(x, y_2))$ for the preferred summary $y_1$." in ed.render(issue, "markdown")
    assert '<span class="math math-inline">\\(y_1\\)</span>' in ed.render(issue, "html", fragment=True)
    assert "The loss is an equation for the preferred summary y sub 1." in speech_script(ed.speech(issue))


def test_speech_segments_give_one_chapter_per_section_and_entry(sample_store):
    ed = editions(sample_store)
    segments = ed.speech(ed.issue("SN #1"))
    with sample_store.session() as s:
        public_ids = {
            e.id for e in s.scalars(select(Entry).where(Entry.public_level != "No"))
            if e.issue is not None and e.issue.label == "SN #1"
        }
    assert [s.kind for s in segments] == [
        "intro", "section", "entry", "section", "subsection", "entry", "subsection", "entry",
        "section", "entry", "footer",
    ]
    assert {s.entry_id for s in segments if s.kind == "entry"} == public_ids
    assert [s.title for s in segments if s.kind in ("section", "subsection")] == [
        "Highlights", "Technical AI alignment", "Learning human intent", "Robustness", "News",
    ]
    entry = next(s for s in segments if s.title == "Concrete Problems in AI Safety")
    assert entry.section == "Technical AI alignment"
    assert entry.text.startswith("Concrete Problems in AI Safety. By Dario Amodei, Chris Olah and others. Summarized by Ben.")
    assert "\n\nBen's opinion.\n\nStill a good first reading list.\n\nAda's opinion.\n\nI would add" in entry.text


def test_render_all_gives_the_same_files_in_worker_processes_as_in_one(sample_store, tmp_path):
    ed = editions(sample_store)
    assert render_all(ed, tmp_path / "one", ["markdown", "html", "text", "speech"], workers=1) == 3
    assert render_all(ed, tmp_path / "two", ["markdown", "html", "text", "speech"], workers=2) == 3
    one = {p.name: p.read_bytes() for p in (tmp_path / "one").iterdir()}
    two = {p.name: p.read_bytes() for p in (tmp_path / "two").iterdir()}
    assert len(one) == 12 and one == two
    assert "sn-2.speech.txt" in one


def test_any_markup_renders_as_an_html_fragment_with_references_resolved(sample_store):
    ed = editions(sample_store)
    html = ed.text_html("Compare <@Curve Detectors@> with <em>this</em> & that.")
    assert html == (
        '<p>Compare <a class="cross-reference" href="https://distill.pub/2020/circuits/curve-detectors/">Curve Detectors</a> '
        '(<a href="https://example.org/sample-newsletter/2">SN #2</a>) with <em>this</em> &amp; that.</p>'
    )


def test_speech_segments_carry_their_section_path_and_plain_titles(sample_store):
    ed = editions(sample_store)
    segments = ed.speech(ed.issue("SN #1"))
    entries = [s for s in segments if s.kind == "entry"]
    assert entries and all("[" not in s.title and "](" not in s.title for s in entries)
    subsection = next(s for s in segments if s.kind == "subsection")
    assert len(subsection.sections) == 2 and subsection.sections[-1] == subsection.title
    under = segments[segments.index(subsection) + 1]
    assert under.kind == "entry" and under.sections == subsection.sections
    assert segments[0].title == "Introduction" and segments[-1].kind == "footer"
