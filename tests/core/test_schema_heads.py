"""The schema check every command makes without Alembic agrees with Alembic."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from precis.migrations import HEADS
from precis.store import Store, alembic_config


def test_the_known_heads_are_alembics_heads() -> None:
    """A migration added without updating ``HEADS`` would make every command think a current store
    old (and run Alembic each time) — or, worse, an old one current."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert set(script.get_heads()) == HEADS


def test_a_new_store_is_current_and_an_old_one_is_upgraded(tmp_path) -> None:
    with Store(str(tmp_path / "an.db")) as store:
        store.migrate()
        assert set(store.schema_revision() or ()) == HEADS
        assert store.is_current()
        with store.engine.begin() as conn:  # as a store made by an older Précis would be
            conn.exec_driver_sql("DELETE FROM alembic_version")
            conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0001_core')")
        assert not store.is_current()
