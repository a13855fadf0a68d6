"""An entry as plain data, and the Alignment Newsletter sheet's rules for turning rows into entries.

``EntryRecord`` is what every file format reads into and writes from; ``sheets.py`` deals with the
formats, this module with what the cells mean:

- Summarizer "A/B": A wrote the summary, B the (first) opinion.
- My opinion can hold further opinions, each introduced by ``**Name’s opinion:**``; they become
  separate opinions with their authors, and the exact heading is kept for a faithful export.
- Email holds the issue ("AN #62") and links to where it was published; "N/A" is kept as written.

What a source does not hold, it does not change: a record knows which fields its file provided
(``provided``: a sheet provides the fields of the columns it has, a JSON entry its keys), and an
import applies only those to an entry already in the store (``EntryRecord.over``). A sheet without
Public? or the editorial columns, such as the published 14-column sheet, never makes a private
entry public nor clears its notes.

Limits, checked for every format at import (with the row and column, or the entry and field):

- a text holds at most ``CELL_LIMIT`` (32,767) characters, Excel's limit for a cell, so that every
  stored text can be exported to .xlsx whole; no control character (C0 but tab, line feed and
  carriage return; DEL), no U+FFFE/U+FFFF and no lone surrogate;
- Year is from ``YEAR_RANGE``; Rec? from 1 to 10; an issue number and a position fit an
  ``Integer`` column (``model.INTEGER_MAX``); texts stored in sized columns (Category, Summarizer,
  an Email note, an issue's series, an opinion's author, each author's name) fit their column.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import typing
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from typing import Any

from precis.authors import parse_authors
from precis.errors import PrecisError
from precis.model import (
    EMAIL_STATUSES,
    INTEGER_MAX,
    PUBLIC_LEVELS,
    SUMMARIZE_VALUES,
    Entry,
    EntryAuthor,
    Issue,
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
# The record fields each column provides (its hyperlink aside: see ``provided_by``).
COLUMN_FIELDS = {
    "Category": ("category",), "Highlight?": ("highlight",), "Title": ("title",), "Authors": ("authors",),
    "Venue": ("venue",), "Year": ("year",), "H/T": ("hat_tip",), "Email": ("issue", "issue_note"),
    "Summarizer": ("summarizer",), "Summary": ("summary",), "My opinion": ("opinions",),
    "Prerequisites": ("prerequisites",), "Read more": ("read_more",), "URL": ("url",),
    "Public?": ("public_level",), "Email status": ("email_status",), "Rec?": ("priority",),
    "Summarize?": ("summarize",), "Notes": ("notes",),
}

#: Excel's limit on the characters of a cell; no stored text may be longer (see the module doc).
CELL_LIMIT = 32_767
#: The years an entry may have: a typo such as 20119 is refused rather than stored.
YEAR_RANGE = (1000, 2999)
# Characters no text may hold: C0 controls but tab, LF and CR; DEL; the non-characters U+FFFE and
# U+FFFF; lone surrogates. None of them can be written to an .xlsx (XML 1.0) or means anything.
_FORBIDDEN_ASCII = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
_NONCHARACTERS = "\ufffe\uffff"
_FORBIDDEN = re.compile(f"[{re.escape(_FORBIDDEN_ASCII + _NONCHARACTERS)}\ud800-\udfff]")

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
    # The fields the source provided (None: all of them); "extra_links:Authors" names the link of one
    # column when a source provides only some of them (a CSV's link columns).
    provided: frozenset[str] | None = field(default=None, compare=False)

    def identity(self) -> tuple[str, str]:
        """What makes two records the same entry: its issue (or Email note) and trimmed title."""
        return identity(self.issue or self.issue_note or "", self.title)

    def to_dict(self) -> dict[str, Any]:
        """The fields the record provides, as JSON-ready values."""
        # Field by field rather than ``asdict``, which deep-copies every value: five times faster,
        # and the downloads call it for every public record. Only the list and dict are copied.
        data = {name: getattr(self, name) for name in RECORD_FIELDS}
        data["opinions"] = [asdict(o) for o in self.opinions]
        if self.extra_links is not None:
            data["extra_links"] = dict(self.extra_links)
        if self.provided is not None:
            data = {name: value for name, value in data.items() if name in self.provided}
        return data

    def over(self, current: EntryRecord) -> EntryRecord:
        """This record as an update of ``current``: every field the source did not provide keeps
        ``current``'s value (a column absent from a file means "unchanged", never "empty")."""
        if self.provided is None:
            return self
        kept = {name: getattr(current, name) for name in RECORD_FIELDS if name not in self.provided}
        if "extra_links" not in self.provided:
            given = {name.partition(":")[2] for name in self.provided if name.startswith("extra_links:")}
            links = {c: url for c, url in (current.extra_links or {}).items() if c not in given}
            kept["extra_links"] = {**links, **(self.extra_links or {})} or None
        return replace(self, **kept, provided=None)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str) -> EntryRecord:
        """A record from a JSON object, each field checked for its type; absent keys are not provided."""
        from pydantic import ValidationError

        try:
            checked = _json_model().model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise PrecisError(f"{where}, field {_json_path(error['loc'])!r}: {error['msg']}") from None
        values = checked.model_dump()
        values["opinions"] = [OpinionRecord(**o) for o in values["opinions"]]
        rec = cls(**values, where=where, provided=frozenset(data))
        if not rec.title.strip():
            raise PrecisError(f"{where}, field 'title': empty title")
        for name, text in _texts(rec):
            problem = text_problem(text)
            if problem:
                raise PrecisError(f"{where}, field {name!r}: {problem}")
        if rec.issue is not None and rec.issue != _canonical_issue(rec.issue):
            raise PrecisError(f"{where}, field 'issue': {rec.issue!r} is not an issue such as 'AN #62'")
        validate(rec, where, columns=False)
        return rec


RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(EntryRecord) if f.name not in ("where", "provided"))


@cache
def _json_model() -> Any:
    """A pydantic model of ``EntryRecord`` as JSON holds it, made from the dataclass's own fields
    (strict: 2019 is a year, "2019" is not; unknown keys are refused)."""
    from pydantic import ConfigDict, create_model

    config = ConfigDict(strict=True, extra="forbid")

    def model(cls: type, **types: Any) -> Any:
        hints = typing.get_type_hints(cls)
        fields: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in ("where", "provided"):
                continue
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:
                default = f.default_factory()
            else:
                default = ...
            fields[f.name] = (types.get(f.name, hints[f.name]), default)
        return create_model(f"{cls.__name__}JSON", __config__=config, **fields)

    return model(EntryRecord, opinions=list[model(OpinionRecord)])  # type: ignore[misc]


def _json_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a field path: ('opinions', 0, 'text') -> "opinions[0].text"."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "entry"


def _texts(rec: EntryRecord) -> Iterator[tuple[str, str]]:
    """Every text a record holds, with its field path."""
    for name in RECORD_FIELDS:
        value = getattr(rec, name)
        if isinstance(value, str):
            yield name, value
    for i, o in enumerate(rec.opinions):
        for name in ("author", "text", "marker"):
            value = getattr(o, name)
            if value is not None:
                yield f"opinions[{i}].{name}", value
    for column, url in (rec.extra_links or {}).items():
        yield "extra_links", column
        yield f"extra_links[{column!r}]", url


def text_problem(text: str) -> str | None:
    """Why a text may not be stored (a forbidden character, over the cell limit), or None."""
    bad = _FORBIDDEN.search(text)
    if bad:
        return f"control character U+{ord(bad.group()):04X} at character {bad.start() + 1}"
    if len(text) > CELL_LIMIT:
        return f"{len(text):,} characters, over the limit of {CELL_LIMIT:,} (Excel's limit for a cell)"
    return None


def texts_allowed(texts: list[str]) -> bool:
    """Whether every one of these texts may be stored (``text_problem`` is None for each), found
    faster than by ``text_problem``: for a file's rows, where ``text_problem`` is asked only to say
    what is wrong where. (Python's pattern search takes about 30 ns a character; a search for one
    character, a tenth of it.)"""
    if any(len(t) > CELL_LIMIT for t in texts):
        return False
    joined = "\n".join(texts)
    for character in _FORBIDDEN_ASCII:
        if character in joined:
            return False
    if joined.isascii():
        return True
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return not any(character in joined for character in _NONCHARACTERS)


def _canonical_issue(text: str) -> str | None:
    parsed = _parse_issue(text)
    return issue_label(*parsed) if parsed else None


def identity(issue: str, title: str) -> tuple[str, str]:
    return (" ".join(issue.split()).casefold(), " ".join(title.split()).casefold())


# Field -> the column it is read from, for messages about sheet rows.
_FIELD_COLUMNS = {f: c for c, fields in COLUMN_FIELDS.items() for f in fields}
_SIZED_FIELDS = ("category", "summarizer", "issue_note")


@functools.cache  # asked for several columns of every record read
def _column_size(table: Any, name: str) -> int:
    length = table.__table__.c[name].type.length
    assert isinstance(length, int)
    return length


