"""The public view: what of an entry may appear in a public output, decided here and nowhere else.

By the entry's public level:

- "Yes" and "With edits": everything an edition shows about the work and what was written about it.
- "Link only": title, link, authors, venue, year, its issue and where the issue placed it (category,
  highlight); nothing written about it (summarizer, H/T, summary, opinions, prerequisites, read more).
- "No": nothing at all.

Editorial fields (email status, Rec?, Summarize?, notes) are never in a view, public or private: an
``EntryData`` simply has no field for them, so no template or output can reach them.

Every public output (editions, the archive site, its feeds and downloads, search, the API,
``export --public``) is made from ``public_view(private_view(entry))`` (or, for file exports, ``public_record``, which
applies the same field lists to a record); none of them receives the ORM ``Entry``. Private
editions for reviewers use ``private_view``, the same shape with everything written about the work.

A public record holds only what a view holds: no editorial field, no public level, none of the
record fields a view has no place for (``UNVIEWED_FIELDS``), its links only as the link policy
gives them (``precis.links.safe_url``), and, in its texts, a cross-reference
to an entry that is not public (or to no entry) is rewritten to its anchor text, as the public
editions show it. It provides only those fields (``EntryRecord.provided``), so a public JSON file
has no key for the rest, and importing any public file changes none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from precis.links import safe_url
from precis.markup import Resolver, Target, find_references
from precis.model import Entry, Issue, issue_label, issue_slug, normalize_key, work_link
from precis.record import RECORD_FIELDS, EntryRecord

HIDDEN = "No"
LINK_ONLY = "Link only"
#: The one status whose entries the public may see outside the editions of their issue.
PUBLISHED = "published"

#: What was written about a work: absent from the public view of a "Link only" entry.
WRITTEN_FIELDS = (
    "summarizer",
    "hat_tip",
    "summary",
    "opinions",
    "prerequisites",
    "prerequisites_url",
    "read_more",
    "read_more_url",
)
#: The editors' own fields: in no view, and cleared from every public record.
EDITORIAL_FIELDS = ("email_status", "priority", "summarize", "notes")
#: Record fields a view has no place for (a venue's link, links on other cells): in no public record.
UNVIEWED_FIELDS = ("venue_url", "extra_links")
#: Record fields that are only ever links (hyperlinks of cells): a public record holds them as the
#: link policy gives them, or not at all.
HYPERLINK_FIELDS = ("title_url", "prerequisites_url", "read_more_url", "issue_url")
#: Record fields whose text is summary markup, where cross-references are.
MARKUP_FIELDS = ("summary", "prerequisites", "read_more")
# Field name -> empty value, as ``dataclasses.replace`` keyword arguments (typed Any for it).
_WRITTEN_CLEARED: dict[str, Any] = {name: None for name in WRITTEN_FIELDS if name != "opinions"}
_EDITORIAL_CLEARED: dict[str, Any] = dict.fromkeys(EDITORIAL_FIELDS)


def is_public(level: str | None, status: str | None) -> bool:
    """Whether an entry may appear in the public archive, its search, feeds and exports, and be
    reached by a public cross-reference: published, at a public level other than "No"."""
    return status == PUBLISHED and level != HIDDEN


def is_link_only(level: str | None) -> bool:
    return level == LINK_ONLY


@dataclass(frozen=True, slots=True)
class IssueRef:
    """An issue as outputs name, date and link it: plain values, no database object behind it."""

    id: int
    series: str
    number: int
    url: str | None
    date: date | None
    title: str | None
    intro: str | None = None  # the issue's own opening text (summary markup)
    published: bool = True  # False while the issue is a draft being composed

    @classmethod
    def of(cls, issue: Issue) -> IssueRef:
        return cls(
            issue.id, issue.series, issue.number, issue.url, issue.date, issue.title, issue.intro,
            issue.status == "published",
        )

    @property
    def label(self) -> str:
        return issue_label(self.series, self.number)

    @property
    def slug(self) -> str:
        return issue_slug(self.series, self.number)


@dataclass(frozen=True, slots=True)
class OpinionData:
    author: str | None
    text: str


@dataclass(frozen=True, slots=True)
class EntryData:
    """An entry as an output may show it: plain values, no database object behind it.

    ``link_only`` is true in the public view of a "Link only" entry (its written fields are then
    empty). ``public_level`` is kept so that a private edition can say what the public one hides.
    """

    id: int
    position: int
    title: str  # as written (may carry trailing spaces); outputs show it trimmed
    link: str | None
    authors: str | None  # as written
    author_names: tuple[str, ...]  # parsed, in order
    venue: str | None
    year: int | None
    category: str | None
    highlight: bool
    issue: IssueRef | None
    updated_at: datetime | None
    public_level: str
    status: str
    link_only: bool
    summarizer: str | None
    hat_tip: str | None
    summary: str | None
    opinions: tuple[OpinionData, ...]
    prerequisites: str | None
    prerequisites_url: str | None
    read_more: str | None
    read_more_url: str | None

    @property
    def clean_title(self) -> str:
        return self.title.strip()

    @property
    def issue_label(self) -> str | None:
        return self.issue.label if self.issue else None

    @property
    def authors_full(self) -> str:
        """The authors as written, on one line."""
        return " ".join((self.authors or "").split())

    def texts(self) -> tuple[str | None, ...]:
        """Every text of the entry written in summary markup (where cross-references are)."""
        return (self.summary, self.prerequisites, self.read_more, *(o.text for o in self.opinions))


class EntryColumns(Protocol):
    """An entry's own columns that its views show: an ORM ``Entry`` has them, and so does a row
    of ``select`` over those columns (which the archive reads, ORM objects being three times slower
    to make)."""

    id: int
    position: int
    title: str
    title_url: str | None
    url: str | None
    authors: str | None
    venue: str | None
    year: int | None
    category: str | None
    highlight: bool
    updated_at: datetime
    public_level: str
    status: str
    summarizer: str | None
    hat_tip: str | None
    summary: str | None
    prerequisites: str | None
    prerequisites_url: str | None
    read_more: str | None
    read_more_url: str | None


def private_view(entry: Entry, author_names: tuple[str, ...] | None = None) -> EntryData:
    """Everything an edition may show of an entry, whatever its public level (for reviewers).

    ``author_names`` saves loading the entry's parsed authors when a caller read them in bulk.
    """
    return entry_data(
        entry,
        author_names if author_names is not None else tuple(a.name for a in entry.author_list),
        IssueRef.of(entry.issue) if entry.issue is not None else None,
        tuple(OpinionData(o.author, o.text) for o in entry.opinions),
    )


def entry_data(
    entry: EntryColumns, author_names: tuple[str, ...], issue: IssueRef | None, opinions: tuple[OpinionData, ...]
) -> EntryData:
    """An entry's private view (``private_view``) from its columns and what it has in other tables:
    its parsed authors, its issue and its opinions, in order."""
    return EntryData(
        id=entry.id,
        position=entry.position,
        title=entry.title,
        link=work_link(entry.title_url, entry.url),
        authors=entry.authors,
        author_names=author_names,
        venue=entry.venue,
        year=entry.year,
        category=entry.category,
        highlight=entry.highlight,
        issue=issue,
        updated_at=entry.updated_at,
        public_level=entry.public_level,
        status=entry.status,
        link_only=False,
        summarizer=entry.summarizer,
        hat_tip=entry.hat_tip,
        summary=entry.summary,
        opinions=opinions,
        prerequisites=entry.prerequisites,
        prerequisites_url=entry.prerequisites_url,
        read_more=entry.read_more,
        read_more_url=entry.read_more_url,
    )


def public_view(view: EntryData, *, in_issue: bool = False) -> EntryData | None:
    """An entry's private view cut to what the public may see, or None if it must not appear at all
    (``public_view(private_view(entry))``).

    An issue's public editions are made before the issue goes out: ``in_issue`` (the view is of an
    entry of the issue being rendered) lifts the need to be published; its public level holds all
    the same.
    """
    if view.public_level == HIDDEN or (not in_issue and view.status != PUBLISHED):
        return None
    if is_link_only(view.public_level):
        return replace(view, **_WRITTEN_CLEARED, opinions=(), link_only=True)
    return view


def public_record(rec: EntryRecord, public_key: Callable[[str], bool] | None = None) -> EntryRecord | None:
    """A record (for file exports) as the public may see it, or None if it must not appear.

    A record carries no status: callers exporting the store leave out entries that are not
    published first (``queries.load_records``).

    ``public_key`` says whether a cross-reference key names a public entry (``public_keys``);
    without it no key does, and every cross-reference is cut to its anchor text.
    """
    if rec.public_level == HIDDEN:
        return None
    hidden = {*EDITORIAL_FIELDS, "public_level", *UNVIEWED_FIELDS}
    # Every change is made in one ``replace``: a record has some forty fields, and each copy
    # of it was a tenth of the downloads' time at 100,000 entries.
    changes: dict[str, Any] = {name: safe_url(getattr(rec, name)) for name in HYPERLINK_FIELDS}
    changes.update(public_level="Yes", venue_url=None, extra_links=None, **_EDITORIAL_CLEARED)
    if is_link_only(rec.public_level):
        hidden |= set(WRITTEN_FIELDS)
        changes.update(_WRITTEN_CLEARED, opinions=[])
    else:
        keep = public_key or (lambda key: False)
        changes.update({name: public_text(getattr(rec, name), keep) for name in MARKUP_FIELDS})
        changes["opinions"] = [replace(o, text=public_text(o.text, keep) or "") for o in rec.opinions]
    changes["provided"] = frozenset((rec.provided or frozenset(RECORD_FIELDS)) - hidden)
    return replace(rec, **changes)


def public_text(text: str | None, public_key: Callable[[str], bool]) -> str | None:
    """The text with each cross-reference whose key names no public entry rewritten to its anchor
    text (references are found by the markup module, never here)."""
    if not text:
        return text
    parts: list[str] = []
    done = 0
    for ref in find_references(text):
        if not public_key(ref.key):
            parts += [text[done : ref.start], ref.anchor]
            done = ref.end
    return "".join(parts) + text[done:]


def public_target(resolver: Resolver, public_ids: Collection[int], key: str) -> Target | None:
    """A cross-reference's target as public outputs see it: the entry the resolver picks for the
    key if it is in ``public_ids`` (the ids of the entries whose public level ``is_public``); else
    none, and the reference shows as its anchor text alone."""
    target = resolver.resolve(key)
    return target if target is not None and target.entry_id in public_ids else None


def public_keys(resolver: Resolver, public_ids: Collection[int]) -> Callable[[str], bool]:
    """Whether a cross-reference key names a public entry (``public_target``), from the set of
    the keys that do: the resolver (every title of the store, 100 MB at 100,000 entries) is not
    kept for it."""
    keys = resolver.keys_to(public_ids)
    return lambda key: normalize_key(key) in keys
