"""An entry as plain data, and the Alignment Newsletter sheet's rules for turning rows into entries.

``EntryRecord`` is what every file format reads into and writes from; ``sheets.py`` deals with the
formats, this module with what the cells mean:

- Summarizer "A/B": A wrote the summary, B the (first) opinion.
- My opinion can hold further opinions, each introduced by ``**Name’s opinion:**``; they become
  separate opinions with their authors, and the exact heading is kept for a faithful export.
- Email holds the issue ("AN #62") and links to where it was published; "N/A" is kept as written.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from precis.errors import PrecisError
from precis.model import (
    EMAIL_STATUSES,
    PUBLIC_LEVELS,
    SUMMARIZE_VALUES,
    Entry,
    Opinion,
    issue_label,
    parse_issue_label,
)

# The 14 columns of the published Alignment Newsletter sheet, in order.
AN_COLUMNS = [
    "Category", "Highlight?", "Title", "Authors", "Venue", "Year", "H/T", "Email",
    "Summarizer", "Summary", "My opinion", "Prerequisites", "Read more", "URL",
]
# Editorial columns of the working sheet; optional on import.
EDITORIAL_COLUMNS = ["Public?", "Email status", "Rec?", "Summarize?", "Notes"]
# Columns whose cell hyperlink has a field of its own (others go to extra_links).
LINK_FIELDS = {
    "Title": "title_url",
    "Venue": "venue_url",
    "Prerequisites": "prerequisites_url",
    "Read more": "read_more_url",
    "Email": "issue_url",
}
# In CSV, which has no hyperlinks, a link travels in a column of its own: "Title link".
LINK_SUFFIX = " link"

INLINE_OPINION = re.compile(r"(\s*)\*\*(?P<name>[^*\n]{1,60}?)[’']s opinion(?::\*\*|\*\*:?)[ \t]*")


@dataclass
class OpinionRecord:
    author: str | None
    text: str
    marker: str | None = None


@dataclass
class EntryRecord:
    """Everything an entry holds, as plain values; ``where`` locates it in its source file."""

    title: str
    category: str | None = None
    highlight: bool = False
    title_url: str | None = None
    url: str | None = None
    authors: str | None = None
    venue: str | None = None
    venue_url: str | None = None
    year: int | None = None
    hat_tip: str | None = None
    issue: str | None = None  # "AN #62"
    issue_url: str | None = None
    issue_note: str | None = None  # the Email cell when it names no issue ("N/A")
    issue_linked: bool = True
    summarizer: str | None = None
    summary: str | None = None
    opinions: list[OpinionRecord] = field(default_factory=list)
    prerequisites: str | None = None
    prerequisites_url: str | None = None
    read_more: str | None = None
    read_more_url: str | None = None
    public_level: str = "Yes"
    email_status: str | None = None
    priority: int | None = None
    summarize: str | None = None
    notes: str | None = None
    extra_links: dict[str, str] | None = None
    position: int = 0
    where: str = field(default="", compare=False)

    def identity(self) -> tuple[str, str]:
        """What makes two records the same entry: its issue (or Email note) and trimmed title."""
        return identity(self.issue or self.issue_note or "", self.title)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("where")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> EntryRecord:
        known = set(cls.__dataclass_fields__) - {"where"}
        unknown = set(data) - known
        if unknown:
            raise PrecisError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            raise PrecisError(f"{where}: field 'title' must be a non-empty text")
        try:
            opinions = [OpinionRecord(**o) for o in data.get("opinions") or []]
        except TypeError as exc:
            raise PrecisError(f"{where}: field 'opinions': {exc}") from None
        rec = cls(**{**data, "opinions": opinions}, where=where)
        validate(rec, where)
        return rec


def identity(issue: str, title: str) -> tuple[str, str]:
    return (" ".join(issue.split()).casefold(), " ".join(title.split()).casefold())


def validate(rec: EntryRecord, where: str) -> None:
    """Check enumerated values; errors name the field."""
    checks = [
        ("public_level", "Public?", rec.public_level, PUBLIC_LEVELS),
        ("email_status", "Email status", rec.email_status, EMAIL_STATUSES),
        ("summarize", "Summarize?", rec.summarize, SUMMARIZE_VALUES),
    ]
    for _field, column, value, allowed in checks:
        if value is not None and value not in allowed:
            raise PrecisError(
                f"{where}, column {column}: {value!r} is not one of {', '.join(allowed)}"
            )
    if rec.priority is not None and not 1 <= rec.priority <= 10:
        raise PrecisError(f"{where}, column Rec?: {rec.priority!r} is not a number from 1 to 10")
    if rec.year is not None and not isinstance(rec.year, int):
        raise PrecisError(f"{where}, column Year: {rec.year!r} is not a year")


# -- rows <-> records -------------------------------------------------------------------------


@dataclass
class Cell:
    """A cell as read from any format: its text (or number) and its hyperlink."""

    value: str | int | None
    link: str | None = None


def split_opinions(text: str | None, first_author: str | None) -> list[OpinionRecord]:
    """Split a "My opinion" cell into opinions; the first is by ``first_author``."""
    if text is None or text == "":
        return []
    matches = list(INLINE_OPINION.finditer(text))
    opinions: list[OpinionRecord] = []
    head = text[: matches[0].start()] if matches else text
    if head != "" or not matches:
        opinions.append(OpinionRecord(first_author, head))
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        opinions.append(OpinionRecord(m.group("name").strip(), text[m.end() : end], m.group(0)))
    return opinions


def join_opinions(opinions: list[OpinionRecord]) -> str | None:
    """The "My opinion" cell for these opinions (the inverse of ``split_opinions``)."""
    if not opinions:
        return None
    parts = []
    for i, o in enumerate(opinions):
        marker = o.marker
        if marker is None and i > 0:
            marker = f"\n\n**{o.author or 'Editor'}'s opinion:** "
        parts.append((marker or "") + o.text)
    return "".join(parts)


def split_summarizer(text: str | None) -> tuple[str | None, str | None]:
    """ "A/B" -> (A, B); "A" -> (A, A)."""
    if text is None or not text.strip():
        return None, None
    if text.count("/") == 1:
        a, b = (p.strip() for p in text.split("/"))
        return a or None, b or None
    return text, text


def _text(cell: Cell | None) -> str | None:
    if cell is None or cell.value is None:
        return None
    value = cell.value if isinstance(cell.value, str) else str(cell.value)
    return value if value != "" else None


def _int(cell: Cell | None, where: str, column: str) -> int | None:
    if cell is None or cell.value is None or cell.value == "":
        return None
    value = cell.value
    if isinstance(value, bool):
        raise PrecisError(f"{where}, column {column}: {value!r} is not a whole number")
    if isinstance(value, float) and float(value).is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise PrecisError(f"{where}, column {column}: {value!r} is not a whole number")


def record_from_row(row: dict[str, Cell], where: str, position: int) -> EntryRecord:
    """Turn one sheet row (column header -> cell) into a record, applying the sheet's rules."""
    title = _text(row.get("Title"))
    if title is None or not title.strip():
        raise PrecisError(f"{where}, column Title: empty title")
    highlight_text = (_text(row.get("Highlight?")) or "").strip()
    if highlight_text.casefold() not in ("", "highlight", "yes", "true", "1"):
        raise PrecisError(f"{where}, column Highlight?: {highlight_text!r} is not 'Highlight' or empty")
    summarizer, opinion_author = split_summarizer(_text(row.get("Summarizer")))
    email = _text(row.get("Email"))
    issue = None
    issue_note = None
    if email is not None:
        parsed = parse_issue_label(email)
        if parsed:
            issue = issue_label(*parsed)
            if issue != email:  # keep unusual spellings verbatim
                issue_note = email
        else:
            issue_note = email
    links = {col: c.link for col, c in row.items() if c.link}
    extra = {col: url for col, url in links.items() if col not in LINK_FIELDS} or None
    public = _text(row.get("Public?"))
    rec = EntryRecord(
        title=title,
        category=_text(row.get("Category")),
        highlight=bool(highlight_text),
        title_url=links.get("Title"),
        url=_text(row.get("URL")),
        authors=_text(row.get("Authors")),
        venue=_text(row.get("Venue")),
        venue_url=links.get("Venue"),
        year=_int(row.get("Year"), where, "Year"),
        hat_tip=_text(row.get("H/T")),
        issue=issue,
        issue_url=links.get("Email"),
        issue_note=issue_note,
        issue_linked=bool(links.get("Email")),
        summarizer=summarizer,
        summary=_text(row.get("Summary")),
        opinions=split_opinions(_text(row.get("My opinion")), opinion_author),
        prerequisites=_text(row.get("Prerequisites")),
        prerequisites_url=links.get("Prerequisites"),
        read_more=_text(row.get("Read more")),
        read_more_url=links.get("Read more"),
        public_level=public if public is not None else "Yes",
        email_status=_text(row.get("Email status")),
        priority=_int(row.get("Rec?"), where, "Rec?"),
        summarize=_text(row.get("Summarize?")),
        notes=_text(row.get("Notes")),
        extra_links=extra,
        position=position,
        where=where,
    )
    validate(rec, where)
    return rec


