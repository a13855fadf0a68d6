"""A large sheet is imported a batch at a time and read as it goes, and still as one transaction:
the same store as a whole-file import, nothing written on an error, one line naming its row."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from precis.errors import PrecisError
from precis.model import Entry, Revision
from precis.publication import load_settings
from precis.record import AN_COLUMNS
from precis.sheets import iter_file, read_file
from precis.store import Store, import_records, imports, load_records
from tests.helpers import SAMPLE_CSV, SAMPLE_TOML, run_precis


@pytest.fixture
def batches_of_three(monkeypatch: pytest.MonkeyPatch) -> None:
    # The sample's ten entries then make four batches: every batch boundary is crossed.
    monkeypatch.setattr(imports, "BATCH", 3)


def new_store(path: Path) -> Store:
    store = Store(str(path))
    store.init(load_settings(SAMPLE_TOML))
    return store


def line_of(path: Path, row: int) -> int:
    """The line of the file where row ``row`` (0: the header) ends, as errors name it."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        for n, _ in enumerate(reader):
            if n == row:
                return reader.line_num
    raise AssertionError(row)


def counts(store: Store) -> tuple[int, int]:
    with store.session() as s:
        return s.scalar(select(func.count(Entry.id))) or 0, s.scalar(select(func.count(Revision.id))) or 0


def test_a_batched_streamed_import_makes_the_store_a_whole_import_makes(tmp_path, monkeypatch):
    whole = new_store(tmp_path / "whole.db")
    import_records(whole, read_file(SAMPLE_CSV))
    monkeypatch.setattr(imports, "BATCH", 3)
    streamed = new_store(tmp_path / "streamed.db")
    result = import_records(streamed, iter_file(SAMPLE_CSV))
    assert (result.created, result.updated) == (10, 0)
    assert [r.to_dict() for r in load_records(streamed)] == [r.to_dict() for r in load_records(whole)]
    assert counts(streamed) == counts(whole) == (10, 10)


def test_importing_again_across_batches_updates_in_place(tmp_path, batches_of_three):
    store = new_store(tmp_path / "an.db")
    import_records(store, iter_file(SAMPLE_CSV))
    again = import_records(store, iter_file(SAMPLE_CSV))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)
    assert counts(store) == (10, 10)


def test_an_error_in_a_later_batch_leaves_the_store_as_it_was(tmp_path, batches_of_three):
    rows = list(csv.reader(SAMPLE_CSV.open(encoding="utf-8")))
    rows[10][rows[0].index("Year")] = "next year"  # the tenth entry: after three batches were flushed
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    store = new_store(tmp_path / "an.db")
    with pytest.raises(PrecisError, match=rf"bad\.csv: line {line_of(bad, 10)}, column Year"):
        import_records(store, iter_file(bad))
    assert counts(store) == (0, 0)


def test_a_title_twice_in_the_file_is_found_across_batches(tmp_path, batches_of_three):
    rows = list(csv.reader(SAMPLE_CSV.open(encoding="utf-8")))
    rows.append(rows[1])  # the first entry again, in the fourth batch
    twice = tmp_path / "twice.csv"
    with twice.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    store = new_store(tmp_path / "an.db")
    again, first = line_of(twice, 11), line_of(twice, 1)
    with pytest.raises(PrecisError, match=rf"twice\.csv: line {again}: same title and issue as .*line {first};"):
        import_records(store, iter_file(twice))
    assert counts(store) == (0, 0)


def test_a_csv_not_utf8_far_into_the_file_names_its_line_and_byte(tmp_path):
    header = ",".join(AN_COLUMNS) + "\r\n"
    row = "News,,Title {n},,,2021,,AN #1" + "," * (len(AN_COLUMNS) - 8) + "\r\n"
    body = "".join(row.format(n=n) for n in range(3000)).encode()  # well past the first block read
    path = tmp_path / "late.csv"
    path.write_bytes(header.encode() + body + b"News,,Caf\xe9,,,2021,,AN #1" + b"," * (len(AN_COLUMNS) - 8))
    offset = len(header.encode() + body) + len(b"News,,Caf")
    with pytest.raises(PrecisError) as raised:
        list(iter_file(path))
    assert str(raised.value) == f"{path}: row 3002: not UTF-8 (byte 0xe9 at offset {offset}); save the CSV as UTF-8"


def test_a_bad_first_import_of_a_large_file_leaves_no_store_behind(tmp_path):
    rows = list(csv.reader(SAMPLE_CSV.open(encoding="utf-8")))
    rows[-1][rows[0].index("Year")] = "someday"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    result = run_precis(tmp_path / "new.db", "import", str(bad))
    assert result.returncode == 1 and f"{bad}: line {line_of(bad, len(rows) - 1)}, column Year" in result.stderr
    assert not (tmp_path / "new.db").exists()
