"""The public database as downloadable files (CSV, JSON, xlsx), written by a process of its own.

The site builder writes them in a child process while it renders the pages: writing the three
files takes about as long as the pages, and a process of its own runs them in parallel. The child
is forked from the builder as the build starts, where that is safe (Linux, the main thread: not in
``precis serve``'s builds, which run beside the server's threads): it opens its own connection to
the store, shares nothing else with the builder, and starts with Précis already imported, where a
new interpreter took 0.45 s of processor time to start and import it. Elsewhere it is a new
interpreter running ``main()``, made ahead of need (``precis.site.spare``): it has imported what it
needs before the build that takes it starts.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import json
import os
import pickle
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from subprocess import Popen
from typing import IO, Any, NoReturn
from zipfile import BadZipFile, ZipFile, ZipInfo

from precis import sheets
from precis.errors import PrecisError
from precis.files import replacing
from precis.record import EntryRecord
from precis.site import spans, spare, zipped
from precis.site.share import Child, fork, may_fork
from precis.store import Store
from precis.store.queries import iter_entry_records

FORMATS = (("csv", "CSV"), ("json", "JSON"), ("xlsx", "Excel (.xlsx)"))
#: What the child runs where it is a new interpreter (``main``).
CHILD = "from precis.site.downloads import main; main()"
MADE = "made.json"
EDITED = "edited.json"  # the builder's decision (``DownloadsProcess.decide``)


def write_downloads(
    database: str, folder: Path, stem: str, previous: dict[str, str],
    site: Path | None = None, edited: Callable[[], Collection[int] | None] = lambda: None,
    guess: Collection[int] | None = None,
) -> None:
    """Write ``folder/<stem>.<ext>`` for each format; ``made.json`` records their key (the JSON's
    digest) and the number of records.

    When the last build's downloads in ``site`` are there as it wrote them (``spans``) and
    ``edited()`` names the entries whose texts alone changed since (ids; it waits for the builder
    to know), the files are those with the edited records' bytes spliced in (``_splice``);
    else they are written whole (``_write_whole``). Either way the spans of the files written
    are kept for the next build.

    ``guess`` is what ``edited()`` will most likely say (the entries whose version changed): the
    splice is made from it while the builder is still reading the archive, and kept if the
    builder then says the same, so that a build after an edit does not wait for it at the end."""
    with Store(database) as store:
        with store.session() as s:
            settings = store.default_publication(s).settings
        last = spans.load(site, stem, previous) if site is not None else None
        made: tuple[str, int, spans.Spans | None] | None = None
        if last is not None and site is not None:
            # openpyxl takes a third of a second to import (it imports numpy): imported while the
            # builder reads the archive, before the child can know what to write, not after.
            importlib.import_module("openpyxl")
            guessed = None if guess is None else _try_splice(store, settings, folder, site, last, guess)
            changed = edited()
            if changed is not None and guess is not None and set(changed) == set(guess):
                made = guessed
            else:
                if guessed is not None:  # the guess was wrong: its files must not be taken for these
                    for ext, _ in FORMATS:
                        (folder / f"{stem}.{ext}").unlink(missing_ok=True)
                made = None if changed is None else _try_splice(store, settings, folder, site, last, changed)
        if made is None:
            made = _write_whole(store, settings, folder, stem, previous, last)
    key, count, kept = made
    if site is not None:
        spans.save(site, kept)
    (folder / MADE).write_text(json.dumps({"key": key, "count": count}), "utf-8")


def _try_splice(
    store: Store, settings: dict[str, Any], folder: Path, site: Path, last: spans.Spans, edited: Collection[int]
) -> tuple[str, int, spans.Spans] | None:
    """``_splice``, or None when the last build's files are not as their spans say."""
    try:
        return _splice(store, settings, folder, site, last, edited)
    except (OSError, ValueError, BadZipFile):
        return None


