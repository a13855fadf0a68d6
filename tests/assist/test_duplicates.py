"""Duplicates: the same work filed twice, found by arXiv id, link and title."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from precis.assist.duplicates import distinct_works, find_duplicates
from precis.identity import arxiv_id, url_key
from precis.markup import normalize_key
from precis.model import Entry
from precis.store import Store, load_records


def test_arxiv_ids_ignore_versions_and_formats():
    assert arxiv_id("https://arxiv.org/abs/2001.08361v2") == "2001.08361"
    assert arxiv_id("http://arxiv.org/pdf/2001.08361.pdf") == "2001.08361"
    assert arxiv_id("https://arxiv.org/abs/cs/0112017v1") == "cs/0112017"
    assert arxiv_id("https://example.org/2001.08361") is None


def test_links_compare_equal_across_spellings():
    a = url_key("https://www.LessWrong.com/posts/abc/title/?utm_source=x#comments")
    assert a == url_key("http://lesswrong.com/posts/abc/title") == "lesswrong.com/posts/abc/title"
    assert url_key("https://x.org/p?id=2") != url_key("https://x.org/p?id=3")
    assert url_key("not a link") is None


def _file(store: Store, *works: tuple[str, str]) -> None:
    with store.session() as s:
        pub = store.default_publication(s)
        s.add_all(Entry(publication_id=pub.id, position=n, title=t, url=u) for n, (t, u) in enumerate(works))


def test_one_forum_post_on_lesswrong_and_the_alignment_forum_is_found_as_a_duplicate(empty_store):
    _file(
        empty_store,
        ("Selection vs Control", "https://www.alignmentforum.org/posts/ZDZmopKquzHYPRNxq/selection-vs-control"),
        ("Abram Demski on optimization", "https://www.lesswrong.com/posts/ZDZmopKquzHYPRNxq/selection-vs-control?utm_source=rss"),
        ("Something else entirely", "https://www.lesswrong.com/posts/zdzmopkquzhyprnxq/selection-vs-control"),
    )
    [group] = find_duplicates(empty_store)
    assert [i.title for i in group.items] == ["Selection vs Control", "Abram Demski on optimization"]
    assert group.reasons == ["same link"]


def test_one_doi_behind_two_links_is_found_as_a_duplicate(empty_store):
    _file(
        empty_store,
        ("AI Governance: A Research Agenda", "https://doi.org/10.1111/1758-5899.12890"),
        ("The governance agenda paper", "https://onlinelibrary.wiley.com/doi/full/10.1111/1758-5899.12890"),
    )
    [group] = find_duplicates(empty_store)
    assert group.reasons == ["DOI 10.1111/1758-5899.12890"]


def test_numbered_parts_and_comments_are_different_works():
    assert distinct_works("Reframing Impact - Part 1", "Reframing Impact - Part 2")
    assert distinct_works("2019 AI Alignment Literature Review", "2020 AI Alignment Literature Review")
    assert distinct_works("Towards a New Impact Measure", "Comment on Towards a New Impact Measure")
    assert not distinct_works("Circuits Thread", "Thread: Circuits")


def test_the_real_archive_duplicates_are_found_and_nothing_absurd(real_assist_db):
    store = Store(str(real_assist_db))
    groups = find_duplicates(store)
    counts = Counter(normalize_key(r.title) for r in load_records(store))
    twice = {t for t, n in counts.items() if n > 1}
    assert len(twice) == 21
    grouped = [{normalize_key(i.title) for i in g.items} for g in groups]
    for title in twice:
        assert {title} in grouped, title
    for g in groups:
        titles = [i.title for i in g.items]
        # Nothing absurd: no group joins parts or editions that differ in a number.
        assert not any(distinct_works(a, b) for a in titles for b in titles if a != b), titles
        assert g.reasons
    assert len(groups) <= 30
    out = subprocess.run(
        [sys.executable, "-m", "precis", "--db", str(real_assist_db), "suggest", "duplicates", "--json"],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200", "PRECIS_ASSIST_EMBED": "0"},
    )
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == len(groups)
