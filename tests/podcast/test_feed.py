"""The podcast feed over recorded episodes, read back with feedparser as a podcast app would."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import feedparser
import pytest
from sqlalchemy import select

from precis.audio.cache import AudioCache
from precis.audio.episode import EpisodeResult, clock, prepare, record
from precis.audio.feed import write_feed
from precis.errors import PrecisError
from precis.model import Issue
from precis.store import Store
from tests.helpers import load_sample, require_program

BASE = "https://podcast.example.org/sample/"


@dataclass
class Published:
    store: Store
    episodes: dict[str, EpisodeResult]
    feed: feedparser.FeedParserDict


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    """The sample publication with SN #1 (dated) and SN #2 recorded, and its feed."""
    require_program("espeak-ng")
    folder = tmp_path_factory.mktemp("feed")
    store = load_sample(Store(str(folder / "sample.db")))
    with store.session() as s:
        s.scalar(select(Issue).where(Issue.number == 1)).date = date(2021, 1, 5)
    cache = AudioCache(folder / "cache")
    episodes = {
        label: record(store, prepare(store, label, engine="espeak"), folder / f"sn-{label[-1]}.mp3", cache)
        for label in ("SN #1", "SN #2")
    }
    write_feed(store, folder / "feed.xml", BASE, email="editors@example.org")
    return Published(store, episodes, feedparser.parse(str(folder / "feed.xml")))


def test_the_feed_is_well_formed_rss_2_with_itunes_and_chapter_namespaces(published):
    feed = published.feed
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert "http://www.itunes.com/dtds/podcast-1.0.dtd" in feed.namespaces.values()
    assert "http://podlove.org/simple-chapters" in feed.namespaces.values()


def test_the_channel_carries_the_podcast_tags(published):
    channel = published.feed.feed
    assert channel.title == "Sample Newsletter"
    assert channel.link == "https://example.org/sample-newsletter/"
    assert channel.language == "en"
    assert channel.author_detail.name == "Sample Newsletter"  # itunes:author
    assert channel.tags[0].term == "Technology"  # itunes:category
    assert "itunes_explicit" in channel  # "no": feedparser reads it as None, "yes" as True
    assert channel.publisher_detail.email == "editors@example.org"  # itunes:owner


def test_one_item_per_episode_newest_issue_first(published):
    items = published.feed.entries
    assert [i.title for i in items] == ["Sample Newsletter #2", "Sample Newsletter #1"]
    assert [i.itunes_episode for i in items] == ["2", "1"]
    assert items[0].link == "https://example.org/sample-newsletter/2"
    assert items[0].id == "sample-newsletter/sn-2"


def test_enclosure_points_at_the_file_with_its_length_and_type(published):
    item = published.feed.entries[0]
    (enclosure,) = item.enclosures
    episode = published.episodes["SN #2"]
    assert enclosure.href == BASE + "sn-2.mp3"
    assert enclosure.length == str(episode.path.stat().st_size)
    assert enclosure.type == "audio/mpeg"


def test_duration_and_publication_date(published):
    second, first = published.feed.entries
    assert second.itunes_duration == clock(published.episodes["SN #2"].duration)
    assert tuple(first.published_parsed[:3]) == (2021, 1, 5)  # the issue's date


def test_description_lists_the_issues_contents(published):
    description = published.feed.entries[1].description
    for title in ("Zoom In: An Introduction to Circuits", "Deep Reinforcement Learning from Human Preferences",
                  "Concrete Problems in AI Safety", "Sample Fellowship Announcement"):
        assert title in description
    assert "Technical AI alignment > Robustness" in description


def test_items_carry_their_chapters(published):
    item = published.feed.entries[1]
    chapters = item.psc_chapters.chapters
    recorded = published.episodes["SN #1"].chapters
    assert [c.title for c in chapters] == [c.title for c in recorded]
    assert chapters[0].start == "00:00:00.000"
    assert [c.start_parsed.total_seconds() for c in chapters] == pytest.approx([c.start for c in recorded], abs=0.001)


def test_a_base_url_that_is_not_http_is_refused(published, tmp_path):
    with pytest.raises(PrecisError, match="the podcast's base URL"):
        write_feed(published.store, tmp_path / "feed.xml", "podcast.example.org")
    assert not (tmp_path / "feed.xml").exists()