def _write_whole(
    store: Store, settings: dict[str, Any], folder: Path, stem: str, previous: dict[str, str], last: spans.Spans | None
) -> tuple[str, int, spans.Spans | None]:
    """Write every format from the store's records (but the CSV or xlsx already made from the
    same records: ``previous``, format -> the key they were made from; the JSON is always
    written, its digest being the key). The key, the number of records, and the files' spans.

    The records stream from the store: the JSON is written as they are read, and each is kept in
    a spool file (``folder``'s, removed after) from which the CSV and the xlsx are written, once
    every record has told their columns (``sheets.Layout``). Memory holds a batch of records, not
    the archive."""
    layout = sheets.Layout()
    made = spans.Spans(stem, "")
    with tempfile.TemporaryFile(dir=folder) as spool:

        def spooled(records: Iterator[tuple[int, EntryRecord]]) -> Iterator[EntryRecord]:
            for entry_id, rec in records:
                shape = layout.shape(rec)
                layout.merge(shape)
                made.add(entry_id, shape)
                spool.write(pickle.dumps(rec, pickle.HIGHEST_PROTOCOL))
                yield rec

        # The JSON file holds every field of every record (and the publication's settings),
        # written deterministically: its digest is the key of what all three files are made from.
        hashed = hashlib.sha256()
        records = spooled(iter_entry_records(store, public=True))
        _write_placed(folder / f"{stem}.json", sheets.json_parts(records, settings), made, "json", hashed)
        made.key = hashed.hexdigest()  # what ``precis.site.writer.digest`` of the file gives
        for ext, _ in FORMATS:
            if ext == "json":
                continue
            if previous.get(ext) == f"{ext}:{made.key}":  # the file there is made from these records
                if last is None or last.key != made.key:
                    return made.key, len(made.ids), None  # whose spans are not known
                made.starts[ext], made.sizes[ext] = last.starts[ext], last.sizes[ext]
                if ext == "xlsx":
                    made.links, made.pieces = last.links, last.pieces
                continue
            path = folder / f"{stem}.{ext}"
            spool.seek(0)
            if ext == "xlsx":
                write_xlsx(path, unspooled(spool), layout, made)
            else:
                _write_placed(path, sheets.csv_lines(unspooled(spool), layout), made, "csv")
    return made.key, len(made.ids), made


def _write_placed(
    path: Path, parts: Iterable[tuple[EntryRecord | None, bytes]], made: spans.Spans, ext: str,
    hashed: spans.Hash | None = None,
) -> None:
    """Write ``parts`` (bytes, each with the record it holds, if any) as ``path``, telling ``made``
    where each record's bytes lie; ``hashed`` is fed the file."""
    with replacing(path) as f:
        at = 0
        for rec, data in parts:
            f.write(data)
            if hashed is not None:
                hashed.update(data)
            if rec is not None:
                made.place(ext, at, len(data))
            at += len(data)


def _splice(
    store: Store, settings: dict[str, Any], folder: Path, site: Path, last: spans.Spans, edited: Collection[int]
) -> tuple[str, int, spans.Spans] | None:
    """The last build's downloads (in ``site``) with the records of the ``edited`` entries made
    again from the store and spliced in, written to ``folder``; the key, the number of records
    and the new spans. None (nothing written) when the edits change more than those records'
    bytes: a column that appears or goes (``sheets.Layout``), a hyperlink of the .xlsx (they are
    numbered across the sheet), an entry that is no longer in the files, the publication's
    settings (the JSON's head)."""
    position = {entry_id: n for n, entry_id in enumerate(last.ids)}
    if any(entry_id not in position for entry_id in edited):
        return None
    found = list(iter_entry_records(store, public=True, only=edited))
    if len(found) != len(set(edited)):
        return None  # an edited entry is no longer public
    records = [rec for _id, rec in found]
    places = [position[entry_id] for entry_id, _rec in found]  # in sheet order, as ``records``
    shapes = {n: sheets.Layout.shape(rec) for n, rec in zip(places, records, strict=True)}
    layout = last.layout()
    if last.layout(shapes) != layout:
        return None
    old = {ext: site / "downloads" / f"{last.stem}.{ext}" for ext, _ in FORMATS}
    head = next(iter(sheets.json_parts([], settings)))[1]
    with old["json"].open("rb") as f:
        if f.read(len(head)) != head:
            return None
    pieces = {
        "json": [chunk for rec, chunk in sheets.json_parts(records, settings) if rec is not None],
        "csv": [line for rec, line in sheets.csv_lines(records, layout) if rec is not None],
    }
    rows = list(sheets.xlsx_rows(old["xlsx"], records, public=True, layout=layout))[1:]
    pieces["xlsx"] = []
    letters = _letters(len(rows[0]) if rows else 0)
    for n, row in zip(places, rows, strict=True):
        links: list[tuple[str, str | None, str | None]] = []
        pieces["xlsx"].append(_row_xml(n + 2, row, letters, links))
        if spans.links_digest(links) != last.links[n]:
            return None
    changes = {
        ext: [(last.starts[ext][n], last.sizes[ext][n], piece) for n, piece in zip(places, pieces[ext], strict=True)]
        for ext in spans.FORMATS
    }
    hashed = hashlib.sha256()
    for ext in ("json", "csv"):
        with old[ext].open("rb") as source, replacing(folder / old[ext].name) as target:
            spans.splice(source, target, changes[ext], hashed if ext == "json" else None)
    sheet = _splice_xlsx(old["xlsx"], folder / old["xlsx"].name, changes["xlsx"], last.pieces)
    sizes = {ext: {n: len(piece) for n, piece in zip(places, pieces[ext], strict=True)} for ext in spans.FORMATS}
    return hashed.hexdigest(), len(last.ids), last.spliced(sizes, shapes, hashed.hexdigest(), sheet)


