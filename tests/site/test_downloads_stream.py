"""The archive's downloads written from a stream of records (a batch in memory at a time): the
same files as the whole list of public records gives, whatever record decides a column."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from precis import sheets
from precis.errors import PrecisError
from precis.model import Entry, Opinion
from precis.record import EntryRecord
from precis.site.downloads import write_downloads, write_xlsx
from precis.store import Store, load_records
from precis.store.queries import iter_records
from tests.helpers import load_sample

TRICKY = 'Line one\nline two\r\n\t"quoted" \\ back, é, 😀, \u2028 and =SUM(A1) ünïcödé'


def downloads(store: Store, folder: Path) -> Path:
    folder.mkdir()
    write_downloads(store.url, folder, "x", {})
    return folder


def whole_json(store: Store) -> bytes:
    """The JSON download as one ``json.dumps`` of every public record gives it."""
    with store.session() as s:
        settings = store.default_publication(s).settings
    entries = [r.to_dict() for r in load_records(store, public=True)]
    data = {"format": sheets.JSON_FORMAT, "publication": settings, "entries": entries}
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def cells(path: Path) -> list[list[tuple]]:
    sheet = load_workbook(path).worksheets[0]
    return [
        [(c.value, c.data_type, c.hyperlink and c.hyperlink.target, c.hyperlink and c.hyperlink.location) for c in row]
        for row in sheet.iter_rows()
    ]


def public_titles(store: Store) -> list[str]:
    return [r.title for r in load_records(store, public=True)]


def edit_last_public(store: Store, **values: object) -> None:
    last = public_titles(store)[-1]
    with store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == last)).one()
        for name, value in values.items():
            setattr(entry, name, value)


def test_the_json_download_is_one_json_dumps_of_the_public_records_and_its_key_their_digest(sample_store, tmp_path):
    edit_last_public(sample_store, summary=TRICKY, read_more=TRICKY)
    with sample_store.session(by="test") as s:
        entry = s.scalars(select(Entry).where(Entry.title == public_titles(sample_store)[0])).one()
        entry.opinions.append(Opinion(position=len(entry.opinions), author="Ada", text=TRICKY))
    folder = downloads(sample_store, tmp_path / "dl")
    data = (folder / "x.json").read_bytes()
    assert data == whole_json(sample_store)
    assert json.loads(data)["entries"][-1]["summary"] == TRICKY
    made = json.loads((folder / "made.json").read_text())
    assert made == {"key": hashlib.sha256(data).hexdigest(), "count": len(public_titles(sample_store))}


def test_a_store_with_no_public_entry_gives_files_with_no_rows(empty_store, tmp_path):
    folder = downloads(empty_store, tmp_path / "dl")
    assert (folder / "x.json").read_bytes() == whole_json(empty_store)
    assert json.loads((folder / "x.json").read_bytes())["entries"] == []
    assert len((folder / "x.csv").read_text("utf-8").splitlines()) == 1
    assert len(cells(folder / "x.xlsx")) == 1
    assert json.loads((folder / "made.json").read_text())["count"] == 0


def test_a_link_only_the_last_record_has_still_gets_its_csv_column(sample_store, tmp_path):
    """The CSV's link columns are known only once every record is read: the streamed file must
    have the one the last record alone needs, as the whole list's file does."""
    with sample_store.session(by="test") as s:
        for entry in s.scalars(select(Entry)):
            entry.prerequisites_url = None
    whole = tmp_path / "whole.csv"
    sheets.write_file(whole, load_records(sample_store, public=True))
    assert "Prerequisites link" not in whole.read_text("utf-8").splitlines()[0]
    edit_last_public(sample_store, prerequisites="Read this first", prerequisites_url="https://example.org/first")
    folder = downloads(sample_store, tmp_path / "dl")
    sheets.write_file(whole, load_records(sample_store, public=True))
    header = (folder / "x.csv").read_text("utf-8").splitlines()[0]
    assert "Prerequisites link" in header.split(",")
    assert (folder / "x.csv").read_bytes() == whole.read_bytes()


def test_the_excel_download_holds_the_cells_and_hyperlinks_of_the_whole_lists_layout(sample_store, tmp_path):
    edit_last_public(sample_store, summary=TRICKY.replace("\r", ""), prerequisites="First", prerequisites_url="https://example.org/p")
    folder = downloads(sample_store, tmp_path / "dl")
    expected = list(sheets.xlsx_rows(tmp_path / "x.xlsx", load_records(sample_store, public=True), public=True))
    ours = cells(folder / "x.xlsx")
    assert [[(c[0], c[2] if c[3] is None else f"{c[2] or ''}#{c[3]}") for c in row] for row in ours] == [
        [(value, link) for value, link in row] for row in expected
    ]
    assert all(c[1] == "s" for row in ours for c in row if isinstance(c[0], str))  # text, never a formula
    assert any(c[2] == "https://example.org/p" for c in ours[-1])


