"""What the editions need from the store, read in one session and kept as plain values.

``EditionSource`` holds a publication's settings, its issues in order, every entry's private view
(``precis.public.EntryData``) by issue, the cross-reference resolver, and where other publications
of the store summarized the same works. Once loaded it needs no database: editions render from it,
and worker processes forked for a batch inherit it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import cached_property

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from precis.errors import InvalidValue, NotFound
from precis.identity import work_keys
from precis.markup import KEYS_PER_QUERY, Resolver, Target, may_refer, parse
from precis.model import Entry, EntryAuthor, Issue, Opinion, Publication, issue_label, parse_issue_label, work_link
from precis.public import (
    PUBLISHED,
    EntryData,
    IssueRef,
    OpinionData,
    entry_data,
    is_public,
    public_target,
    public_view,
)
from precis.publication import Settings
from precis.render.view import SummaryLink
from precis.store import Store, settings_of

#: What an entry's views are made of (``precis.public.EntryColumns``), and where it is.
VIEW_COLUMNS = (
    Entry.id, Entry.publication_id, Entry.issue_id, Entry.position, Entry.title, Entry.title_url, Entry.url,
    Entry.authors, Entry.venue, Entry.year, Entry.category, Entry.highlight, Entry.updated_at,
    Entry.public_level, Entry.status, Entry.summarizer, Entry.hat_tip, Entry.summary, Entry.prerequisites,
    Entry.prerequisites_url, Entry.read_more, Entry.read_more_url,
)


@dataclass
class EditionSource:
    """A publication as its editions see it (see the module doc)."""

    publication_id: int
    house_style: str | None
    settings: Settings
    issues: list[IssueRef]  # oldest first, by the settings' series order
    entries: list[EntryData]  # the publication's entries as private views, in sheet order
    by_issue: dict[int, list[EntryData]]  # issue id -> its entries, in sheet order
    resolver: Resolver
    public_ids: frozenset[int]  # entries with a public view: what public cross-references may reach
    summaries: dict[str, SummaryLink]  # work key -> where another publication summarized it

    @classmethod
    def read(
        cls, session: Session, publication: Publication, issue: str | int | None = None, issue_id: int | None = None
    ) -> EditionSource:
        """The publication as its editions see it; with ``issue`` ("139", "AN #139": ``find_issue``)
        or ``issue_id``, holding the entries of that issue only, a resolver of the references that
        issue makes (its entries' texts, its intro, the boilerplate) and what is public among their
        targets, and that issue alone in ``issues``: one issue is read in about the same time
        whatever the size of the archive (or the number of its issues)."""
        settings = settings_of(publication)
        rank = {s: i for i, s in enumerate(settings.series)}
        if issue is not None:
            series, number = _issue_key(settings, issue)
            found = _match(_issues(session, publication, rank, Issue.number == number), series, number)
            if found is None:
                count = select(func.count(Issue.id)).where(Issue.publication_id == publication.id)
                raise _no_issue(series, number, session.scalar(count) or 0)
            issues, issue_id = [found], found.id
        elif issue_id is not None:
            issues = _issues(session, publication, rank, Issue.id == issue_id)
        else:
            issues = _issues(session, publication, rank)
        entries: list[EntryData] = []
        by_issue: dict[int, list[EntryData]] = defaultdict(list)
        public_ids: set[int] = set()
        where = () if issue_id is None else (Entry.issue_id == issue_id,)
        names, said = _authors_and_opinions(session, *where)
        wanted = select(*VIEW_COLUMNS).where(*where).order_by(Entry.position, Entry.id)
        issue_of = {i.id: i for i in issues}

        def issue_ref(id: int) -> IssueRef:
            """An entry's issue: the publication's, read above, or (never in a sound store) another's."""
            if id not in issue_of:
                issue_of.update((i.id, i) for i in _issue_refs(session, Issue.id == id))
            return issue_of[id]

        # Read as columns: made into ORM objects first, the entries took three times as long.
        for row in session.execute(wanted):
            if is_public(row.public_level, row.status):
                public_ids.add(row.id)
            if row.publication_id == publication.id:
                ref = issue_ref(row.issue_id) if row.issue_id is not None else None
                view = entry_data(row, tuple(names.get(row.id, ())), ref, tuple(said.get(row.id, ())))
                entries.append(view)
                if row.issue_id is not None:
                    by_issue[row.issue_id].append(view)
        if issue_id is None:
            resolver = Resolver.from_session(session, settings.series)
        else:
            # The issue's references alone are resolved, and only their targets' public levels read.
            intro = next((i.intro for i in issues if i.id == issue_id), None)
            resolver = Resolver.from_session(session, settings.series, keys=_reference_keys(settings, intro, entries))
            targets = [t.entry_id for t in resolver]
            public_ids.update(
                entry_id
                for i in range(0, len(targets), KEYS_PER_QUERY)
                for entry_id, level, status in session.execute(
                    select(Entry.id, Entry.public_level, Entry.status).where(
                        Entry.id.in_(targets[i : i + KEYS_PER_QUERY])
                    )
                )
                if is_public(level, status)
            )
        return cls(
            publication_id=publication.id,
            house_style=publication.house_style,
            settings=settings,
            issues=issues,
            entries=entries,
            by_issue=dict(by_issue),
            resolver=resolver,
            public_ids=frozenset(public_ids),
            summaries=_summary_index(session, publication.id, rank),
        )

    def updated(self, session: Session, changed: Collection[int]) -> EditionSource | None:
        """This source with the entries ``changed`` (ids; a whole source's, each of this publication)
        read again, when no change to them reaches beyond their own views: each is still in this
        publication, in the same issue at the same place, with the same title, link, public level
        and status (what orders the entries, resolves cross-references, says what is public and
        where others summarized the same work). None otherwise (or when one is gone): then only
        reading the whole publication gives what ``read`` would."""
        where = Entry.id.in_(sorted(changed))
        names, said = _authors_and_opinions(session, where)
        rows = session.execute(select(*VIEW_COLUMNS).where(where)).all()
        if len(rows) != len(set(changed)):
            return None
        at = {view.id: n for n, view in enumerate(self.entries)}
        issue_of = {i.id: i for i in self.issues}
        entries = list(self.entries)
        by_issue = dict(self.by_issue)
        for row in rows:
            n = at.get(row.id)
            if n is None or row.publication_id != self.publication_id:
                return None
            old = entries[n]
            issue = issue_of.get(row.issue_id) if row.issue_id is not None else None
            new = entry_data(row, tuple(names.get(row.id, ())), issue, tuple(said.get(row.id, ())))
            if _placed(new) != _placed(old) or (row.issue_id is not None and issue is None):
                return None
            entries[n] = new
            if issue is not None:
                by_issue[issue.id] = [new if view.id == new.id else view for view in by_issue[issue.id]]
        return replace(self, entries=entries, by_issue=by_issue)

    @classmethod
    def load(cls, store: Store, issue: str | int | None = None, issue_id: int | None = None) -> EditionSource:
        """The source of the store's default publication (with ``issue`` or ``issue_id``: see ``read``)."""
        with store.session() as s:
            return cls.read(s, store.default_publication(s), issue, issue_id)

    def issue(self, ref: str | int) -> IssueRef:
        """An issue by "139", "AN #139" or "Recon #5" (a bare number is in the publication's series)."""
        return find_issue(self.issues, self.settings, ref)

    def resolve_public(self, key: str) -> Target | None:
        """A cross-reference's target as public outputs see it: an entry that is not public is no
        target, so the reference shows as its anchor text alone."""
        return public_target(self.resolver, self.public_ids, key)

    @cached_property
    def public_entries(self) -> list[EntryData]:
        """The publication's entries as the public may see them, in sheet order (made once)."""
        return [v for v in map(public_view, self.entries) if v is not None]

    def public_references(self, only: Collection[int] | None = None) -> dict[int, list[int]]:
        """For each public entry of the publication (of those ``only`` names, if given), the public
        entries its public texts refer to (each once, in order of first mention, never itself);
        what "referenced by" counts."""
        out: dict[int, list[int]] = {}
        for view in self.public_entries:
            if only is not None and view.id not in only:
                continue
            found: dict[int, None] = {}
            for text in view.texts():
                if not may_refer(text):
                    continue
                for node in parse(text).cross_references():
                    target = self.resolve_public(node.key)
                    if target is not None and target.entry_id != view.id:
                        found[target.entry_id] = None
            out[view.id] = list(found)
        return out

    def newsletter_summary(self, entry: EntryData) -> SummaryLink | None:
        """Where another publication of the store summarized the same work in an issue, matched by
        link, else by title (the identity rules)."""
        if not self.summaries:  # the store holds one publication: nothing to look for
            return None
        for key in work_keys(entry.link, entry.title):
            if key in self.summaries:
                return self.summaries[key]
        return None


def entry_views(session: Session, ids: Collection[int]) -> list[EntryData]:
    """The private views of the entries ``ids`` (those there are), in sheet order, as
    ``EditionSource.read`` makes them: a build after an edit reads the edited entries first."""
    where = Entry.id.in_(sorted(ids))
    names, said = _authors_and_opinions(session, where)
    rows = list(session.execute(select(*VIEW_COLUMNS).where(where).order_by(Entry.position, Entry.id)))
    issue_ids = {row.issue_id for row in rows if row.issue_id is not None}
    issues = {i.id: i for i in _issue_refs(session, Issue.id.in_(issue_ids))}
    return [
        entry_data(row, tuple(names.get(row.id, ())), issues.get(row.issue_id), tuple(said.get(row.id, ())))
        for row in rows
    ]


def _placed(view: EntryData) -> tuple[object, ...]:
    """What of an entry reaches beyond its own views in a source (``EditionSource.updated``)."""
    return (view.position, view.title, view.link, view.issue, view.public_level, view.status)


def _authors_and_opinions(
    session: Session, *where: ColumnElement[bool]
) -> tuple[dict[int, list[str]], dict[int, list[OpinionData]]]:
    """The authors' names and the opinions of the entries ``where`` keeps (every entry without
    it), by entry id, each in order."""
    names: dict[int, list[str]] = defaultdict(list)
    said: dict[int, list[OpinionData]] = defaultdict(list)
    authors = select(EntryAuthor.entry_id, EntryAuthor.name).order_by(EntryAuthor.entry_id, EntryAuthor.position)
    opinions = select(Opinion.entry_id, Opinion.author, Opinion.text).order_by(
        Opinion.entry_id, Opinion.position, Opinion.id
    )
    if where:
        authors = authors.join(Entry, Entry.id == EntryAuthor.entry_id).where(*where)
        opinions = opinions.join(Entry, Entry.id == Opinion.entry_id).where(*where)
    for entry_id, name in session.execute(authors):
        names[entry_id].append(name)
    for entry_id, author, text in session.execute(opinions):
        said[entry_id].append(OpinionData(author, text))
    return names, said


def find_issue(issues: list[IssueRef], settings: Settings, ref: str | int) -> IssueRef:
    """An issue by "139", "AN #139" or "Recon #5" (a bare number is in the publication's series)."""
    series, number = _issue_key(settings, ref)
    found = _match(issues, series, number)
    if found is None:
        raise _no_issue(series, number, len(issues))
    return found


def _match(issues: list[IssueRef], series: str, number: int) -> IssueRef | None:
    return next((i for i in issues if i.series.casefold() == series.casefold() and i.number == number), None)


def _no_issue(series: str, number: int, count: int) -> NotFound:
    return NotFound(f"no issue {issue_label(series, number)} in the store ({count} issues)")


def _issue_key(settings: Settings, ref: str | int) -> tuple[str, int]:
    """The series and number an issue reference ("139", "AN #139", "Recon #5") names."""
    text = str(ref).strip()
    prefix = settings.issue_prefix
    parsed = (prefix, int(text)) if text.isdigit() else parse_issue_label(text)
    if parsed is None:
        raise InvalidValue("issue", text, f"not an issue; write 139, '{prefix} #139' or 'Recon #5'")
    return parsed


def _issues(
    session: Session, publication: Publication, rank: dict[str, int], *where: ColumnElement[bool]
) -> list[IssueRef]:
    """The publication's issues (those ``where`` keeps), oldest first, by the settings' series order
    (``rank``)."""
    issues = _issue_refs(session, Issue.publication_id == publication.id, *where)
    return sorted(issues, key=lambda i: (rank.get(i.series, len(rank)), i.series, i.number))


def _issue_refs(session: Session, *where: ColumnElement[bool]) -> list[IssueRef]:
    """The issues ``where`` keeps, read as columns (as ORM objects, they took half a second at
    8,000 issues)."""
    rows = session.execute(
        select(Issue.id, Issue.series, Issue.number, Issue.url, Issue.date, Issue.title, Issue.intro, Issue.status)
        .where(*where)
    )
    return [
        IssueRef(id, series, number, url, day, title, intro, status == PUBLISHED)
        for id, series, number, url, day, title, intro, status in rows
    ]


def _reference_keys(settings: Settings, intro: str | None, entries: list[EntryData]) -> set[str]:
    """The key of every cross-reference an edition of an issue may resolve: in its entries' texts
    (``entries``, private views: the public ones are cut from them), its ``intro`` and the
    publication's boilerplate."""
    texts = [intro, *settings.boilerplate.values()]
    for view in entries:
        texts += view.texts()
    return {node.key for text in texts if may_refer(text) for node in parse(text).cross_references()}


def _summary_index(session: Session, publication_id: int, rank: dict[str, int]) -> dict[str, SummaryLink]:
    """Every work the store's other publications summarized in an issue, by work key (the earliest
    issue wins): where a digest links to "the newsletter's summary"."""
    names = dict(session.execute(select(Publication.id, Publication.name)).all())
    if names.keys() <= {publication_id}:  # no other publication: no need to scan every entry for one
        return {}
    rows = list(session.execute(
        select(Entry.id, Entry.title, Entry.title_url, Entry.url, Entry.publication_id,
               Issue.series, Issue.number, Issue.url)
        .join(Issue, Entry.issue_id == Issue.id)
        .where(Entry.publication_id != publication_id)
    ).all())
    rows.sort(key=lambda r: (rank.get(r[5], len(rank)), r[6], r[0]), reverse=True)
    index: dict[str, SummaryLink] = {}
    for entry_id, title, title_url, url, pub_id, series, number, issue_url in rows:
        link = SummaryLink(names.get(pub_id, ""), issue_label(series, number), issue_url, entry_id)
        for key in work_keys(work_link(title_url, url), title):
            index[key] = link  # earlier issues come last and win
    return index
