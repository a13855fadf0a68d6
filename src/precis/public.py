"""What of an entry may appear in public outputs, by its public level.

- "Yes" and "With edits": everything an edition shows (never the editorial fields).
- "Link only": title, authors, venue, year and link, nothing written about it.
- "No": nothing at all.

Every public output (exports, editions, the archive, feeds, search) goes through these rules.
"""

from __future__ import annotations

from dataclasses import replace

from precis.record import EntryRecord

HIDDEN = "No"
LINK_ONLY = "Link only"


def is_public(level: str | None) -> bool:
    return level != HIDDEN


def is_link_only(level: str | None) -> bool:
    return level == LINK_ONLY


def public_record(rec: EntryRecord) -> EntryRecord | None:
    """The record as the public may see it, or None if it must not appear at all."""
    if not is_public(rec.public_level):
        return None
    editorial_cleared = replace(
        rec, public_level="Yes", email_status=None, priority=None, summarize=None, notes=None
    )
    if is_link_only(rec.public_level):
        return replace(
            editorial_cleared,
            summarizer=None,
            summary=None,
            opinions=[],
            prerequisites=None,
            prerequisites_url=None,
            read_more=None,
            read_more_url=None,
        )
    return editorial_cleared
