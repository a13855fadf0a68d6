"""Duplicates: the same work filed twice, found by arXiv id, link and title."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter

from precis.assist.duplicates import arxiv_id, distinct_works, find_duplicates, normalize_url
from precis.markup import normalize_key
from precis.store import Store, load_records


def test_arxiv_ids_ignore_versions_and_formats():
    assert arxiv_id("https://arxiv.org/abs/2001.08361v2") == "2001.08361"
    assert arxiv_id("http://arxiv.org/pdf/2001.08361.pdf") == "2001.08361"
    assert arxiv_id("https://arxiv.org/abs/cs/0112017v1") == "cs/0112017"
    assert arxiv_id("https://example.org/2001.08361") is None


def test_links_compare_equal_across_spellings():
    a = normalize_url("https://www.LessWrong.com/posts/abc/title/?utm_source=x#comments")
    assert a == normalize_url("http://lesswrong.com/posts/abc/title") == "lesswrong.com/posts/abc/title"
    assert normalize_url("https://x.org/p?id=2") != normalize_url("https://x.org/p?id=3")
    assert normalize_url("not a link") is None


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
