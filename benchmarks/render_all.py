"""Time rendering every issue of the real archive as Markdown, email HTML and plain text.

Run: .venv/bin/python benchmarks/render_all.py [PATH_TO_XLSX]

It imports the archive into a temporary store (not timed), then times, in one process, loading the
editions and rendering all issues in the three formats on one core (parsing every text once
included), three times from a cold start, with each format's share; then `Editions.render_all`,
which writes the files from one forked worker per CPU; last the whole command a user runs,
`precis render --all --out DIR`, process start included.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from precis.markup import parse
from precis.render import Editions
from precis.render import render_all as render_every_issue
from precis.sheets import read_file
from precis.store import Store, import_records

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "alignment_newsletter.xlsx"
FORMATS = ("markdown", "html", "text")


def render_all(store: Store) -> tuple[float, float, dict[str, float], int]:
    """(wall seconds, CPU seconds, CPU seconds per format, issues) of one sequential run."""
    parse.cache_clear()  # each run parses every text again, as a fresh process would
    start, cpu = time.perf_counter(), time.process_time()
    editions = Editions.load(store, warn=lambda _message: None)
    per_format = dict.fromkeys(FORMATS, 0.0)
    for issue in editions.issues:
        for fmt in FORMATS:
            t = time.process_time()
            editions.render(issue, fmt)
            per_format[fmt] += time.process_time() - t
    return time.perf_counter() - start, time.process_time() - cpu, per_format, len(editions.issues)


def main() -> None:
    xlsx = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "an.db"
        store = Store(str(db))
        store.init()
        import_records(store, read_file(xlsx))
        print(f"load average at start: {os.getloadavg()[0]:.2f} (2 CPUs)")
        runs = [render_all(store) for _ in range(3)]
        total, cpu, per_format, issues = min(runs, key=lambda r: r[0])
        print(f"{issues} issues x {len(FORMATS)} formats, in process, one core (best of 3): {total:.2f} s wall, "
              f"{cpu:.2f} s CPU (median wall {statistics.median(r[0] for r in runs):.2f} s)")
        for fmt, seconds in per_format.items():
            print(f"  {fmt:<10}{seconds:6.2f} s CPU (the first format rendered also parses the texts)")
        parallel = []
        for n in range(3):
            parse.cache_clear()
            start = time.perf_counter()
            render_every_issue(Editions.load(store, warn=lambda _message: None), Path(tmp) / f"lib{n}", list(FORMATS))
            parallel.append(time.perf_counter() - start)
        print(f"Editions.render_all, files written, one worker per CPU (best of 3): {min(parallel):.2f} s")
        store.close()
        walls = []
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for n in range(3):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "precis", "--db", str(db), "render", "--all",
                 "--out", str(Path(tmp) / f"cli{n}")],
                check=True, capture_output=True,
            )
            walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / 3
        print(f"precis render --all --out DIR, process start included (best of 3): {min(walls):.2f} s wall; "
              f"{cpu:.2f} s CPU per run (all processes)")
        print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
