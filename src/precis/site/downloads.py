"""The public database as downloadable files (CSV, JSON, xlsx), written by a process of its own.

The site builder runs ``main()`` in a child interpreter while it renders the pages: writing
the three files takes about as long as the pages, and a separate interpreter runs them in
parallel without sharing anything with the builder (threads, database connections).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from precis import sheets
from precis.errors import PrecisError
from precis.site.writer import digest
from precis.store import Store, load_records

FORMATS = (("csv", "CSV"), ("json", "JSON"), ("xlsx", "Excel (.xlsx)"))
MADE = "made.json"


def write_downloads(database: str, folder: Path, stem: str, previous: dict[str, str]) -> None:
    """Write ``folder/<stem>.<ext>`` for each format, except those already made from the same
    records (``previous``: format -> the key they were made from); ``made.json`` records the key of
    the records read and their number."""
    store = Store(database)
    records = load_records(store, public=True)
    with store.session() as s:
        settings = store.default_publication(s).settings
    store.engine.dispose()
    key = digest(json.dumps([r.to_dict() for r in records], sort_keys=True, default=str).encode())
    for ext, _ in FORMATS:
        if previous.get(ext) != f"{ext}:{key}":
            sheets.write_file(folder / f"{stem}.{ext}", records, publication=settings)
    (folder / MADE).write_text(json.dumps({"key": key, "count": len(records)}), "utf-8")


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
    database, folder, stem, previous = json.loads(sys.argv[1])
    try:
        write_downloads(database, Path(folder), stem, previous)
    except PrecisError as exc:
        sys.exit(str(exc))
