"""The public database as downloadable files (CSV, JSON, xlsx), written by a process of its own.

The site builder writes them in a child process while it renders the pages: writing the three
files takes about as long as the pages, and a process of its own runs them in parallel. The child
is forked from the builder as the build starts, where that is safe (Linux, the main thread: not in
``precis serve``'s builds, which run beside the server's threads): it opens its own connection to
the store, shares nothing else with the builder, and starts with Précis already imported, where a
new interpreter took 0.45 s of processor time to start and import it. Elsewhere it is a new
interpreter running ``main()``.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, Any, NoReturn

from precis import sheets
from precis.errors import PrecisError
from precis.files import replacing
from precis.record import EntryRecord
from precis.site.share import Child, fork, may_fork
from precis.store import Store
from precis.store.queries import iter_records

FORMATS = (("csv", "CSV"), ("json", "JSON"), ("xlsx", "Excel (.xlsx)"))
MADE = "made.json"


def write_downloads(database: str, folder: Path, stem: str, previous: dict[str, str]) -> None:
    """Write ``folder/<stem>.<ext>`` for each format, except the CSV or xlsx already made from the
    same records (``previous``: format -> the key they were made from; the JSON is always written,
    its digest being the key); ``made.json`` records the key and the number of records.

    The records stream from the store: the JSON is written as they are read, and each is kept in
    a spool file (``folder``'s, removed after) from which the CSV and the xlsx are written, once
    every record has told their columns (``sheets.Layout``). Memory holds a batch of records, not
    the archive."""
    with Store(database) as store:
        with store.session() as s:
            settings = store.default_publication(s).settings
        layout = sheets.Layout()
        with tempfile.TemporaryFile(dir=folder) as spool:
            count = 0

            def spooled(records: Iterator[EntryRecord]) -> Iterator[EntryRecord]:
                nonlocal count
                for rec in records:
                    layout.add(rec)
                    spool.write(pickle.dumps(rec, pickle.HIGHEST_PROTOCOL))
                    count += 1
                    yield rec

            # The JSON file holds every field of every record (and the publication's settings),
            # written deterministically: its digest is the key of what all three files are made from.
            hashed = hashlib.sha256()
            with replacing(folder / f"{stem}.json") as f:
                for chunk in sheets.json_chunks(spooled(iter_records(store, public=True)), settings):
                    f.write(chunk)
                    hashed.update(chunk)
            key = hashed.hexdigest()  # what ``precis.site.writer.digest`` of the file gives
            for ext, _ in FORMATS:
                if ext != "json" and previous.get(ext) != f"{ext}:{key}":
                    path = folder / f"{stem}.{ext}"
                    spool.seek(0)
                    if ext == "xlsx":
                        write_xlsx(path, unspooled(spool), layout)
                    else:
                        sheets.write_csv(path, unspooled(spool), layout)
    (folder / MADE).write_text(json.dumps({"key": key, "count": count}), "utf-8")


def unspooled(spool: IO[bytes]) -> Iterator[EntryRecord]:
    """The records ``write_downloads`` wrote to its spool, one by one."""
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


# The parts of the .xlsx that hold the rows: written here, the rest of the package by openpyxl.
SHEET = "xl/worksheets/sheet1.xml"
SHEET_RELS = "xl/worksheets/_rels/sheet1.xml.rels"
EMPTY_ROWS = b"<sheetData></sheetData>"


def write_xlsx(path: Path, records: Iterable[EntryRecord], layout: sheets.Layout) -> None:
    """The public records in the newsletter's spreadsheet layout, by the rules of every .xlsx
    written (``precis.sheets.xlsx_rows``: only links the policy allows; text cells never formulas),
    streamed into the file.

    openpyxl makes the package of a workbook with one empty sheet; its sheet is replaced by the
    XML openpyxl's write-only worksheet writes for these rows (the same bytes: tested), made here
    with lxml as openpyxl makes it, but without a cell object per value and without holding every
    hyperlink until the end of the sheet (openpyxl keeps them, and their relationships, in memory:
    most of a gigabyte at 100,000 entries): they wait in a spool file."""
    from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

    package = _empty_package()
    head, rows, tail = package.read(SHEET).partition(EMPTY_ROWS)
    if not rows:
        raise PrecisError(f"{path}: this version of openpyxl writes a sheet this module does not know")
    with tempfile.TemporaryFile() as links, replacing(path) as out, ZipFile(out, "w", ZIP_DEFLATED, True) as zf:
        for info in package.infolist():
            if info.filename != SHEET:
                zf.writestr(info, package.read(info))
                continue
            part = ZipInfo(SHEET, date_time=info.date_time)
            part.compress_type, part.external_attr = info.compress_type, info.external_attr
            with zf.open(part, "w") as sheet:
                sheet.write(head)
                count = _write_rows(sheet, sheets.xlsx_rows(path, records, public=True, layout=layout), links)
                _write_hyperlinks(sheet, links, count)
                sheet.write(tail)
            if count:
                rels = ZipInfo(SHEET_RELS, date_time=info.date_time)
                rels.compress_type = info.compress_type
                with zf.open(rels, "w") as part_rels:
                    _write_relationships(part_rels, links)


def _empty_package() -> Any:
    """openpyxl's .xlsx of a workbook with one empty sheet, "Sheet1", as a ``ZipFile``."""
    import io
    from zipfile import ZipFile

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.create_sheet("Sheet1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return ZipFile(buffer)


def _write_rows(sheet: IO[bytes], rows: Iterable[list[tuple[str | int | None, str | None]]], links: IO[bytes]) -> int:
    """The sheet's ``<sheetData>`` as openpyxl's write-only worksheet writes it (``lxml_write_cell``:
    a text is an inline string, never a formula); each hyperlink goes to ``links``. The number of
    hyperlinks.

    A row's XML is made as text, a third of the time lxml's ``xmlfile`` takes element by element
    (most of the downloads' time at 100,000 entries), to the same bytes (tested against lxml): the
    markup is fixed, a text is escaped as lxml escapes it (``&``, ``<``, ``>``, a carriage return)
    and written in ASCII with a character reference for every other character, as ``xmlfile``
    writes without an encoding."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.compat import safe_string
    from openpyxl.utils import get_column_letter

    letters: list[str] = []
    count = 0
    sheet.write(b"<sheetData>")
    for r, row in enumerate(rows, 1):
        letters.extend(get_column_letter(c) for c in range(len(letters) + 1, len(row) + 1))
        parts = [f'<row r="{r}">']
        for letter, (value, link) in zip(letters, row, strict=False):
            if value is None:
                continue
            ref = f"{letter}{r}"
            if not isinstance(value, str):
                parts.append(f'<c r="{ref}" t="n"><v>{_escaped(safe_string(value))}</v></c>')
            elif ILLEGAL_CHARACTERS_RE.search(value):
                raise sheets.xlsx_text_error(value)
            elif value:
                t = '<t xml:space="preserve">' if value != value.strip() else "<t>"
                parts.append(f'<c r="{ref}" t="inlineStr"><is>{t}{_escaped(value)}</t></is></c>')
            else:
                parts.append(f'<c r="{ref}" t="inlineStr"></c>')
            if link:
                target, _, location = link.partition("#")
                links.write(pickle.dumps((ref, target or None, location or None)))
                count += 1
        parts.append("</row>")
        sheet.write("".join(parts).encode("ascii", "xmlcharrefreplace"))
    sheet.write(b"</sheetData>")
    return count


def _escaped(text: str) -> str:
    """``text`` as lxml writes it in an element's content."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _spooled_links(links: IO[bytes]) -> Iterator[tuple[str, str | None, str | None]]:
    links.seek(0)
    while True:
        try:
            yield pickle.load(links)
        except EOFError:
            return


def _write_hyperlinks(sheet: IO[bytes], links: IO[bytes], count: int) -> None:
    """The sheet's ``<hyperlinks>``, as openpyxl writes them (``Hyperlink.to_tree``, made here
    without its object per link): an external link is the sheet's relationship ``rId<n>``,
    numbered in the order of the cells."""
    from lxml.etree import Element, xmlfile
    from openpyxl.xml.constants import REL_NS

    if not count:
        return
    n = 0
    with xmlfile(sheet) as xf, xf.element("hyperlinks"):
        for ref, target, location in _spooled_links(links):
            attributes = {"ref": ref}
            if location:
                attributes["location"] = location
            if target:
                n += 1
                attributes[f"{{{REL_NS}}}id"] = f"rId{n}"
            xf.write(Element("hyperlink", attributes))


def _write_relationships(part: IO[bytes], links: IO[bytes]) -> None:
    """The sheet's relationships: one per external hyperlink, as openpyxl writes them
    (``Relationship.to_tree``, made here without its object per link)."""
    from lxml.etree import Element, tostring
    from openpyxl.xml.constants import PKG_REL_NS, REL_NS

    kind = f"{REL_NS}/hyperlink"
    part.write(f'<Relationships xmlns="{PKG_REL_NS}">'.encode())
    n = 0
    for _ref, target, _location in _spooled_links(links):
        if target:
            n += 1
            attributes = {"Type": kind, "Target": target, "TargetMode": "External", "Id": f"rId{n}"}
            part.write(tostring(Element("Relationship", attributes)))
    part.write(b"</Relationships>")


@dataclass
class Made:
    key: str  # digest of the public records the files were made from
    count: int


class DownloadsProcess:
    """``write_downloads`` running in a child process (see the module's doc)."""

    def __init__(self, database: str, folder: Path, stem: str, previous: dict[str, str]) -> None:
        self.folder = folder
        self.child: Child | None = None
        self.process: subprocess.Popen[str] | None = None
        if may_fork():
            self.child = fork(partial(_forked, database, folder, stem, previous))
        if self.child is None:
            arguments = json.dumps([database, str(folder), stem, previous])
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from precis.site.downloads import main; main()", arguments],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )

    def wait(self) -> Made:
        if self.child is not None:
            said, status = self.child.receive()
            errors, code = said.decode("utf-8", "replace"), os.waitstatus_to_exitcode(status)
        else:
            assert self.process is not None
            errors = self.process.communicate()[1]
            code = self.process.returncode
        if code != 0:
            lines = errors.strip().splitlines()
            raise PrecisError(f"writing the downloads failed: {lines[-1] if lines else code}")
        made = json.loads((self.folder / MADE).read_text("utf-8"))
        return Made(made["key"], made["count"])

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop(signal.SIGKILL)
        elif self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()


def _forked(database: str, folder: Path, stem: str, previous: dict[str, str], sender: int) -> NoReturn:
    """The forked child: write the downloads, send the error (if any) and exit at once, without
    running any of the builder's clean-up (its connections to the store are the builder's)."""
    code = 0
    said = ""
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it; the build says why
        # The objects it was made with are left out of its collections (whose visits would write
        # to each of them, copying pages the builder and it share); its own are collected, as in
        # ``main``.
        gc.freeze()
        gc.enable()
        write_downloads(database, folder, stem, previous)
    except PrecisError as exc:
        code, said = 1, str(exc)
    except BaseException:
        code, said = 1, traceback.format_exc()
    finally:
        try:
            os.write(sender, said.encode("utf-8", "replace")[-60_000:])  # within a pipe's buffer
        finally:
            os._exit(code)


def main() -> None:
    """The child's entry point: its one argument is the JSON list of ``write_downloads``'s.

    The garbage collector stays on: the records stream through, so it has little to look at, and
    every ``json.dumps`` with an indent leaves a cycle of closures behind (2 KB a record: 200 MB
    at 100,000 entries with the collector off)."""
    database, folder, stem, previous = json.loads(sys.argv[1])
    try:
        write_downloads(database, Path(folder), stem, previous)
    except PrecisError as exc:
        sys.exit(str(exc))
