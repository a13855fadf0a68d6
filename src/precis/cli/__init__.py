"""The ``precis`` command: a thin shell over the library.

Each module in this package adds its commands to ``app``; none holds logic beyond reading
arguments and printing. Errors a user can fix are ``PrecisError``s, printed on one line (exit 1).
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field

import typer
from rich.console import Console
from sqlalchemy.exc import SQLAlchemyError

from precis.errors import InvalidValue, MissingExtra, NotFound, PrecisError
from precis.store import DEFAULT_DB, Store

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
    ctx.obj = State(db)


def state(ctx: typer.Context) -> State:
    found = ctx.find_object(State)
    assert found is not None, "the app's callback sets the State before any command runs"
    return found


def require_extra(what: str, extra: str, *modules: str) -> None:
    """Stop with one line when ``what`` needs an optional extra and some of its modules are missing.

    Commands import their feature's library inside the command, so a missing extra never stops
    ``precis`` itself or any other command; this check turns it into advice instead of a traceback.
    """
    missing = tuple(m for m in modules if importlib.util.find_spec(m) is None)
    if missing:
        raise MissingExtra(extra, what, missing)


# The library names a value by its field; the command line by the option that sets it.
# Fields given as arguments rather than options are named as their metavar.
OPTION_OF_FIELD = {"database URL": "--db", "issue": "ISSUE", "query": "QUERY"}


def error_message(exc: PrecisError) -> str:
    """A library error worded for the command line: options by their flag, and the command that
    makes a missing store."""
    if isinstance(exc, InvalidValue):
        option = OPTION_OF_FIELD.get(exc.field)
        if option is None and exc.field.isidentifier():
            option = "--" + exc.field.replace("_", "-")
        if option is not None:
            return f"{option} {exc.value!r}: {exc.reason}"
    if isinstance(exc, NotFound) and exc.kind in ("store", "publication"):
        return f"{exc}; run `precis --db {exc.key} init` first"
    return str(exc)


def main() -> None:
    """Entry point: run the app, turning user errors into one line on stderr and exit 1."""
    try:
        app()
    except PrecisError as exc:
        print(f"precis: error: {error_message(exc)}", file=sys.stderr)
        sys.exit(1)
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        print(f"precis: database error: {detail}", file=sys.stderr)
        sys.exit(1)
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
