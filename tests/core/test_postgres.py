"""The same store on PostgreSQL: import, round trip, revisions, transactions."""

import pytest
from sqlalchemy import func, select

from precis.check import ERROR, check
from precis.errors import PrecisError
from precis.model import Entry
from precis.record import EntryRecord
from precis.sheets import read_file, write_file
from precis.store import Store, history, import_records, load_records
from tests.helpers import SAMPLE_CSV, sheet_rows


def test_real_archive_round_trips_through_postgresql(pg_url, real_sheet_rows, real_records, tmp_path):
    with Store(pg_url) as store:
        store.init()
        import_records(store, real_records)
        out = tmp_path / "pg.xlsx"
        write_file(out, load_records(store))
        assert sorted(sheet_rows(out), key=repr) == sorted(real_sheet_rows, key=repr)
        with store.session() as s:
            errors = [p for p in check(s, store.default_publication(s)) if p.severity == ERROR]
        assert len(errors) == 3
        assert import_records(store, real_records).unchanged == 1956


def test_a_failed_import_leaves_postgresql_unchanged(pg_url):
    with Store(pg_url) as store:
        store.init()
        import_records(store, read_file(SAMPLE_CSV))
        bad = [EntryRecord(title="New one", issue="AN #300"), EntryRecord(title="Dup", issue="AN #300"),
               EntryRecord(title="dup ", issue="AN #300")]
        with pytest.raises(PrecisError):
            import_records(store, bad)
        with store.session() as s:
            assert s.scalar(select(func.count(Entry.id))) == 10
            e = s.scalar(select(Entry).where(Entry.title == "Curve Detectors"))
            e.summary = "Edited on PostgreSQL."
        with store.session() as s:
            revs = history(s, e.id)
    assert revs[-1].after["summary"] == "Edited on PostgreSQL."
    assert revs[-1].before["summary"] != revs[-1].after["summary"]


def test_closing_a_postgresql_store_closes_its_dedicated_connections(pg_url):
    store = Store(pg_url)
    store.init()
    connection = store.dedicated_connection()
    assert connection.execute("SELECT count(*) FROM publication").fetchone()[0] == 1
    store.close()
    assert connection.closed
