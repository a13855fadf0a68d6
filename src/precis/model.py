"""The store's tables, as SQLAlchemy 2.x typed ORM classes.

Names follow DESIGN.md: a publication has issues; an entry is one summarized work with its opinions;
every change to an entry leaves a revision. Values that a spreadsheet carries verbatim (a title with
a trailing space, "N/A" in Email, the exact heading of an inline opinion) are kept verbatim so that
export gives back what import read.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

PUBLIC_LEVELS = ("Yes", "With edits", "Link only", "No")
EMAIL_STATUSES = ("Do not send", "Pending", "Sent", "Sent link only", "N/A")
SUMMARIZE_VALUES = ("Yes", "No", "1", "2", "3", "4", "5")
#: A person's role: owner (people, settings), editor (everything editorial, approves), contributor.
ROLES = ("owner", "editor", "contributor")
#: Where an entry is in its life, in order.
STATUSES = ("idea", "assigned", "draft", "in review", "approved", "scheduled", "published")
#: Where an issue is: composed in the newsroom (its entries scheduled), or out (number, date and entries
#: fixed). Issues read from a spreadsheet went out long ago: published.
ISSUE_STATES = ("draft", "published")
#: The largest value an ``Integer`` column holds on every store (PostgreSQL's ``integer``).
INTEGER_MAX = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def work_link(title_url: str | None, url: str | None) -> str | None:
    """A work's link: the Title cell's hyperlink, else the URL column."""
    return title_url or url


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON}


class Publication(Base):
    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    issue_prefix: Mapped[str] = mapped_column(String(20))
    house_style: Mapped[str] = mapped_column(String(50), default="alignment")
    # The whole parsed settings file: category tree, placement rule, boilerplate (see publication.py).
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    issues: Mapped[list[Issue]] = relationship(back_populates="publication")


class Issue(Base):
    """One numbered edition, e.g. "AN #139"."""

    __tablename__ = "issue"
    __table_args__ = (UniqueConstraint("publication_id", "series", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"))
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    date: Mapped[date | None] = mapped_column(Date)
    url: Mapped[str | None] = mapped_column(Text)
    # The newsroom's: a draft is being composed; publishing fixes it (``published_at``). The intro
    # is the issue's own opening text (summary markup), shown before its entries in every edition.
    status: Mapped[str] = mapped_column(String(20), default="published", server_default="published")
    intro: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    publication: Mapped[Publication] = relationship(back_populates="issues")
    entries: Mapped[list[Entry]] = relationship(
        back_populates="issue", order_by="Entry.position"
    )

    @property
    def label(self) -> str:
        return issue_label(self.series, self.number)

    @property
    def slug(self) -> str:
        return issue_slug(self.series, self.number)


def issue_label(series: str, number: int) -> str:
    """ "AN #139": how an issue is named everywhere; ``parse_issue_label`` reads it back."""
    return f"{series} #{number}"


def issue_slug(series: str, number: int) -> str:
    """ "an-139": an issue's name in file names, paths and anchors."""
    return f"{series.lower()}-{number}"


ISSUE_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*#\s*(\d+)\s*$")


def parse_issue_label(text: str) -> tuple[str, int] | None:
    """ "AN #139" -> ("AN", 139); None for anything else ("N/A", "")."""
    m = ISSUE_LABEL.match(text)
    return (m.group(1), int(m.group(2))) if m else None


def normalize_key(key: str) -> str:
    """A title or cross-reference key as references match it: its words, case folded
    ("  Deep  double descent" and "deep double Descent" are one key). ``Entry.title_key`` holds it."""
    return " ".join(key.split()).casefold()


