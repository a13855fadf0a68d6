"""The store: the only owner of database connections, search's included.

A store is SQLite in a file by default (WAL mode) or any SQLAlchemy URL (PostgreSQL). ``Store`` is
a small facade; each job lives in a module of its own:

- ``engine``: where the store is (``database_url``) and how to connect to it (SQLite pragmas);
- ``schema``: the schema, made and upgraded by Alembic;
- ``revisions``: every flush that changes an entry writes a ``Revision`` (before and after);
- ``imports``: writing records in, all of them or none;
- ``queries``: reading entries, records and settings out, and finding an entry by title.

Close a store when done (``store.close()``, or ``with Store(path) as store:``): it closes every
connection it opened. A closed store stays closed: using it again raises ``StoreError``, so that
nothing can open a connection behind the back of whoever closed it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy import event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from precis.errors import NotFound, StoreError
from precis.model import Publication
from precis.publication import Settings, load_settings
from precis.store import schema
from precis.store.engine import BUSY_TIMEOUT_MS, DEFAULT_DB, database_url, describe, is_sqlite, open_engine
from precis.store.imports import ImportResult, import_records, set_authors
from precis.store.queries import find_entry, load_records, publication_entries, settings_of
from precis.store.revisions import history, snapshot, track_revisions
from precis.store.schema import alembic_config

#: How long (ms) a writing session waits for another writer to finish (an import of the real archive
#: takes seconds) before the store is reported busy.
WRITER_WAIT_MS = 120_000

__all__ = [
    "DEFAULT_DB",
    "ImportResult",
    "Store",
    "alembic_config",
    "database_url",
    "find_entry",
    "history",
    "import_records",
    "load_records",
    "publication_entries",
    "set_authors",
    "settings_of",
    "snapshot",
]


class Store:
    """A handle on one database: sessions, schema, the default publication, and its connections."""

    def __init__(self, path_or_url: str = DEFAULT_DB) -> None:
        self.url = database_url(path_or_url)
        self.display = describe(path_or_url)  # the path, or the URL without its password
        self.is_sqlite = is_sqlite(self.url)
        self._engine: Engine | None = open_engine(self.url)
        event.listen(self._engine, "checkin", self._close_if_store_closed)
        self._sessions = sessionmaker(expire_on_commit=False)
        track_revisions(self._sessions)
        self._lock = threading.Lock()
        self._dedicated: list[PoolProxiedConnection] = []
        self._joined: Connection | None = None  # the transaction every session joins (``creating``)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine; ``StoreError`` once the store is closed."""
        engine = self._engine
        if engine is None:
            raise StoreError(f"{self.display}: the store is closed")
        return engine

    # -- schema ----------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether a store was initialized here (a missing SQLite file is not created)."""
        return schema.exists(self)

    def schema_revision(self) -> tuple[str, ...] | None:
        return schema.schema_revision(self)

    def is_current(self) -> bool:
        return schema.is_current(self)

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest revision of every branch."""
        schema.migrate(self)

    def require(self) -> None:
        """``NotFound`` unless the store has been initialized; upgrade its schema if old."""
        schema.require(self)

    # -- connections -----------------------------------------------------------------------

    @contextmanager
    def session(self, by: str | None = None, person_id: int | None = None) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back entirely on any error.

        ``by`` is who makes the change, written in every revision the transaction makes ("precis"
        if not given), with ``person_id`` when it is a person of the newsroom. On SQLite a session
        that names ``by`` is a writer: it takes the write lock as it starts (``BEGIN IMMEDIATE``,
        waiting up to ``WRITER_WAIT_MS`` for another writer to finish), so that two writers take
        turns instead of the second one writing over rows it read before the first committed; any
        other session reads one snapshot throughout (``BEGIN``).
        """
        session = self._sessions(bind=self._joined or self.engine)
        session.info["by"] = by or "precis"
        session.info["person_id"] = person_id
        try:
            if self.is_sqlite:  # the driver would begin only at the first write, after the reads
                connection = session.connection()
                if by:  # a writer waits as long as another's import may take, then resets the wait
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={WRITER_WAIT_MS}")
                    try:
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                    finally:
                        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                else:
                    connection.exec_driver_sql("BEGIN")
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dedicated_connection(self) -> DBAPIConnection:
        """A driver connection (``sqlite3.Connection`` on SQLite) of the caller's own, to hold
        open for long: search keeps one per thread.

        It is made like every other (on SQLite, with the store's pragmas) but is out of the pool,
        so no one else is handed it. The store keeps it until ``close()``, which closes it; the
        caller may close it sooner.
        """
        with self._lock:  # so that close() cannot miss a connection being made
            proxy = self.engine.raw_connection()
            proxy.detach()
            self._dedicated.append(proxy)
        connection = proxy.dbapi_connection
        assert connection is not None  # set by every checkout; only closing clears it
        return connection

    def close(self) -> None:
        """Close every connection the store opened, dedicated ones included, and the engine.

        A session still open in another thread is not cut short: its connection is closed when
        the session ends. Closing twice does nothing more; a closed store raises ``StoreError``
        when used.
        """
        with self._lock:
            engine, self._engine = self._engine, None
            dedicated, self._dedicated = self._dedicated, []
        for connection in dedicated:
            connection.close()
        if engine is not None:
            engine.dispose()

    def _close_if_store_closed(self, dbapi_connection: DBAPIConnection | None, _record: object) -> None:
        """Pool hook: a connection given back after ``close()`` (by a session that was still
        open) is closed rather than kept by the disposed pool."""
        if self._engine is None and dbapi_connection is not None:
            dbapi_connection.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    # -- publications ----------------------------------------------------------------------

    def init(self, settings: Settings | None = None) -> Publication:
        """Create the schema and the publication (the Alignment Newsletter unless given).

        Running it again with settings updates that publication's copy of them.
        """
        self.migrate()
        settings = settings or load_settings()
        try:
            return self._save_publication(settings)
        except IntegrityError:  # another process made the same publication meanwhile: update it
            return self._save_publication(settings)

    @contextmanager
    def creating(self, settings: Settings | None = None) -> Iterator[Store]:
        """The store made (``init``) and written in one transaction, on PostgreSQL, whose DDL is
        transactional: every session of the block joins that transaction, committed at the
        block's end; on any error nothing is, not even the schema (so a first import of a bad
        file leaves no store, without reading the file twice)."""
        if self.is_sqlite:
            raise ValueError("a new SQLite store is made in a file of its own (precis.store.imports.new_sqlite_store)")
        with self.engine.connect() as connection, connection.begin():
            self._joined = connection
            try:
                schema.migrate(self, connection)
                self._save_publication(settings or load_settings())
                yield self
            finally:
                self._joined = None

    def _save_publication(self, settings: Settings) -> Publication:
        with self.session(by="init") as s:
            pub = s.scalar(select(Publication).where(Publication.slug == settings.slug))
            if pub is None:
                pub = Publication(slug=settings.slug)
                s.add(pub)
            pub.name = settings.name
            pub.issue_prefix = settings.issue_prefix
            pub.house_style = settings.house_style
            pub.settings = settings.to_dict()
        return pub

    def default_publication(self, session: Session) -> Publication:
        pub = session.scalar(select(Publication).order_by(Publication.id).limit(1))
        if pub is None:
            raise NotFound(f"{self.display}: the store has no publication", kind="publication", key=self.display)
        return pub
