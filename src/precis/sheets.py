"""Spreadsheet files in and out: the AN ``.xlsx`` (with cell hyperlinks), CSV, a Google Sheets
"download as HTML" export, and Précis JSON.

Reading gives ``EntryRecord``s (see ``record.py`` for what the cells mean and the limits every
text is held to); writing takes them. Every reading error names the file, the row and the column.
openpyxl is imported where it is used: it is the slowest import of the CLI, and most commands never
touch a spreadsheet.

Safety rules, the same for every file this module or the archive's downloads write:

- No formula ever (OWASP "CSV injection"). In .xlsx every text is a string cell, so
  ``=HYPERLINK(...)`` stays the text it is. In CSV a text that a spreadsheet would read as a formula
  (starting with ``=``, ``+``, ``-``, ``@``, tab or CR, after any number of ``'``) gets one more
  leading ``'``, and reading a CSV removes exactly one from a text that starts with ``'`` and such a
  character: every text round-trips.
- A hyperlink in an .xlsx only where the link policy (``precis.links``) allows the link. The private
  export is a lossless backup, so a link the policy refuses travels as text in a "<Column> link"
  column, as links do in CSV; reading takes it back. The public downloads drop such a link.
- A text over Excel's 32,767 characters is refused by the .xlsx writer with its entry and column,
  never cut (import refuses such texts in the first place).
- XML is read with entity expansion and external entities off: openpyxl parses worksheets through
  defusedxml (which refuses any entity declaration) and its other parts with lxml's entity
  resolution off; the Google Sheets HTML is read by lxml without network access.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from precis.errors import PrecisError
from precis.files import replacing, write_bytes
from precis.links import safe_url
from precis.record import (
    AN_COLUMNS,
    CELL_LIMIT,
    EDITORIAL_COLUMNS,
    LINK_SUFFIX,
    Cell,
    EntryRecord,
    provided_by,
    record_from_row,
    row_from_record,
    text_problem,
    texts_allowed,
)

FORMATS = ("xlsx", "csv", "html", "json")
JSON_FORMAT = "precis-1"


def detect_format(path: Path) -> str:
    """The file's format, by its content first and its extension second."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as exc:
        raise PrecisError(f"{path}: cannot read: {exc.strerror}") from None
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"{", b"[")):
        return "json"
    if stripped.startswith((b"<!doctype html", b"<html", b"<meta", b"<table", b"<style", b"<head")):
        return "html"
    ext = path.suffix.lower().lstrip(".")
    if ext in ("xlsx", "xlsm"):
        return "xlsx"  # an .xlsx that is not a zip: read_xlsx reports it
    if ext in ("htm", "html"):
        return "html"
    if ext == "json":
        return "json"
    if ext in ("csv", "txt", "tsv"):
        return "csv"
    raise PrecisError(f"{path}: unknown file format (expected .xlsx, .csv, .html or .json)")


def read_file(path: Path) -> list[EntryRecord]:
    """Read any supported file into records."""
    return list(iter_file(path))


def iter_file(path: Path) -> Iterator[EntryRecord]:
    """The file's records one by one. A CSV is read as it is iterated, so that a large one is never
    in memory whole (an error names its row when the reading reaches it); the other formats are
    read whole first (an .xlsx's hyperlinks need openpyxl's full load)."""
    path = Path(path)
    fmt = detect_format(path)
    if fmt == "csv":
        return iter_csv(path)
    return iter({"xlsx": read_xlsx, "html": read_html, "json": read_json}[fmt](path))


def write_file(path: Path, records: list[EntryRecord], publication: dict[str, Any] | None = None) -> None:
    """Write records in the format the extension names (.xlsx, .csv, .json)."""
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    if ext == "xlsx":
        write_xlsx(path, records)
    elif ext == "csv":
        write_csv(path, records)
    elif ext == "json":
        write_json(path, records, publication)
    else:
        raise PrecisError(f"{path}: cannot export to .{ext or '(no extension)'}; use .xlsx, .csv or .json")


