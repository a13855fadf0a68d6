"""Nothing private leaks: entries set to "No" are in no output of the archive, and "Link only"
ones show their title, authors and link and nothing written about them."""

from __future__ import annotations

import json

from precis import sheets
from precis.search import SearchIndex
from precis.search.documents import documents
from precis.site import build_site
from precis.site.urls import slugify
from precis.site.writer import MANIFEST
from precis.store import find_entry
from tests.helpers import file_texts, html_page


def test_no_file_of_the_site_contains_what_is_private(built_site, private_store):
    outdir, _ = built_site
    _, private = private_store
    texts = list(file_texts(outdir))
    assert any(path.startswith("pagefind/fragment/") for path, _ in texts)  # the index is searched too
    assert any("!xl/" in path for path, _ in texts)  # and the inside of the .xlsx
    for p in private:
        leaks = [path for path, text in texts if p.phrase in text]
        assert not leaks, f"{p.level} entry {p.title!r}: its summary is in {leaks[:5]}"
        if p.level == "No" and not p.referenced:
            leaks = [path for path, text in texts if p.title in text]
            assert not leaks, f"hidden entry {p.title!r} appears in {leaks[:5]}"


def test_a_hidden_entry_has_no_page_and_is_in_no_list_graph_download_or_issue(built_site, private_store):
    outdir, _ = built_site
    _, private = private_store
    graph = json.loads((outdir / "data/references.json").read_text())
    graph_titles = {n["title"] for n in graph["nodes"]}
    download_titles = {r.title.strip() for r in sheets.read_file(outdir / "downloads/alignment-newsletter.json")}
    hrefs = set()
    for page in outdir.rglob("index.html"):
        hrefs.update(html_page(page).xpath("//a/@href"))
    for p in (p for p in private if p.level == "No"):
        slug = slugify(p.title)
        assert not (outdir / "entries" / slug).exists()
        assert not any(h.rstrip("/").endswith(f"entries/{slug}") for h in hrefs)
        assert p.title not in graph_titles
        assert p.title not in download_titles
    bitter = next(p for p in private if p.title == "The Bitter Lesson")
    assert bitter.referenced  # public summaries refer to it: their text stays, unlinked
    issue = html_page(outdir / "issues/an-49/index.html")
    assert "The Bitter Lesson" not in [a.text_content() for a in issue.xpath("//article/p[1]/strong/a")]
    # A public summary referring to it keeps its words, with no link and no issue label.
    referring = html_page(outdir / "entries" / slugify("AI-GAs: AI-generating algorithms, an alternate paradigm for producing general artificial intelligence") / "index.html")
    summary = referring.xpath("//section[@class='summary']")[0].text_content()
    assert "the bitter lesson has been that" in " ".join(summary.split())
    assert "bitter lesson (AN #49)" not in summary


def test_a_link_only_entry_shows_title_authors_and_link_only(built_site, private_store):
    outdir, _ = built_site
    _, private = private_store
    p = next(p for p in private if p.level == "Link only")
    doc = html_page(outdir / "entries" / slugify(p.title) / "index.html")
    assert doc.xpath("//h1")[0].text_content() == p.title
    facts = [dt.text_content() for dt in doc.xpath("//dl[@class='facts']/dt")]
    assert "Authors" in facts and "Link" in facts and "Summarized by" not in facts
    assert not doc.xpath("//section[contains(@class, 'summary') or contains(@class, 'opinion')]")
    assert not doc.xpath("//*[@data-pagefind-filter]")
    issue = html_page(outdir / "issues/an-110/index.html")
    article = issue.xpath(f"//article[@id='{slugify(p.title)}']")[0]
    assert p.phrase not in article.text_content()
    assert "summarized by" not in article.text_content()


def test_search_indexes_leave_out_hidden_entries_and_link_only_text(private_store):
    store, private = private_store
    index = SearchIndex(store)
    index.refresh(force=True)
    with store.session() as s:
        rows = {r.entry_id: r for r in s.execute(documents.select())}
    for p in private:
        hits = index.search(p.phrase, limit=20)
        assert p.title not in [h.title for h in hits], p.title
        if p.level == "No":
            assert p.id not in rows
            assert p.title not in [h.title for h in index.search(p.title, limit=20)]
        else:
            assert rows[p.id].body == "" and rows[p.id].summarizer is None
            assert p.title in [h.title for h in index.search(p.title, limit=5)]


def test_charts_count_only_public_summaries(built_site, private_store):
    outdir, report = built_site
    charts = json.loads((outdir / "data/charts.json").read_text())
    _, private = private_store
    # Every public entry with a summarizer, except the "Link only" one, is in the summarizer chart.
    records = sheets.read_file(outdir / "downloads/alignment-newsletter.json")
    assert sum(charts["summarizers"]["data"]) == sum(1 for r in records if r.summarizer)
    titles = set(charts["referenced"]["labels"])
    assert not titles & {p.title for p in private if p.level == "No"}


def test_the_folder_is_published_whole_so_its_manifest_names_nothing_private(sample_store, tmp_path):
    """The build's record of itself names every entry of the store and keeps the warnings, whose
    closest titles may be a hidden entry's: it is kept in the render cache, not in the folder."""
    hidden = "Internal Draft on Lab Policy"
    with sample_store.session(by="test") as s:
        find_entry(s, "Curve Detectors").summary = "Compare <@the lab's draft@>(@Internal Draft on Lab Policies@)."
        hidden_id = find_entry(s, hidden).id
    outdir = tmp_path / "site"
    report = build_site(sample_store, outdir)
    assert any(hidden in warning for warning in report.warnings)  # the one who builds is told
    assert [path for path, text in file_texts(outdir) if hidden in text] == []
    manifest = json.loads((outdir / MANIFEST).read_text())
    assert set(manifest) == {"files", "inputs", "build"} and isinstance(manifest["build"], str)
    assert f'"{hidden_id}"' not in (outdir / MANIFEST).read_text()
    # The next build still knows what the last one was made from, and says its warnings again.
    again = build_site(sample_store, outdir)
    assert again.up_to_date and again.warnings == report.warnings
