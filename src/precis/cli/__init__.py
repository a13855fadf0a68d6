"""The ``precis`` command: a thin shell over the library.

Each module in this package adds its commands to ``app``; none holds logic beyond reading
arguments and printing. Errors a user can fix are ``PrecisError``s, printed on one line (exit 1).
"""

from __future__ import annotations

import errno
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from precis.errors import InvalidValue, NotFound, PrecisError
from precis.store import DEFAULT_DB, Store
from precis.store.engine import describe

app = typer.Typer(
    name="precis",
    help="Précis: the newsroom of a research-summary newsletter.\n\n"
    "Example: precis --db an.db init && precis --db an.db import alignment_newsletter.xlsx",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)
console = Console()
err = Console(stderr=True)


@dataclass
class State:
    db: str
    _store: Store | None = field(default=None, repr=False)

    def store(self, require: bool = True) -> Store:
        """The store named by --db; unless asked not to, it must have been initialized."""
        if self._store is None:
            self._store = Store(self.db)
        if require:
            self._store.require()
        return self._store

    def close(self) -> None:
        """Close the store's connections, if a command opened it (SQLite folds its log back into
        the file; PostgreSQL sees its clients leave)."""
        if self._store is not None:
            self._store.close()


@app.callback()
def options(
    ctx: typer.Context,
    db: str = typer.Option(
        DEFAULT_DB,
        "--db",
        envvar="PRECIS_DB",
        metavar="PATH_OR_URL",
        help="The store: a SQLite file path, or a SQLAlchemy URL such as "
        "postgresql+psycopg://user@host/precis.",
        show_default=True,
    ),
) -> None:
    """Précis: the newsroom of a research-summary newsletter."""
    if isinstance(ctx.obj, State):  # given by main(), which names the store in its error lines
        ctx.obj.db = db
    else:
        ctx.obj = State(db)


def state(ctx: typer.Context) -> State:
    found = ctx.find_object(State)
    assert found is not None, "the app's callback sets the State before any command runs"
    return found


#: The largest id a store can hold (a 64-bit signed integer, in SQLite and PostgreSQL alike).
LARGEST_ID = 2**63 - 1


def check_ids(ids: list[int], what: str) -> None:
    """Stop with one line at an id no store can hold (the database would overflow on it)."""
    if wrong := [i for i in ids if not 0 < i <= LARGEST_ID]:
        raise PrecisError(f"ID {wrong[0]}: no {what} has that id")


# The library names a value by its field; the command line by the option that sets it.
# Fields given as arguments rather than options are named as their metavar.
OPTION_OF_FIELD = {"database URL": "--db", "issue": "ISSUE", "query": "QUERY"}


def error_message(exc: PrecisError) -> str:
    """A library error worded for the command line: options by their flag, and the command that
    makes a missing store."""
    if isinstance(exc, InvalidValue):
        option = OPTION_OF_FIELD.get(exc.field)
        # A field in capitals is an environment variable (PRECIS_SMTP_URL): named as it is.
        if option is None and exc.field.isidentifier() and not exc.field.isupper():
            option = "--" + exc.field.replace("_", "-")
        if option is not None:
            return f"{option} {exc.value!r}: {exc.reason}"
    if isinstance(exc, NotFound) and exc.kind in ("store", "publication"):
        return f"{exc}; run `precis --db {exc.key} init` first"
    return str(exc)


#: What SQLite's own words for a problem with the database file mean to a user.
SQLITE_PROBLEMS = {
    "database is locked": "another process is writing to the store; try again when it has finished",
    "attempt to write a readonly database": "the store is read-only (its file or folder cannot be written)",
    "unable to open database file": "cannot open the database file (its folder is missing or cannot be written)",
    "file is not a database": "not a SQLite database",
    "database disk image is malformed": "the database file is damaged",
}


def database_message(exc: SQLAlchemyError, db: str) -> str:
    """A database error as one line naming the store (a URL without its password)."""
    detail = str(getattr(exc, "orig", None) or exc).strip()
    for words, meaning in SQLITE_PROBLEMS.items():
        if detail.startswith(words):
            return f"{describe(db)}: {meaning}"
    return f"database error in {describe(db)}: {detail}"


STDOUT = "standard output"


class NamedOutput:
    """Standard output whose write errors name it, as a file's name its file (``OSError.filename``)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return int(self._stream.write(text))
        except OSError as exc:
            exc.filename = exc.filename or STDOUT
            raise

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            exc.filename = exc.filename or STDOUT
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def os_message(exc: OSError) -> str:
    """A failed read or write as one line naming the file (or standard output)."""
    reason = exc.strerror or str(exc)
    return f"{exc.filename}: {reason}" if exc.filename is not None else reason


def _drop_output() -> None:
    """Point standard output at the null device, so that the interpreter's last flush of what it
    could not write does not fail again on the way out."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)


def one_line(message: str) -> str:
    """A message on one line (a database driver's may span several)."""
    return " ".join(message.split())


def fail(message: str, code: int = 1) -> None:
    print(f"precis: error: {one_line(message)}", file=sys.stderr)
    sys.exit(code)


def main() -> None:
    """Entry point: run the app, turning every error a user can cause into one line on stderr and
    exit 1. Anything else is a bug and keeps its traceback. The store is closed on the way out,
    whatever happened (``precis.program`` then leaves without tearing the interpreter down)."""
    current = State(DEFAULT_DB)
    sys.stdout = NamedOutput(sys.stdout)
    try:
        _run(current)
    finally:
        current.close()


def _run(current: State) -> None:
    try:
        try:
            app(obj=current)
        finally:
            sys.stdout.flush()  # what is still buffered fails here, inside the net
    except PrecisError as exc:
        fail(error_message(exc))
    except SQLAlchemyError as exc:
        fail(database_message(exc, current.db))
    except OSError as exc:
        if exc.filename == STDOUT:
            _drop_output()
            if exc.errno == errno.EPIPE:
                sys.exit(1)  # the reader of the output went away (`precis ... | head`): nothing to say
        fail(os_message(exc))
    except OverflowError as exc:
        fail(f"a number is too large: {exc}")
    except KeyboardInterrupt:
        print("precis: interrupted; nothing was committed", file=sys.stderr)
        sys.exit(130)


def _register_commands() -> None:
    """Import every module of this package: each adds its commands to ``app``.

    A feature's commands live in a module of their own (``cli/render.py``, ``cli/site.py`` …),
    so adding a feature adds a file and touches no other command's code.
    """
    import importlib
    import pkgutil

    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{module.name}")


_register_commands()
