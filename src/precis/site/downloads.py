"""The public database as downloadable files (CSV, JSON, xlsx), written by a process of its own.

The site builder runs ``main()`` in a child interpreter while it renders the pages: writing
the three files takes about as long as the pages, and a separate interpreter runs them in
parallel without sharing anything with the builder (threads, database connections).
"""

from __future__ import annotations

import gc
import hashlib
import json
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from precis import sheets
from precis.errors import PrecisError
from precis.files import replacing
from precis.record import EntryRecord
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


def write_xlsx(path: Path, records: Iterable[EntryRecord], layout: sheets.Layout) -> None:
    """The public records in the newsletter's spreadsheet layout, by the rules of every .xlsx
    written (``precis.sheets.xlsx_rows`` and ``fill_xlsx_cell``: text cells never formulas, only
    links the policy allows), but with openpyxl's write-only workbook, which streams the rows out
    instead of building a cell object per value: several times faster for the whole archive."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    try:
        for row in sheets.xlsx_rows(path, records, public=True, layout=layout):
            cells: list[Any] = []
            for value, link in row:
                cell = WriteOnlyCell(ws)
                sheets.fill_xlsx_cell(cell, value, link)
                cells.append(cell)
            ws.append(cells)
    except BaseException:
        ws.close()  # else its XML writer fails again at exit, and that error hides this one
        raise
    sheets.save_workbook(wb, path)


@dataclass
class Made:
    key: str  # digest of the public records the files were made from
    count: int


class DownloadsProcess:
    """``write_downloads`` running in a child interpreter."""

    def __init__(self, database: str, folder: Path, stem: str, previous: dict[str, str]) -> None:
        self.folder = folder
        arguments = json.dumps([database, str(folder), stem, previous])
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from precis.site.downloads import main; main()", arguments],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def wait(self) -> Made:
        _, errors = self.process.communicate()
        if self.process.returncode != 0:
            lines = errors.strip().splitlines()
            raise PrecisError(f"writing the downloads failed: {lines[-1] if lines else self.process.returncode}")
        made = json.loads((self.folder / MADE).read_text("utf-8"))
        return Made(made["key"], made["count"])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def main() -> None:
    """The child's entry point: its one argument is the JSON list of ``write_downloads``'s."""
    gc.disable()  # a short-lived process that frees what it makes by reference counting
    database, folder, stem, previous = json.loads(sys.argv[1])
    try:
        write_downloads(database, Path(folder), stem, previous)
    except PrecisError as exc:
        sys.exit(str(exc))