def unspooled(spool: IO[bytes]) -> Iterator[EntryRecord]:
    """The records ``_write_whole`` wrote to its spool, one by one."""
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


# The parts of the .xlsx that hold the rows: written here, the rest of the package by openpyxl.
SHEET = "xl/worksheets/sheet1.xml"
SHEET_RELS = "xl/worksheets/_rels/sheet1.xml.rels"
EMPTY_ROWS = b"<sheetData></sheetData>"


def write_xlsx(
    path: Path, records: Iterable[EntryRecord], layout: sheets.Layout, made: spans.Spans | None = None
) -> None:
    """The public records in the newsletter's spreadsheet layout, by the rules of every .xlsx
    written (``precis.sheets.xlsx_rows``: only links the policy allows; text cells never formulas),
    streamed into the file.

    openpyxl makes the package of a workbook with one empty sheet; its sheet is replaced by the
    XML openpyxl's write-only worksheet writes for these rows (the same bytes: tested), made here
    with lxml as openpyxl makes it, but without a cell object per value and without holding every
    hyperlink until the end of the sheet (openpyxl keeps them, and their relationships, in memory:
    most of a gigabyte at 100,000 entries): they wait in a spool file. ``made``, if given, is told
    where each record's row lies in the sheet and its hyperlinks."""
    package = _empty_package()
    head, rows, tail = package.read(SHEET).partition(EMPTY_ROWS)
    if not rows:
        raise PrecisError(f"{path}: this version of openpyxl writes a sheet this module does not know")
    with tempfile.TemporaryFile() as links, replacing(path) as out:
        zp = zipped.Package(out)
        for info in package.infolist():
            if info.filename != SHEET:
                zp.part(info, package.read(info))
                continue
            with zp.pieced(_part(SHEET, info), made.pieces if made else zipped.Pieces()) as sheet:
                sheet.write(head)
                rows = sheets.xlsx_rows(path, records, public=True, layout=layout)
                count = _write_rows(sheet, rows, links, len(head), made)
                _write_hyperlinks(sheet, links, count)
                sheet.write(tail)
            if count:
                with zp.pieced(_part(SHEET_RELS, info), zipped.Pieces()) as part_rels:
                    _write_relationships(part_rels, links)
        zp.close()


def _part(name: str, like: ZipInfo) -> ZipInfo:
    """A new part of the package, stamped and compressed as the sheet openpyxl made (``like``)."""
    part = ZipInfo(name, date_time=like.date_time)
    part.compress_type, part.external_attr = like.compress_type, like.external_attr
    return part


