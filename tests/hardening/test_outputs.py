"""No output makes a link the link policy refuses, carries live HTML from stored text, or names a
private entry: the archive's pages, its feeds, the editions, the planned summary, the podcast feed,
the search API and ``precis search --json``; and ``precis check`` names every refused link.

One store (the shipped sample) is given hostile values in every link field of one entry, in the
links of its texts, in its issue's link, and HTML in its title and summary; a public summary refers
to the sample's private entry. Each output is then read as its readers read it (HTML parsed, feeds
through feedparser, Markdown rendered to HTML with raw HTML allowed) and every href and src judged
by the policy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment
from markdown_it import MarkdownIt
from sqlalchemy import select
from starlette.testclient import TestClient

from precis.audio.feed import write_feed
from precis.audio.model import Episode
from precis.errors import PrecisError
from precis.links import scheme_of
from precis.model import Entry, Issue
from precis.publication import load_settings
from precis.render import Editions
from precis.search import SearchIndex
from precis.sheets import read_file
from precis.site import build_site
from precis.site.archive import Archive
from precis.site.build import SiteBuilder
from precis.store import Store, import_records
from precis.web import create_app
from tests.helpers import SAMPLE_CSV, SAMPLE_TOML, file_texts, invoke, load_sample

ALLOWED = {"http", "https", "mailto", None}  # None: a relative link of the site's own
LINK_ATTRIBUTES = ("href", "src", "action", "formaction", "poster", "cite", "background", "srcset")

TARGET = "Concrete Problems in AI Safety"  # public, in SN #1
HIDDEN = "Internal Draft on Lab Policy"  # the sample's private entry, in SN #2
# Each link field, with a hostile link written as careless or hostile sheets write them.
LINK_FIELDS = {
    "url": "javascript:alert('url')",
    "title_url": " JaVaScRiPt:alert('title')",
    "venue_url": "data:text/html,<script>alert('venue')</script>",
    "prerequisites_url": " java\tscript:alert('prerequisites')",
    "read_more_url": "VBScript:msgbox('read more')",
}
ISSUE_URL = "java\tscript:alert('issue')"
EXTRA_LINKS = {"Authors": " javascript:alert('authors')"}
TITLE = "<script>alert('title')</script> Concrete Problems <img src=x onerror=alert('title')>"
SUMMARY = (
    "Compare <@the lab draft@>(@Internal Draft on Lab Policy@). See [the demo](javascript:alert('summary')) and "
    "![a plot](DATA:image/svg+xml,<svg/onload=alert(1)>), then <script>alert('raw')</script> and "
    "<img src=x onerror=alert('img')> and [safe](https://example.org/ok)."
)
OPINION = "[o](\tJAVASCRIPT:alert('opinion'))"
PREREQUISITES = "The [primer](vb\tscript:msgbox('p'))"
READ_MORE = "The sequel"
SCRIPTS = ("alert(", "msgbox(")


def hostile(store: Store) -> None:
    """Plant the probes in ``store`` through the library, as an editor's change would."""
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == TARGET)).one()
        for field, value in LINK_FIELDS.items():
            setattr(entry, field, value)
        entry.extra_links = EXTRA_LINKS
        entry.title, entry.summary, entry.highlight = TITLE, SUMMARY, True  # highlights are in feed descriptions
        entry.prerequisites, entry.read_more = PREREQUISITES, READ_MORE
        entry.opinions[0].text = OPINION
        assert entry.issue is not None
        entry.issue.url = ISSUE_URL


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = load_sample(Store(str(tmp_path_factory.mktemp("hostile") / "hostile.db")))
    hostile(store)
    return store


