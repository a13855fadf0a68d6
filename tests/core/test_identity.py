"""What counts as the same work (precis.identity): URL keys, arXiv ids, DOIs, title keys; and the
fuzzy title match of ingest built on them."""

from __future__ import annotations

import pytest

from precis.ingest.dedup import Index, Keys
from precis.identity import doi_of, site_of, split_arxiv_id, title_key, url_key, work_keys


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://www.example.org/post/", "http://example.org/post"),
        ("https://example.org/post?utm_source=rss&utm_medium=feed", "https://example.org/post"),
        ("https://example.org/post#comments", "https://example.org/post/index.html"),
        ("https://example.org:443/a?b=2&a=1", "https://example.org/a?a=1&b=2"),
        (
            "https://www.alignmentforum.org/posts/ZDZmopKquzHYPRNxq/selection-vs-control",
            "http://lesswrong.com/posts/ZDZmopKquzHYPRNxq/another-slug?utm_source=rss",
        ),
        (
            "https://www.greaterwrong.com/posts/ZDZmopKquzHYPRNxq/selection-vs-control",
            "https://www.lesswrong.com/posts/ZDZmopKquzHYPRNxq",
        ),
        ("https://arxiv.org/abs/1811.10840v1", "http://arxiv.org/pdf/1811.10840v3.pdf"),
        ("https://arxiv.org/abs/1811.10840", "https://arxiv.org/pdf/1811.10840"),
        ("https://arxiv.org/abs/1811.10840v2", "https://arxiv.org/abs/1811.10840"),
        ("https://www.arxiv.org/abs/1811.10840/", "https://arxiv.org/pdf/1811.10840.pdf"),
        (
            "https://example.org/post?utm_campaign=x&fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref=hn&ref_src=twsrc",
            "https://example.org/post",
        ),
        ("https://example.org/post?id=7&utm_content=a", "https://example.org/post?utm_term=b&id=7"),
        ("https://doi.org/10.48550/arXiv.1906.01820", "https://arxiv.org/abs/1906.01820"),
    ],
)
def test_links_to_the_same_work_share_one_key(a: str, b: str) -> None:
    assert url_key(a) == url_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.org/paper?id=1", "https://example.org/paper?id=2"),
        ("https://example.org/a", "https://example.org/b"),
        ("https://example.org/a", "https://example.com/a"),
        ("https://arxiv.org/abs/1811.10840", "https://arxiv.org/abs/1811.10841"),
        ("https://www.lesswrong.com/posts/AAAAAAAAAAAAAAAAA/x", "https://forum.effectivealtruism.org/posts/AAAAAAAAAAAAAAAAA/x"),
        # Post ids are case-sensitive: two ids differing only in case are two posts.
        ("https://www.lesswrong.com/posts/ZDZmopKquzHYPRNxq/x", "https://www.lesswrong.com/posts/zdzmopkquzhyprnxq/x"),
        ("https://www.alignmentforum.org/posts/ZDZmopKquzHYPRNxq", "https://www.lesswrong.com/posts/ZDZMOPKQUZHYPRNXQ"),
        ("https://example.org/Paper.pdf", "https://example.org/paper.pdf"),
    ],
)
def test_links_to_different_works_keep_different_keys(a: str, b: str) -> None:
    assert url_key(a) != url_key(b)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://arxiv.org/abs/1811.10840v1", ("1811.10840", 1)),
        ("http://arxiv.org/pdf/1903.07291.pdf", ("1903.07291", None)),
        ("https://export.arxiv.org/abs/2406.04102v12", ("2406.04102", 12)),
        ("arXiv:2101.00001v3", ("2101.00001", 3)),
        ("2101.00001", ("2101.00001", None)),
        ("https://arxiv.org/abs/hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("https://arxiv.org/abs/math.GT/0309136", ("math.GT/0309136", None)),
        ("10.48550/arXiv.1906.01820", ("1906.01820", None)),
        ("https://psyarxiv.com/7hgup/", None),
        ("https://example.org/2101.00001", None),
    ],
)
def test_arxiv_ids_are_read_from_links_and_names_with_the_version_apart(text, expected) -> None:
    assert split_arxiv_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://doi.org/10.1111/1758-5899.12890", "10.1111/1758-5899.12890"),
        ("https://www.tandfonline.com/doi/full/10.1080/01402390.2019.1631810", "10.1080/01402390.2019.1631810"),
        ("https://onlinelibrary.wiley.com/doi/10.1002/hfm.20883", "10.1002/hfm.20883"),
        ("doi:10.5555/JER.2023.0042", "10.5555/jer.2023.0042"),
        ("https://example.org/files/10.1234/x", None),  # a DOI-like path on an unrelated site
        ("https://doi.org/10.48550/arXiv.1906.01820", None),  # arXiv's DOIs are arXiv ids
    ],
)
def test_dois_come_from_doi_links_and_publisher_paths_only(text, expected) -> None:
    assert doi_of(text) == expected


