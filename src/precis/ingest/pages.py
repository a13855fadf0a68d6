"""Metadata of a web page: citation_* (Highwire/Google Scholar) and Dublin Core meta tags,
JSON-LD, OpenGraph, and the page's own <title>, strongest first.

LessWrong and Alignment Forum post pages carry no citation tags: their title, authors and date
come from the JSON-LD ``DiscussionForumPosting`` the forum embeds, the site from the canonical URL.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from precis.errors import PrecisError
from precis.identity import doi_of, site_of, split_arxiv_id
from precis.ingest.fetch import Fetched, one_line
from precis.ingest.work import Work, clean, person_name

HTML_TYPES = ("text/html", "application/xhtml+xml", "")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
# What forum pages append to a post's title in <title>.
_TITLE_SUFFIX = re.compile(r"\s+[—–|-]\s+(?:LessWrong|AI Alignment Forum|Alignment Forum|EA Forum)(?: 2\.0)?$")
_ARTICLE_TYPES = {
    "article", "scholarlyarticle", "blogposting", "newsarticle", "discussionforumposting",
    "report", "techarticle", "creativework",
}


def work_of(fetched: Fetched) -> Work:
    """The work a fetched HTML page describes."""
    media = fetched.media_type
    head = fetched.content[:1024].lower()
    if media in FEED_TYPES or (media in ("text/xml", "application/xml") and (b"<rss" in head or b"<feed" in head)):
        raise PrecisError(f"{fetched.source}: this is a feed ({media}); use `precis ingest feed`")
    if media not in HTML_TYPES and not media.startswith("text/"):
        raise PrecisError(f"{fetched.source}: not an HTML page ({media}); give the page that links to it")
    text = fetched.text()
    return parse_html(text, fetched.url, fetched.source)


def parse_html(text: str, base_url: str, source: str) -> Work:
    try:
        root = lxml_html.document_fromstring(text.encode("utf-8"), parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise PrecisError(f"{source}: cannot be read as HTML: {one_line(exc)}") from None
    meta = _meta(root)
    ld = _json_ld(root)

    def first(*names: str) -> str | None:
        for name in names:
            for value in meta.get(name, []):
                if value.strip():
                    return value.strip()
        return None

    canonical = next(
        (x.get("href") for x in root.xpath("//link[@href]") if "canonical" in (x.get("rel") or "").lower().split()),
        None,
    )
    url = urljoin(base_url, canonical or first("og:url", "citation_abstract_html_url") or ld.get("url") or base_url)
    site = site_of(url)

    title = (
        first("citation_title", "dc.title")
        or _text(ld.get("headline") or ld.get("name"))
        or first("og:title", "twitter:title")
        or clean(root.findtext(".//title"))
    )
    if not title:
        raise PrecisError(f"{source}: no title found (no citation_title, og:title or <title>)")
    title = _TITLE_SUFFIX.sub("", clean(title))

    named = meta.get("citation_author") or meta.get("dc.creator") or []
    authors = [person_name(a) for a in named if a.strip()] or _ld_people(ld.get("author"))
    if not authors:  # "author" meta; article:author is usually a profile URL, not a name
        authors = [a for a in meta.get("author", []) + meta.get("article:author", []) if a.strip() and "://" not in a]

    published, year = _date(
        first("citation_publication_date", "citation_date", "citation_online_date", "dc.date", "dcterms.issued")
        or _text(ld.get("datePublished"))
        or first("article:published_time", "date")
    )
    abstract = (
        first("citation_abstract", "dc.description")
        or _text(ld.get("description"))
        or first("og:description", "description", "twitter:description")
    )
    venue = (
        site
        or first("citation_journal_title", "citation_conference_title", "citation_inbook_title")
        or first("og:site_name")
    )
    found = split_arxiv_id(first("citation_arxiv_id")) or split_arxiv_id(url)
    doi = doi_of(first("citation_doi", "prism.doi", "dc.identifier")) or doi_of(url)
    return Work(
        title=title,
        source=source,
        url=url,
        authors=authors,
        venue=venue,
        published=published,
        year=year,
        abstract=abstract,
        arxiv_id=found[0] if found else None,
        arxiv_version=found[1] if found else None,
        doi=doi,
    )


_PARSER = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True)


def _meta(root: Any) -> dict[str, list[str]]:
    """Meta tags by lower-cased name, property or itemprop, each with its values in page order."""
    out: dict[str, list[str]] = {}
    for el in root.xpath("//meta[@content]"):
        key = el.get("name") or el.get("property") or el.get("itemprop")
        if key:
            out.setdefault(key.strip().lower(), []).append(el.get("content") or "")
    return out


def _json_ld(root: Any) -> dict[str, Any]:
    """The first JSON-LD object on the page that describes an article or post."""
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop(0)
            if not isinstance(item, dict):
                continue
            stack.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
            kinds = item.get("@type", [])
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if any(str(k).lower() in _ARTICLE_TYPES for k in kinds):
                return item
    return {}


def _ld_people(value: Any) -> list[str]:
    people = value if isinstance(value, list) else [value] if value else []
    names = []
    for p in people:
        name = p.get("name") if isinstance(p, dict) else p if isinstance(p, str) else None
        if name and name.strip():
            names.append(name.strip())
    return names


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _date(text: str | None) -> tuple[date | None, int | None]:
    """A date from the forms meta tags use: 2019/06/05, 2019-06-05, ISO 8601 times, or a year."""
    if not text:
        return None, None
    text = text.strip()
    m = re.match(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})", text)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return d, d.year
        except ValueError:
            pass
    try:
        d = datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        return d, d.year
    except ValueError:
        pass
    m = re.match(r"^(\d{4})\b", text)
    return (None, int(m.group(1))) if m else (None, None)