class Layout:
    """What the columns of a CSV or .xlsx depend on that only every record tells: whether any has
    an editorial value (the editorial columns), which columns have a link somewhere (a CSV's link
    columns), and which a link that cannot be an .xlsx hyperlink (the private .xlsx's link columns).
    Made first from a list, or record by record (``add``) while the records pass by once, for files
    written from a stream (the archive's downloads)."""

    def __init__(self) -> None:
        self.editorial = False
        self.links: set[str] = set()
        self.links_as_text: set[str] = set()

    @classmethod
    def of(cls, records: Iterable[EntryRecord]) -> Layout:
        layout = cls()
        for rec in records:
            layout.add(rec)
        return layout

    def add(self, rec: EntryRecord) -> None:
        self.merge(self.shape(rec))

    @staticmethod
    def shape(rec: EntryRecord) -> Shape:
        """What one record tells of the columns: whether it has an editorial value, its columns
        with a link, and those whose link cannot be an .xlsx hyperlink."""
        row = row_from_record(rec, False)
        links = frozenset(name for name in AN_COLUMNS if row[name].link)
        return Shape(_editorial(rec), links, frozenset(name for name in links if _link_as_text(row[name])))

    def merge(self, shape: Shape) -> None:
        self.editorial = self.editorial or shape.editorial
        self.links |= shape.links
        self.links_as_text |= shape.links_as_text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Layout) and (self.editorial, self.links, self.links_as_text) == (
            other.editorial, other.links, other.links_as_text
        )


class Shape(NamedTuple):
    """One record's part of a ``Layout``."""

    editorial: bool
    links: frozenset[str]
    links_as_text: frozenset[str]


# -- rows of cells -----------------------------------------------------------------------------


def _records_from_rows(
    path: Path,
    header: Sequence[str | None],
    rows: Iterable[tuple[int, list[Cell]]],
    row_word: str = "row",
    cell_links: bool = True,
) -> list[EntryRecord]:
    return list(_iter_records(path, header, rows, row_word, cell_links))


