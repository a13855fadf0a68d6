"""Properties of every importer: any input ends in records imported or in a ``PrecisError``, never
another exception; and what an export writes, an import reads back unchanged.

The suite runs 200 examples per property; ``PRECIS_HYPOTHESIS=thorough`` runs 10,000. Workbooks are
kept small (a few rows) so that the xlsx properties stay cheap at that count.
"""

from __future__ import annotations

import csv
import html
import io
import json
import string
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from precis.errors import PrecisError
from precis.model import EMAIL_STATUSES, PUBLIC_LEVELS, SUMMARIZE_VALUES
from precis.record import AN_COLUMNS, CELL_LIMIT, EDITORIAL_COLUMNS, INLINE_OPINION, EntryRecord, OpinionRecord
from precis.sheets import read_csv, read_html, read_json, read_xlsx, write_file
from precis.store import Store, import_records

READERS: dict[str, Callable[[Path], list[EntryRecord]]] = {
    "xlsx": read_xlsx, "csv": read_csv, "html": read_html, "json": read_json,
}
ALL_COLUMNS = AN_COLUMNS + EDITORIAL_COLUMNS + [c + " link" for c in AN_COLUMNS]
_FIXTURES = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One store for every example of a property (an import is all or nothing)."""
    s = Store(str(tmp_path_factory.mktemp("props") / "props.db"))
    s.init()
    yield s
    s.close()


def outcome(store: Store, read: Callable[[Path], list[EntryRecord]], data: bytes, suffix: str) -> None:
    """Read the bytes as a file and import them: success, or the project's own error."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input.{suffix}"
        path.write_bytes(data)
        try:
            import_records(store, read(path))
        except PrecisError as exc:
            assert "\n" not in str(exc), str(exc)


# -- hostile values --------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from([
        "=HYPERLINK(\"http://evil.example\",\"x\")", "=cmd|' /C calc'!A0", "+1", "-1", "@SUM(1)", "'=x",
        "\tx", "\rx", "\x00", "a\x01b", "\x7f", "\ufffe", "\uffff", "javascript:alert(1)", " JaVa\tScript:x",
        "data:text/html,<script>", "AN #99999999999999999999", "AN #" + "9" * 5000, "9" * 5000, "1e400",
        "-0", "²", "--5", "N/A", "Highlight", "Yes", "No", "Link only", "x" * (CELL_LIMIT + 1),
        "<@a@>(@b@)", "**X's opinion:** y", "A/B/C", "\u202e\u0301\U0001f600", "Recon #0", "AN #-1",
    ]),
)
year_value = st.one_of(st.integers(-(10**30), 10**30), st.sampled_from(["2019", "x", "", "20119"]), hostile_text)
cell_value = st.one_of(st.none(), hostile_text, st.integers(-(10**20), 10**20), st.floats(allow_nan=True))
columns = st.lists(st.sampled_from(ALL_COLUMNS), unique=True, max_size=6).map(lambda extra: AN_COLUMNS + extra)


@st.composite
def sheets(draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    """A header (the 14 columns, some optional ones, sometimes an unknown one) and a few rows."""
    header = draw(columns)
    if draw(st.booleans()):
        header = [*header, draw(st.sampled_from(["Bogus", "", "Title"]))]
    width = st.integers(max(0, len(header) - 2), len(header) + 2)
    rows = []
    for _ in range(draw(st.integers(0, 3))):
        values = [draw(year_value) if name == "Year" else draw(cell_value) for name in header]
        if "Title" in header and draw(st.booleans()):
            values[header.index("Title")] = draw(st.text(min_size=1, max_size=10))
        rows.append(values[: draw(width)])
    return header, rows


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out)
    w.writerow(header)
    w.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8", "surrogatepass")


def xlsx_bytes(header: list[str], rows: list[list[Any]], links: list[str | None]) -> bytes | None:
    wb = openpyxl.Workbook()
    ws = wb.active
    try:
        ws.append(header)
        for r, row in enumerate(rows, 2):
            ws.append(row)
            link = links[r % len(links)] if links else None
            if link and row:
                ws.cell(row=r, column=3).hyperlink = link
    except (IllegalCharacterError, ValueError):
        return None  # openpyxl itself will not write these (the CSV property sends them)
    out = io.BytesIO()
    try:
        wb.save(out)
    except (ValueError, UnicodeEncodeError):
        return None
    return out.getvalue()


def html_bytes(header: list[str], rows: list[list[Any]], links: list[str | None]) -> bytes:
    def td(value: Any, link: str | None = None) -> str:
        text = html.escape("" if value is None else str(value))
        return f'<td><a href="{html.escape(link)}">{text}</a></td>' if link else f"<td>{text}</td>"

    def tr(i: int, row: list[Any]) -> str:
        return "<tr>" + "".join(td(v, links[i % len(links)] if links and c == 2 else None) for c, v in enumerate(row))

    body = "".join(tr(i, row) + "</tr>" for i, row in enumerate(rows))
    page = f"<html><body><table><tr>{''.join(td(h) for h in header)}</tr>{body}</table></body></html>"
    return page.encode("utf-8", "surrogatepass")


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
json_entry = st.one_of(
    json_value,
    st.dictionaries(
        st.sampled_from([*EntryRecord.__dataclass_fields__, "junk"]), json_value, max_size=6
    ).map(lambda d: {"title": "t", **d}),
)


# -- any input: records or a PrecisError ------------------------------------------------------------


@_FIXTURES
@given(data=st.binary(max_size=2000), fmt=st.sampled_from(sorted(READERS)))
def test_random_bytes_end_in_records_or_a_precis_error(store, data, fmt):
    prefix = {"xlsx": b"PK\x03\x04", "json": b"{", "html": b"<html>", "csv": b""}[fmt]
    outcome(store, READERS[fmt], prefix + data, fmt)


