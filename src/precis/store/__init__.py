"""The store: the only module that opens database sessions.

A store is SQLite in a file by default (WAL mode) or any SQLAlchemy URL (PostgreSQL). Its schema is
made and upgraded by Alembic. Every flush that changes an entry or its opinions writes a
``Revision`` with the entry before and after, so nothing written is ever lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, insert, select, func
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from precis.authors import parse_authors
from precis.errors import PrecisError
from precis.model import (
    Entry,
    EntryAuthor,
    Issue,
    Opinion,
    Publication,
    Revision,
    parse_issue_label,
    utcnow,
)
from precis.publication import Settings, load_settings
from precis.record import EntryRecord, apply_record, identity, record_from_entry

DEFAULT_DB = "precis.db"


def database_url(path_or_url: str) -> str:
    """A plain path means a SQLite file; anything with ``://`` is a SQLAlchemy URL."""
    if "://" in path_or_url:
        try:
            make_url(path_or_url)
        except ArgumentError:
            raise PrecisError(f"--db {path_or_url!r}: not a valid database URL") from None
        return path_or_url
    return f"sqlite:///{Path(path_or_url).expanduser().resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "precis:migrations")
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


class Store:
    """A handle on one database: sessions, schema, and the default publication."""

    def __init__(self, path_or_url: str = DEFAULT_DB) -> None:
        self.url = database_url(path_or_url)
        self.display = path_or_url
        self.is_sqlite = self.url.startswith("sqlite")
        self.engine: Engine = create_engine(self.url)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "after_flush", _record_revisions)

    # -- schema ----------------------------------------------------------------------------

    def exists(self) -> bool:
        if self.is_sqlite:
            path = make_url(self.url).database
            if not path or not Path(path).exists():
                return False
        return self.schema_revision() is not None

    def schema_revision(self) -> tuple[str, ...] | None:
        try:
            with self.engine.connect() as conn:
                heads = MigrationContext.configure(conn).get_current_heads()
        except OperationalError as exc:
            raise PrecisError(f"cannot open database {self.display}: {exc.orig}") from None
        return tuple(heads) or None

    def is_current(self) -> bool:
        script = ScriptDirectory.from_config(alembic_config(self.url))
        return set(self.schema_revision() or ()) == set(script.get_heads())

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest revision of every branch."""
        cfg = alembic_config(self.url)
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
        except OperationalError as exc:
            raise PrecisError(f"cannot open database {self.display}: {exc.orig}") from None

    def require(self) -> None:
        """Fail with a clear message unless the store has been initialized; upgrade if old."""
        if not self.exists():
            raise PrecisError(
                f"{self.display}: no Précis store here; run `precis --db {self.display} init` first"
            )
        if not self.is_current():
            self.migrate()

    # -- sessions --------------------------------------------------------------------------

    @contextmanager
    def session(self, by: str = "precis") -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back entirely on any error."""
        session = self._sessions()
        session.info["by"] = by
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # -- publications ----------------------------------------------------------------------

    def init(self, settings: Settings | None = None) -> Publication:
        """Create the schema and the publication (the Alignment Newsletter unless given).

        Running it again with settings updates that publication's copy of them.
        """
        self.migrate()
        settings = settings or load_settings()
        with self.session(by="init") as s:
            pub = s.scalar(select(Publication).where(Publication.slug == settings.slug))
            if pub is None:
                pub = Publication(slug=settings.slug)
                s.add(pub)
            pub.name = settings.name
            pub.issue_prefix = settings.issue_prefix
            pub.house_style = settings.house_style
            pub.settings = settings.to_dict()
        return pub

    def default_publication(self, session: Session) -> Publication:
        pub = session.scalar(select(Publication).order_by(Publication.id).limit(1))
        if pub is None:
            raise PrecisError(f"{self.display}: the store has no publication; run `precis init`")
        return pub


def settings_of(publication: Publication) -> Settings:
    return Settings.from_dict(publication.settings, f"publication {publication.slug!r}")


