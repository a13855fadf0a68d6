"""How soon after an editor saves a summary the served archive shows it: a real ``precis serve`` on
the real archive, the resident process a newsroom runs (no process start per build).

Run: PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/edit_freshness.py [--runs 10] [PATH_TO_XLSX]
     [--db URL]   (a store to use instead, e.g. a PostgreSQL copy of the real archive: it is edited)

The store is the real archive imported into a new SQLite file in a temporary folder (or the store
given with ``--db``), served by ``precis serve --site`` in a process of its own (one worker). Each
run appends a sentence with a word of its own to the summary of one published entry (a different
entry each run, as a save in the newsroom does: one transaction).
From that commit, three readers poll at once (every 20 ms): the entry's page until it shows the
word, its issue's page until it shows the word, and the search index's list of parts, which the
server answers only once the whole rebuild (pages, downloads, Pagefind) has ended. The seconds to
each are printed, and at the end the median and range of each over the runs.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
from publish_freshness import DEFAULT, GIVE_UP, load, served, wait_until
from sqlalchemy import select

from precis.model import Entry
from precis.sheets import read_file
from precis.site.archive import Archive
from precis.store import Store, import_records


def edit(store: Store, entry_id: int, word: str) -> None:
    """What a newsroom save of one summary does to the store."""
    with store.session(by="benchmark") as s:
        entry = s.get(Entry, entry_id)
        assert entry is not None and entry.summary is not None
        entry.summary = entry.summary + f"\n\nAn editor's sentence with {word} in it."


def wait_for_rebuild(client: httpx.Client, path: str, since: float, times: dict[str, float]) -> None:
    """The time until ``path`` (a file the server serves only after the whole rebuild) answers."""
    r = client.get(path)
    times[path] = time.perf_counter() - since if r.status_code == 200 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("xlsx", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between a rebuild's end and the next save")
    parser.add_argument("--db", help="a store holding the archive, edited by the runs (default: a new SQLite file)")
    args = parser.parse_args()
    print(f"start: {load()}")
    tmp = Path(tempfile.mkdtemp(prefix="precis-edit-freshness-"))
    try:
        db = args.db or str(tmp / "an.db")
        store = Store(db)
        if args.db is None:
            store.init()
            import_records(store, read_file(args.xlsx))
        with store.session() as s:
            published = list(s.scalars(
                select(Entry.id).where(Entry.public_level == "Yes", Entry.issue_id.is_not(None),
                                       Entry.summary.is_not(None)).order_by(Entry.id)
            ))
        rebuilt = "/pagefind/parts/index.json"
        figures: dict[str, list[float]] = {"entry page": [], "issue page": [], "whole rebuild": []}
        with served(db, tmp / "site") as base, httpx.Client(base_url=base, timeout=GIVE_UP) as client:
            client.get(rebuilt)
            paths = {item.id: item.path for item in Archive.load(store, warn=lambda message: None).entries}
            for run in range(args.runs):
                entry_id = published[(run * 97) % len(published)]
                entry_page = "/" + paths[entry_id]
                issue_page = "/" + re.findall(r'href="(?:\.\./)*(issues/[^"]+/)"', client.get(entry_page).text)[0]
                word = f"zygomorphic{run}x{int(time.time())}"
                time.sleep(args.gap)  # the server idle, as between two saves
                started = time.perf_counter()
                edit(store, entry_id, word)
                times: dict[str, float] = {}
                threads = [
                    threading.Thread(target=wait_until, args=(httpx.Client(base_url=base, timeout=GIVE_UP),
                                                              entry_page, [word], started, times)),
                    threading.Thread(target=wait_until, args=(httpx.Client(base_url=base, timeout=GIVE_UP),
                                                              issue_page, [word], started, times)),
                    threading.Thread(target=wait_for_rebuild, args=(httpx.Client(base_url=base, timeout=GIVE_UP),
                                                                    rebuilt, started, times)),
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                for name, path in (("entry page", entry_page), ("issue page", issue_page), ("whole rebuild", rebuilt)):
                    figures[name].append(times[path])
                print(f"run {run + 1}: entry {entry_id}: entry page {times[entry_page]:.3f} s, "
                      f"issue page {times[issue_page]:.3f} s, whole rebuild {times[rebuilt]:.3f} s ({load()})",
                      flush=True)
        for name, values in figures.items():
            print(f"{name}: median {statistics.median(values):.3f} s ({min(values):.3f}-{max(values):.3f})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
