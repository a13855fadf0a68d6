"""A resolver made for a few references' keys (what one issue's render reads) resolves them and
suggests titles exactly as the resolver over the whole store does."""

from __future__ import annotations

from sqlalchemy import select

from precis.markup import Resolver
from precis.model import Entry
from precis.store import settings_of


def test_a_resolver_for_some_keys_agrees_with_the_whole_stores(sample_store):
    with sample_store.session() as s:
        series = settings_of(sample_store.default_publication(s)).series
        titles = list(s.scalars(select(Entry.title)))
        whole = Resolver.from_session(s, series)
        asked = [" " + titles[0].upper(), titles[1], "a title no entry has"]
        narrow = Resolver.from_session(s, series, keys=asked)
        earlier = Resolver.from_session(s, series, before=("SN", 2), keys=titles)
        assert [earlier.resolve(t) for t in titles] == [
            Resolver.from_session(s, series, before=("SN", 2)).resolve(t) for t in titles
        ]
    for key in asked:
        assert narrow.resolve(key) == whole.resolve(key)
    assert narrow.resolve(titles[2]) is None  # not asked for: not read
    # Its suggestions rank every title of the store, read when first asked (the session is closed).
    assert narrow.closest("concrete problems in safety") == whole.closest("concrete problems in safety")