def _iter_records(
    path: Path,
    header: Sequence[str | None],
    rows: Iterable[tuple[int, list[Cell]]],
    row_word: str = "row",
    cell_links: bool = True,
) -> Iterator[EntryRecord]:
    """Check the header, pair cells with it and turn each non-empty row into a record.

    ``cell_links``: the format's cells carry hyperlinks (xlsx, HTML; not CSV). A CSV row must be as
    wide as the header (empty fields beyond it are allowed: they hold nothing).
    """
    from openpyxl.utils import get_column_letter

    names = [(h or "").strip() for h in header]
    allowed = set(AN_COLUMNS) | set(EDITORIAL_COLUMNS) | {c + LINK_SUFFIX for c in AN_COLUMNS}
    for i, name in enumerate(names):
        if name and name not in allowed:
            raise PrecisError(
                f"{path}: row 1, column {get_column_letter(i + 1)}: unknown header {name!r} "
                f"(expected the Alignment Newsletter columns: {', '.join(AN_COLUMNS)})"
            )
    missing = [c for c in AN_COLUMNS if c not in names]
    if missing:
        raise PrecisError(f"{path}: row 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    duplicate = next((n for n in names if n and names.count(n) > 1), None)
    if duplicate:
        raise PrecisError(f"{path}: row 1: column {duplicate!r} appears twice")
    provided = provided_by(set(names), cell_links)
    letters = [get_column_letter(i + 1) for i in range(len(names))]
    link_columns = [(col, col + LINK_SUFFIX) for col in AN_COLUMNS if col + LINK_SUFFIX in names]
    place = f"{path}: {row_word} "
    count = 0
    for number, cells in rows:
        where = f"{place}{number}"
        if not cell_links and cells:
            _check_width(where, len(names), cells)
        row = {name: cell for name, cell in zip(names, cells, strict=False) if name}  # xlsx rows may be shorter
        # The row's texts checked at once (those of columns without a header too); cell by cell
        # only to say which cell has the problem.
        texts = [value for c in cells if isinstance(value := c.value, str)]
        if cell_links:
            texts += [c.link for c in cells if c.link]
        if not texts_allowed(texts):
            for name, letter, cell in zip(names, letters, cells, strict=False):
                if name:
                    _check_cell(where, name, letter, cell)
        if all(c.value in (None, "") and not c.link for c in row.values()):
            continue
        for col, link_name in link_columns:  # link columns: "Title link"
            link_col = row.pop(link_name, None)
            if link_col is not None and link_col.value not in (None, "") and col in row:
                row[col].link = str(link_col.value)
        yield record_from_row(row, where, count, provided)
        count += 1


def _check_width(where: str, width: int, cells: list[Cell]) -> None:
    if len(cells) < width or any(c.value not in (None, "") for c in cells[width:]):
        raise PrecisError(f"{where}: {len(cells)} fields, but the header has {width}; a row must match the header")


def _check_cell(where: str, name: str, letter: str, cell: Cell) -> None:
    for value, what in ((cell.value, ""), (cell.link, " (its hyperlink)")):
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise PrecisError(f"{where}, column {name} ({letter}){what}: {problem}")


# -- xlsx --------------------------------------------------------------------------------------


def _link(cell: Any) -> str | None:
    h = cell.hyperlink
    if h is None:
        return None
    target, location = h.target or "", h.location or ""
    if not target and not location:
        return None
    return f"{target}#{location}" if location else target


def read_xlsx(path: Path) -> list[EntryRecord]:
    import openpyxl.xml
    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]  # (no stubs; one name used)
    from openpyxl import load_workbook

    if not openpyxl.xml.DEFUSEDXML:  # else openpyxl would parse with entity expansion on
        raise PrecisError(
            f"{path}: not read: reading .xlsx safely needs defusedxml installed and OPENPYXL_DEFUSEDXML not False"
        )
    try:
        wb = load_workbook(path)  # not read-only: only a full load gives cell hyperlinks
        ws = wb.worksheets[0]
    # A hostile or broken file can make openpyxl and the XML parsers beneath it raise nearly
    # anything (BadZipFile, KeyError, defusedxml's EntitiesForbidden, ParseError, TypeError …):
    # every one of them means the same to the user.
    except Exception as exc:
        refused = _cause(exc, DefusedXmlException)
        if refused is not None:
            raise PrecisError(
                f"{path}: not a readable .xlsx file: its XML declares entities or a DTD, which no spreadsheet "
                f"needs ({refused.__class__.__name__})"
            ) from None
        raise PrecisError(f"{path}: not a readable .xlsx file ({exc.__class__.__name__}: {_first_line(exc)})") from None
    all_rows = ws.iter_rows()
    try:
        header_cells = next(all_rows)
    except StopIteration:
        raise PrecisError(f"{path}: the first sheet is empty") from None
    header = [c.value if isinstance(c.value, str) else None for c in header_cells]

    def rows() -> Iterable[tuple[int, list[Cell]]]:
        for number, row in enumerate(all_rows, 2):
            yield number, [Cell(c.value, _link(c)) for c in row]

    return _records_from_rows(path, header, rows())


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The exception of ``kind`` that ``exc`` was raised from or while handling, if any (openpyxl
    wraps what its XML parser raised)."""
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, kind):
        seen = seen.__cause__ or seen.__context__
    return seen


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [""])[0][:200]


def write_xlsx(path: Path, records: list[EntryRecord]) -> None:
    """The records in the newsletter's layout; a link the policy refuses goes to a "<Column> link"
    text column (read back by ``read_xlsx``), so the file is a lossless backup with no live link
    but safe ones."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for r, row in enumerate(xlsx_rows(path, records, public=False), 1):
        for c, (value, link) in enumerate(row, 1):
            fill_xlsx_cell(ws.cell(row=r, column=c), value, link)
    save_workbook(wb, path)


