"""The static archive of the real Alignment Newsletter: pages, indexes, feeds, charts, downloads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import lxml.html

from precis import sheets
from precis.site.vendor import VENDOR, vendored_files
from tests.helpers import html_page


def page(outdir: Path, path: str) -> lxml.html.HtmlElement:
    return html_page(outdir / path / "index.html")


def section_titles(doc: lxml.html.HtmlElement, heading_id: str) -> list[str]:
    return [a.text_content() for a in doc.xpath(f'//section[h2[@id="{heading_id}"]]//li/a')]


def test_every_public_entry_and_every_issue_has_a_page(built_site, private_store):
    outdir, report = built_site
    _, private = private_store
    hidden = sum(p.level == "No" for p in private)
    entry_pages = list((outdir / "entries").glob("*/index.html"))
    issue_pages = list((outdir / "issues").glob("*/index.html"))
    assert len(entry_pages) == report.entries == 1956 - hidden
    assert len(issue_pages) == report.issues == 172


def test_deep_double_descent_is_referenced_by_is_sgd_a_bayesian_sampler(built_site):
    outdir, _ = built_site
    doc = page(outdir, "entries/deep-double-descent")
    referenced_by = section_titles(doc, "referenced-by-heading")
    assert "Is SGD a Bayesian Sampler? Well, almost." in referenced_by
    link = doc.xpath('//section[h2[@id="referenced-by-heading"]]//a[text()="Is SGD a Bayesian Sampler? Well, almost."]')[0]
    target = (outdir / "entries/deep-double-descent" / link.get("href")).resolve()
    assert (target / "index.html").is_file()
    # ... and that page lists Deep Double Descent under "References".
    assert "Deep Double Descent" in section_titles(page(outdir, "entries/is-sgd-a-bayesian-sampler-well-almost"), "references-heading")


def test_entry_page_shows_metadata_summary_opinion_and_issue(built_site):
    outdir, _ = built_site
    doc = page(outdir, "entries/risks-from-learned-optimization-in-advanced-machine-learning-systems")
    facts = {dt.text_content(): dd.text_content() for dt, dd in zip(doc.xpath("//dl[@class='facts']/dt"), doc.xpath("//dl[@class='facts']/dd"))}
    assert facts["Authors"].startswith("Evan Hubinger, Chris Van Merwijk")
    assert facts["Issue"].startswith("Alignment Newsletter #58")
    assert facts["Link"] == "https://arxiv.org/abs/1906.01820"
    assert "mesa optimizer" in doc.xpath("//section[@class='summary']")[0].text_content()
    assert doc.xpath("//section[contains(@class, 'opinion')]/h2")[0].text_content() == "Rohin’s opinion"
    issue_link = doc.xpath("//dd/a[text()='Alignment Newsletter #58']")[0].get("href")
    assert issue_link == "../../issues/an-58/"


def test_cross_references_link_to_the_archive_pages_of_the_entry_and_its_issue(built_site):
    outdir, _ = built_site
    doc = page(outdir, "entries/is-sgd-a-bayesian-sampler-well-almost")
    refs = doc.xpath("//article//a[@class='cross-reference']")
    assert refs
    for a in refs:
        assert a.get("href").startswith("../../entries/")
        assert (outdir / "entries/x" / a.get("href") / "index.html").resolve().is_file()
        issue = a.getnext()
        assert issue.get("href").startswith("../../issues/") and re.fullmatch(r"AN #\d+", issue.text_content())


def test_issue_page_is_the_public_edition_with_links_to_entry_pages(built_site):
    outdir, _ = built_site
    doc = page(outdir, "issues/an-58")
    assert doc.xpath("//h1")[0].text_content() == "Alignment Newsletter #58"
    headings = [h.text_content() for h in doc.xpath("//h2[@class='section-heading']")]
    assert headings[0] == "HIGHLIGHTS"
    titles = [a.text_content() for a in doc.xpath("//article[@class='issue-entry']/p[1]/strong/a")]
    assert "Risks from Learned Optimization in Advanced Machine Learning Systems" in titles
    for a in doc.xpath("//article[@class='issue-entry']/p[1]/strong/a"):
        assert (outdir / "issues/an-58" / a.get("href") / "index.html").resolve().is_file()


def test_index_pages_group_entries_by_category_tree_summarizer_author_year_and_venue(built_site):
    outdir, _ = built_site
    tree = page(outdir, "categories")
    sections = [s.text_content() for s in tree.xpath("//span[@class='section-name']")]
    assert sections[:3] == ["Technical AI alignment", "Near-term concerns", "AI governance"]
    mesa = tree.xpath("//a[text()='Mesa optimization']")[0]
    assert mesa.xpath("ancestor::li[span[@class='section-name']]/span")[0].text_content() == "Technical AI alignment"
    risks = "Risks from Learned Optimization in Advanced Machine Learning Systems"
    for path in ("categories/mesa-optimization", "authors/evan-hubinger", "years/2019", "venues/alignment-forum", "summarizers/rohin"):
        titles = [a.text_content() for a in page(outdir, path).xpath("//ul[@class='entry-list']/li/a")]
        assert risks in titles, path


def test_feeds_list_the_newest_issues_first_with_their_public_edition(built_site):
    outdir, _ = built_site
    for name in ("issues.atom", "issues.rss"):
        feed = feedparser.parse((outdir / "feeds" / name).read_bytes())
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert len(feed.entries) == 20
        assert feed.entries[0].title == "Alignment Newsletter #171"
        assert feed.entries[1].title == "Alignment Newsletter #170"
        body = feed.entries[1].content[0].value if name.endswith("atom") else feed.entries[1].description
        assert "Draft report on existential risk from power-seeking AI" in body


def test_downloads_hold_every_public_entry_in_three_formats(built_site, private_store):
    outdir, report = built_site
    _, private = private_store
    for ext in ("csv", "json", "xlsx"):
        records = sheets.read_file(outdir / "downloads" / f"alignment-newsletter.{ext}")
        assert len(records) == report.entries, ext
        by_title = {r.title.strip(): r for r in records}
        for p in private:
            if p.level == "Link only":
                r = by_title[p.title]
                assert r.summary is None and r.opinions == [] and r.link if hasattr(r, "link") else r.title_url
            else:
                assert p.title not in by_title


def test_the_excel_download_holds_every_cell_and_hyperlink_the_sheets_module_writes(built_site, tmp_path):
    """The site writes its .xlsx with openpyxl's write-only mode (faster); a reader must get the
    very cells and hyperlinks ``precis.sheets`` writes for the same records."""
    from openpyxl import load_workbook

    outdir, _ = built_site
    reference = tmp_path / "reference.xlsx"
    sheets.write_file(reference, sheets.read_file(outdir / "downloads/alignment-newsletter.json"))

    def cells(path: Path) -> list[list[tuple]]:
        sheet = load_workbook(path).worksheets[0]
        return [
            [(c.value, c.hyperlink and c.hyperlink.target, c.hyperlink and c.hyperlink.location) for c in row]
            for row in sheet.iter_rows()
        ]

    ours, expected = cells(outdir / "downloads/alignment-newsletter.xlsx"), cells(reference)
    assert ours == expected
    assert sum(1 for row in ours for value, target, location in row if target or location) > 3000


def test_statistics_data_counts_the_public_archive(built_site):
    outdir, report = built_site
    charts = json.loads((outdir / "data/charts.json").read_text())
    timeline = charts["timeline"]
    assert timeline["unit"] == "Issue"  # the real issues carry no dates
    assert len(timeline["labels"]) == 172
    assert sum(sum(s["data"]) for s in timeline["series"]) == report.entries - 30 + 0  # 30 entries were never sent
    assert charts["summarizers"]["labels"][0] == "Rohin"
    top = charts["referenced"]["labels"][0]
    assert top == "Risks from Learned Optimization in Advanced Machine Learning Systems"
    graph = json.loads((outdir / "data/references.json").read_text())
    slugs = {n["id"] for n in graph["nodes"]}
    assert all(a in slugs and b in slugs for a, b in graph["edges"])
    assert ["is-sgd-a-bayesian-sampler-well-almost", "deep-double-descent"] in graph["edges"]


def test_pages_load_nothing_from_other_hosts_and_ship_their_libraries(built_site):
    outdir, _ = built_site
    for path in [outdir / "index.html", outdir / "stats/index.html", outdir / "search/index.html",
                 outdir / "entries/risks-from-learned-optimization-in-advanced-machine-learning-systems/index.html"]:
        doc = html_page(path)
        for src in doc.xpath("//script/@src | //link[@rel='stylesheet']/@href"):
            assert not re.match(r"^(https?:)?//", src), (path, src)
            assert (path.parent / src).resolve().is_file(), (path, src)
    for rel in vendored_files():
        assert (outdir / "assets/vendor" / rel).read_bytes() == (VENDOR / rel).read_bytes()
    for package in ("chart.js", "cytoscape", "katex"):
        assert (outdir / "assets/vendor" / package / "LICENSE").is_file()
    assert (outdir / "pagefind/pagefind.js").is_file()


def test_pages_are_accessible_landmarks_headings_and_labelled_controls(built_site):
    outdir, _ = built_site
    for path in ("", "search", "stats", "entries/deep-double-descent", "issues/an-58", "authors"):
        doc = page(outdir, path) if path else html_page(outdir / "index.html")
        assert doc.get("lang") == "en"
        assert len(doc.xpath("//main")) == 1 and doc.xpath("//header") and doc.xpath("//footer")
        assert len(doc.xpath("//h1")) == 1, path
        for control in doc.xpath("//input[not(@type='hidden')] | //select"):
            assert doc.xpath(f"//label[@for='{control.get('id')}']"), (path, control.get("id"))


def test_two_entries_with_one_title_get_two_pages_the_earlier_with_the_plain_slug(built_site):
    outdir, _ = built_site
    earlier = page(outdir, "entries/visual-reinforcement-learning-with-imagined-goals")
    later = page(outdir, "entries/visual-reinforcement-learning-with-imagined-goals-an-23")
    assert earlier.xpath("//p[@class='kicker']/a")[0].text_content() == "AN #16"
    assert later.xpath("//p[@class='kicker']/a")[0].text_content() == "AN #23"
