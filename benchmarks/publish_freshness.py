"""How soon after a publish the archive shows the new issue: a real ``precis serve`` on the real archive.

Run: PYTHONPATH=src .venv/bin/python benchmarks/publish_freshness.py [--runs 3] [PATH_TO_XLSX]

The store is the real archive in a temporary folder, served by ``precis serve`` in a process of its
own (one worker, as a newsroom runs it). Each run publishes an issue as ``precis issue publish``
leaves the store: first the entries of an old issue (AN #139, then #138 …) are taken out of it,
approved, as composing does (and the archive is left to settle, as it would between composing and
publishing); then, in one transaction, a new issue (AN #173, #174 …) is made, published, and those
entries put in it, published. From that commit, four readers poll at once, each its page, until it
shows the new issue: the issue's page (200, linking every entry), one entry's page (200, naming the
new issue), the list of issues and the home page (naming it). The seconds to each are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import select

from precis.model import Entry, Issue
from precis.sheets import read_file
from precis.store import Store, import_records

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "alignment_newsletter.xlsx"
POLL = 0.02  # seconds between two requests of one reader
GIVE_UP = 120.0


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def take_out(store: Store, number: int) -> list[int]:
    """AN #number's entries back to approved, in no issue (as composing a new issue starts)."""
    with store.session(by="benchmark") as s:
        old = s.scalars(select(Issue).where(Issue.series == "AN", Issue.number == number)).one()
        entries = list(s.scalars(select(Entry).where(Entry.issue_id == old.id)))
        for e in entries:
            e.status, e.issue_id = "approved", None
        return [e.id for e in entries]


def publish(store: Store, number: int, ids: list[int]) -> None:
    """What publishing does to the store: the issue published, its entries published in it."""
    with store.session(by="benchmark") as s:
        publication = store.default_publication(s)
        issue = Issue(publication_id=publication.id, series="AN", number=number, status="published",
                      date=date(2026, 11, 30), title=f"Benchmark issue {number}")
        s.add(issue)
        s.flush()
        for e in s.scalars(select(Entry).where(Entry.id.in_(ids))):
            e.status, e.issue_id = "published", issue.id


def wait_until(client: httpx.Client, path: str, shows: list[str], since: float, times: dict[str, float]) -> None:
    times[path] = float("nan")  # never shown
    while time.perf_counter() - since < GIVE_UP:
        try:
            r = client.get(path)
        except httpx.HTTPError as exc:
            print(f"{path}: {exc!r}", file=sys.stderr)
            time.sleep(POLL)
            continue
        if r.status_code == 200 and all(s in r.text for s in shows):
            times[path] = time.perf_counter() - since
            return
        time.sleep(POLL)


@contextmanager
def served(db: str, site: Path) -> Iterator[str]:
    """``precis serve --site SITE`` on the store ``db`` in a process of its own (one worker, as a
    newsroom runs it), once it answers: its base URL. The server is stopped when the block ends."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "precis", "--db", db, "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=base, timeout=GIVE_UP) as client:
            while True:
                try:
                    if client.get("/").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("xlsx", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"start: {load()}")
    tmp = Path(tempfile.mkdtemp(prefix="precis-freshness-"))
    try:
        db = tmp / "an.db"
        store = Store(str(db))
        store.init()
        import_records(store, read_file(args.xlsx))
        with served(str(db), tmp / "site") as base, httpx.Client(base_url=base, timeout=GIVE_UP) as client:
            for run in range(args.runs):
                old, new = 139 - run, 173 + run
                page = client.get(f"/issues/an-{old}/").text
                # An entry whose title another entry shares has its issue in its page's name
                # ("…-an-139"): moved to the new issue, its page is named after that one.
                slugs = [slug.replace(f"-an-{old}", f"-an-{new}") for slug in
                         dict.fromkeys(re.findall(r'href="(?:\.\./)*entries/([^/"]+)/"', page))]
                ids = take_out(store, old)
                # The archive settles (composing takes longer than a rebuild): the downloads wait
                # for the whole rebuild.
                client.get("/downloads/")
                client.get("/downloads/")
                started = time.perf_counter()
                publish(store, new, ids)
                times: dict[str, float] = {}
                label = f"AN #{new}"
                readers = {
                    f"/issues/an-{new}/": [f"entries/{s}/" for s in slugs],
                    f"/entries/{slugs[0]}/": [label],
                    "/issues/": [f"an-{new}/"],
                    "/": [f"an-{new}/"],
                }
                threads = [
                    threading.Thread(target=wait_until, args=(httpx.Client(base_url=base, timeout=GIVE_UP), p, s,
                                                              started, times))
                    for p, s in readers.items()
                ]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                figures = ", ".join(f"{path} {times[path]:.2f} s" for path in readers)
                print(f"run {run + 1}: {label} ({len(ids)} entries from AN #{old}): {figures}; "
                      f"all shown after {max(times.values()):.2f} s ({load()})", flush=True)
                client.get("/downloads/")  # let the rebuild end before the next run
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