@pytest.fixture(scope="module")
def site(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site(store, out, base_url="https://example.org/archive/")
    return out


# -- how outputs are read ------------------------------------------------------------------------


def unsafe_links(html: str) -> list[str]:
    """Every link in an HTML document or fragment whose scheme the policy refuses, every event
    handler attribute, and every script element that is not one of the site's own files."""
    if not html.strip():
        return []
    root = lxml.html.fromstring(html)
    found = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{el.tag} {name}={value!r}>")
            if name.lower() in LINK_ATTRIBUTES and scheme_of(value) not in ALLOWED:
                found.append(f"<{el.tag} {name}={value!r}>")
        if el.tag == "script" and (not el.get("src") or any(s in (el.text or "") for s in SCRIPTS)):
            found.append(f"<script>{el.text}</script>")
        if el.tag in ("iframe", "object", "embed"):
            found.append(f"<{el.tag}>")
    return found


def markdown_as_html(markdown: str) -> str:
    """Markdown as a forum renders it, raw HTML allowed (the worst case)."""
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


def text_references(text: str) -> list[str]:
    """The URLs a plain-text edition lists at its end ("[3] https://...")."""
    return re.findall(r"^\[\d+\] (.*)$", text, re.MULTILINE)


# -- the archive ---------------------------------------------------------------------------------


def test_no_page_of_the_archive_holds_an_unsafe_link_or_live_script(site: Path) -> None:
    pages = {path: text for path, text in file_texts(site) if path.endswith(".html")}
    assert len(pages) > 20
    problems = {path: found for path, text in pages.items() if (found := unsafe_links(text))}
    assert problems == {}


def test_the_entry_page_shows_a_refused_link_as_text(site: Path) -> None:
    page = lxml.html.parse(str(next(site.glob("entries/script-alert-title-script-concrete-problems*/index.html"))))
    facts = {dt.text_content(): dd for dt, dd in zip(page.xpath("//dt"), page.xpath("//dd"), strict=True)}
    assert facts["Link"].text_content() == LINK_FIELDS["title_url"].strip()
    assert facts["Link"].xpath(".//a") == []
    assert page.xpath("//h1")[0].text_content() == TITLE  # the title is shown as written, as text
    assert "the demo" in page.getroot().text_content()  # a refused link keeps its words


def test_the_issue_page_links_the_work_only_through_the_policy(site: Path) -> None:
    page = lxml.html.parse(str(site / "issues/sn-1/index.html")).getroot()
    assert "as it was sent" not in page.text_content()  # the issue's link is refused
    hrefs = page.xpath("//p[@class='work-link']/a/@href")
    assert hrefs and all(scheme_of(h) in ("http", "https") for h in hrefs)


def test_a_cross_reference_to_a_private_entry_is_its_anchor_text_in_every_public_file(site: Path) -> None:
    # The downloads carry the raw markup (another part of issue 12 decides what they hold).
    texts = {path: text for path, text in file_texts(site) if not path.startswith("downloads/")}
    assert any("the lab draft" in t for t in texts.values())
    leaks = [p for p, t in texts.items() if HIDDEN.casefold() in t.casefold() or "the lab draft (SN #2)" in t]
    assert leaks == []


# -- the feeds -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["issues.rss", "issues.atom"])
def test_the_feeds_parse_with_no_script_and_no_unsafe_link(site: Path, name: str) -> None:
    feed = feedparser.parse((site / "feeds" / name).read_bytes())
    assert not feed.bozo and feed.entries
    for entry in feed.entries:
        for content in entry.get("content", []):
            assert unsafe_links(content.value) == []
        for detail in (entry.title_detail, entry.get("summary_detail")):
            if detail is not None and detail.type == "text/html":  # what the reader shows as HTML
                assert unsafe_links(detail.value) == []
                assert "<script" not in detail.value.casefold() and "<img" not in detail.value.casefold()
        assert all(scheme_of(link.href) in ALLOWED for link in entry.links)
    issue = next(e for e in feed.entries if e.title.startswith("Sample Newsletter #1"))
    html = issue.content[0].value
    assert "the demo" in html and "Concrete Problems" in html


def test_the_rss_description_is_text_even_to_a_reader_that_decodes_it_as_html(site: Path) -> None:
    rss = lxml.etree.fromstring((site / "feeds/issues.rss").read_bytes())
    descriptions = [d.text or "" for d in rss.iter("description")]
    assert any("Concrete Problems" in d for d in descriptions)
    for d in descriptions:
        assert unsafe_links(d) == []  # read as HTML, as readers do
        assert "<script" not in d and "<img" not in d
    atom = lxml.etree.fromstring((site / "feeds/issues.atom").read_bytes())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for element in atom.xpath("//a:entry/a:summary | //a:entry/a:title", namespaces=ns):
        assert element.get("type") in (None, "text")  # Atom text constructs: shown as text


# -- the editions --------------------------------------------------------------------------------


@pytest.mark.parametrize("private", [False, True])
def test_no_edition_holds_an_unsafe_link_or_live_html(store: Store, private: bool) -> None:
    editions = Editions.load(store, warn=lambda message: None)
    for issue in editions.issues:
        email = editions.render(issue, "html", private=private)
        assert unsafe_links(email) == [], issue.label
        markdown = editions.render(issue, "markdown", private=private)
        assert unsafe_links(markdown_as_html(markdown)) == [], issue.label
        text = editions.render(issue, "text", private=private)
        assert all(scheme_of(url) in ALLOWED - {None} for url in text_references(text)), issue.label
    markdown = editions.render(editions.issue("SN #1"), "markdown", private=private)
    assert "\\<script\\>" in markdown and "the demo" in markdown


def test_the_planned_summary_holds_no_unsafe_link(store: Store) -> None:
    editions = Editions.load(store, warn=lambda message: None)
    with store.session() as s:
        entry = s.scalars(select(Entry).where(Entry.title == TITLE)).one()
        planned = editions.planned(entry)
    assert "the demo" in planned
    assert unsafe_links(markdown_as_html(planned)) == []


def test_math_in_markdown_never_opens_an_html_tag(tmp_path: Path) -> None:
    store = load_sample(Store(str(tmp_path / "math.db")))
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == TARGET)).one()
        entry.summary = "Inline $a<script>alert(1)</script>b$ and $x<y$.\n\n$$\n<img src=x onerror=alert(2)>\n$$"
    editions = Editions.load(store, warn=lambda message: None)
    markdown = editions.render(editions.issue("SN #1"), "markdown")
    assert "$x< y$" in markdown  # the same TeX: a space after "<" changes nothing in math
    assert unsafe_links(markdown_as_html(markdown)) == []


