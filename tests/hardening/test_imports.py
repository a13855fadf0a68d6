"""Validation at the door, and privacy that an import cannot lower.

Every importer (xlsx, CSV, Google Sheets HTML, JSON) refuses bad input with one line naming the file,
the row (or entries[i]) and the column (or field), and leaves the store as it was. A column absent
from a file means "unchanged": re-importing a sheet without Public? or the editorial columns never
makes a private entry public nor clears an editor's notes.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from precis.errors import PrecisError
from precis.model import Entry
from precis.public import EDITORIAL_FIELDS
from precis.record import AN_COLUMNS, CELL_LIMIT, RECORD_FIELDS, EntryRecord
from precis.sheets import read_file, write_file
from precis.store import Store, find_entry, import_records, load_records
from tests.helpers import run_precis, table_rows

TABLES = ("publication", "issue", "entry", "opinion", "entry_author", "revision")
PRIVATE_TITLE = "Internal Draft on Lab Policy"


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def good_row(title: str, **values: str) -> list[str]:
    row = dict.fromkeys(AN_COLUMNS, "")
    row.update({"Category": "News", "Title": title, "Year": "2021", "Email": "AN #200"})
    row.update(values)
    return [row[c] for c in AN_COLUMNS]


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def json_file(path: Path, entries: Any, raw: str | None = None) -> Path:
    path.write_text(raw if raw is not None else json.dumps({"format": "precis-1", "entries": entries}), "utf-8")
    return path


def refused(store: Store, path: Path, *needles: str) -> str:
    """Importing ``path`` fails with one line holding every needle, and the store is unchanged."""
    before = table_rows(store, TABLES)
    with pytest.raises(PrecisError) as caught:
        import_records(store, read_file(path))
    message = str(caught.value)
    assert "\n" not in message, message
    for needle in needles:
        assert needle in message, (needle, message)
    assert table_rows(store, TABLES) == before
    return message


def editorial_state(store: Store) -> dict[str, tuple]:
    """Each entry's public level and editorial fields, by title."""
    with store.session() as s:
        return {
            e.title: (e.public_level, *(getattr(e, f) for f in EDITORIAL_FIELDS))
            for e in s.scalars(select(Entry))
        }


# -- privacy: an absent column is "unchanged" --------------------------------------------------

WITHOUT_EDITORIAL = frozenset(RECORD_FIELDS) - {*EDITORIAL_FIELDS, "public_level"}


def fourteen_column_version(records: list[EntryRecord]) -> list[EntryRecord]:
    """The records as the published sheet holds them: no Public? and no editorial columns."""
    blank: dict[str, Any] = dict.fromkeys(EDITORIAL_FIELDS)
    return [replace(r, public_level="Yes", **blank, provided=WITHOUT_EDITORIAL) for r in records]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_reimporting_a_file_without_the_editorial_columns_keeps_privacy_and_notes(sample_store, tmp_path, fmt):
    before = editorial_state(sample_store)
    assert before[PRIVATE_TITLE][0] == "No" and any(v[4] for v in before.values())  # notes to keep
    out = tmp_path / f"published.{fmt}"
    write_file(out, fourteen_column_version(load_records(sample_store)))
    if fmt == "xlsx":
        assert [c.value for c in openpyxl.load_workbook(out).worksheets[0][1]] == AN_COLUMNS
    if fmt == "json":
        assert all("public_level" not in e and "notes" not in e for e in json.loads(out.read_text())["entries"])
    result = import_records(sample_store, read_file(out))
    assert result.updated == 0 and result.created == 0
    assert editorial_state(sample_store) == before


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_reimporting_the_public_export_keeps_privacy_and_notes(sample_store, tmp_path, fmt):
    before = editorial_state(sample_store)
    out = tmp_path / f"public.{fmt}"
    write_file(out, load_records(sample_store, public=True))
    import_records(sample_store, read_file(out))
    assert editorial_state(sample_store) == before


def test_a_new_entry_from_a_file_without_public_is_public(sample_store, tmp_path):
    import_records(sample_store, read_file(write_csv(tmp_path / "new.csv", AN_COLUMNS, [good_row("Brand new")])))
    with sample_store.session() as s:
        assert find_entry(s, "Brand new").public_level == "Yes"


