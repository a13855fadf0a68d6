"""The errors a user can cause, by kind, so that each front end words them for its medium.

Every one is a ``PrecisError`` (the CLI prints it on one line and exits 1). Library messages never
name a CLI flag or a URL parameter: an ``InvalidValue`` carries its ``field`` and ``value`` so the
CLI can say ``--limit 500`` and the web layer ``limit=500``.
"""


class PrecisError(Exception):
    """A problem with the user's input or request.

    The message says what is wrong and where (file, row, column, field); the CLI prints it on one
    line without a traceback and exits 1.
    """


class NotFound(PrecisError):
    """Something asked for is not there: an entry, an issue, a store.

    ``kind`` says what (``"entry"``, ``"store"`` …) and ``key`` how it was asked for (the title,
    the store's path), so that a front end can add its own hint (the CLI: which command makes it).
    """

    def __init__(self, message: str, *, kind: str = "", key: str = "") -> None:
        self.kind = kind
        self.key = key
        super().__init__(message)


class InvalidValue(PrecisError):
    """A value that is not acceptable for a field; the message is ``{field} {value!r}: {reason}``."""

    def __init__(self, field: str, value: object, reason: str) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{field} {value!r}: {reason}")


class MissingExtra(PrecisError):
    """A feature whose optional dependencies (the extra ``extra``) are not installed."""

    def __init__(self, extra: str, feature: str, missing: tuple[str, ...] = ()) -> None:
        self.extra = extra
        self.feature = feature
        self.missing = missing
        said = f" (missing {', '.join(missing)})" if missing else ""
        super().__init__(f"{feature} needs the '{extra}' extra: pip install 'precis[{extra}]'{said}")


class StoreError(PrecisError):
    """The store cannot be used: it cannot be opened, it is closed, or a newer Précis made it."""


class Forbidden(PrecisError):
    """The person may not do this (their role, or the entry is not theirs); the web layer answers 403."""


class Conflict(PrecisError):
    """A change that no longer fits what it changes: a save made on an older version of an entry
    (``current`` is the entry as it is now, its newsroom JSON, so that the person can merge their
    change into it), or a triage candidate already made into an entry (``current``: the candidate's
    state). The web layer answers 409."""

    def __init__(self, message: str, current: dict[str, object]) -> None:
        self.current = current
        super().__init__(message)


class TooMany(PrecisError):
    """Too many requests of one kind in a short time (the web answers 429)."""