@_FIXTURES
@given(sheet=sheets())
def test_any_csv_ends_in_records_or_a_precis_error(store, sheet):
    outcome(store, read_csv, csv_bytes(*sheet), "csv")


@_FIXTURES
@given(sheet=sheets(), links=st.lists(st.one_of(st.none(), hostile_text), max_size=2))
def test_any_xlsx_ends_in_records_or_a_precis_error(store, sheet, links):
    data = xlsx_bytes(*sheet, links)
    if data is not None:
        outcome(store, read_xlsx, data, "xlsx")


@_FIXTURES
@given(sheet=sheets(), links=st.lists(st.one_of(st.none(), hostile_text), max_size=2))
def test_any_google_sheets_html_ends_in_records_or_a_precis_error(store, sheet, links):
    outcome(store, read_html, html_bytes(*sheet, links), "html")


@_FIXTURES
@given(document=st.one_of(json_value, st.fixed_dictionaries({"entries": st.lists(json_entry, max_size=3)})))
def test_any_json_ends_in_records_or_a_precis_error(store, document):
    data = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    outcome(store, read_json, data, "json")


@_FIXTURES
@given(member=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml"]),
       xml=st.one_of(st.text(max_size=200), st.sampled_from(["<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", "<x"])))
def test_an_xlsx_with_any_xml_part_ends_in_records_or_a_precis_error(store, member, xml):
    good = xlsx_bytes(AN_COLUMNS, [["News", None, "A title"]], [])
    assert good is not None
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, xml.encode("utf-8", "surrogatepass") if item.filename == member else src.read(item))
    outcome(store, read_xlsx, out.getvalue(), "xlsx")


# -- export then import: lossless -----------------------------------------------------------------

# Texts a record may hold: no forbidden character, and (in "My opinion") no inline-opinion heading,
# which the sheet reads as a second opinion by design.
_ALLOWED = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                         "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x7f\ufffe\uffff")
text = st.text(_ALLOWED, min_size=1, max_size=20)
formula_text = st.builds(lambda q, c, t: q + c + t, st.sampled_from(["", "'", "''"]), st.sampled_from("=+-@\t\r"), text)
some_text = st.one_of(text, formula_text)
maybe = st.one_of(st.none(), some_text)
link = st.one_of(st.none(), st.sampled_from(["https://example.org/a", "javascript:alert(1)", "evt.to/x", "#frag",
                                             "https://example.org/p#part", "mailto:a@example.org"]))
name = st.text(string.ascii_letters, min_size=1, max_size=8)


# Strategies are made once, here: a strategy made inside ``records`` would be validated at every draw.
issues = st.one_of(st.none(), st.integers(0, 10**6).map(lambda n: f"AN #{n}"))
summarizers = st.one_of(st.none(), name)
opinion_texts = st.one_of(st.none(), some_text.filter(lambda t: not INLINE_OPINION.search(t)))
titles = some_text.map(lambda t: t if t.strip() else t + "T")
years = st.one_of(st.none(), st.integers(1000, 2999))
notes_of_email = st.sampled_from([None, "N/A"])
levels = st.sampled_from(PUBLIC_LEVELS)
statuses = st.one_of(st.none(), st.sampled_from(EMAIL_STATUSES))
priorities = st.one_of(st.none(), st.integers(1, 10))
summarize_values = st.one_of(st.none(), st.sampled_from(SUMMARIZE_VALUES))
extra_links = st.one_of(
    st.none(), st.dictionaries(st.sampled_from(["Authors", "H/T", "URL"]), link.filter(bool), min_size=1)
)
counts = st.integers(1, 3)


@st.composite
def records(draw: st.DrawFn) -> list[EntryRecord]:
    """Records as a sheet can hold them (one opinion, by the summarizer; Email link iff an issue)."""
    out: list[EntryRecord] = []
    seen: set[tuple[str, str]] = set()
    for _ in range(draw(counts)):
        issue = draw(issues)
        summarizer = draw(summarizers)
        opinion = draw(opinion_texts)
        issue_url = draw(link) if issue else None
        rec = EntryRecord(
            title=draw(titles), category=draw(maybe), highlight=draw(st.booleans()), title_url=draw(link),
            url=draw(maybe), authors=draw(maybe), venue=draw(maybe), venue_url=draw(link), year=draw(years),
            hat_tip=draw(maybe), issue=issue, issue_url=issue_url,
            issue_note=None if issue else draw(notes_of_email), issue_linked=issue_url is not None,
            summarizer=summarizer, summary=draw(maybe),
            opinions=[OpinionRecord(summarizer, opinion)] if opinion else [],
            prerequisites=draw(maybe), prerequisites_url=draw(link), read_more=draw(maybe),
            read_more_url=draw(link), public_level=draw(levels), email_status=draw(statuses),
            priority=draw(priorities), summarize=draw(summarize_values), notes=draw(maybe),
            extra_links=draw(extra_links), position=len(out),
        )
        if rec.identity() not in seen:
            seen.add(rec.identity())
            out.append(rec)
    return out


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_then_import_gives_back_every_record(fmt):
    @settings(suppress_health_check=[HealthCheck.too_slow])
    @given(recs=records())
    def round_trip(recs: list[EntryRecord]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"out.{fmt}"
            write_file(path, recs)
            back = READERS[fmt](path)
        assert [comparable(r) for r in back] == [comparable(r) for r in recs]

    round_trip()


def comparable(rec: EntryRecord) -> dict[str, Any]:
    return EntryRecord(**{**rec.__dict__, "provided": None}).to_dict()
