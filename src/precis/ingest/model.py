"""The tables of ingest: candidates waiting for triage, and what each feed last answered.

Candidates are a table of their own rather than entries with a triage state: see docs/ingest.md
("Why candidates are not entries").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from precis.model import Base, Entry, utcnow

NEW = "new"
SUMMARIZE = "summarize"
SKIPPED = "skipped"
STATES = (NEW, SUMMARIZE, SKIPPED)


class Candidate(Base):
    """A work that may be summarized: its metadata, where it came from, and its triage."""

    __tablename__ = "candidate"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)

    title: Mapped[str] = mapped_column(Text)
    authors: Mapped[str | None] = mapped_column(Text)  # "A, B, C", as entries write them
    venue: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[date | None] = mapped_column(Date)
    abstract: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    arxiv_id: Mapped[str | None] = mapped_column(String(40), index=True)  # without version
    arxiv_version: Mapped[int | None] = mapped_column(Integer)
    doi: Mapped[str | None] = mapped_column(String(300), index=True)  # lower-cased
    url_key: Mapped[str | None] = mapped_column(Text)  # see precis.identity.url_key
    title_key: Mapped[str] = mapped_column(Text)  # see precis.identity.title_key

    source: Mapped[str] = mapped_column(Text)  # "feed https://…", "arXiv API (query …)", "page …"
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    state: Mapped[str] = mapped_column(String(20), default=NEW, index=True)
    priority: Mapped[int | None] = mapped_column(Integer)  # 1-10 when state is "summarize"
    reason: Mapped[str | None] = mapped_column(Text)  # why it was skipped
    # The archived entry this work already is, and how that was recognised:
    # "already in AN #58 (same arXiv id 1906.01820)".
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"))
    match: Mapped[str | None] = mapped_column(Text)

    score: Mapped[float | None] = mapped_column(Float)  # predicted interest, 0-1
    explanation: Mapped[str | None] = mapped_column(Text)  # one line: the nearest archived entries
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    entry: Mapped[Entry | None] = relationship()


class FeedState(Base):
    """A polled feed's validators for conditional GET, and when it was last read."""

    __tablename__ = "feed_state"
    __table_args__ = (UniqueConstraint("publication_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"))
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
