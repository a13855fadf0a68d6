"""Time building the archive site of the real archive: from nothing, again unchanged, after one
edit, after a publish.

Run: .venv/bin/python benchmarks/site_build.py [PATH_TO_XLSX]

Each build is timed in-process (``build_site``, which reads the store, renders every page, writes
what changed and runs Pagefind when an entry page changed). The whole command with process start
is timed too (``precis site build``).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from precis.model import Entry
from precis.sheets import read_file
from precis.site import build_site
from precis.store import Store, import_records

sys.path.insert(0, str(Path(__file__).resolve().parent))
from publish_freshness import publish, take_out  # a sibling script, not a package

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "alignment_newsletter.xlsx"
RUNS = 3


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    print(f"start: {load()}")
    xlsx = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "an.db"
        store = Store(str(db))
        store.init()
        import_records(store, read_file(xlsx))
        fresh = []
        for run in range(RUNS):
            out = Path(tmp) / f"site{run}"
            report = build_site(store, out)
            fresh.append(report.seconds)
            print(f"build from nothing      {report.seconds:6.2f} s  "
                  f"({report.pages} pages, {len(report.written)} files)")
        again = build_site(store, Path(tmp) / "site0")
        print(f"rebuild, no change      {again.seconds:6.2f} s  ({len(again.written)} files written)")
        with store.session(by="benchmark") as s:
            entry = s.scalars(select(Entry).where(Entry.title == "Deep Double Descent")).one()
            entry.summary += "\n\nOne more sentence."
        edited = build_site(store, Path(tmp) / "site0")
        pages = [p for p in edited.written if p.endswith(".html")]
        print(f"rebuild, one entry edit {edited.seconds:6.2f} s  "
              f"({len(edited.written)} files written, pages: {', '.join(pages)})")
        # A publish, as `precis serve` rebuilds after it: AN #139's entries were taken out while a
        # new issue was composed (and the site rebuilt), then published as AN #173; the first
        # pages (the entries', the issue's, the home page, the issue list) are ready before the rest.
        ids = take_out(store, 139)
        build_site(store, Path(tmp) / "site0")
        publish(store, 173, ids)
        started, ready = time.perf_counter(), []
        published = build_site(store, Path(tmp) / "site0", changed=ids,
                               ready=lambda files: ready.append(time.perf_counter() - started))
        print(f"rebuild after a publish  {published.seconds:6.2f} s  (first pages ready after {ready[0]:.2f} s, "
              f"feeds after {ready[1]:.2f} s; {len(published.written)} files written)")
        print(f"median build from nothing: {statistics.median(fresh):.2f} s")
        shutil.rmtree(Path(tmp) / "cli", ignore_errors=True)
        precis = Path(sys.executable).with_name("precis")
        start = time.perf_counter()
        subprocess.run([str(precis), "--db", str(db), "site", "build", str(Path(tmp) / "cli")],
                       check=True, capture_output=True)
        print(f"`precis site build` from nothing, process start included: {time.perf_counter() - start:.2f} s")

    print(f"end: {load()}")


if __name__ == "__main__":
    main()
