"""RSS and Atom feeds of the issues, made with feedgen.

Each item is one issue: its heading, a link to its archive page and its public edition as HTML.
Feeds are reproducible (no "now" in them), so an unchanged archive rewrites no feed: an issue's
date is its ``date`` when known, else the last time one of its public entries changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time

from feedgen.feed import FeedGenerator
from markupsafe import Markup

from precis.render.html import feed_text
from precis.site.archive import Archive, IssueItem

FEED_ISSUES = 20


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_time(issue: IssueItem) -> datetime:
    if issue.issue.date is not None:
        return datetime.combine(issue.issue.date, time(0, 0), tzinfo=UTC)
    return max(_aware(item.data.updated_at) for item in issue.entries if item.data.updated_at is not None)


@dataclass(frozen=True)
class _Item:
    id: str
    title: str
    url: str
    moment: datetime
    dated: bool
    summary: str  # plain text
    content: str  # our own HTML, its links through the link policy


def feeds(
    archive: Archive, base: str, feed_base: str, content: Callable[[IssueItem, str], Markup]
) -> tuple[str, str]:
    """The (RSS, Atom) feeds of the newest issues.

    ``base`` is the site's address (absolute with a base URL, else relative to the feeds'
    folder); ``feed_base`` is where the feeds themselves are; ``content(issue, root)`` renders an
    issue's public edition with links starting at ``root``.

    Text goes where the formats say text: Atom's ``title`` and ``summary`` are text constructs, so
    they hold the plain text; RSS readers show ``title`` and ``description`` as HTML, so there the
    same text is escaped once more. Only ``content:encoded`` and Atom's ``content`` (type html)
    hold HTML, rendered by the editions.
    """
    newest = fed_issues(archive)
    items = [_item(archive, issue, base, content) for issue in reversed(newest)]  # feedgen puts the last added first
    latest = max((i.moment for i in items), default=datetime(2000, 1, 1, tzinfo=UTC))
    rss = _generator(archive, base, feed_base, items, latest, feed_text).rss_str(pretty=True)
    atom = _generator(archive, base, feed_base, items, latest, str).atom_str(pretty=True)
    return rss.decode("utf-8"), atom.decode("utf-8")


def fed_issues(archive: Archive) -> list[IssueItem]:
    """The issues the feeds show, newest first: the feeds depend on these and nothing else."""
    return list(reversed(archive.issues))[:FEED_ISSUES]


def _item(archive: Archive, issue: IssueItem, base: str, content: Callable[[IssueItem, str], Markup]) -> _Item:
    url = base + issue.path
    highlights = "; ".join(h.title for h in issue.highlights)
    return _Item(
        id=url if "://" in url else f"urn:precis:{archive.settings.slug}:issue:{issue.slug}",
        title=issue.heading,
        url=url,
        moment=issue_time(issue),
        dated=issue.issue.date is not None,
        summary=f"{len(issue.entries)} summaries" + (f"; highlights: {highlights}" if highlights else ""),
        content=str(content(issue, base)),
    )


def _generator(
    archive: Archive, base: str, feed_base: str, items: list[_Item], latest: datetime, text: Callable[[str], str]
) -> FeedGenerator:
    """A feed of ``items``, its text fields written through ``text``."""
    name = archive.settings.name
    about = f"Every issue of the {name}, from its public archive."
    fg = FeedGenerator()
    fg.id(feed_base + "issues.atom" if "://" in feed_base else f"urn:precis:{archive.settings.slug}:issues")
    fg.title(text(f"{name}: issues"))
    fg.subtitle(text(about))
    fg.description(text(about))
    fg.author({"name": name})
    fg.link(href=base, rel="alternate")
    fg.link(href=feed_base + "issues.atom", rel="self")
    fg.language("en")
    fg.generator("Précis")
    fg.updated(latest)
    fg.lastBuildDate(latest)
    for item in items:
        fe = fg.add_entry()
        fe.id(item.id)
        fe.title(text(item.title))
        fe.link(href=item.url)
        fe.updated(item.moment)
        if item.dated:
            fe.published(item.moment)
            fe.pubDate(item.moment)
        fe.description(text(item.summary), isSummary=True)
        fe.content(item.content, type="html")
    return fg
