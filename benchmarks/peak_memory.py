"""Run a command and report the peak memory of its whole process tree, not only of its largest
process: a site build runs a forked renderer, Pagefind and the downloads' interpreter beside the
builder, and ``/usr/bin/time``'s maximum resident size names only the largest of them.

Run: .venv/bin/python benchmarks/peak_memory.py -- .venv/bin/precis --db 100k.db site build site/

Every half second (``--every``) it reads, for the command and each of its descendants, the
resident size (VmRSS) and the proportional set size (Pss, from /proc/PID/smaps_rollup: pages
shared by several processes, like the archive a forked renderer shares with the builder, are
split between them instead of counted in each). It prints the wall time, the peak of the summed
PSS and of the summed RSS, and the peak RSS of the largest processes. Linux only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path


def descendants(pid: int) -> list[int]:
    found = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in children:
        found += descendants(int(child))
    return found


def field(path: str, name: str) -> int:
    """A "Name:   123 kB" line of a /proc file, in kB (0 when the process is gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples (default 0.5)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    started = time.perf_counter()
    process = subprocess.Popen(command)
    peak_pss = peak_rss = 0
    largest: dict[tuple[int, str], int] = {}
    while process.poll() is None:
        pids = descendants(process.pid)
        rss = {pid: field(f"/proc/{pid}/status", "VmRSS") for pid in pids}
        peak_rss = max(peak_rss, sum(rss.values()))
        peak_pss = max(peak_pss, sum(field(f"/proc/{pid}/smaps_rollup", "Pss") for pid in pids))
        for pid, kb in rss.items():
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                continue
            largest[pid, name] = max(largest.get((pid, name), 0), kb)
        time.sleep(args.every)
    wall = time.perf_counter() - started
    print(
        f"{wall:.1f} s wall, exit {process.returncode}; peak of the tree: {peak_pss / 1024:.0f} MB PSS, "
        f"{peak_rss / 1024:.0f} MB RSS",
        file=sys.stderr,
    )
    for (pid, name), kb in sorted(largest.items(), key=lambda item: -item[1])[:5]:
        print(f"  {name} (pid {pid}): peak {kb / 1024:.0f} MB RSS", file=sys.stderr)
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