def set_authors(entry: Entry) -> None:
    """Keep the parsed author list in step with the authors text."""
    parsed = parse_authors(entry.authors)
    current = [(a.name, a.equal_contribution) for a in entry.author_list]
    if current != [(a.name, a.equal_contribution) for a in parsed]:
        entry.author_list = [
            EntryAuthor(position=i, name=a.name, equal_contribution=a.equal_contribution)
            for i, a in enumerate(parsed)
        ]


# -- revisions -----------------------------------------------------------------------------

SNAPSHOT_FIELDS = [
    c for c in Entry.__table__.columns.keys() if c not in ("id", "created_at", "updated_at")
]


def snapshot(entry: Entry) -> dict[str, Any]:
    """The entry as plain JSON-able data, opinions included: what a revision records."""
    data: dict[str, Any] = {name: getattr(entry, name) for name in SNAPSHOT_FIELDS}
    data["issue"] = entry.issue.label if entry.issue is not None else None
    data["opinions"] = [
        {"author": o.author, "text": o.text, "marker": o.marker} for o in entry.opinions
    ]
    return json.loads(json.dumps(data, default=str))


def _record_revisions(session: Session, _flush_context: Any) -> None:
    touched: dict[int, Entry] = {}
    created: set[int] = set()
    deleted: dict[int, Entry] = {}
    for obj in session.new:
        if isinstance(obj, Entry):
            touched[obj.id] = obj
            created.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Entry):
            touched[obj.id] = obj
    for obj in session.deleted:
        if isinstance(obj, Entry):
            deleted[obj.id] = obj
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Opinion, EntryAuthor)):
            # A removed opinion no longer points at its entry, but still holds its id.
            parent = obj.entry or (session.get(Entry, obj.entry_id) if obj.entry_id else None)
            if parent is not None:
                touched.setdefault(parent.id, parent)
    if not touched and not deleted:
        return
    previous = _latest_after(session, [i for i in (*touched, *deleted) if i not in created])
    by, at = session.info.get("by", "precis"), utcnow()
    rows = []
    for entry_id, entry in touched.items():
        if entry_id in deleted:
            continue
        after = snapshot(entry)
        before = None if entry_id in created else previous.get(entry_id)
        if before != after:
            rows.append({"entry_id": entry_id, "at": at, "by": by, "before": before, "after": after})
    for entry_id in deleted:
        rows.append(
            {"entry_id": entry_id, "at": at, "by": by, "before": previous.get(entry_id), "after": None}
        )
    if rows:
        session.connection().execute(insert(Revision), rows)


def _latest_after(session: Session, entry_ids: list[int]) -> dict[int, Any]:
    if not entry_ids:
        return {}
    out: dict[int, Any] = {}
    conn = session.connection()
    for start in range(0, len(entry_ids), 500):
        chunk = entry_ids[start : start + 500]
        latest = (
            select(func.max(Revision.id))
            .where(Revision.entry_id.in_(chunk))
            .group_by(Revision.entry_id)
        )
        for entry_id, after in conn.execute(
            select(Revision.entry_id, Revision.after).where(Revision.id.in_(latest))
        ):
            out[entry_id] = after
    return out


def history(session: Session, entry_id: int) -> list[Revision]:
    return list(
        session.scalars(select(Revision).where(Revision.entry_id == entry_id).order_by(Revision.id))
    )