def save_workbook(wb: Any, path: Path) -> None:
    """Save an openpyxl workbook whole or not at all. It is made in memory first: openpyxl leaves
    its zip file open when a write fails, and that file's clean-up fails again, noisily."""
    buffer = io.BytesIO()
    wb.save(buffer)
    write_bytes(path, buffer.getvalue())


def xlsx_rows(
    path: Path, records: Iterable[EntryRecord], public: bool, layout: Layout | None = None
) -> Iterator[list[tuple[str | int | None, str | None]]]:
    """The header and each record's row, as (value, hyperlink) pairs: the one layout of every
    .xlsx written (``write_xlsx`` and the archive's downloads). ``layout``: the records' (see
    ``Layout``), if the caller made it as they passed by; else ``records`` are read twice.

    A link is a hyperlink only if the policy allows it and its cell has a value (a hyperlink on an
    empty cell does not survive an .xlsx). Otherwise ``public`` drops it, and the private export
    keeps it as text in a "<Column> link" column. A text over ``CELL_LIMIT`` is refused.
    """
    if layout is None:
        records = list(records)
        layout = Layout.of(records)
    editorial = layout.editorial
    columns = AN_COLUMNS + (EDITORIAL_COLUMNS if editorial else [])
    as_text = [] if public else [c for c in AN_COLUMNS if c in layout.links_as_text]
    yield [(name, None) for name in columns + [c + LINK_SUFFIX for c in as_text]]
    for rec in records:
        row = row_from_record(rec, editorial)
        out: list[tuple[str | int | None, str | None]] = []
        for name in columns:
            cell = row[name]
            _check_limit(path, rec, name, cell.value)
            safe = None if _link_as_text(cell) else safe_url(cell.link)
            out.append((cell.value, (safe if public else cell.link) if safe else None))
        for name in as_text:
            text = row[name].link if _link_as_text(row[name]) else None
            _check_limit(path, rec, name + LINK_SUFFIX, text)
            out.append((text, None))
        yield out


def _link_as_text(cell: Cell) -> bool:
    """Whether a cell's link cannot be an .xlsx hyperlink: the policy refuses it, or the cell is empty."""
    return bool(cell.link) and (cell.value in (None, "") or safe_url(cell.link) is None)


def _check_limit(path: Path, rec: EntryRecord, column: str, value: object) -> None:
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        raise PrecisError(
            f"{path}: entry {rec.title.strip()[:80]!r}, column {column}: {len(value):,} characters, "
            f"over Excel's limit of {CELL_LIMIT:,} for a cell"
        )


def fill_xlsx_cell(cell: Any, value: str | int | None, link: str | None) -> None:
    """Write a value (and its hyperlink) into an openpyxl cell, normal or write-only: a text is
    always a string cell, never a formula, whatever it starts with."""
    from openpyxl.utils.exceptions import IllegalCharacterError
    from openpyxl.worksheet.hyperlink import Hyperlink

    if link:
        target, _, location = link.partition("#")
        cell.hyperlink = Hyperlink(ref="", target=target or None, location=location or None)
    try:
        cell.value = value
    except IllegalCharacterError:
        raise xlsx_text_error(str(value)) from None
    if isinstance(value, str):
        cell.data_type = "s"


def xlsx_text_error(value: str) -> PrecisError:
    """The error of a text with a character no .xlsx cell can hold."""
    problem = text_problem(value) or "a character .xlsx cannot hold"
    return PrecisError(f"a cell of .xlsx cannot hold {value[:40]!r}: {problem}")


def _editorial(r: EntryRecord) -> bool:
    """Whether a record has a value that only the editorial columns show."""
    return bool(r.public_level != "Yes" or r.email_status or r.priority is not None or r.summarize or r.notes)


