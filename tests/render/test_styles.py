"""House styles are sets of templates: a publication picks one; a new one needs no code."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from precis.errors import PrecisError
from precis.model import Entry, Issue, Opinion, Publication
from precis.publication import Settings
from precis.render import EditionSource, Editions, available_styles
from tests.helpers import run_precis as run

DIGEST = {
    "name": "Distilled Digest",
    "slug": "distilled-digest",
    "issue_prefix": "DD",
    "house_style": "distillation",
    "boilerplate": {"intro": "Independent summaries of recent work.", "footer": "Thanks for reading."},
}


@pytest.fixture
def digest(sample_store):
    """A second publication in the sample store, in the distillation style, with one issue."""
    pub = sample_store.init(Settings.from_dict(DIGEST))
    with sample_store.session() as s:
        issue = Issue(publication_id=pub.id, series="DD", number=1, url="https://example.org/digest/1")
        s.add(issue)
        s.add_all([
            Entry(publication_id=pub.id, issue=issue, position=1, title="Human Preferences, Distilled",
                  url="http://arxiv.org/abs/1706.03741v4", authors="Paul Christiano*, Jan Leike*, Tom B. Brown",
                  venue="NeurIPS", year=2017, summarizer="Cleo", summary="People compare _clips_; a reward model learns.",
                  opinions=[Opinion(position=0, author="Cleo", text="A classic.")]),
            Entry(publication_id=pub.id, issue=issue, position=2, title="concrete problems in AI safety ",
                  authors="Dario Amodei", summarizer="Cleo", summary="Five problems."),
            Entry(publication_id=pub.id, issue=issue, position=3, title="Something Nobody Summarized",
                  url="https://example.org/new", summarizer="Cleo", summary="New."),
        ])
    with sample_store.session() as s:
        pub = s.scalar(select(Publication).where(Publication.slug == "distilled-digest"))
        ed = Editions(EditionSource.read(s, pub))
        return ed, ed.issue("DD #1")


def test_distillation_has_a_heading_per_work_and_summary_and_opinion_subheadings(digest):
    ed, issue = digest
    out = ed.render(issue, "markdown")
    assert out.startswith("# Distilled Digest #1\n\nIndependent summaries of recent work.\n\n## Human Preferences, Distilled\n\n")
    assert (
        "## Human Preferences, Distilled\n\n"
        "*Paul Christiano\\*, Jan Leike\\*, Tom B. Brown* (NeurIPS, 2017)\n\n"
        "Link: [http://arxiv.org/abs/1706.03741v4](http://arxiv.org/abs/1706.03741v4)\n\n"
        "Sample Newsletter summary: [SN #1](https://example.org/sample-newsletter/1)\n\n"
        "### Summary\n\nPeople compare *clips*; a reward model learns.\n\n"
        "### Opinion\n\nA classic.\n"
    ) in out


def test_distillation_links_the_newsletter_summary_by_title_too_and_only_when_there_is_one(digest):
    ed, issue = digest
    out = ed.render(issue, "markdown")
    problems = out.index("## concrete problems in AI safety")
    nobody = out.index("## Something Nobody Summarized")
    assert "Sample Newsletter summary: [SN #1](https://example.org/sample-newsletter/1)" in out[problems:nobody]
    assert "summary: [" not in out[nobody:]


def test_distillation_in_every_format(digest):
    ed, issue = digest
    text = ed.render(issue, "text")
    assert "Human Preferences, Distilled\n----------------------------\n" in text
    assert "Sample Newsletter summary: SN #1 [" in text
    html = ed.render(issue, "html", fragment=True)
    assert '<h2 class="work-title">Human Preferences, Distilled</h2>' in html and "<h3>Summary</h3>" in html
    speech = [s for s in ed.speech(issue) if s.kind == "entry"]
    assert speech[0].text == (
        "Human Preferences, Distilled. By Paul Christiano, Jan Leike et al.\n\n"
        "Summary.\n\nPeople compare clips; a reward model learns.\n\nOpinion.\n\nA classic."
    ).replace("et al", "and others")


def test_a_style_is_a_directory_of_templates(sample_store, tmp_path):
    style = tmp_path / "bulletin"
    style.mkdir()
    (style / "issue.md.j2").write_text(
        "{{ issue.heading }}\n{% for e in issue.entries %}\n* {{ r.link(e.title, e.link) }} ({{ e.authors }})\n{% endfor %}\n"
    )
    ed = Editions.load(sample_store)
    out = ed.render(ed.issue("SN #3"), "markdown", style=str(style))
    assert out == (
        "Sample Newsletter #3\n"
        "* [Scaling Laws for Neural Language Models](https://arxiv.org/abs/2001.08361) (Jared Kaplan, Sam McCandlish et al)\n"
        "* [Proximal Policy Optimization Algorithms](https://arxiv.org/abs/1707.06347) (John Schulman et al)\n"
    )
    with pytest.raises(PrecisError, match="has no template issue.txt.j2"):
        ed.render(ed.issue("SN #3"), "text", style=str(style))


def test_an_unknown_style_is_a_one_line_error(sample_store):
    assert available_styles() == ["alignment", "distillation"]
    db = sample_store.url.removeprefix("sqlite:///")
    result = run(db, "render", "1", "--style", "gazette")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "precis: error: no house style 'gazette'; the styles are: alignment, distillation (or a directory of templates)"
    )


def test_email_html_of_the_sample_inlines_css_and_keeps_no_style_element(sample_store):
    ed = Editions.load(sample_store)
    html = ed.render(ed.issue("SN #2"), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<style" not in html
    assert '<div class="opinion" style="' in html
    assert "<title>Sample Newsletter #2</title>" in html


def test_a_broken_template_is_a_one_line_error_naming_it(sample_store, tmp_path):
    style = tmp_path / "broken"
    style.mkdir()
    (style / "issue.md.j2").write_text("{{ issue.heading }}\n{% for e in issue.entries %}\n{{ e.nonexistent }}\n")
    (style / "issue.txt.j2").write_text("{{ issue.heading }}\n{{ issue.no_such_field }}\n")
    ed = Editions.load(sample_store)
    with pytest.raises(PrecisError, match=r"issue.md.j2, line \d+: Unexpected end of template"):
        ed.render(ed.issue("SN #1"), "markdown", style=str(style))
    with pytest.raises(PrecisError, match="template issue.txt.j2: .*no_such_field"):
        ed.render(ed.issue("SN #1"), "text", style=str(style))
    with pytest.raises(PrecisError, match="has no template issue.html.j2"):
        ed.render(ed.issue("SN #1"), "html", style=str(style))
