"""Counts over the store for ``precis stats``: by issue, category, summarizer and year.

Summarizers are counted by person (``precis.people_names``): "Flo" and "Flo Dorner" are one line,
and an entry summarized by several people counts once for each of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from precis.model import Entry, Issue, Opinion, Publication, issue_label
from precis.people_names import People


@dataclass
class Stats:
    entries: int
    issues: int
    opinions: int
    by_issue: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_summarizer: list[tuple[str, int]]
    by_year: list[tuple[str, int]]


def _counts(
    session: Session, column: Any, publication: Publication, order_by_count: bool = True
) -> list[tuple[str, int]]:
    count = func.count(Entry.id).label("n")
    q = (
        select(column, count)
        .where(Entry.publication_id == publication.id)
        .group_by(column)
    )
    q = q.order_by(count.desc(), column) if order_by_count else q.order_by(column)
    return [("(none)" if row[0] is None else str(row[0]), int(row.n)) for row in session.execute(q)]


def _by_summarizer(session: Session, publication: Publication) -> list[tuple[str, int]]:
    """Entries per person, most first; "(none)" for entries nobody summarized."""
    people = People.load(session, publication)
    counts: Counter[str] = Counter()
    rows = session.execute(
        select(Entry.summarizer, func.count(Entry.id))
        .where(Entry.publication_id == publication.id)
        .group_by(Entry.summarizer)
    )
    for text, n in rows:
        for person in people.people(text) or ["(none)"]:
            counts[person] += n
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def compute(session: Session, publication: Publication) -> Stats:
    entries = session.scalar(select(func.count(Entry.id)).where(Entry.publication_id == publication.id)) or 0
    issues = session.scalar(select(func.count(Issue.id)).where(Issue.publication_id == publication.id)) or 0
    opinions = session.scalar(
        select(func.count(Opinion.id)).join(Entry).where(Entry.publication_id == publication.id)
    ) or 0
    by_issue_rows = session.execute(
        select(Issue.series, Issue.number, func.count(Entry.id))
        .join(Entry, Entry.issue_id == Issue.id)
        .where(Issue.publication_id == publication.id)
        .group_by(Issue.series, Issue.number)
        .order_by(Issue.series, Issue.number)
    )
    by_issue = [(issue_label(s, n), c) for s, n, c in by_issue_rows]
    return Stats(
        entries=entries,
        issues=issues,
        opinions=opinions,
        by_issue=by_issue,
        by_category=_counts(session, Entry.category, publication),
        by_summarizer=_by_summarizer(session, publication),
        by_year=_counts(session, Entry.year, publication, order_by_count=False),
    )
