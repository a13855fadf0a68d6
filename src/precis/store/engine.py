"""Where the store is and how to connect to it: the database URL and the engine.

A plain path is a SQLite file, opened in WAL mode with foreign keys enforced; anything with
``://`` is a SQLAlchemy URL (PostgreSQL).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError

from precis.errors import InvalidValue

DEFAULT_DB = "precis.db"


def database_url(path_or_url: str) -> str:
    """A plain path means a SQLite file; anything with ``://`` is a SQLAlchemy URL."""
    if "://" in path_or_url:
        try:
            make_url(path_or_url)
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            raise InvalidValue("database URL", path_or_url, "not a valid SQLAlchemy URL") from None
        return path_or_url
    return f"sqlite:///{Path(path_or_url).expanduser().resolve()}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database)."""
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def open_engine(url: str) -> Engine:
    """An engine for ``url``; on SQLite every new connection gets the store's pragmas."""
    engine = create_engine(url)
    if is_sqlite(url):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()
