"""Writing many new rows of one table at once: SQLite's executemany of plain tuples, PostgreSQL's
``COPY ... FROM STDIN``.

An import writes hundreds of thousands of rows. SQLAlchemy's executemany prepares each row's
parameters in Python, and psycopg then sends the rows one statement at a time; here each value
goes through its column type's own bind processor for the dialect (so that the database stores
exactly what SQLAlchemy would have written: JSON text, SQLite's text dates) and nothing else.
Columns not named take their server-side defaults (on both stores, an ``id`` from the table's
sequence, in the rows' order); SQLAlchemy's Python-side defaults are not applied: give every
column that has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.types import TypeEngine

from precis.model import Base


def insert_rows(
    connection: Connection,
    model: type[Base],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    constants: Mapping[str, Any] | None = None,
    types: Mapping[str, TypeEngine[Any]] | None = None,
) -> None:
    """Insert ``rows`` (each a sequence of values in the order of ``columns``) into ``model``'s
    table, every row with the values of ``constants`` too (column -> value, prepared once).

    ``types`` replaces a column's type where its values must be written otherwise (such as a JSON
    column whose None is SQL NULL rather than JSON null).
    """
    table = model.__table__
    assert isinstance(table, Table)  # (a mapped class's own table, not a join)
    dialect = connection.dialect

    def processor(name: str) -> Callable[[Any], Any] | None:
        kind: TypeEngine[Any] = (types or {}).get(name, table.c[name].type)
        return kind.dialect_impl(dialect).bind_processor(dialect)

    fixed = tuple(value if (process := processor(name)) is None else process(value)
                  for name, value in (constants or {}).items())
    processed = [(i, process) for i, name in enumerate(columns) if (process := processor(name)) is not None]

    def prepare(row: Sequence[Any]) -> tuple[Any, ...]:
        if processed:
            row = list(row)
            for i, process in processed:
                row[i] = process(row[i])
        return (*row, *fixed)

    prepared = map(prepare, rows)
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in (*columns, *(constants or {})))
    target = dialect.identifier_preparer.format_table(table)
    if dialect.name == "postgresql":
        driver = connection.connection.driver_connection
        assert driver is not None  # an open connection's
        with driver.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for row in prepared:
                copy.write_row(row)
    else:
        values = list(prepared)
        if values:  # (an empty list would be one execution without parameters)
            marks = ", ".join("?" for _ in values[0])
            connection.exec_driver_sql(f"INSERT INTO {target} ({names}) VALUES ({marks})", values)