def test_a_csv_without_a_link_column_keeps_the_links_it_does_not_mention(sample_store, tmp_path):
    with sample_store.session() as s:
        entry = find_entry(s, "Curve Detectors")
        read_more_url, title_url = entry.read_more_url, entry.title_url
    assert read_more_url and title_url
    records = [r for r in load_records(sample_store) if r.title == "Curve Detectors"]
    out = tmp_path / "one.csv"
    write_file(out, records)
    text = out.read_text("utf-8").replace("Curve Circuits", "Curve Circuits (revised)")
    header, *rows = list(csv.reader(io.StringIO(text)))
    keep = [i for i, name in enumerate(header) if name != "Read more link"]
    write_csv(out, [header[i] for i in keep], [[row[i] for i in keep] for row in rows])
    import_records(sample_store, read_file(out))
    with sample_store.session() as s:
        entry = find_entry(s, "Curve Detectors")
        assert entry.read_more == "Curve Circuits (revised)"
        assert (entry.read_more_url, entry.title_url) == (read_more_url, title_url)


def test_reimporting_the_real_sheet_keeps_private_entries_and_notes(real_store, real_records):
    with real_store.session() as s:
        chosen = s.scalars(select(Entry).order_by(Entry.id).limit(40)).all()
        for i, entry in enumerate(chosen):
            entry.public_level = ("No", "Link only", "With edits")[i % 3]
            entry.notes = f"editor's note {i}"
            entry.email_status = "Sent"
            entry.priority = 1 + i % 10
            entry.summarize = "Yes"
    before = editorial_state(real_store)
    result = import_records(real_store, real_records)  # the sheet as read_file reads it, once per run
    assert (result.created, result.updated) == (0, 0)
    assert editorial_state(real_store) == before


# -- CSV rows must match the header ------------------------------------------------------------


def test_a_csv_row_shorter_than_the_header_is_refused(sample_store, tmp_path):
    path = tmp_path / "short.csv"
    write_csv(path, AN_COLUMNS, [good_row("Fine"), good_row("Short")[:-3]])
    refused(sample_store, path, "short.csv", "line 3", "11 fields", "header has 14")


def test_a_csv_row_longer_than_the_header_is_refused(sample_store, tmp_path):
    path = tmp_path / "long.csv"
    write_csv(path, AN_COLUMNS, [[*good_row("Long"), "stray value"]])
    refused(sample_store, path, "long.csv", "line 2", "15 fields", "header has 14")


def test_empty_fields_beyond_the_header_are_allowed(empty_store, tmp_path):
    path = write_csv(tmp_path / "padded.csv", AN_COLUMNS, [[*good_row("Padded"), "", ""]])
    assert import_records(empty_store, read_file(path)).created == 1


# -- JSON: validated per field ------------------------------------------------------------------

GOOD_ENTRY = {"title": "A title", "issue": "AN #5", "year": 2020}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"year": "x"}, "field 'year'"),
        ({"year": True}, "field 'year'"),
        ({"opinions": "not a list"}, "field 'opinions'"),
        ({"opinions": [{"author": "A", "text": 3}]}, "field 'opinions[0].text'"),
        ({"opinions": [{"author": "A", "text": "t", "junk": {"deep": [1]}}]}, "field 'opinions[0].junk'"),
        ({"highlight": "yes"}, "field 'highlight'"),
        ({"public_level": 3}, "field 'public_level'"),
        ({"public_level": "Maybe"}, "field 'public_level'"),
        ({"extra_links": {"Authors": ["x"]}}, "field 'extra_links.Authors'"),
        ({"title": {"nested": "junk"}}, "field 'title'"),
        ({"title": "  "}, "field 'title'"),
        ({"unknown": 1}, "field 'unknown'"),
        ({"year": 10**30}, "field 'year'"),
        ({"position": 10**30}, "field 'position'"),
        ({"priority": 11}, "field 'priority'"),
        ({"issue": "Foo"}, "field 'issue'"),  # once: "NOT NULL constraint failed: issue.series"
        ({"issue": "AN #99999999999999999999"}, "field 'issue'"),
        ({"summary": "nul \x00 inside"}, "field 'summary'"),
        ({"summary": "x" * (CELL_LIMIT + 1)}, "field 'summary'"),
    ],
)
def test_json_of_the_wrong_type_names_entry_and_field(sample_store, tmp_path, change, field):
    entries = [{**GOOD_ENTRY, "title": "first"}, {**GOOD_ENTRY, **change}]
    refused(sample_store, json_file(tmp_path / "bad.json", entries), "bad.json", "entries[1]", field)


@pytest.mark.parametrize(
    "raw", ["[]", '"text"', "null", "3", '{"entries": {}}', '{"entries": [1]}', '{"entries": [[]]}', "[" * 100_000]
)
def test_json_of_an_unexpected_shape_is_one_clear_line(sample_store, tmp_path, raw):
    refused(sample_store, json_file(tmp_path / "shape.json", None, raw), "shape.json")


