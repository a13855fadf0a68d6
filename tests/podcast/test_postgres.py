"""The episode table and the feed on PostgreSQL, as on SQLite."""

import feedparser

from precis.audio.cache import AudioCache
from precis.audio.episode import prepare, record
from precis.audio.feed import write_feed
from precis.store import Store
from tests.helpers import load_sample


def test_an_episode_recorded_in_postgresql_makes_a_feed(pg_url, espeak, tmp_path):
    store = load_sample(Store(pg_url))
    cache = AudioCache(tmp_path / "cache")
    plan = prepare(store, "SN #3", engine="espeak")
    record(store, plan, tmp_path / "sn-3.mp3", cache)
    result = record(store, plan, tmp_path / "sn-3.mp3", cache)  # again: replaces, from the cache
    assert result.synthesis.synthesized == []
    write_feed(store, tmp_path / "feed.xml", "http://127.0.0.1:8000/")
    (item,) = feedparser.parse(str(tmp_path / "feed.xml")).entries
    assert item.enclosures[0].length == str(result.size)
    assert [c.title for c in item.psc_chapters.chapters] == [c.title for c in result.chapters]
    store.close()