def _empty_package() -> Any:
    """openpyxl's .xlsx of a workbook with one empty sheet, "Sheet1", as a ``ZipFile``."""
    import io

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.create_sheet("Sheet1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return ZipFile(buffer)


def _write_rows(
    sheet: zipped.Writable, rows: Iterable[list[tuple[str | int | None, str | None]]], links: IO[bytes],
    at: int, made: spans.Spans | None,
) -> int:
    """The sheet's ``<sheetData>`` (``_row_xml``), from byte ``at`` of the sheet; each hyperlink
    goes to ``links``, and each record's row and hyperlinks to ``made``. The number of
    hyperlinks."""
    letters: list[str] = []
    count = 0
    sheet.write(b"<sheetData>")
    at += len(b"<sheetData>")
    for r, row in enumerate(rows, 1):
        if len(row) > len(letters):
            letters = _letters(len(row))
        found: list[tuple[str, str | None, str | None]] = []
        xml = _row_xml(r, row, letters, found)
        sheet.write(xml)
        for link in found:
            links.write(pickle.dumps(link))
        count += len(found)
        if made is not None and r > 1:  # the first row is the header
            made.place("xlsx", at, len(xml))
            made.links.append(spans.links_digest(found))
        at += len(xml)
    sheet.write(b"</sheetData>")
    return count


def _letters(columns: int) -> list[str]:
    """The letters of the sheet's first ``columns`` columns."""
    from openpyxl.utils import get_column_letter

    return [get_column_letter(c) for c in range(1, columns + 1)]


def _row_xml(
    r: int, row: list[tuple[str | int | None, str | None]], letters: list[str],
    links: list[tuple[str, str | None, str | None]],
) -> bytes:
    """Row ``r`` of the sheet as openpyxl's write-only worksheet writes it (``lxml_write_cell``:
    a text is an inline string, never a formula); its hyperlinks (cell, target, location) are
    added to ``links``.

    A row's XML is made as text, a third of the time lxml's ``xmlfile`` takes element by element
    (most of the downloads' time at 100,000 entries), to the same bytes (tested against lxml): the
    markup is fixed, a text is escaped as lxml escapes it (``&``, ``<``, ``>``, a carriage return)
    and written in ASCII with a character reference for every other character, as ``xmlfile``
    writes without an encoding."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.compat import safe_string

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
            links.append((ref, target or None, location or None))
    parts.append("</row>")
    return "".join(parts).encode("ascii", "xmlcharrefreplace")


def _splice_xlsx(
    old: Path, new: Path, changes: list[tuple[int, int, bytes]], pieces: zipped.Pieces
) -> zipped.Pieces:
    """The .xlsx ``old`` with the spans ``changes`` (in order) of its sheet replaced, as ``new``:
    the sheet's ``pieces`` that hold a change are deflated again, every other piece and part is
    copied as it is (``zipped.Package.spliced``). The sheet's new pieces."""
    made = None
    with ZipFile(old) as package:
        infos = package.infolist()
    with old.open("rb") as source, replacing(new) as out:
        zp = zipped.Package(out)
        for info in infos:
            if info.filename == SHEET:
                made = zp.spliced(info, source, pieces, changes)
            else:
                zp.copied(info, source)
        if made is None:
            raise ValueError(f"{old}: the last build's download has no sheet")
        zp.close()
    return made


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


def _write_hyperlinks(sheet: zipped.Writable, links: IO[bytes], count: int) -> None:
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


def _write_relationships(part: zipped.Writable, links: IO[bytes]) -> None:
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
    """``write_downloads`` running in a child process (see the module's doc). The builder tells it
    which entries' texts alone changed (``decide``) as soon as it knows; until then, a child that
    could splice waits, and one that cannot writes the files whole at once."""

    def __init__(
        self, database: str, folder: Path, stem: str, previous: dict[str, str], site: Path,
        guess: Collection[int] | None = None,
    ) -> None:
        """``guess``: the entries the decision will most likely name (``write_downloads``)."""
        self.folder = folder
        guessed = None if guess is None else sorted(guess)
        self.child: Child | None = None
        self.process: Popen[str] | None = None
        self.verdict: int | None = None  # the forked child's end of the pipe the decision goes through
        self.decided = False
        if may_fork():
            reader, self.verdict = os.pipe()
            self.child = fork(partial(_forked, database, folder, stem, previous, site, guessed, reader, self.verdict))
            os.close(reader)
            if self.child is None:
                os.close(self.verdict)
                self.verdict = None
        if self.child is None:
            self.process = spare.interpreter(CHILD)
            assert self.process.stdin is not None
            with contextlib.suppress(BrokenPipeError):  # it ended: ``wait`` says how
                self.process.stdin.write(json.dumps([database, str(folder), stem, previous, str(site), guessed]) + "\n")
                self.process.stdin.flush()

    def decide(self, edited: Collection[int] | None) -> None:
        """Tell the child the entries whose texts alone changed since the last build (ids), or
        None when the build is made whole. Only the first call counts.

        The ids go in a file of the child's folder and the pipe carries one line saying they are
        there: a child that does not wait for the decision (it has nothing to splice into) never
        reads the pipe, and a write larger than the pipe's buffer would wait for it to end."""
        if self.decided:
            return
        self.decided = True
        (self.folder / EDITED).write_text(json.dumps(None if edited is None else sorted(edited)), "utf-8")
        message = "\n"
        with contextlib.suppress(BrokenPipeError):  # the child has already ended: ``wait`` says how
            if self.process is not None:
                assert self.process.stdin is not None
                self.process.stdin.write(message)
                self.process.stdin.flush()
            elif self.verdict is not None:
                with os.fdopen(self.verdict, "w") as pipe:
                    self.verdict = None
                    pipe.write(message)

    def wait(self) -> Made:
        self.decide(None)
        if self.child is not None:
            said, status = self.child.receive()
            errors, code = said.decode("utf-8", "replace"), os.waitstatus_to_exitcode(status)
        else:
            assert self.process is not None
            errors = self.process.communicate()[1]
            code = self.process.returncode
            if threading.current_thread() is not threading.main_thread():
                # A process that builds beside other threads (``precis serve``, the job queue)
                # builds again: its next child is made now that this one's work is done. A
                # command (the main thread, where it could not fork) ends after its one build.
                spare.make_ready(CHILD)
        if code != 0:
            lines = errors.strip().splitlines()
            raise PrecisError(f"writing the downloads failed: {lines[-1] if lines else code}")
        made = json.loads((self.folder / MADE).read_text("utf-8"))
        return Made(made["key"], made["count"])

    def stop(self) -> None:
        if self.verdict is not None:
            os.close(self.verdict)
            self.verdict = None
        if self.child is not None:
            self.child.stop(signal.SIGKILL)
        elif self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.communicate()


def _read_verdict(pipe: IO[bytes], folder: Path) -> Collection[int] | None:
    """What ``DownloadsProcess.decide`` said; None if the builder went away without a word."""
    if not pipe.readline():
        return None
    found = json.loads((folder / EDITED).read_text("utf-8"))
    return None if found is None else [int(i) for i in found]


def _forked(
    database: str, folder: Path, stem: str, previous: dict[str, str], site: Path, guess: list[int] | None,
    reader: int, verdict: int, sender: int,
) -> NoReturn:
    """The forked child: write the downloads, send the error (if any) and exit at once, without
    running any of the builder's clean-up (its connections to the store are the builder's)."""
    code = 0
    said = ""
    try:
        os.close(verdict)  # the builder's end: the child must see the pipe end if the builder goes away
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it; the build says why
        # The objects it was made with are left out of its collections (whose visits would write
        # to each of them, copying pages the builder and it share); its own are collected, as in
        # ``main``.
        gc.freeze()
        gc.enable()
        edited = partial(_read_verdict, os.fdopen(reader, "rb"), folder)
        write_downloads(database, folder, stem, previous, site, edited, guess)
    except PrecisError as exc:
        code, said = 1, str(exc)
    except BaseException:
        code, said = 1, traceback.format_exc()
    finally:
        try:
            os.write(sender, said.encode("utf-8", "replace")[-60_000:])  # within a pipe's buffer
        finally:
            os._exit(code)


def prepare() -> None:
    """Have a child ready for the first build of this process that may not fork (``precis
    serve``'s, in threads): without it, that build's child starts and imports everything as the
    build waits."""
    spare.make_ready(CHILD)


def main() -> None:
    """The entry point of the child as a new interpreter (``CHILD``): it imports what writing the
    downloads needs, then reads the JSON list of ``write_downloads``'s arguments (one line) on
    standard input, and later the builder's decision; it ends at once if its input closes first
    (the process that made it ahead of need ended without needing it).

    The garbage collector stays on: the records stream through, so it has little to look at, and
    every ``json.dumps`` with an indent leaves a cycle of closures behind (2 KB a record: 200 MB
    at 100,000 entries with the collector off)."""
    importlib.import_module("openpyxl")
    line = sys.stdin.buffer.readline()
    if not line:
        return
    database, folder, stem, previous, site, guess = json.loads(line)
    try:
        edited = partial(_read_verdict, sys.stdin.buffer, Path(folder))
        write_downloads(database, Path(folder), stem, previous, Path(site), edited, guess)
    except PrecisError as exc:
        sys.exit(str(exc))
