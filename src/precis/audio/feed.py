"""The podcast feed: RSS 2.0 with iTunes tags (feedgen's podcast extension) over recorded episodes.

Each item has its enclosure (URL under ``base_url``, length in bytes, audio/mpeg), duration, episode
number, a description listing the issue's contents with start times, and its chapters as Podlove
Simple Chapters (``psc:chapters``, read by many podcast apps and by feedparser). Everything comes
from the store: the files themselves need only be uploaded next to each other under ``base_url``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from precis.audio.episode import clock, contents_text
from precis.audio.model import Episode
from precis.audio.segments import Chapter
from precis.errors import PrecisError
from precis.links import base_url_of, safe_url, scheme_of
from precis.model import Entry, Issue
from precis.public import IssueRef, is_public
from precis.render.html import feed_text
from precis.render.view import issue_heading
from precis.store import Store, settings_of

PSC_NS = "http://podlove.org/simple-chapters"


@dataclass(frozen=True)
class FeedResult:
    path: Path
    episodes: int


def _psc_extensions() -> tuple[type, type]:
    """feedgen extension classes writing ``<psc:chapters>`` into each item."""
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from feedgen.util import xml_elem

    class PscExtension(BaseExtension):
        def extend_ns(self) -> dict[str, str]:
            return {"psc": PSC_NS}

    class PscEntryExtension(BaseEntryExtension):
        def __init__(self) -> None:
            self.chapters: list[Chapter] = []

        def extend_rss(self, entry):
            if self.chapters:
                element = xml_elem(f"{{{PSC_NS}}}chapters", entry)
                element.attrib["version"] = "1.2"
                for c in self.chapters:
                    chapter = xml_elem(f"{{{PSC_NS}}}chapter", element)
                    chapter.attrib["start"] = _psc_time(c.start)
                    chapter.attrib["title"] = c.title
            return entry

    return PscExtension, PscEntryExtension


def _psc_time(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def check_base_url(base_url: str) -> str:
    """Where the MP3 files are served from, ending in "/" (an absolute http(s) URL)."""
    # The wording names the command's option, as tests/podcast expect (see the closing note).
    return base_url_of(base_url, "the podcast's base URL")


def _image_url(image: str) -> str:
    """The cover image's address, which podcast apps fetch: an http(s) URL, as the link policy reads it."""
    url = safe_url(image)
    if url is None or scheme_of(url) not in ("http", "https"):
        raise PrecisError(f"the podcast image {image!r}: give the http(s) URL of a .jpg or .png file")
    return url


def _public_now(chapters: list[Chapter], public: set[int]) -> list[Chapter]:
    """The chapters the public may still see: an entry made private since the episode was
    recorded loses its chapter (the one before it runs on over its time) until the episode is
    recorded again."""
    kept = [c for c in chapters if c.entry_id is None or c.entry_id in public]
    return [replace(c, end=kept[i + 1].start if i + 1 < len(kept) else chapters[-1].end) for i, c in enumerate(kept)]


def write_feed(
    store: Store, out: Path, base_url: str, image: str | None = None, email: str | None = None
) -> FeedResult:
    """Write the podcast feed of every recorded episode to ``out``; newest issue first."""
    from feedgen.feed import FeedGenerator

    base = check_base_url(base_url)
    with store.session() as s:
        publication = store.default_publication(s)
        settings = settings_of(publication)
        episodes = s.scalars(
            select(Episode)
            .join(Issue, Episode.issue_id == Issue.id)
            .where(Issue.publication_id == publication.id)
            .options(selectinload(Episode.issue))
        ).all()
        public = {
            i for i, level, status in s.execute(select(Entry.id, Entry.public_level, Entry.status))
            if is_public(level, status)
        }
    rank = {series: i for i, series in enumerate(settings.series)}
    episodes = sorted(episodes, key=lambda e: (rank.get(e.issue.series, len(rank)), e.issue.number))

    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("psc", *_psc_extensions())
    fg.title(feed_text(settings.name))
    # feedgen writes the last link given as the channel's <link>: the self link goes first.
    fg.link(href=base + quote(Path(out).name), rel="self")
    fg.link(href=safe_url(settings.url) or base, rel="alternate")
    fg.description(feed_text(f"The audio edition of the {settings.name}, read by a synthetic voice."))
    fg.language("en")
    fg.generator("Précis")
    fg.podcast.itunes_author(settings.name)
    fg.podcast.itunes_summary(f"Every issue of the {settings.name}, read aloud, with a chapter per entry.")
    fg.podcast.itunes_category("Technology")
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_type("episodic")
    if image:
        fg.podcast.itunes_image(_image_url(image))
    if email:
        fg.podcast.itunes_owner(name=settings.name, email=email)
    for episode in episodes:  # feedgen puts each new item first: oldest goes in first
        issue = episode.issue
        chapters = _public_now([Chapter.from_dict(c) for c in episode.chapters], public)
        title = issue_heading(settings, IssueRef.of(issue))
        url = base + quote(Path(episode.path).name)
        item = fg.add_entry()
        item.id(f"{settings.slug}/{issue.slug}")
        item.guid(f"{settings.slug}/{issue.slug}", permalink=False)
        item.title(feed_text(title))
        link = safe_url(issue.url)
        if link:
            item.link(href=link)
        item.description(feed_text(_description(title, chapters)))
        item.enclosure(url, str(episode.size), "audio/mpeg")
        published = (
            datetime.combine(issue.date, time(12), tzinfo=UTC) if issue.date else _aware(episode.created_at)
        )
        item.pubDate(published)
        item.podcast.itunes_duration(clock(episode.duration))
        item.podcast.itunes_episode(issue.number)
        item.podcast.itunes_episode_type("full")
        item.podcast.itunes_explicit("no")
        item.psc.chapters = chapters
    out = Path(out)
    try:
        fg.rss_file(str(out), pretty=True)
    except OSError as exc:
        raise PrecisError(f"{out}: cannot write the feed ({exc.strerror})") from None
    return FeedResult(out, len(episodes))


def _description(title: str, chapters: list[Chapter]) -> str:
    return f"{title}.\n\nContents:\n{contents_text(chapters)}"


def _aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
