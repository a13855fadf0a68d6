"""The episode table and the feed on PostgreSQL, as on SQLite."""

import feedparser
import pytest

from precis.audio.cache import AudioCache
from precis.audio.episode import prepare, record
from precis.audio.feed import write_feed
from precis.publication import load_settings
from precis.sheets import read_file
from precis.store import Store, import_records
from tests.conftest import SAMPLE_CSV, SAMPLE_TOML

pytestmark = pytest.mark.postgres


def test_an_episode_recorded_in_postgresql_makes_a_feed(pg_url, espeak, tmp_path):
    store = Store(pg_url)
    store.init(load_settings(SAMPLE_TOML))
    import_records(store, read_file(SAMPLE_CSV))
    cache = AudioCache(tmp_path / "cache")
    plan = prepare(store, "SN #3", engine="espeak")
    record(store, plan, tmp_path / "sn-3.mp3", cache)
    result = record(store, plan, tmp_path / "sn-3.mp3", cache)  # again: replaces, from the cache
    assert result.synthesis.synthesized == []
    write_feed(store, tmp_path / "feed.xml", "http://127.0.0.1:8000/")
    (item,) = feedparser.parse(str(tmp_path / "feed.xml")).entries
    assert item.enclosures[0].length == str(result.size)
    assert [c.title for c in item.psc_chapters.chapters] == [c.title for c in result.chapters]
    store.engine.dispose()
