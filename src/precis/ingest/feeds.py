"""RSS 2.0 and Atom 1.0 feeds (and the arXiv API's Atom), read with feedparser.

feedparser is lenient: it reads broken XML with a fallback parser and guesses encodings. Ingest is
strict instead: a feed that is not well-formed XML or not valid text in its declared encoding is an
error naming the feed, so that nothing half-read or garbled reaches the triage queue.
"""

from __future__ import annotations

import xml.sax
from datetime import date
from time import struct_time
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree
from lxml import html as lxml_html

from precis.errors import PrecisError
from precis.identity import doi_of, site_of, split_arxiv_id
from precis.ingest.fetch import Fetched, one_line
from precis.ingest.work import Work, html_to_text


def parse(fetched: Fetched) -> feedparser.FeedParserDict:
    """Parse a fetched feed strictly; the result is feedparser's dictionary."""
    if fetched.media_type in ("text/html", "application/xhtml+xml"):
        links = _feed_links(fetched)
        hint = f"; it links to the feed {links[0]}" if links else ""
        raise PrecisError(f"{fetched.source}: not an RSS or Atom feed (got {fetched.media_type}){hint}")
    headers = {"content-location": fetched.url}
    content_type = fetched.headers.get("content-type", "")
    if "charset=" in content_type.lower():
        # Only a declared charset: without one, feedparser would assume us-ascii for text/xml.
        headers["content-type"] = content_type
    parsed = feedparser.parse(fetched.content, response_headers=headers)
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        if isinstance(exc, xml.sax.SAXParseException):
            raise PrecisError(
                f"{fetched.source}: malformed XML at line {exc.getLineNumber()}, column "
                f"{exc.getColumnNumber()}: {exc.getMessage()}"
            )
        if isinstance(exc, (feedparser.CharacterEncodingOverride, feedparser.CharacterEncodingUnknown)):
            raise PrecisError(f"{fetched.source}: not valid text in its declared encoding ({one_line(exc)})")
        if not isinstance(exc, feedparser.NonXMLContentType):
            raise PrecisError(f"{fetched.source}: cannot be read as a feed: {one_line(exc)}")
    if not parsed.get("version"):
        raise PrecisError(f"{fetched.source}: not an RSS or Atom feed (got {fetched.media_type or 'no content type'})")
    return parsed


def _feed_links(fetched: Fetched) -> list[str]:
    """The feeds an HTML page announces with <link rel="alternate" type="application/rss+xml">."""
    try:
        root = lxml_html.document_fromstring(fetched.content)
    except (etree.ParserError, ValueError):
        return []
    return [
        urljoin(fetched.url, link.get("href"))
        for link in root.xpath("//link[@rel='alternate'][@href]")
        if (link.get("type") or "").lower() in ("application/rss+xml", "application/atom+xml")
    ]


def works_of(fetched: Fetched) -> list[Work]:
    """Every item of an RSS or Atom feed as a work; items without a title are left out.

    The venue is the feed's title, unless the item links to arXiv or a forum post, which name
    their own venue (an aggregator's feed is not where its papers appeared)."""
    parsed = parse(fetched)
    venue = (parsed.feed.get("title") or "").strip() or None
    works = []
    for item in parsed.entries:
        title = (item.get("title") or "").strip()
        if not title:
            continue
        link = item.get("link") or next(
            (x.get("href") for x in item.get("links", []) if x.get("rel") == "alternate"), None
        )
        found = split_arxiv_id(link) or split_arxiv_id(item.get("id"))
        works.append(
            Work(
                title=title,
                source=fetched.source,
                url=link,
                authors=authors_of(item),
                venue=site_of(link) or venue,
                published=date_of(item),
                abstract=html_to_text(item.get("summary")),
                arxiv_id=found[0] if found else None,
                arxiv_version=found[1] if found else None,
                doi=doi_of(item.get("prism_doi") or item.get("dc_identifier") or item.get("arxiv_doi")),
            )
        )
    return works


def authors_of(item: dict[str, Any]) -> list[str]:
    names = [a.get("name", "") for a in item.get("authors", []) if a.get("name")]
    if not names and item.get("author"):
        names = [item["author"]]
    return names


def date_of(item: dict[str, Any]) -> date | None:
    parsed: struct_time | None = item.get("published_parsed") or item.get("updated_parsed")
    return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday) if parsed else None