def test_a_markdown_link_destination_cannot_be_closed_early() -> None:
    from precis.markup import parse
    from precis.render.markdown import MarkdownRenderer

    r = MarkdownRenderer(lambda key: None)
    markdown = r.blocks(parse("[x](<https://example.org/a>)<script>alert(1)</script>>)"))
    assert unsafe_links(markdown_as_html(markdown)) == []
    markdown = r.blocks(parse("[x](https://example.org/a\\)"))
    assert unsafe_links(markdown_as_html(markdown)) == []


# -- search --------------------------------------------------------------------------------------


def test_search_never_hands_out_a_refused_link(store: Store, site: Path) -> None:
    hits = SearchIndex(store).search("Concrete Problems", limit=5)
    assert hits and hits[0].title == TITLE
    assert hits[0].link is None
    printed = invoke(store, "search", "Concrete Problems", "--json")
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout)["results"][0]["link"] is None
    client = TestClient(create_app(store, site))
    results = client.get("/api/search", params={"q": "Concrete Problems"}).json()["results"]
    assert results[0]["link"] is None
    assert all(scheme_of(r["link"]) in ("http", "https", "mailto") for r in results if r["link"])


def test_search_snippets_show_a_private_reference_as_its_anchor_only(store: Store) -> None:
    hits = SearchIndex(store).search("lab draft", limit=10)
    assert any("the lab draft" in h.snippet for h in hits)
    assert HIDDEN not in [h.title for h in hits]
    assert not any(HIDDEN.casefold() in (h.snippet + h.snippet_html).casefold() for h in hits)
    assert not any("SN #2" in h.snippet for h in hits)


