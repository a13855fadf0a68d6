"""An import writes its new entries without the ORM (a statement per table and batch), and the store
it makes is the one the ORM makes: the same rows in every table, the same revisions, and importing
the file again changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Text, cast, select

from precis.model import Base, Entry, Issue, parse_issue_label
from precis.publication import load_settings
from precis.record import EntryRecord, apply_record, imported_status
from precis.sheets import iter_file, read_file
from precis.store import Store, history, import_records, imports, load_records, set_authors, snapshot
from tests.helpers import SAMPLE_CSV, SAMPLE_TOML

SHEETS_HTML = Path(__file__).parent / "fixtures" / "google_sheets.html"
TABLES = ("issue", "entry", "opinion", "entry_author", "revision")
# Written by the clock: they cannot be equal between two imports.
CLOCK = {"entry": {"created_at", "updated_at"}, "revision": {"at"}}


def orm_import(store: Store, records: Iterable[EntryRecord], by: str) -> None:
    """Each record a new entry, written as the ORM writes one (the import's way before it wrote new
    entries without the ORM): ``Entry``, ``apply_record``, its issue, ``set_authors``, one flush
    whose hook writes the revisions."""
    with store.session(by=by) as s:
        pub = store.default_publication(s)
        issues: dict[str, Issue] = {}
        for rec in records:
            issue = None
            if rec.issue is not None:
                issue = issues.get(rec.issue)
                if issue is None:
                    series, number = parse_issue_label(rec.issue) or ("", 0)
                    issue = issues[rec.issue] = Issue(publication=pub, series=series, number=number)
                    s.add(issue)
                if rec.issue_url:
                    issue.url = rec.issue_url
            entry = Entry(publication_id=pub.id, title=rec.title, opinions=[], author_list=[],
                          status=imported_status(rec))
            s.add(entry)
            apply_record(entry, rec)
            if issue is not None:
                entry.status = "published"
            entry.issue = issue
            set_authors(entry)


def rows(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import writes, in id order, without the clock's columns; JSON as
    the text stored (so that SQL NULL and JSON null differ)."""
    out = {}
    with store.engine.connect() as conn:
        for name in TABLES:
            table = Base.metadata.tables[name]
            columns = [
                cast(c, Text).label(c.name) if isinstance(c.type, JSON) else c
                for c in table.columns if c.name not in CLOCK.get(name, set())
            ]
            out[name] = [tuple(r) for r in conn.execute(select(*columns).order_by(table.c.id))]
    return out


def new_store(url: str) -> Store:
    store = Store(url)
    store.init(load_settings(SAMPLE_TOML))
    return store


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Two new stores: SQLite files, or one PostgreSQL database in turn (the second made after the
    first is read)."""
    if request.param == "sqlite":
        yield lambda n: new_store(str(tmp_path / f"{n}.db"))
    else:
        url = request.getfixturevalue("pg_url")

        def fresh(_: int) -> Store:
            from sqlalchemy import create_engine, text

            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
            return new_store(url)

        yield fresh


@pytest.mark.parametrize("sheet", [SAMPLE_CSV, SHEETS_HTML], ids=["csv", "sheets-html"])
def test_an_import_writes_the_rows_the_orm_writes(two_stores, sheet, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 3)  # several batches, issues shared across them
    orm = two_stores(1)
    orm_import(orm, read_file(sheet), by="import")
    expected = rows(orm)
    orm.close()
    bulk = two_stores(2)
    result = import_records(bulk, iter_file(sheet), by="import")
    assert result.created == len(expected["entry"]) > 0
    assert rows(bulk) == expected
    bulk.close()


def test_new_and_changed_entries_in_one_batch_are_both_written(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 4)
    records = read_file(SAMPLE_CSV)
    store = new_store(str(tmp_path / "an.db"))
    import_records(store, records[::2], by="first")  # every other entry: each batch mixes both kinds
    edited = [replace(r, summary="Changed.") if i % 4 == 0 else r for i, r in enumerate(records)]
    result = import_records(store, edited, by="second")
    assert (result.created, result.updated, result.unchanged) == (5, 3, 2)
    at_once = new_store(str(tmp_path / "at_once.db"))
    import_records(at_once, edited)
    assert [r.to_dict() for r in load_records(store)] == [r.to_dict() for r in load_records(at_once)]
    written_by = {"first": [r.title for r in records[::2]], "second": [r.title for r in edited[1::2]]}
    written_by["second"] += [r.title for r in edited[::4]]  # changed by the second import
    with store.session() as s:
        for entry in s.scalars(select(Entry)):
            revisions = history(s, entry.id)
            assert [r.by for r in revisions] == [by for by, titles in written_by.items() if entry.title in titles]
            assert revisions[-1].version == entry.version and revisions[-1].after == snapshot(entry)


def test_importing_the_same_file_again_changes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 3)
    store = new_store(str(tmp_path / "an.db"))
    import_records(store, iter_file(SHEETS_HTML), by="first")
    before = rows(store)
    again = import_records(store, iter_file(SHEETS_HTML), by="again")
    assert (again.created, again.updated) == (0, 0) and again.unchanged == len(before["entry"])
    assert rows(store) == before


def test_an_entry_made_after_an_import_gets_the_next_id(two_stores):
    store = two_stores(1)
    result = import_records(store, iter_file(SAMPLE_CSV), by="import")
    with store.session(by="newsroom") as s:
        entry = Entry(publication_id=store.default_publication(s).id, title="Written in the newsroom")
        s.add(entry)
        s.flush()
        assert entry.id == result.created + 1
    store.close()