# -- csv ---------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[EntryRecord]:
    return list(iter_csv(path))


def iter_csv(path: Path) -> Iterator[EntryRecord]:
    """The CSV's records as it is read (decoded a block at a time, never whole in memory)."""
    try:
        binary = path.open("rb")
    except OSError as exc:
        raise PrecisError(f"{path}: cannot read: {exc.strerror}") from None
    with binary, io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        try:
            header = next(reader)
        except StopIteration:
            raise PrecisError(f"{path}: the file is empty") from None
        except csv.Error as exc:
            raise PrecisError(f"{path}: row 1: malformed CSV ({exc})") from None
        except UnicodeDecodeError:
            raise _not_utf8(path) from None

        def rows() -> Iterable[tuple[int, list[Cell]]]:
            try:
                for values in reader:
                    yield reader.line_num, [Cell(csv_unescape(v) if v != "" else None) for v in values]
            except csv.Error as exc:
                raise PrecisError(f"{path}: row {reader.line_num}: malformed CSV ({exc})") from None
            except UnicodeDecodeError:
                raise _not_utf8(path) from None

        yield from _iter_records(path, header, rows(), row_word="line", cell_links=False)


def _not_utf8(path: Path) -> PrecisError:
    """The error of a CSV that is not UTF-8, naming the line and offset of its first bad byte (the
    decoder, reading a block at a time, knows only the block's offset: the file is read again)."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
        line = raw[:start].count(b"\n") + 1
        return PrecisError(
            f"{path}: row {line}: not UTF-8 (byte 0x{raw[start]:02x} at offset {start}); save the CSV as UTF-8"
        )
    return PrecisError(f"{path}: not UTF-8; save the CSV as UTF-8")


# A text a spreadsheet reads as a formula, after the quotes that escape it; and an escaped one.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED_FORMULA = re.compile(r"'+[=+\-@\t\r]")


def csv_escape(text: str) -> str:
    """A text as CSV holds it: one more leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if _FORMULA.match(text) else text


def csv_unescape(text: str) -> str:
    """The inverse of ``csv_escape``: ``csv_unescape(csv_escape(t)) == t`` for every text."""
    # Asked of every text read: the pattern only where it can match.
    return text[1:] if text[:1] == "'" and _ESCAPED_FORMULA.match(text) else text


def write_csv(path: Path, records: Iterable[EntryRecord], layout: Layout | None = None) -> None:
    """The records as CSV; ``layout``: as for ``xlsx_rows``."""
    with replacing(path) as f:
        for _rec, line in csv_lines(records, layout):
            f.write(line)


def csv_lines(
    records: Iterable[EntryRecord], layout: Layout | None = None
) -> Iterator[tuple[EntryRecord | None, bytes]]:
    """The CSV file of the records, a line at a time in UTF-8, each with the record it holds
    (None for the header); ``layout``: as for ``xlsx_rows``."""
    if layout is None:
        records = list(records)
        layout = Layout.of(records)
    editorial = layout.editorial
    link_columns = [c for c in AN_COLUMNS if c in layout.links]
    value_columns = AN_COLUMNS + (EDITORIAL_COLUMNS if editorial else [])
    buffer = io.StringIO(newline="")
    w = csv.writer(buffer)

    def line(values: list[Any]) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        w.writerow(values)
        return buffer.getvalue().encode("utf-8")

    yield None, line(value_columns + [c + LINK_SUFFIX for c in link_columns])
    for rec in records:
        row = row_from_record(rec, editorial)
        values = [row[c].value for c in value_columns]
        values += [row[c].link for c in link_columns]
        yield rec, line(["" if v is None else csv_escape(v) if isinstance(v, str) else v for v in values])


# -- Google Sheets HTML ------------------------------------------------------------------------


