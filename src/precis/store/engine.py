"""Where the store is and how to connect to it: the database URL and the engine.

A plain path is a SQLite file, opened in WAL mode with foreign keys enforced; anything with
``://`` is a SQLAlchemy URL (PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from precis.errors import InvalidValue, StoreError

DEFAULT_DB = "precis.db"
#: How long (ms) a SQLite statement waits for a lock another connection holds.
BUSY_TIMEOUT_MS = 5000
#: The package that provides a database driver's module, where its name is not the module's.
DRIVER_PACKAGES = {
    "MySQLdb": "mysqlclient", "pymysql": "PyMySQL", "psycopg2": "psycopg2-binary", "cx_Oracle": "cx-Oracle",
}
#: What to use instead (the drivers Précis is tested with).
SUPPORTED = "a SQLite file path or a postgresql+psycopg:// URL"


def database_url(path_or_url: str) -> str:
    """A plain path means a SQLite file; anything with ``://`` is a SQLAlchemy URL."""
    if "://" in path_or_url:
        try:
            make_url(path_or_url)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            raise InvalidValue("database URL", path_or_url, "not a valid SQLAlchemy URL") from None
        return path_or_url
    return f"sqlite:///{Path(path_or_url).expanduser().resolve()}"


def describe(path_or_url: str) -> str:
    """The store as messages name it: the path as given, or the URL with its password hidden."""
    if "://" not in path_or_url or path_or_url.startswith("sqlite"):  # a file: no password
        return path_or_url
    try:
        return make_url(path_or_url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return path_or_url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    parsed = make_url(url)
    database = parsed.database
    if database and parsed.query.get("uri") == "true":  # sqlite:///file:PATH?mode=ro&uri=true
        database = database.removeprefix("file:")
    return Path(database) if database and database != ":memory:" else None


def open_engine(url: str) -> Engine:
    """An engine for ``url``; on SQLite every new connection gets the store's pragmas.

    ``StoreError`` when the URL names a database SQLAlchemy does not know or a driver that is not
    installed (said with the package to install), or an asyncio driver, which a store cannot use.
    """
    parsed = make_url(url)
    where = describe(url)
    try:
        if parsed.get_dialect().is_async:
            raise StoreError(f"{where}: {parsed.drivername} is an asyncio driver; use {SUPPORTED}")
        engine = create_engine(url)
    except NoSuchModuleError:
        raise StoreError(f"{where}: no database driver named {parsed.drivername!r}; use {SUPPORTED}") from None
    except ImportError as exc:  # the dialect is known but its driver module is not installed
        module = exc.name or parsed.get_driver_name()
        package = DRIVER_PACKAGES.get(module.split(".")[0], module.split(".")[0])
        raise StoreError(
            f"{where}: the {parsed.drivername} driver is not installed (no module {module!r}); "
            f"pip install {package}, or use {SUPPORTED}"
        ) from None
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
