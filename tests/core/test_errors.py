"""Bad input: one line naming file, row and column; exit 1; the store left as it was."""

import csv
import subprocess
from pathlib import Path

import pytest

from precis.record import AN_COLUMNS
from precis.sheets import write_file
from precis.store import load_records
from tests.helpers import table_rows
from tests.helpers import run_precis as run

TABLES = ("publication", "issue", "entry", "opinion", "entry_author", "revision")


def store_state(store) -> dict[str, list[tuple]]:
    """Everything in the store, revisions included."""
    return table_rows(store, TABLES)


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def good_row(title: str, **values: str) -> list[str]:
    row = {c: "" for c in AN_COLUMNS}
    row.update({"Category": "News", "Title": title, "Year": "2021", "Email": "AN #200"})
    row.update(values)
    return [row[c] for c in AN_COLUMNS]


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_wrong_header_names_the_column(sample_store, tmp_path):
    header = ["Titel" if c == "Title" else c for c in AN_COLUMNS]
    bad = write_csv(tmp_path / "bad.csv", header, [good_row("x")])
    before = store_state(sample_store)
    result = run(Path(sample_store.engine.url.database), "import", str(bad))
    assert_one_line_error(result, "bad.csv", "row 1", "column C", "Titel")
    assert store_state(sample_store) == before


def test_text_in_year_names_row_and_column_and_imports_nothing(sample_store, tmp_path):
    rows = [good_row("A fine first row"), good_row("Another fine row"), good_row("Bad year", Year="2019a")]
    bad = write_csv(tmp_path / "year.csv", AN_COLUMNS, rows)
    before = store_state(sample_store)
    result = run(Path(sample_store.engine.url.database), "import", str(bad))
    assert_one_line_error(result, "year.csv", "line 4", "column Year", "2019a")
    assert store_state(sample_store) == before  # the two good rows were not written either


def test_unknown_public_value_names_the_column(sample_store, tmp_path):
    bad = write_csv(tmp_path / "public.csv", AN_COLUMNS + ["Public?"], [good_row("x") + ["Maybe"]])
    before = store_state(sample_store)
    result = run(Path(sample_store.engine.url.database), "import", str(bad))
    assert_one_line_error(result, "public.csv", "line 2", "column Public?", "Maybe")
    assert store_state(sample_store) == before


def test_non_utf8_csv_is_refused_with_its_row(sample_store, tmp_path):
    bad = write_csv(tmp_path / "latin.csv", AN_COLUMNS, [good_row("Café society")], encoding="latin-1")
    before = store_state(sample_store)
    result = run(Path(sample_store.engine.url.database), "import", str(bad))
    assert_one_line_error(result, "latin.csv", "row 2", "UTF-8")
    assert store_state(sample_store) == before


def test_truncated_xlsx_is_refused(sample_store, tmp_path):
    whole = tmp_path / "whole.xlsx"
    write_file(whole, load_records(sample_store))
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    before = store_state(sample_store)
    result = run(Path(sample_store.engine.url.database), "import", str(cut))
    assert_one_line_error(result, "cut.xlsx", "not a readable .xlsx")
    assert store_state(sample_store) == before


def test_the_same_work_twice_in_one_file_is_refused(sample_store, tmp_path):
    bad = write_csv(tmp_path / "twice.csv", AN_COLUMNS, [good_row("Same"), good_row("Same ")])
    result = run(Path(sample_store.engine.url.database), "import", str(bad))
    assert_one_line_error(result, "twice.csv", "line 3", "line 2")


@pytest.mark.parametrize("command", [["stats"], ["check"], ["export", "x.xlsx"]])
def test_commands_on_a_missing_store_say_how_to_create_it(tmp_path, command):
    result = run(tmp_path / "none.db", *command)
    assert_one_line_error(result, "none.db", "precis --db", "init")
    assert not (tmp_path / "none.db").exists()


def test_export_to_an_unknown_format_is_refused(sample_store, tmp_path):
    result = run(Path(sample_store.engine.url.database), "export", str(tmp_path / "x.pdf"))
    assert_one_line_error(result, "x.pdf", ".xlsx")


def test_library_errors_are_worded_for_the_command_line(sample_store):
    """The library names a field; the CLI names the option or argument a user typed."""
    db = sample_store.display
    assert_one_line_error(run(db, "render", "nonsense"), "ISSUE 'nonsense': not an issue")
    assert_one_line_error(run(db, "render", "SN #2", "--format", "pdf"), "--format 'pdf': the formats are")
    assert_one_line_error(run(db, "render", "SN #99"), "no issue SN #99 in the store")
    assert_one_line_error(run(db, "search", "reward", "--limit", "0"), "--limit 0: give a number from 1 to 100")