# -- check ---------------------------------------------------------------------------------------


def test_check_names_every_refused_link_with_its_entry_and_field(store: Store) -> None:
    result = invoke(store, "check")
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert result.exit_code == 1
    fields = [*LINK_FIELDS, "issue url", "extra_links['Authors']", "summary link", "summary image",
              "opinion 1 link", "prerequisites link"]
    for field in fields:
        named = [e for e in errors if f"[{field}]" in e]
        assert named, (field, errors)
        assert all("(entry " in e and ("Concrete Problems" in e or field == "issue url") for e in named)
    assert "SN #1's link" in next(e for e in errors if "[issue url]" in e)
    assert not any("[summary link]" in e and "example.org/ok" in e for e in errors)


# -- base URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base", ["javascript:alert(1)//x/", " https://example.org/", "https://exa\tmple.org/", "example.org/", "/archive/"]
)
def test_a_base_url_that_is_not_a_plain_http_address_is_refused(store: Store, tmp_path: Path, base: str) -> None:
    with pytest.raises(PrecisError, match="the site's base URL"):
        build_site(store, tmp_path / "site", base_url=base)
    assert not (tmp_path / "site").exists()


def test_a_publication_url_the_policy_refuses_is_shown_as_text(tmp_path: Path) -> None:
    toml = tmp_path / "hostile.toml"
    toml.write_text(
        SAMPLE_TOML.read_text("utf-8").replace('url = "https://example.org/sample-newsletter/"',
                                               'url = "javascript:alert(1)"'), "utf-8"
    )
    store = Store(str(tmp_path / "p.db"))
    store.init(load_settings(toml))
    import_records(store, read_file(SAMPLE_CSV))
    build_site(store, tmp_path / "site")
    home = (tmp_path / "site/index.html").read_text("utf-8")
    assert "javascript:alert(1)" in home  # shown in the footer, as text
    assert unsafe_links(home) == []


# -- the podcast feed ----------------------------------------------------------------------------


def test_the_podcast_feed_links_and_texts_are_safe_and_follow_privacy(store: Store, tmp_path: Path) -> None:
    with store.session(by="test") as s:
        issue = s.scalars(select(Issue).where(Issue.number == 1)).one()
        entries = {e.title: e.id for e in s.scalars(select(Entry).where(Entry.issue_id == issue.id))}
        chapters = [
            {"id": "intro", "title": "Introduction", "start": 0, "end": 5, "kind": "intro"},
            {"id": "a", "title": TITLE, "start": 5, "end": 10, "kind": "entry", "entry_id": entries[TITLE]},
            {"id": "b", "title": "Zoom In: An Introduction to Circuits", "start": 10, "end": 20, "kind": "entry",
             "entry_id": entries["Zoom In: An Introduction to Circuits"]},
        ]
        s.add(Episode(issue_id=issue.id, path=str(tmp_path / "sn-1.mp3"), size=10, duration=20.0, engine="espeak",
                      voice="en", chapters=chapters))
    out = write_feed(store, tmp_path / "feed.xml", "https://example.org/pod/").path
    rss = lxml.etree.fromstring(out.read_bytes())
    item = rss.find("channel/item")
    assert item is not None and item.find("link") is None  # the issue's link is refused
    description = item.findtext("description") or ""
    assert "Concrete Problems" in description and "<script" not in description and "<img" not in description
    feed = feedparser.parse(out.read_bytes())
    assert all(scheme_of(link.href) in ALLOWED for e in feed.entries for link in e.links)

    with store.session(by="test") as s:
        s.scalars(select(Entry).where(Entry.title == "Zoom In: An Introduction to Circuits")).one().public_level = "No"
    xml = write_feed(store, tmp_path / "feed.xml", "https://example.org/pod/").path.read_text("utf-8")
    assert "Zoom In" not in xml
    with pytest.raises(PrecisError, match="the podcast image"):
        write_feed(store, tmp_path / "feed.xml", "https://example.org/pod/", image=" javascript:alert(1)//x.png")
    chapter_starts = [c.get("start") for c in lxml.etree.fromstring(xml.encode()).iter("{*}chapter")]
    assert chapter_starts == ["00:00:00.000", "00:00:05.000"]