def test_json_with_a_bom_is_read_like_csv_with_one(empty_store, tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"entries": [GOOD_ENTRY]}).encode())
    assert import_records(empty_store, read_file(path)).created == 1


def test_a_json_number_of_thousands_of_digits_is_one_line(sample_store, tmp_path):
    raw = '{"entries": [{"title": "x", "year": ' + "9" * 5000 + "}]}"
    refused(sample_store, json_file(tmp_path / "digits.json", None, raw), "digits.json")


# -- limits, control characters, numbers, in every importer ------------------------------------


def test_a_cell_over_excels_limit_is_refused_with_row_and_column(sample_store, tmp_path):
    path = write_csv(tmp_path / "big.csv", AN_COLUMNS, [good_row("Big", Summary="x" * (CELL_LIMIT + 1))])
    refused(sample_store, path, "big.csv", "line 2", "column Summary", "32,767")


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x1f", "\x7f", "\ufffe", "\uffff", "\ud800"])
def test_control_characters_in_csv_are_refused_with_row_and_column(sample_store, tmp_path, char):
    path = tmp_path / "ctrl.csv"
    with open(path, "w", newline="", encoding="utf-8", errors="surrogatepass") as f:
        w = csv.writer(f)
        w.writerow(AN_COLUMNS)
        w.writerow(good_row("Fine"))
        w.writerow(good_row("Bad", Authors=f"An{char}Author"))
    if char == "\ud800":  # a lone surrogate is no UTF-8: refused as such
        refused(sample_store, path, "ctrl.csv", "not UTF-8")
    else:
        refused(sample_store, path, "ctrl.csv", "line 3", "column Authors", f"U+{ord(char):04X}")


def test_a_control_character_in_a_csv_link_column_is_refused(sample_store, tmp_path):
    path = write_csv(tmp_path / "link.csv", [*AN_COLUMNS, "Title link"], [[*good_row("L"), "https://x.org/\x01"]])
    refused(sample_store, path, "link.csv", "line 2", "column Title link", "U+0001")


def test_a_control_character_in_xlsx_is_refused_with_row_and_column(sample_store, tmp_path):
    path = write_xlsx(tmp_path / "ctrl.xlsx", AN_COLUMNS, [good_row("Fine"), good_row("Bad", Venue="a\x7fb")])
    refused(sample_store, path, "ctrl.xlsx", "row 3", "column Venue", "U+007F")


def test_a_control_character_in_html_is_refused_with_row_and_column(sample_store, tmp_path):
    cells = "".join(f"<td>{c}</td>" for c in AN_COLUMNS)
    row = "".join(f"<td>{v}</td>" for v in good_row("Bad", Authors="x\x7fy"))
    path = tmp_path / "ctrl.html"
    path.write_text(f"<html><body><table><tr>{cells}</tr><tr>{row}</tr></table></body></html>", "utf-8")
    refused(sample_store, path, "ctrl.html", "row 2", "column Authors", "U+007F")


@pytest.mark.parametrize(
    ("values", "needles"),
    [
        ({"Year": "20119"}, ("column Year", "1000 to 2999")),
        ({"Year": "999"}, ("column Year",)),
        ({"Year": "9" * 5000}, ("column Year",)),
        ({"Year": "--5"}, ("column Year",)),
        ({"Year": "²"}, ("column Year",)),
        ({"Email": "AN #99999999999999999999"}, ("column Email", "issue number")),
        ({"Email": "AN #" + "9" * 5000}, ("column Email",)),
        ({"Email": "Averyveryverylongseriesname #3"}, ("column Email", "series")),
        ({"Category": "c" * 201}, ("column Category", "200")),
        ({"Summarizer": "s" * 201}, ("column Summarizer",)),
        ({"Authors": "Ann Lee, " + "a" * 301}, ("column Authors", "300")),
        ({"Summarizer": "Ann/" + "b" * 201, "My opinion": "Good."}, ("column My opinion", "200")),
    ],
)
def test_numbers_and_sized_texts_are_range_checked(sample_store, tmp_path, values, needles):
    path = write_csv(tmp_path / "numbers.csv", AN_COLUMNS, [good_row("Fine"), good_row("Bad", **values)])
    refused(sample_store, path, "numbers.csv", "line 3", *needles)


def test_a_huge_number_in_an_xlsx_cell_is_one_line(sample_store, tmp_path):
    path = write_xlsx(tmp_path / "huge.xlsx", AN_COLUMNS, [good_row("Huge", Year=1e300)])  # type: ignore[arg-type]
    refused(sample_store, path, "huge.xlsx", "row 2", "column Year")


