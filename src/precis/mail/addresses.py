"""What counts as an email address here: ASCII (mail goes without SMTPUTF8), one ``@``, no spaces
or brackets, a dotted domain."""

from __future__ import annotations

import re

MAX_LENGTH = 320
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\.]+(?:\.[^@\s<>()\[\],;:\"\\.]+)+")


def is_email(text: str) -> bool:
    return len(text) <= MAX_LENGTH and text.isascii() and _EMAIL.fullmatch(text) is not None


def normalize(text: str) -> str:
    """The form an address is kept in: trimmed and lower-cased."""
    return text.strip().lower()


def clean_name(text: str | None) -> str | None:
    """A person's name as kept: one line of at most 300 characters, or None."""
    name = " ".join("".join(c if c.isprintable() else " " for c in (text or "")).split())[:300]
    return name or None