def test_records_stream_in_sheet_order_whatever_the_batch(sample_store):
    with sample_store.session() as s:
        order = list(s.scalars(select(Entry.title).order_by(Entry.position, Entry.id)))
    for public in (False, True):
        whole = [r.to_dict() for r in iter_records(sample_store, public=public, batch=10_000)]
        assert [r.to_dict() for r in iter_records(sample_store, public=public, batch=3)] == whole
    assert [r.title for r in iter_records(sample_store, batch=3)] == order
    assert public_titles(sample_store) == [t for t in order if t in set(public_titles(sample_store))]


def test_downloads_from_postgresql_equal_those_from_sqlite(pg_url, sample_store, tmp_path):
    on_pg = load_sample(Store(pg_url))
    try:
        pg, sqlite = downloads(on_pg, tmp_path / "pg"), downloads(sample_store, tmp_path / "sqlite")
    finally:
        on_pg.close()
    for name in ("x.json", "x.csv", "made.json"):
        assert (pg / name).read_bytes() == (sqlite / name).read_bytes(), name
    assert cells(pg / "x.xlsx") == cells(sqlite / "x.xlsx")


def openpyxl_write_only(path: Path, rows: list[list[tuple[str | int | None, str | None]]]) -> None:
    """The downloads' .xlsx as openpyxl's write-only worksheet writes it, a cell object per value."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    for row in rows:
        out = []
        for value, link in row:
            cell = WriteOnlyCell(ws)
            sheets.fill_xlsx_cell(cell, value, link)
            out.append(cell)
        ws.append(out)
    wb.save(path)


def test_the_excel_download_is_the_xml_openpyxl_writes_for_the_same_rows(tmp_path):
    records = [
        EntryRecord(
            title="  Spaces around  ", title_url="https://example.org/a?b=1&c=<2>", summary=TRICKY, year=2020,
            authors='=HYPERLINK("http://evil")', read_more="More", read_more_url="https://example.org/m#part",
        ),
        EntryRecord(title="Plain", category="", summary="é ü &amp; <b>", prerequisites="P", prerequisites_url="#top"),
        EntryRecord(title="No links at all", year=1999),
    ]
    layout = sheets.Layout.of(records)
    ours, theirs = tmp_path / "ours.xlsx", tmp_path / "theirs.xlsx"
    write_xlsx(ours, iter(records), layout)
    openpyxl_write_only(theirs, list(sheets.xlsx_rows(theirs, records, public=True)))
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        assert a.namelist() == b.namelist()
        assert "xl/worksheets/_rels/sheet1.xml.rels" in a.namelist()
        for name in a.namelist():
            if name != "docProps/core.xml":  # its times of creation
                assert a.read(name) == b.read(name), name
    assert cells(ours) == cells(theirs)


def test_a_character_no_excel_cell_can_hold_is_refused_with_the_text(tmp_path):
    records = [EntryRecord(title="Bell \x07 here")]
    with pytest.raises(PrecisError, match="cannot hold 'Bell"):
        write_xlsx(tmp_path / "x.xlsx", records, sheets.Layout.of(records))
    assert not (tmp_path / "x.xlsx").exists()


@settings(max_examples=60, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40), st.integers(-10**12, 10**12))
def test_any_text_a_cell_can_hold_is_written_as_openpyxl_writes_it(tmp_path_factory, text, number):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    assume(not ILLEGAL_CHARACTERS_RE.search(text))
    records = [EntryRecord(title=text or "t", summary=text, authors=f" {text}\r", year=number)]
    layout = sheets.Layout.of(records)
    folder = tmp_path_factory.mktemp("cells")
    ours, theirs = folder / "ours.xlsx", folder / "theirs.xlsx"
    write_xlsx(ours, iter(records), layout)
    openpyxl_write_only(theirs, list(sheets.xlsx_rows(theirs, records, public=True)))
    with zipfile.ZipFile(ours) as a, zipfile.ZipFile(theirs) as b:
        sheet = "xl/worksheets/sheet1.xml"
        assert a.read(sheet) == b.read(sheet)