# -- import ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    issues_created: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def import_records(
    store: Store,
    records: list[EntryRecord],
    by: str = "import",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write records into the store in one transaction: all of them, or on any error none.

    An entry is identified by its issue (or Email note) and trimmed, case-folded title: importing
    the same file twice updates in place and creates nothing new.
    """
    result = ImportResult()
    with store.session(by=by) as s:
        pub = store.default_publication(s)
        entries = s.scalars(
            select(Entry)
            .where(Entry.publication_id == pub.id)
            .options(selectinload(Entry.opinions), selectinload(Entry.author_list), selectinload(Entry.issue))
        ).all()
        by_identity = {
            identity(e.issue.label if e.issue else (e.issue_note or ""), e.title): e for e in entries
        }
        issues = {
            i.label: i for i in s.scalars(select(Issue).where(Issue.publication_id == pub.id))
        }
        issue_link_source: dict[str, str] = {}
        seen: dict[tuple[str, str], str] = {}
        for n, rec in enumerate(records, 1):
            key = rec.identity()
            if key in seen:
                raise PrecisError(
                    f"{rec.where}: same title and issue as {seen[key]}; one entry cannot be in a file twice"
                )
            seen[key] = rec.where
            issue = None
            if rec.issue is not None:
                issue = issues.get(rec.issue)
                if issue is None:
                    series, number = parse_issue_label(rec.issue) or (None, None)
                    issue = Issue(publication=pub, series=series, number=number)
                    s.add(issue)
                    issues[rec.issue] = issue
                    result.issues_created += 1
                if rec.issue_url:
                    if rec.issue in issue_link_source and issue.url != rec.issue_url:
                        raise PrecisError(
                            f"{rec.where}, column Email: links {rec.issue} to {rec.issue_url}, "
                            f"but {issue_link_source[rec.issue]} links it to {issue.url}"
                        )
                    issue.url = rec.issue_url
                    issue_link_source[rec.issue] = rec.where
            entry = by_identity.get(key)
            if entry is None:
                entry = Entry(publication_id=pub.id, title=rec.title, opinions=[], author_list=[])
                s.add(entry)
                by_identity[key] = entry
                result.created += 1
            elif record_from_entry(entry).to_dict() == rec.to_dict():
                result.unchanged += 1
                if progress:
                    progress(n)
                continue
            else:
                result.updated += 1
            apply_record(entry, rec)
            if entry.issue is not issue:
                entry.issue = issue
            set_authors(entry)
            if progress:
                progress(n)
    return result


def publication_entries(session: Session, publication: Publication) -> list[Entry]:
    """Every entry of a publication in sheet order, with its opinions and issue loaded."""
    return list(
        session.scalars(
            select(Entry)
            .where(Entry.publication_id == publication.id)
            .order_by(Entry.position, Entry.id)
            .options(selectinload(Entry.opinions), selectinload(Entry.issue))
        )
    )


def load_records(store: Store, public: bool = False) -> list[EntryRecord]:
    """Every entry of the default publication as records, in sheet order.

    With ``public``, entries that are not public are left out and the rest are cut to what the
    public may see (see ``public.py``).
    """
    from precis.public import public_record

    with store.session() as s:
        records = [record_from_entry(e) for e in publication_entries(s, store.default_publication(s))]
    if public:
        return [r for r in map(public_record, records) if r is not None]
    return records


def find_entry(session: Session, title_or_id: str) -> Entry:
    """An entry by its id, or by its title (case-insensitive; a unique part of it will do)."""
    text = title_or_id.strip()
    if text.isdigit():
        entry = session.get(Entry, int(text))
        if entry is None:
            raise PrecisError(f"no entry with id {text}")
        return entry
    key = " ".join(text.split()).casefold()
    candidates = session.scalars(select(Entry).order_by(Entry.position, Entry.id)).all()
    exact = [e for e in candidates if " ".join(e.title.split()).casefold() == key]
    if exact:
        return exact[0]
    partial = [e for e in candidates if key in e.title.casefold()]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        shown = "; ".join(f"{e.id}: {e.title.strip()!r}" for e in partial[:5])
        raise PrecisError(f"{len(partial)} entries match {text!r}: {shown}; give the id or the full title")
    from rapidfuzz import fuzz, process, utils

    near = process.extract(
        text, [e.title.strip() for e in candidates], scorer=fuzz.WRatio, processor=utils.default_process, limit=3
    )
    hint = "; ".join(repr(t) for t, _s, _i in near)
    raise PrecisError(f"no entry titled {text!r}" + (f"; closest: {hint}" if hint else ""))
