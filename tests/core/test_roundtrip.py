"""Import then export gives back the real spreadsheet: every row, value and hyperlink."""


import pytest
from sqlalchemy import func, select

from precis.model import Entry, Issue, Opinion
from precis.sheets import read_file, write_file
from precis.store import Store, import_records, load_records
from tests.helpers import init_store, sheet_rows


@pytest.fixture(scope="module")
def original_rows(real_sheet_rows):
    return real_sheet_rows


def test_real_sheet_imports_every_row_issue_and_opinion(real_store):
    with real_store.session() as s:
        assert s.scalar(select(func.count(Entry.id))) == 1956
        assert s.scalar(select(func.count(Issue.id))) == 172  # AN #1-#171, Recon #4 and #5
        # 56 cells hold a second, inline opinion (one written "**Rohin's opinion**:").
        assert s.scalar(select(func.count(Opinion.id)).where(Opinion.position == 1)) == 56
        na = s.scalar(select(func.count(Entry.id)).where(Entry.issue_note == "N/A"))
        assert na == 17


def test_xlsx_round_trip_gives_back_every_value_and_hyperlink(real_store, original_rows, tmp_path):
    out = tmp_path / "out.xlsx"
    write_file(out, load_records(real_store))
    exported = sheet_rows(out)
    assert exported[0] == original_rows[0]  # the header
    assert len(exported) == len(original_rows) == 1957
    assert sorted(exported[1:], key=repr) == sorted(original_rows[1:], key=repr)
    # the literal "N/A" cells survive as text, not as missing values
    assert sum(1 for r in exported if r[7][0] == "N/A") == 17
    assert sum(1 for r in exported if r[4][0] == "N/A") == 5


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_csv_and_json_round_trips_are_lossless(real_store, original_rows, tmp_path, fmt):
    middle = tmp_path / f"archive.{fmt}"
    write_file(middle, load_records(real_store))
    fresh = init_store(Store(str(tmp_path / "fresh.db")))
    import_records(fresh, read_file(middle))
    out = tmp_path / "again.xlsx"
    write_file(out, load_records(fresh))
    assert sorted(sheet_rows(out)[1:], key=repr) == sorted(original_rows[1:], key=repr)


def test_reimporting_the_real_sheet_changes_nothing(real_store, real_records):
    result = import_records(real_store, real_records)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1956)
    with real_store.session() as s:
        assert s.scalar(select(func.count(Entry.id))) == 1956


def test_a_summarizer_pair_splits_into_summarizer_and_opinion_author(real_store):
    with real_store.session() as s:
        entries = s.scalars(select(Entry).where(Entry.summarizer == "Asya")).all()
        pair = [e for e in entries if e.opinions and e.opinions[0].author == "Rohin"]
    assert pair, "the sheet's 'Asya/Rohin' row should give an Asya summary with a Rohin opinion"
