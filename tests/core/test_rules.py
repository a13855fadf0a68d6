"""The sheet's rules for authors, summarizers and inline opinions."""

from precis.authors import Author, parse_authors
from precis.record import OpinionRecord, join_opinions, split_opinions, split_summarizer


def test_authors_keep_order_and_equal_contribution_marks():
    assert parse_authors("Andrew Ilyas*, Shibani Santurkar*, Aleksander Madry") == [
        Author("Andrew Ilyas", True),
        Author("Shibani Santurkar", True),
        Author("Aleksander Madry", False),
    ]


def test_authors_split_on_final_and_and_oxford_comma():
    names = [a.name for a in parse_authors("Dan Hendrycks, Nicholas Carlini, and Jacob Steinhardt")]
    assert names == ["Dan Hendrycks", "Nicholas Carlini", "Jacob Steinhardt"]
    assert [a.name for a in parse_authors("Stuart Armstrong and Sören Mindermann")] == [
        "Stuart Armstrong",
        "Sören Mindermann",
    ]


def test_authors_drop_others_and_keep_organisations():
    assert [a.name for a in parse_authors("Shi Qian*, Li Hui*, others")] == ["Shi Qian", "Li Hui"]
    assert parse_authors("OpenAI") == [Author("OpenAI")]
    assert parse_authors(None) == [] and parse_authors("  ") == []


def test_summarizer_a_slash_b_means_summary_by_a_and_opinion_by_b():
    assert split_summarizer("Rohin/Robert") == ("Rohin", "Robert")
    assert split_summarizer("Rohin") == ("Rohin", "Rohin")
    assert split_summarizer(None) == (None, None)


def test_inline_opinion_splits_into_separate_opinions_with_authors():
    cell = "I like it.\n\n**Rohin’s opinion:** I agree, mostly."
    ops = split_opinions(cell, "Flo")
    assert [(o.author, o.text) for o in ops] == [("Flo", "I like it."), ("Rohin", "I agree, mostly.")]
    assert join_opinions(ops) == cell  # written back exactly as read


def test_inline_opinion_heading_variants_are_recognised():
    for heading in ("**Rohin's opinion:**", "**Rohin’s opinion:**", "**Rohin's opinion**:"):
        ops = split_opinions(f"A.\n\n{heading} B.", "Asya")
        assert [o.author for o in ops] == ["Asya", "Rohin"], heading
        assert join_opinions(ops) == f"A.\n\n{heading} B."


def test_opinions_written_in_the_app_get_a_standard_heading():
    ops = [OpinionRecord("Zach", "First."), OpinionRecord("Rohin", "Second.")]
    assert join_opinions(ops) == "First.\n\n**Rohin's opinion:** Second."