class Entry(Base):
    """One summarized work: metadata, editorial fields, summary and opinions."""

    __tablename__ = "entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issue.id"), index=True)
    # Order in the source sheet and so within an issue's section.
    position: Mapped[int] = mapped_column(Integer, default=0)

    title: Mapped[str] = mapped_column(Text)
    # ``normalize_key(title)``, kept by ``_key_title`` (and by imports, which write rows without the
    # ORM): what a cross-reference finds its entry by, indexed so that resolving an issue's few
    # references reads those entries alone.
    title_key: Mapped[str | None] = mapped_column(Text)
    title_url: Mapped[str | None] = mapped_column(Text)  # the Title cell's hyperlink
    url: Mapped[str | None] = mapped_column(Text)  # the URL column
    authors: Mapped[str | None] = mapped_column(Text)  # as written; parsed into `author_list`
    venue: Mapped[str | None] = mapped_column(Text)
    venue_url: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    hat_tip: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(200), index=True)
    highlight: Mapped[bool] = mapped_column(Boolean, default=False)
    summarizer: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    prerequisites: Mapped[str | None] = mapped_column(Text)
    prerequisites_url: Mapped[str | None] = mapped_column(Text)
    read_more: Mapped[str | None] = mapped_column(Text)
    read_more_url: Mapped[str | None] = mapped_column(Text)

    public_level: Mapped[str] = mapped_column(String(20), default="Yes")
    email_status: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int | None] = mapped_column(Integer)  # "Rec?" 1-10
    summarize: Mapped[str | None] = mapped_column(String(10))  # "Summarize?"
    notes: Mapped[str | None] = mapped_column(Text)

    # The Email cell when it names no issue ("N/A"); None when it does or is empty.
    issue_note: Mapped[str | None] = mapped_column(String(50))
    # Whether the Email cell linked to the issue's URL (a few rows of the real sheet do not).
    issue_linked: Mapped[bool] = mapped_column(Boolean, default=True)
    # Hyperlinks on columns with no field of their own: {"Authors": "https://..."}.
    extra_links: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # The newsroom's: where the entry is in its life, who it is assigned to, and its version, which
    # every flush that changes the entry (or its opinions) raises by one and every UPDATE names, so
    # that a save made on an older version fails instead of overwriting (``version_id_col``).
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    issue: Mapped[Issue | None] = relationship(back_populates="entries")
    opinions: Mapped[list[Opinion]] = relationship(
        back_populates="entry",
        order_by="Opinion.position",
        cascade="all, delete-orphan",
    )
    author_list: Mapped[list[EntryAuthor]] = relationship(
        back_populates="entry",
        order_by="EntryAuthor.position",
        cascade="all, delete-orphan",
    )
    assignee: Mapped[Person | None] = relationship(foreign_keys=[assignee_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as given)
    # A hash index on PostgreSQL: a btree's entries are limited to about 2.7 kB, and a title is not.
    # The newsroom's lists read a page newest change first through the other two (``pipeline_0001``).
    __table_args__ = (
        Index("ix_entry_title_key", "title_key", postgresql_using="hash"),
        Index("ix_entry_updated", "updated_at", "id"),
        Index("ix_entry_status_updated", "status", "updated_at", "id"),
    )

    @validates("title")
    def _key_title(self, _name: str, title: str | None) -> str | None:
        """Every title set through the ORM (a new entry, an edit, an import's update, a restored
        revision) sets its key with it."""
        self.title_key = normalize_key(title) if title is not None else None
        return title

    @property
    def clean_title(self) -> str:
        return self.title.strip()

    @property
    def link(self) -> str | None:
        return work_link(self.title_url, self.url)


class Opinion(Base):
    """An opinion paragraph with its author; an entry can have several, in order."""

    __tablename__ = "opinion"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    # For the second and later opinions of a sheet cell: the exact separator and heading that
    # introduced it ("\n\n**Rohin's opinion:** "), so that export writes the cell back unchanged.
    marker: Mapped[str | None] = mapped_column(String(200))
    # The person who wrote it, when known (an opinion written in the newsroom): they may edit it.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    entry: Mapped[Entry] = relationship(back_populates="opinions")


class EntryAuthor(Base):
    """One author of an entry, parsed from its authors text (for indexes and search by author)."""

    __tablename__ = "entry_author"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), index=True)
    equal_contribution: Mapped[bool] = mapped_column(Boolean, default=False)

    entry: Mapped[Entry] = relationship(back_populates="author_list")


class Revision(Base):
    """One change to an entry: when, by whom, and the entry before and after (None when absent).

    ``entry_id`` is deliberately not a foreign key, so that an entry's history outlives it.
    """

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The entry's version after the change, and the person who made it (None: a command or import).
    version: Mapped[int | None] = mapped_column(Integer)
    person_id: Mapped[int | None] = mapped_column(Integer, index=True)


class Person(Base):
    """Someone on the team. ``aliases`` are the other names they appear under in the archive
    ("Flo" for "Flo Dorner"); ``email`` is kept lower-cased and is private everywhere."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(Text)  # argon2; None until they set one
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


class Credential(Base):
    """A secret that stands for a person, stored only as its SHA-256: an API token, a login
    session, or a one-time invitation to set a password (``kind``)."""

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "token", "session", "invitation"
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """A failed login, kept to limit how fast passwords can be guessed (by email and by address)."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AppSecret(Base):
    """A key the app signs with (cookies, CSRF tokens, links): in the store, so every worker
    process shares it."""

    __tablename__ = "app_secret"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Comment(Base):
    """A comment on an entry; ``parent_id`` makes threads. Resolved comments stay, marked."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    mentions: Mapped[list[Mention]] = relationship(cascade="all, delete-orphan")


class Mention(Base):
    """A person named with @ in a comment: it shows on their "for me" page."""

    __tablename__ = "mention"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)


class Activity(Base):
    """One thing that happened in the newsroom: an entry made, saved, moved to a status, restored,
    commented on. ``detail`` holds what a line on the activity page shows."""

    __tablename__ = "activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