def row_from_record(rec: EntryRecord, editorial: bool) -> dict[str, Cell]:
    """The sheet row for a record: the 14 AN columns, and the editorial ones if asked."""
    first_author = rec.opinions[0].author if rec.opinions else None
    summarizer = rec.summarizer
    if summarizer and first_author and first_author != summarizer:
        summarizer = f"{summarizer}/{first_author}"
    email = rec.issue_note or rec.issue
    extra = rec.extra_links or {}
    row = {
        "Category": Cell(rec.category, extra.get("Category")),
        "Highlight?": Cell("Highlight" if rec.highlight else None, extra.get("Highlight?")),
        "Title": Cell(rec.title, rec.title_url),
        "Authors": Cell(rec.authors, extra.get("Authors")),
        "Venue": Cell(rec.venue, rec.venue_url),
        "Year": Cell(rec.year, extra.get("Year")),
        "H/T": Cell(rec.hat_tip, extra.get("H/T")),
        "Email": Cell(email, rec.issue_url if rec.issue_linked and rec.issue else None),
        "Summarizer": Cell(summarizer, extra.get("Summarizer")),
        "Summary": Cell(rec.summary, extra.get("Summary")),
        "My opinion": Cell(join_opinions(rec.opinions), extra.get("My opinion")),
        "Prerequisites": Cell(rec.prerequisites, rec.prerequisites_url),
        "Read more": Cell(rec.read_more, rec.read_more_url),
        "URL": Cell(rec.url, extra.get("URL")),
    }
    if editorial:
        row.update(
            {
                "Public?": Cell(rec.public_level),
                "Email status": Cell(rec.email_status),
                "Rec?": Cell(rec.priority),
                "Summarize?": Cell(rec.summarize),
                "Notes": Cell(rec.notes),
            }
        )
    return row