# -- property: any link text in any link field -----------------------------------------------------

LINK_PIECES = st.sampled_from([
    "javascript:", "JaVaScRiPt:", "java", "script", ":", "vbscript:", "data:", "text/html,", "\t", "\n", " ",
    "\x00", "\x01", "\u200b", "http", "https://", "//", "mailto:", "alert(1)", "<", ">", '"', "'", "(", ")",
    "example.org", "/", "#", "%0a", "&#106;",
])
# Where ``plant_links`` puts a link: each link field, the issue's link, a summary's and an opinion's.
PLANTED = [*LINK_FIELDS, "issue", "summary", "opinion"]
LINK_TEXT = st.lists(st.one_of(LINK_PIECES, st.text(max_size=3)), max_size=8).map("".join)


class _Pages:
    """A SiteWriter stand-in that keeps the pages in memory."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}

    def write(self, path: str, data: str | bytes) -> None:
        self.files[path] = data if isinstance(data, str) else data.decode("utf-8")


def plant_links(store: Store, links: dict[str, str]) -> None:
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == TARGET)).one()
        for field in LINK_FIELDS:
            setattr(entry, field, links[field])
        entry.prerequisites, entry.read_more = "Prerequisite", "More"
        entry.summary = f"A [link]({links['summary']}) and <{links['summary']}> and ![i]({links['summary']})"
        entry.opinions[0].text = f"[o]({links['opinion']})"
        assert entry.issue is not None
        entry.issue.url = links["issue"]


_ENVIRONMENT: dict[str, Environment] = {}


def rendered(store: Store) -> dict[str, str]:
    """The target's archive entry page and issue page (rendered in memory), and its issue's email
    and Markdown editions."""
    archive = Archive.load(store, warn=lambda message: None)
    pages = _Pages()
    builder = SiteBuilder(archive, store, pages, None)  # type: ignore[arg-type]
    # One template environment for every rendering (compiling the templates is most of the cost).
    builder.env = _ENVIRONMENT.setdefault("site", builder.env)
    builder.env.globals.update(entry_list=builder.entry_list, chrome=builder.chrome)
    item = next(i for i in archive.entries if i.title == TARGET)
    builder.entry_page(item)
    assert item.issue is not None
    builder.issue_page(archive.issue_by_id[item.issue.id], None, None)
    issue = archive.editions.issue("SN #1")
    pages.files["email"] = archive.editions.render(issue, "html")
    pages.files["markdown"] = markdown_as_html(archive.editions.render(issue, "markdown"))
    return pages.files


@given(links=st.fixed_dictionaries(dict.fromkeys(PLANTED, LINK_TEXT)))
def test_any_link_text_in_any_link_field_makes_no_unsafe_link(plain_store: Store, links: dict[str, str]) -> None:
    plant_links(plain_store, links)
    for path, html in rendered(plain_store).items():
        assert unsafe_links(html) == [], path


@pytest.mark.parametrize("prefix", ["\x01", "\x00 ", "\x1f\t", "\u200b"])
def test_a_control_character_before_the_scheme_changes_nothing(plain_store: Store, prefix: str) -> None:
    plant_links(plain_store, dict.fromkeys(PLANTED, prefix + "javascript:alert(1)"))
    pages = rendered(plain_store)
    for path, html in pages.items():
        assert unsafe_links(html) == [], path


@pytest.fixture(scope="module")
def plain_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return load_sample(Store(str(tmp_path_factory.mktemp("property") / "p.db")))
