"""``precis check``: the problems in a store, each with where it is.

Errors make the check fail (exit 1); warnings are reported but do not. Every finding names the
entry (issue and title) and the field.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.orm import Session

from precis.links import link_problem, scheme_of
from precis.markup import Image, Link, Resolver, find_references, normalize_key, parse, walk
from precis.model import EMAIL_STATUSES, PUBLIC_LEVELS, SUMMARIZE_VALUES, Entry, Publication
from precis.store import publication_entries, settings_of

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    severity: str
    entry_id: int
    where: str  # "AN #62 · Title"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where} [{self.field}]: {self.message}"


def _where(entry: Entry) -> str:
    issue = entry.issue.label if entry.issue else (entry.issue_note or "no issue")
    return f"{issue} · {entry.title.strip()!r} (entry {entry.id})"


def check(session: Session, publication: Publication, only: Collection[int] | None = None) -> list[Problem]:
    """Every problem in the publication's entries, errors first, in sheet order; with ``only``, the
    problems of those entries (ids), still checked against the whole publication (a duplicate title,
    a cross-reference to any entry)."""
    settings = settings_of(publication)
    resolver = Resolver.from_session(session, settings.series)
    entries = publication_entries(session, publication)
    leaves = set(settings.leaf_categories())
    problems: list[Problem] = []

    def add(severity: str, entry: Entry, field: str, message: str) -> None:
        problems.append(Problem(severity, entry.id, _where(entry), field, message))

    titles: dict[str, list[Entry]] = defaultdict(list)
    issues_seen: set[int] = set()
    for e in entries:
        titles[normalize_key(e.title)].append(e)
        if only is not None and e.id not in only:
            continue
        if not e.category:
            add(ERROR, e, "category", "no category")
        else:
            place = settings.place(e.category)
            if not place.known and not place.placed_by_rule:
                add(ERROR, e, "category", f"unknown category {e.category!r} (not in the category tree)")
            elif not place.known and (place.subsection or place.section) in leaves:
                add(WARNING, e, "category", f"{e.category!r} is written differently from the tree's "
                    f"{place.subsection or place.section!r}")
        if e.public_level not in PUBLIC_LEVELS:
            add(ERROR, e, "public_level", f"{e.public_level!r} is not one of {', '.join(PUBLIC_LEVELS)}")
        if e.email_status is not None and e.email_status not in EMAIL_STATUSES:
            add(ERROR, e, "email_status", f"{e.email_status!r} is not one of {', '.join(EMAIL_STATUSES)}")
        if e.summarize is not None and e.summarize not in SUMMARIZE_VALUES:
            add(ERROR, e, "summarize", f"{e.summarize!r} is not one of {', '.join(SUMMARIZE_VALUES)}")
        if e.priority is not None and not 1 <= e.priority <= 10:
            add(ERROR, e, "priority", f"{e.priority} is not from 1 to 10")
        has_summary = bool(e.summary and e.summary.strip())
        if has_summary and not e.summarizer:
            add(ERROR, e, "summarizer", "a summary without a summarizer")
        if any(o.text.strip() for o in e.opinions) and not has_summary:
            add(WARNING, e, "opinions", "an opinion without a summary")
        texts = [("summary", e.summary), ("prerequisites", e.prerequisites), ("read_more", e.read_more)]
        texts += [(f"opinion {i + 1}", o.text) for i, o in enumerate(e.opinions)]
        for field, text in texts:
            for ref in find_references(text):
                if resolver.resolve(ref.key) is None:
                    suggestions = "; ".join(repr(t) for t in resolver.closest(ref.key))
                    add(
                        ERROR, e, field,
                        f"cross-reference to {ref.key.strip()!r} matches no entry; closest titles: {suggestions}",
                    )
        for field, href in _links(e):
            problem = link_problem(href, settings.url)
            if problem:
                add(ERROR, e, field, problem)
        if e.issue is not None and e.issue.id not in issues_seen:
            issues_seen.add(e.issue.id)
            problem = link_problem(e.issue.url, settings.url)
            if problem:
                add(ERROR, e, "issue url", f"{e.issue.label}'s link: {problem}")
    for same in titles.values():
        if len(same) > 1:
            for e in same[1:]:
                if only is None or e.id in only or same[0].id in only:
                    add(WARNING, e, "title", f"duplicate title: also {_where(same[0])}")
    problems.sort(key=lambda p: p.severity != ERROR)
    return problems


def _links(entry: Entry) -> list[tuple[str, str]]:
    """Every link an entry holds, as (field, link): its link fields, the hyperlinks of columns
    without a field of their own, and the links and images written in its texts."""
    out = [
        (field, href)
        for field in ("url", "title_url", "venue_url", "prerequisites_url", "read_more_url")
        if (href := getattr(entry, field))
    ]
    out += [(f"extra_links[{key!r}]", str(href)) for key, href in (entry.extra_links or {}).items() if href]
    texts = [("summary", entry.summary), ("prerequisites", entry.prerequisites), ("read_more", entry.read_more)]
    texts += [(f"opinion {i + 1}", o.text) for i, o in enumerate(entry.opinions)]
    for field, text in texts:
        if text and ("[" in text or "<" in text):  # no link is written without one
            out += _text_links(field, text)
    return out


# A link written inline ("[words](destination)"), found in the text as written: the markup parser
# leaves one with a javascript: or data: destination unparsed (its words then show with their brackets).
# The destination runs to the closing parenthesis: a browser drops the tab in "java<TAB>script:".
_WRITTEN_LINK = re.compile(r"(!?)\[[^\]\n]*\]\(\s*<?([^)>\n]+)")


def _text_links(field: str, text: str) -> list[tuple[str, str]]:
    """The links and images written in a text, as (field, link), each once."""
    found: dict[tuple[str, str], None] = {}
    for node in walk(parse(text).blocks):
        if isinstance(node, Link):
            found[(f"{field} link", node.href)] = None
        elif isinstance(node, Image):
            found[(f"{field} image", node.src)] = None
    for image, href in _WRITTEN_LINK.findall(text):
        kind = "image" if image else "link"
        if (f"{field} {kind}", href) not in found and scheme_of(href) not in (None, "http", "https", "mailto"):
            found[(f"{field} {kind}", href)] = None
    return list(found)