# -- entries <-> records ----------------------------------------------------------------------

ENTRY_FIELDS = [
    "title", "category", "highlight", "title_url", "url", "authors", "venue", "venue_url", "year",
    "hat_tip", "issue_note", "issue_linked", "summarizer", "summary", "prerequisites",
    "prerequisites_url", "read_more", "read_more_url", "public_level", "email_status", "priority",
    "summarize", "notes", "extra_links", "position",
]


def record_from_entry(entry: Entry) -> EntryRecord:
    return EntryRecord(
        **{name: getattr(entry, name) for name in ENTRY_FIELDS},
        issue=entry.issue.label if entry.issue else None,
        issue_url=entry.issue.url if entry.issue and entry.issue_linked else None,
        opinions=[OpinionRecord(o.author, o.text, o.marker) for o in entry.opinions],
    )


def apply_record(entry: Entry, rec: EntryRecord) -> None:
    """Copy a record's values onto an entry, touching only what differs (so revisions stay few)."""
    for name in ENTRY_FIELDS:
        value = getattr(rec, name)
        if getattr(entry, name) != value:
            setattr(entry, name, value)
    current = [(o.author, o.text, o.marker) for o in entry.opinions]
    wanted = [(o.author, o.text, o.marker) for o in rec.opinions]
    if current != wanted:
        entry.opinions = [
            Opinion(position=i, author=a, text=t, marker=m) for i, (a, t, m) in enumerate(wanted)
        ]