def validate(rec: EntryRecord, where: str, columns: bool = True) -> None:
    """Check enumerated values, ranges and sizes; errors name the column (or, with ``columns``
    false, the JSON field)."""

    def fail(name: str, message: str) -> typing.NoReturn:
        place = f"column {_FIELD_COLUMNS[name]}" if columns else f"field {name!r}"
        raise PrecisError(f"{where}, {place}: {message}")

    for name, allowed in (
        ("public_level", PUBLIC_LEVELS), ("email_status", EMAIL_STATUSES), ("summarize", SUMMARIZE_VALUES),
    ):
        value = getattr(rec, name)
        if value is not None and value not in allowed:
            fail(name, f"{value!r} is not one of {', '.join(allowed)}")
    if rec.priority is not None and not 1 <= rec.priority <= 10:
        fail("priority", f"{rec.priority!r} is not a number from 1 to 10")
    low, high = YEAR_RANGE
    if rec.year is not None and not low <= rec.year <= high:
        fail("year", f"{rec.year!r} is not a year from {low} to {high}")
    if not columns and not 0 <= rec.position <= INTEGER_MAX:
        fail("position", f"{rec.position!r} is not a number from 0 to {INTEGER_MAX}")
    for name in _SIZED_FIELDS:
        value = getattr(rec, name)
        if value is not None and len(value) > _column_size(Entry, name):
            fail(name, f"{len(value)} characters, over the {_column_size(Entry, name)} this column holds")
    for o in rec.opinions:
        for name in ("author", "marker"):
            value, limit = getattr(o, name), _column_size(Opinion, name)
            if value is not None and len(value) > limit:
                fail("opinions", f"an opinion's {name} {value[:40]!r} is over {limit} characters")
    limit = _column_size(EntryAuthor, "name")
    # An author's name is part of the authors text: a text within the limit holds no name over it.
    authors = rec.authors if rec.authors is not None and len(rec.authors) > limit else None
    too_long = next((a.name for a in parse_authors(authors) if len(a.name) > limit), None)
    if too_long is not None:
        fail("authors", f"the author {too_long[:40]!r} is over {limit} characters (authors are separated by commas)")
    _validate_issue(rec.issue, fail)


def _parse_issue(text: str) -> tuple[str, int] | None:
    """``parse_issue_label``, for texts short enough to be an issue (a longer one, however many
    digits it ends with, is an Email note, and too long for one)."""
    return parse_issue_label(text) if len(text) <= _ISSUE_TEXT_MAX else None


_ISSUE_TEXT_MAX = 100


def _validate_issue(issue: str | None, fail: typing.Callable[[str, str], typing.NoReturn]) -> None:
    parsed = _parse_issue(issue) if issue else None
    if parsed is None:
        return
    series, number = parsed
    if number > INTEGER_MAX:
        fail("issue", f"issue number {number} is over {INTEGER_MAX}")
    if len(series) > _column_size(Issue, "series"):
        fail("issue", f"the series {series[:40]!r} is over {_column_size(Issue, 'series')} characters")


# -- rows <-> records -------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    """A cell as read from any format: its text (or number) and its hyperlink."""

    value: str | int | None
    link: str | None = None


def split_opinions(text: str | None, first_author: str | None) -> list[OpinionRecord]:
    """Split a "My opinion" cell into opinions; the first is by ``first_author``."""
    if text is None or text == "":
        return []
    # The search tries every position of a long text: only where a heading may be ("**...'s opinion").
    matches = list(INLINE_OPINION.finditer(text)) if "**" in text and "s opinion" in text else []
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
    if isinstance(value, str):
        text = value.strip()
        if text.removeprefix("-").isdecimal() and len(text) <= 20:  # longer: no year, Rec? or number
            return int(text)
    raise PrecisError(f"{where}, column {column}: {value!r} is not a whole number")


def provided_by(columns: set[str], cell_links: bool) -> frozenset[str]:
    """The record fields a sheet with these columns provides. ``cell_links``: its cells carry their
    hyperlinks (xlsx, HTML), so every link is provided; else (CSV) a link is provided by its column
    ("Title link")."""
    fields = {"position"} | {f for c in columns & set(COLUMN_FIELDS) for f in COLUMN_FIELDS[c]}
    if cell_links:
        fields |= {*LINK_FIELDS.values(), "issue_linked", "extra_links"}
    for column in AN_COLUMNS:
        if not cell_links and column + LINK_SUFFIX in columns:
            fields |= {LINK_FIELDS[column]} if column in LINK_FIELDS else {f"extra_links:{column}"}
            fields |= {"issue_linked"} if column == "Email" else set()
    return frozenset(fields)


def record_from_row(
    row: dict[str, Cell], where: str, position: int, provided: frozenset[str] | None = None
) -> EntryRecord:
    """Turn one sheet row (column header -> cell) into a record, applying the sheet's rules;
    ``provided`` is what the sheet's columns provide (``provided_by``)."""
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
        parsed = _parse_issue(email)
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
        provided=provided,
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


def imported_status(rec: EntryRecord) -> str:
    """The status a sheet row gives a new entry: a row of an issue went out, and so did every row
    the sheet holds without a plan to send it ("N/A", "Sent", or nothing: the published database);
    "Pending" was waiting for the next issue, approved; "Do not send" is still a draft."""
    if rec.issue is None and rec.email_status == "Pending":
        return "approved"
    if rec.issue is None and rec.email_status == "Do not send":
        return "draft"
    return "published"


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