def _index(*titles: str, arxiv: str | None = None) -> Index[str]:
    index: Index[str] = Index()
    for t in titles:
        index.add(t, Keys.of(t, [], arxiv=arxiv))
    return index


def test_a_slightly_different_title_is_the_same_work() -> None:
    index = _index("Imitation Learning as f-Divergence Minimization")
    found = index.match(Keys.of("Imitation learning as f-divergence minimisation", []))
    assert found is not None and found.items == ["Imitation Learning as f-Divergence Minimization"]
    assert found.reason.startswith("similar title")


@pytest.mark.parametrize(
    ("known", "new"),
    [
        # Pairs of distinct works in the real archive, from the reasons in dedup.py.
        ("A Rationality Condition for CDT Is That It Equal EDT (Part 1)",
         "A Rationality Condition for CDT Is That It Equal EDT (Part 2)"),
        ("2019 AI Alignment Literature Review and Charity Comparison",
         "2020 AI Alignment Literature Review and Charity Comparison"),
        ("Active Preference-Based Learning of Reward Functions",
         "Batch Active Preference-Based Learning of Reward Functions"),
    ],
)
def test_titles_that_differ_in_a_number_or_a_word_are_different_works(known: str, new: str) -> None:
    assert _index(known).match(Keys.of(new, [])) is None


def test_works_with_different_arxiv_ids_never_match_by_title() -> None:
    index = _index("Deep Double Descent", arxiv="1912.02292")
    assert index.match(Keys.of("Deep Double Descent", [], arxiv="2001.00001")) is None
    assert index.match(Keys.of("Deep double descent", [])) is not None


def test_identifiers_win_over_titles_and_say_how_they_matched() -> None:
    index: Index[str] = Index()
    index.add("risks", Keys.of("Risks from Learned Optimization", ["https://arxiv.org/abs/1906.01820v1"]))
    found = index.match(Keys.of("A completely different title", ["http://arxiv.org/pdf/1906.01820v3"]))
    assert found is not None and found.reason == "same arXiv id 1906.01820"


def test_title_keys_ignore_case_accents_and_punctuation() -> None:
    assert title_key("Café: “Quoted” — Ok!") == title_key("cafe quoted ok")


@pytest.mark.parametrize(
    ("url", "venue"),
    [
        ("https://arxiv.org/pdf/2406.04102v1.pdf", "arXiv"),
        ("https://www.alignmentforum.org/posts/ZDZmopKquzHYPRNxq/selection-vs-control", "Alignment Forum"),
        ("https://www.lesswrong.com/posts/ZDZmopKquzHYPRNxq/selection-vs-control", "LessWrong"),
        ("https://www.greaterwrong.com/posts/ZDZmopKquzHYPRNxq/selection-vs-control", "LessWrong"),
        ("https://forum.effectivealtruism.org/posts/AAAAAAAAAAAAAAAAA/x", "EA Forum"),
        ("https://www.lesswrong.com/tag/ai", None),
        ("https://bair.berkeley.edu/blog/2024/01/01/post/", None),
    ],
)
def test_links_to_arxiv_and_forum_posts_name_their_venue(url: str, venue: str | None) -> None:
    assert site_of(url) == venue


def test_an_lw_and_an_af_link_of_one_post_give_one_key_that_keeps_the_post_ids_case() -> None:
    lw = url_key("https://www.lesswrong.com/posts/ZDZmopKquzHYPRNxq/selection-vs-control")
    af = url_key("https://www.alignmentforum.org/posts/ZDZmopKquzHYPRNxq/selection-vs-control?utm_source=feed")
    assert lw == af == "lesswrong:ZDZmopKquzHYPRNxq"


def test_work_keys_give_the_link_its_doi_then_the_title_strongest_first() -> None:
    assert work_keys("https://doi.org/10.1111/1758-5899.12890", "AI Governance: A Research Agenda") == [
        "doi.org/10.1111/1758-5899.12890",
        "doi:10.1111/1758-5899.12890",
        "title:ai governance a research agenda",
    ]
    assert work_keys("http://arxiv.org/pdf/1706.03741v4.pdf", None) == ["arxiv:1706.03741"]
    assert work_keys(None, "  Concrete Problems in AI Safety ") == ["title:concrete problems in ai safety"]
    assert work_keys(None, "") == []


def test_two_records_of_one_work_share_a_key_and_two_works_share_none() -> None:
    lw = work_keys("https://www.lesswrong.com/posts/ZDZmopKquzHYPRNxq/x", "Selection vs Control")
    af = work_keys("https://www.alignmentforum.org/posts/ZDZmopKquzHYPRNxq/y?utm_medium=email", "Selection vs. control")
    other = work_keys("https://www.lesswrong.com/posts/zdzmopkquzhyprnxq/x", "Selection vs Control, part 2")
    assert lw == af
    assert not set(lw) & set(other)
