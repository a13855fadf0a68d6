"""The store's schema: made and upgraded by Alembic (``precis/migrations``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from precis.errors import NotFound, StoreError
from precis.store.engine import sqlite_path

if TYPE_CHECKING:
    from precis.store import Store


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "precis:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def schema_revision(store: Store) -> tuple[str, ...] | None:
    """The store's Alembic heads, or None when no schema was ever made."""
    try:
        with store.engine.connect() as conn:
            heads = MigrationContext.configure(conn).get_current_heads()
    except OperationalError as exc:
        raise StoreError(f"cannot open database {store.display}: {exc.orig}") from None
    return tuple(heads) or None


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
    script = ScriptDirectory.from_config(alembic_config(store.url))
    heads = set(schema_revision(store) or ())
    _refuse_unknown(store, script, heads)
    return heads == set(script.get_heads())


def _refuse_unknown(store: Store, script: ScriptDirectory, heads: set[str]) -> None:
    known = {rev.revision for rev in script.walk_revisions()}
    if unknown := sorted(heads - known):
        raise StoreError(
            f"{store.display}: made by a newer version of Précis (schema {', '.join(unknown)}); "
            "upgrade Précis to use it"
        )


def migrate(store: Store) -> None:
    """Create or upgrade the schema to the newest revision of every branch, in one transaction.

    Two processes migrating one store at once take turns (the second finds the schema made), and a
    database that holds tables but no Précis schema is refused before anything is written to it.
    """
    cfg = alembic_config(store.url)
    try:
        with store.engine.begin() as conn:
            _lock(conn)
            heads = set(MigrationContext.configure(conn).get_current_heads())
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