def _unwrap_google(url: str) -> str:
    """Google Sheets exports links as https://www.google.com/url?q=REAL&sa=D...; keep REAL."""
    parts = urlsplit(url)
    if parts.netloc.endswith("google.com") and parts.path == "/url":
        q = parse_qs(parts.query).get("q")
        if q:
            return q[0]
    return url


def _html_cell(td: Any) -> Cell:
    for br in td.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text = td.text_content()
    anchors = td.findall(".//a")
    link = None
    if len(anchors) == 1 and anchors[0].text_content().strip() == text.strip() and anchors[0].get("href"):
        link = _unwrap_google(anchors[0].get("href"))
    return Cell(text if text != "" else None, link)


def read_html(path: Path) -> list[EntryRecord]:
    from lxml import etree, html

    parser = html.HTMLParser(no_network=True, remove_pis=True)
    try:
        doc = html.fromstring(path.read_bytes(), parser=parser)
    except (etree.LxmlError, OSError, ValueError) as exc:
        raise PrecisError(f"{path}: not a readable HTML file ({_first_line(exc)})") from None
    trs = doc.findall(".//table//tr")
    header_index = None
    table: list[list[Cell]] = []
    for tr in trs:
        cells = [_html_cell(td) for td in tr if td.tag == "td"]
        if not cells:
            continue  # the grey row of column letters, freeze bars
        table.append(cells)
        if header_index is None and any(c.value == "Title" for c in cells) and any(
            c.value == "Category" for c in cells
        ):
            header_index = len(table) - 1
    if header_index is None:
        raise PrecisError(f"{path}: no table with a header row holding 'Category' and 'Title'")
    header = [c.value if isinstance(c.value, str) else None for c in table[header_index]]
    body = [(i + 1, cells) for i, cells in enumerate(table) if i > header_index]
    return _records_from_rows(path, header, body)


# -- json --------------------------------------------------------------------------------------


def read_json(path: Path) -> list[EntryRecord]:
    try:
        data = json.loads(path.read_text("utf-8-sig"))  # a BOM is accepted, as in CSV
    except OSError as exc:
        raise PrecisError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise PrecisError(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise PrecisError(f"{path}: line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # a number of over 4,300 digits; nesting too deep
        raise PrecisError(f"{path}: invalid JSON ({_first_line(exc)})") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise PrecisError(f"{path}: not a Précis JSON export (expected an object with 'entries')")
    records = []
    for i, item in enumerate(data["entries"]):
        if not isinstance(item, dict):
            raise PrecisError(f"{path}: entries[{i}]: not an object")
        records.append(EntryRecord.from_dict(item, f"{path}: entries[{i}]"))
    return records


def write_json(path: Path, records: Iterable[EntryRecord], publication: dict[str, Any] | None) -> None:
    with replacing(path) as f:
        for _rec, chunk in json_parts(records, publication):
            f.write(chunk)


def json_parts(
    records: Iterable[EntryRecord], publication: dict[str, Any] | None
) -> Iterator[tuple[EntryRecord | None, bytes]]:
    """The Précis JSON file of the records, a piece at a time, each with the record it holds
    (None for the head, the separators and the end): the bytes of
    ``json.dumps({"format": …, "publication": …, "entries": [...]}, ensure_ascii=False, indent=1)``
    in UTF-8, without the whole file ever in memory. An entry's own ``json.dumps`` is indented two
    levels deeper by indenting each of its lines (a JSON text holds no line break but between its
    values: one in a string is written ``\\n``)."""
    head = json.dumps({"format": JSON_FORMAT, "publication": publication, "entries": []}, ensure_ascii=False, indent=1)
    yield None, head.removesuffix("[]\n}").encode("utf-8")
    before = b"[\n  "
    for rec in records:
        yield None, before
        yield rec, json.dumps(rec.to_dict(), ensure_ascii=False, indent=1).replace("\n", "\n  ").encode("utf-8")
        before = b",\n  "
    yield None, (b"[]\n}" if before == b"[\n  " else b"\n ]\n}")
