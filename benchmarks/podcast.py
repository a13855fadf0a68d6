"""Podcast benchmark: AN #139 of the real archive read aloud, its real-time factor, and the cache.

    .venv/bin/python benchmarks/podcast.py [--engine piper|espeak] [--jobs N ...]

For each --jobs value (default: 2, then 1): a fresh store and a fresh cache, the whole issue
synthesized, normalized and encoded. Then, with the warm cache, one entry is edited and the episode
made again. Prints a Markdown table; the real-time factor is seconds of audio per second of work
(wall clock), and "per CPU second" divides by the CPU time this process and its workers used, a
figure that other programs running on the machine do not change.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from precis.audio.cache import AudioCache
from precis.audio.episode import clock, prepare, record
from precis.model import Entry
from precis.sheets import read_file
from precis.store import Store, import_records

ROOT = Path(__file__).resolve().parents[1]
XLSX = Path(os.environ.get("PRECIS_REAL_XLSX", ROOT.parent / "shared" / "data" / "alignment_newsletter.xlsx"))
EDITED = "Formal Solution to the Inner Alignment Problem"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="piper")
    parser.add_argument("--jobs", type=int, nargs="+", default=[2, 1])
    args = parser.parse_args()
    records = read_file(XLSX)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", file=sys.stderr)
    print("| engine | jobs | audio | synthesis | real-time factor | audio per CPU second | whole run "
          "| after editing one entry |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for jobs in args.jobs:
        with tempfile.TemporaryDirectory(prefix="precis-podcast-bench-") as tmp:
            folder = Path(tmp)
            store = Store(str(folder / "an.db"))
            store.init()
            import_records(store, records)
            cache = AudioCache(folder / "cache")
            plan = prepare(store, "AN #139", args.engine)
            cpu = _cpu_seconds()
            first = record(store, plan, folder / "an-139.mp3", cache, jobs=jobs)
            cpu = _cpu_seconds() - cpu
            with store.session(by="bench") as s:
                entry = s.scalar(select(Entry).where(Entry.title.startswith(EDITED)))
                entry.summary += " One more sentence, so that this entry is read again."
            started = time.perf_counter()
            again = record(store, prepare(store, "AN #139", args.engine), folder / "an-139.mp3", cache, jobs=jobs)
            second = time.perf_counter() - started
            assert len(again.synthesis.synthesized) == 1
            s = first.synthesis
            print(
                f"| {plan.spec.label} | {jobs} | {clock(first.duration)} ({plan.words} words) | "
                f"{s.work_seconds:.1f} s | {first.real_time_factor:.1f}x | {first.duration / cpu:.1f}x | "
                f"{first.seconds:.1f} s | "
                f"{second:.1f} s (1 of {len(plan.segments)} segments synthesized) |",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.2f}", file=sys.stderr)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the synthesis workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
