"""RSS and Atom feeds of the issues, made with feedgen.

Each item is one issue: its heading, a link to its archive page and its public edition as HTML.
Feeds are reproducible (no "now" in them), so an unchanged archive rewrites no feed: an issue's
date is its ``date`` when known, else the last time one of its public entries changed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time

from feedgen.feed import FeedGenerator
from markupsafe import Markup

from precis.site.archive import Archive, IssueItem

FEED_ISSUES = 20


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def issue_time(issue: IssueItem) -> datetime:
    if issue.issue.date is not None:
        return datetime.combine(issue.issue.date, time(0, 0), tzinfo=UTC)
    return max(_aware(item.data.updated_at) for item in issue.entries if item.data.updated_at is not None)


def feeds(
    archive: Archive, base: str, feed_base: str, content: Callable[[IssueItem, str], Markup]
) -> tuple[str, str]:
    """The (RSS, Atom) feeds of the newest issues.

    ``base`` is the site's address (absolute with ``--base-url``, else relative to the feeds'
    folder); ``feed_base`` is where the feeds themselves are; ``content(issue, root)`` renders an
    issue's public edition with links starting at ``root``.
    """
    name = archive.settings.name
    newest = list(reversed(archive.issues))[:FEED_ISSUES]
    fg = FeedGenerator()
    fg.id(feed_base + "issues.atom" if "://" in feed_base else f"urn:precis:{archive.settings.slug}:issues")
    fg.title(f"{name}: issues")
    fg.subtitle(f"Every issue of the {name}, from its public archive.")
    fg.description(f"Every issue of the {name}, from its public archive.")
    fg.author({"name": name})
    fg.link(href=base, rel="alternate")
    fg.link(href=feed_base + "issues.atom", rel="self")
    fg.language("en")
    fg.generator("Précis")
    latest = max((issue_time(i) for i in newest), default=datetime(2000, 1, 1, tzinfo=UTC))
    fg.updated(latest)
    fg.lastBuildDate(latest)
    for issue in reversed(newest):  # feedgen puts the last added first
        fe = fg.add_entry()
        url = base + issue.path
        fe.id(url if "://" in url else f"urn:precis:{archive.settings.slug}:issue:{issue.slug}")
        fe.title(issue.view.heading)
        fe.link(href=url)
        moment = issue_time(issue)
        fe.updated(moment)
        if issue.issue.date is not None:
            fe.published(moment)
            fe.pubDate(moment)
        highlights = "; ".join(h.title for h in issue.highlights)
        summary = f"{len(issue.entries)} summaries" + (f"; highlights: {highlights}" if highlights else "")
        fe.description(summary, isSummary=True)
        fe.content(str(content(issue, base)), type="html")
    return fg.rss_str(pretty=True).decode("utf-8"), fg.atom_str(pretty=True).decode("utf-8")