def test_a_bad_import_through_the_cli_is_one_line_and_exit_1(sample_store, tmp_path):
    path = write_csv(tmp_path / "short.csv", AN_COLUMNS, [good_row("Short")[:5]])
    before = table_rows(sample_store, TABLES)
    result = run_precis(sample_store.display, "import", str(path))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "short.csv: line 2" in result.stderr
    assert table_rows(sample_store, TABLES) == before


# -- hostile XML ----------------------------------------------------------------------------------

XXE = """<?xml version="1.0"?>
<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE w [<!ENTITY a "lollollollollollollollollollol">
<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&g;</t></is></c></row></sheetData></worksheet>"""
MALFORMED = "<worksheet><sheetData><row><c>unclosed"


def hostile_xlsx(tmp_path: Path, sheet_xml: str, member: str = "xl/worksheets/sheet1.xml") -> Path:
    """A workbook openpyxl wrote, with one of its XML parts replaced."""
    good = write_xlsx(tmp_path / "good.xlsx", AN_COLUMNS, [good_row("x")])
    path = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, sheet_xml if item.filename == member else src.read(item.filename))
    return path


@pytest.mark.parametrize("xml", [XXE, LAUGHS, MALFORMED], ids=["xxe", "billion-laughs", "malformed"])
@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "[Content_Types].xml"])
def test_hostile_xlsx_xml_is_one_clean_line(sample_store, tmp_path, xml, member):
    refused(sample_store, hostile_xlsx(tmp_path, xml, member), "hostile.xlsx", "not a readable .xlsx")


def test_openpyxl_parses_with_defusedxml():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML


def test_the_html_reader_expands_no_external_entity(empty_store, tmp_path):
    cells = "".join(f"<td>{c}</td>" for c in AN_COLUMNS)
    row = "".join(f"<td>{v}</td>" for v in good_row("&xxe;"))
    path = tmp_path / "xxe.html"
    path.write_text(
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        f"<html><body><table><tr>{cells}</tr><tr>{row}</tr></table></body></html>",
        "utf-8",
    )
    try:
        records = read_file(path)
    except PrecisError:
        return
    assert all("root:" not in json.dumps(r.to_dict()) for r in records)


def test_a_bad_first_import_leaves_no_store_behind(tmp_path):
    path = write_csv(tmp_path / "short.csv", AN_COLUMNS, [good_row("Short")[:5]])
    result = run_precis(tmp_path / "new.db", "import", str(path))
    assert result.returncode == 1 and "short.csv: line 2" in result.stderr
    assert not (tmp_path / "new.db").exists()


def with_hidden_words(store: Store) -> Store:
    """The sample with words a public file cannot show: a Link-only entry's summary and H/T, and a
    public summary's reference to the private entry."""
    with store.session(by="test") as s:
        link_only = find_entry(s, "Sample Fellowship Announcement")
        link_only.summary, link_only.hat_tip = "Written for the team only.", "Someone"
        public = find_entry(s, "Curve Detectors")
        public.summary = (public.summary or "") + " See <@the draft@>(@Internal Draft on Lab Policy@)."
    return store


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_reimporting_the_public_export_changes_no_word(sample_store, tmp_path, fmt):
    # What a public file cannot show (a Link-only entry's summary, a reference to a private entry,
    # cut to its anchor) is not taken for a change when the file comes back.
    before = load_records(with_hidden_words(sample_store))
    public = load_records(sample_store, public=True)
    hidden = [(r.summary, p.summary) for r in before for p in public if r.title == p.title and r.summary != p.summary]
    assert len(hidden) == 2
    out = tmp_path / f"public.{fmt}"
    write_file(out, public)
    result = import_records(sample_store, read_file(out))
    assert result.updated == 0
    assert [r.to_dict() for r in load_records(sample_store)] == [r.to_dict() for r in before]


def test_a_change_made_in_a_public_file_is_imported(sample_store, tmp_path):
    public = load_records(with_hidden_words(sample_store), public=True)
    out = tmp_path / "public.csv"
    edited = "Sample Fellowship Announcement"
    write_file(out, [replace(r, summary="Now summarized.") if r.title == edited else r for r in public])
    result = import_records(sample_store, read_file(out))
    assert result.updated == 1
    with sample_store.session() as s:
        assert find_entry(s, edited).summary == "Now summarized."


def test_an_xlsx_declaring_entities_says_so(sample_store, tmp_path):
    refused(sample_store, hostile_xlsx(tmp_path, XXE), "its XML declares entities or a DTD", "EntitiesForbidden")
