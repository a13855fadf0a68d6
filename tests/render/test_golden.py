"""Golden tests on real issues, each expectation written from the house-style rules.

The rules (issue "Editions"): HIGHLIGHTS first, then the category tree in order with only non-empty
sections, headings in capitals; a highlighted entry only in HIGHLIGHTS; each entry as
**Title** (linked) *(Authors)* (summarized by X): summary, then Prerequisites / Read more lines, then
each opinion as **X's opinion:**; authors "First et al", or "A, B et al" for equal contribution; a
cross-reference as [text](entry url) ([AN #N](issue url)), "text (AN #N)" in plain text and "text, from
Alignment Newsletter N" in speech.
"""

from __future__ import annotations

import re

import pytest

from precis.render import speech_script

AN163 = "https://mailchi.mp/9a9e021705ed/an-163-using-finite-factored-sets-for-causal-and-temporal-inference"
FFS = "https://www.alignmentforum.org/s/kxs3eeEti9ouwWFzr"


@pytest.fixture(scope="module")
def ed(real_editions):
    return real_editions[0]


def md(ed, issue: str) -> str:
    return ed.render(ed.issue(issue), "markdown")


def flat(text: str) -> str:
    return " ".join(text.split())


def test_a_highlight_with_equal_contribution_authors_and_read_more(ed):
    out = md(ed, "AN #62")
    assert out.startswith("# Alignment Newsletter #62\n\nAlignment Newsletter is a weekly publication")
    assert (
        "## HIGHLIGHTS\n\n"
        "**[Adversarial Examples Are Not Bugs, They Are Features](http://gradientscience.org/adv/)** "
        "*(Andrew Ilyas, Shibani Santurkar, Dimitris Tsipras, Logan Engstrom et al)* (summarized by Rohin): "
        "*Distill published a discussion of this paper."
    ) in out
    assert (
        "**Read more:** [Paper](https://arxiv.org/abs/1905.02175) and "
        "[Author response](https://distill.pub/2019/advex-bugs-discussion/original-authors/)\n\n"
        "**Rohin's opinion:** I buy this hypothesis."
    ) in out
    # Shown once, in HIGHLIGHTS only, though it is filed under a category.
    assert out.count("They Are Features](") == 1


def test_sections_follow_the_tree_and_only_non_empty_ones_appear(ed):
    out = md(ed, "AN #62")
    headings = re.findall(r"^#{2,3} .*$", out, re.M)
    assert headings[:6] == [
        "## HIGHLIGHTS", "## TECHNICAL AI ALIGNMENT", "### PROBLEMS", "### ITERATED AMPLIFICATION",
        "### MISCELLANEOUS (ALIGNMENT)", "## NEAR-TERM CONCERNS",
    ]
    assert "### MESA OPTIMIZATION" not in out
    assert out.rstrip().endswith("recorded by [Robert Miles](http://robertskmiles.com).")


def test_an_a_b_entry_names_the_summarizer_and_the_opinion_author(ed):
    out = md(ed, "AN #97")
    assert (
        "**[Finding and Visualizing Weaknesses of Deep Reinforcement Learning Agents](https://arxiv.org/abs/1904.01318)** "
        "*(Christian Rupprecht et al)* (summarized by Rohin): This paper proposes a new visualization tool"
    ) in out
    assert "They demonstrate results on Atari games as well as a simulated driving environment.\n\n**Robert's opinion:** I liked the paper" in out


def test_a_multi_opinion_entry_shows_each_opinion_in_order(ed):
    out = md(ed, "AN #97")
    start = out.index("**[Improving Verifiability in AI Development](https://openai.com/blog/improving-verifiability/)** "
                      "*(Miles Brundage et al)* (summarized by Flo): This multi-stakeholder report")
    flo = out.index("**Flo's opinion:** It would be exciting to see policymakers", start)
    rohin = out.index("**Rohin's opinion:** I love seeing these huge collaborations", flo)
    assert start < flo < rohin


def test_prerequisites_come_after_the_summary_and_link_where_the_cell_did(ed):
    out = md(ed, "AN #16")
    assert (
        "**Prerequisites:** [Bayesian Utility: Representing Preference by Probability Measures]"
        "(https://www.lesswrong.com/posts/kYgWmKJnqq8QkbjFj/bayesian-utility-representing-preference-by-probability)\n\n"
        "**Rohin's opinion:** I am confused."
    ) in out


def test_a_cross_reference_in_every_edition(ed):
    issue = ed.issue("164")
    assert (
        f"This post generalizes the math in [Finite Factored Sets]({FFS}) ([AN #163]({AN163})) to (one version of) the infinite case."
    ) in ed.render(issue, "markdown")
    text = ed.render(issue, "text")
    m = re.search(r"This post generalizes the math in Finite Factored Sets \(AN #163\) \[(\d+)\] to \(one version of\)", flat(text))
    assert m, "plain text reads 'text (AN #163) [n]'"
    assert f"[{m.group(1)}] {FFS}\n" in text
    html = ed.render(issue, "html", fragment=True)
    assert f'<a class="cross-reference" href="{FFS}">Finite Factored Sets</a> (<a href="{AN163}">AN #163</a>)' in html
    speech = speech_script(ed.speech(issue))
    assert "generalizes the math in Finite Factored Sets, from Alignment Newsletter 163, to (one version of)" in speech


def test_plain_text_edition_of_a_highlight(ed):
    text = ed.render(ed.issue("62"), "text")
    assert text.startswith("Alignment Newsletter #62\n========================\n")
    assert "HIGHLIGHTS\n----------\n" in text
    m = re.search(
        r"Adversarial Examples Are Not Bugs, They Are Features \[(\d+)\] \(Andrew Ilyas, Shibani Santurkar, "
        r"Dimitris Tsipras, Logan Engstrom et al\) \(summarized by Rohin\): Distill published", flat(text))
    assert m
    assert f"\n[{m.group(1)}] http://gradientscience.org/adv/\n" in text


def test_speech_announces_sections_entries_and_opinions(ed):
    segments = ed.speech(ed.issue("62"))
    assert segments[0].kind == "intro" and segments[0].text.startswith("Alignment Newsletter 62.")
    assert segments[1].kind == "section" and segments[1].text == "Highlights."
    first = segments[2]
    assert first.kind == "entry" and first.title == "Adversarial Examples Are Not Bugs, They Are Features"
    assert first.text.startswith(
        "Adversarial Examples Are Not Bugs, They Are Features. By Andrew Ilyas, Shibani Santurkar, "
        "Dimitris Tsipras, Logan Engstrom and others. Summarized by Rohin.\n\n"
    )
    assert "\n\nRohin's opinion.\n\nI buy this hypothesis." in first.text
    kinds = [s.kind for s in segments]
    assert kinds[-1] == "footer"
    assert [s.title for s in segments if s.kind == "subsection"][:2] == ["Problems", "Iterated amplification"]
    issue_entries = [e.title for e in ed.view(ed.issue("62")).entries]
    assert [s.title for s in segments if s.kind == "entry"] == issue_entries
