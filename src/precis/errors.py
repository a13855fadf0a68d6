"""The one error type for things a user did wrong."""


class PrecisError(Exception):
    """A problem with the user's input or request.

    The message says what is wrong and where (file, row, column, field); the CLI prints it on one
    line without a traceback and exits 1.
    """
