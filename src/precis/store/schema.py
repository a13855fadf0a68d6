"""The store's schema: made and upgraded by Alembic (``precis/migrations``).

Every command opens a store and checks its schema is current; importing Alembic takes half a second,
so that check reads the store's heads with one query and compares them with ``precis.migrations.HEADS``
(a test keeps that equal to Alembic's view of the migrations); Alembic is imported only when they differ.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from precis.errors import NotFound, StoreError
from precis.migrations import HEADS, VERSION_TABLE
from precis.store.engine import sqlite_path

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from precis.store import Store


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "precis:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def schema_revision(store: Store) -> tuple[str, ...] | None:
    """The store's Alembic heads, or None when no schema was ever made."""
    try:
        with store.engine.connect() as conn:
            heads = _current_heads(conn)
    except OperationalError as exc:
        raise StoreError(f"cannot open database {store.display}: {exc.orig}") from None
    return heads or None


def _current_heads(conn: Connection) -> tuple[str, ...]:
    """The revisions Alembic recorded in the store (what ``MigrationContext.get_current_heads``
    reads, without importing Alembic)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return ()
    return tuple(sorted(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()))


def exists(store: Store) -> bool:
    """Whether a store was initialized here; a SQLite file that is not there is not created."""
    if store.is_sqlite:
        path = sqlite_path(store.url)
        if path is None or not path.exists():
            return False
    return schema_revision(store) is not None


def is_current(store: Store) -> bool:
    """Whether the schema is at the newest revision of every branch this Précis knows.

    A store made by a newer Précis (a revision this one does not know) is a ``StoreError``:
    upgrading it would fail and downgrading it could lose data.
    """
    heads = set(schema_revision(store) or ())
    if heads == HEADS:
        return True
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        script = ScriptDirectory.from_config(alembic_config(store.url))
        _refuse_unknown(store, script, heads)
        return heads == set(script.get_heads())
    except CommandError as exc:
        raise StoreError(f"{store.display}: cannot read the schema's revisions: {exc}") from None


def _refuse_unknown(store: Store, script: ScriptDirectory, heads: set[str]) -> None:
    known = {rev.revision for rev in script.walk_revisions()}
    if unknown := sorted(heads - known):
        raise StoreError(
            f"{store.display}: made by a newer version of Précis (schema {', '.join(unknown)}); "
            "upgrade Précis to use it"
        )


def migrate(store: Store, connection: Connection | None = None) -> None:
    """Create or upgrade the schema to the newest revision of every branch, in one transaction
    (``connection``'s, left open, when given: ``Store.creating``).

    Two processes migrating one store at once take turns (the second finds the schema made), and a
    database that holds tables but no Précis schema is refused before anything is written to it.
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    cfg = alembic_config(store.url)
    try:
        with nullcontext(connection) if connection is not None else store.engine.begin() as conn:
            _lock(conn)
            heads = set(_current_heads(conn))
            _refuse_unknown(store, ScriptDirectory.from_config(cfg), heads)
            if not heads and (tables := inspect(conn).get_table_names()):
                shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
                raise StoreError(
                    f"{store.display}: holds tables that are not a Précis store ({shown}); "
                    "give a new file or an empty database"
                )
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
    except OperationalError as exc:
        raise StoreError(f"cannot open database {store.display}: {exc.orig}") from None
    except CommandError as exc:
        raise StoreError(f"{store.display}: cannot upgrade the schema: {exc}") from None


def _lock(conn: Connection) -> None:
    """Hold the database's write lock (SQLite) or a migration lock (PostgreSQL) until the
    transaction ends, so that two migrations of one store run one after the other."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('precis schema'))"))


def require(store: Store) -> None:
    """Fail unless a store was initialized here (``NotFound``); upgrade its schema if old."""
    if not exists(store):
        raise NotFound(f"{store.display}: no Précis store here", kind="store", key=store.display)
    if not is_current(store):
        migrate(store)
