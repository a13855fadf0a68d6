"""Each entry's stored title key (what one issue's render finds its references' entries by): a
store made before it had one gets its keys when it is upgraded, and renders as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from precis.model import Entry, normalize_key
from precis.render import FORMATS, Editions
from precis.store import Store
from tests.helpers import load_sample


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "old.db")
    return str(request.getfixturevalue("pg_url"))


def renders(store: Store, alone: bool) -> dict[tuple[str, str, bool], str]:
    """Every issue in every format, public and private: each issue read alone, or all at once."""
    whole = Editions.load(store)
    out = {}
    for ref in whole.issues:
        editions = Editions.load(store, issue=ref.label) if alone else whole
        for fmt in FORMATS:
            for private in (False, True):
                out[ref.label, fmt, private] = editions.render(editions.issue(ref.label), fmt, private=private)
    return out


def keys_follow_titles(store: Store) -> bool:
    with store.session() as s:
        rows = s.execute(select(Entry.title, Entry.title_key)).all()
    return len(rows) == 10 and all(key == normalize_key(title) for title, key in rows)


def test_an_older_store_gets_its_title_keys_when_upgraded_and_renders_the_same(store_url: str) -> None:
    with load_sample(Store(store_url)) as store:
        assert keys_follow_titles(store)  # as the import wrote them, without the ORM
        with store.session() as s:  # a title whose key differs from it in case and spacing
            s.scalar(select(Entry).where(Entry.title == "Curve Detectors")).title = "  Curve   DETECTORS "
        expected = renders(store, alone=False)
        with store.engine.begin() as conn:  # as a Précis before title keys left the store
            conn.exec_driver_sql("DROP INDEX ix_entry_title_key")
            conn.exec_driver_sql("ALTER TABLE entry DROP COLUMN title_key")
            conn.exec_driver_sql("DELETE FROM alembic_version WHERE version_num = 'titles_0001'")
        assert not store.is_current()

        store.migrate()
        assert keys_follow_titles(store)
        assert renders(store, alone=True) == expected
