"""The store owns every database connection and lets go of all of them when closed."""

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from precis.cli import error_message
from precis.errors import InvalidValue, NotFound, PrecisError, StoreError
from precis.model import Entry
from precis.sheets import read_file
from precis.store import Store, find_entry, import_records
from tests.helpers import SAMPLE_CSV


def wal_files(db: Path) -> list[Path]:
    """SQLite's side files: they stay while any connection to the database is open."""
    return [p for p in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")) if p.exists()]


def test_closing_a_store_closes_every_connection_it_opened(tmp_path):
    db = tmp_path / "an.db"
    store = Store(str(db))
    store.init()
    import_records(store, read_file(SAMPLE_CSV))
    dedicated = store.dedicated_connection()
    assert dedicated.execute("SELECT count(*) FROM entry").fetchone()[0] == 10
    assert wal_files(db)
    store.close()
    assert wal_files(db) == []  # the last connection to close removes them
    with pytest.raises(sqlite3.ProgrammingError):
        dedicated.execute("SELECT 1")
    db.unlink()
    with Store(str(db)) as again:
        assert not again.exists()


def test_dedicated_connections_of_many_threads_are_all_closed(tmp_path):
    db = tmp_path / "an.db"
    store = Store(str(db))
    store.init()
    raw: list[sqlite3.Connection] = []

    def search() -> None:
        connection = store.dedicated_connection()
        connection.execute("SELECT count(*) FROM publication").fetchone()
        raw.append(connection)

    threads = [threading.Thread(target=search) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in raw}) == 4
    store.close()
    for connection in raw:
        with pytest.raises(sqlite3.ProgrammingError):
            connection.execute("SELECT 1")
    assert wal_files(db) == []


def test_a_dedicated_connection_has_the_store_settings_and_is_nobody_elses(empty_store):
    connection = empty_store.dedicated_connection()
    assert connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with empty_store.session() as s:
        session_connection = s.connection().connection.dbapi_connection
    assert session_connection is not connection
    empty_store.close()


def test_a_store_used_as_a_context_manager_is_closed_after_the_block(tmp_path):
    db = tmp_path / "an.db"
    with Store(str(db)) as store:
        store.init()
        import_records(store, read_file(SAMPLE_CSV))
        with store.session() as s:
            assert s.scalar(select(func.count(Entry.id))) == 10
    assert wal_files(db) == []
    with pytest.raises(StoreError, match="closed"):
        store.session().__enter__()


def test_a_closed_store_refuses_work_and_closing_again_is_harmless(empty_store):
    empty_store.close()
    empty_store.close()
    for use in (empty_store.session().__enter__, empty_store.dedicated_connection, empty_store.require):
        with pytest.raises(StoreError, match=f"{empty_store.display}: the store is closed"):
            use()


def test_a_store_can_be_closed_while_another_thread_holds_a_connection(tmp_path):
    """Closing does not wait for a search in flight; that search's connection is closed under it."""
    db = tmp_path / "an.db"
    store = Store(str(db))
    store.init()
    opened, closed = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def search() -> None:
        connection = store.dedicated_connection()
        opened.set()
        closed.wait()
        try:
            connection.execute("SELECT 1")
        except sqlite3.ProgrammingError as exc:
            errors.append(exc)

    t = threading.Thread(target=search)
    t.start()
    opened.wait()
    store.close()
    closed.set()
    t.join()
    assert len(errors) == 1
    assert wal_files(db) == []


def test_a_session_open_when_the_store_closes_ends_normally_and_lets_go_of_its_connection(tmp_path):
    db = tmp_path / "an.db"
    store = Store(str(db))
    store.init()
    with store.session(by="late") as s:
        connection = s.connection().connection.dbapi_connection
        store.close()
        assert s.scalar(select(func.count(Entry.id))) == 0
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("SELECT 1")
    assert wal_files(db) == []


def test_a_missing_store_is_not_found_and_the_cli_says_how_to_make_it(tmp_path):
    with Store(str(tmp_path / "none.db")) as store, pytest.raises(NotFound) as caught:
        store.require()
    assert caught.value.kind == "store"
    assert str(caught.value) == f"{tmp_path / 'none.db'}: no Précis store here"
    assert error_message(caught.value).endswith(f"run `precis --db {tmp_path / 'none.db'} init` first")
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("url", ["postgresql+psycopg://user@host:notaport/db", "postgres ql://host/db"])
def test_a_bad_database_url_names_the_value_and_not_a_flag(url):
    with pytest.raises(InvalidValue) as caught:
        Store(url)
    assert (caught.value.field, caught.value.value) == ("database URL", url)
    assert str(caught.value) == f"database URL {url!r}: not a valid SQLAlchemy URL"
    assert error_message(caught.value) == f"--db {url!r}: not a valid SQLAlchemy URL"


def test_an_unopenable_store_is_a_store_error(tmp_path):
    with Store(str(tmp_path / "no-such-folder" / "an.db")) as store, pytest.raises(StoreError, match="cannot open"):
        store.migrate()


def test_a_store_from_a_newer_precis_is_refused_not_migrated(empty_store):
    with empty_store.engine.begin() as conn:
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES ('from_the_future')"))
    with pytest.raises(StoreError, match="newer version of Précis"):
        empty_store.require()
    empty_store.close()


def test_an_entry_that_is_not_there_is_not_found(sample_store):
    with sample_store.session() as s:
        with pytest.raises(NotFound, match="no entry with id 9999"):
            find_entry(s, "9999")
        with pytest.raises(NotFound, match="no entry titled 'Concrete Problems in Safety AI'; closest: 'Concrete"):
            find_entry(s, "Concrete Problems in Safety AI")
        with pytest.raises(PrecisError, match="entries match") as ambiguous:
            find_entry(s, "human")
    assert not isinstance(ambiguous.value, NotFound)
    sample_store.close()
