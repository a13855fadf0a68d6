"""Run a command and report the peak memory of its whole process tree, not only of its largest
process: a site build runs a forked renderer, Pagefind and the downloads' interpreter beside the
builder, and ``/usr/bin/time``'s maximum resident size names only the largest of them.

Run: .venv/bin/python benchmarks/peak_memory.py -- .venv/bin/precis --db 100k.db site build site/
     (``--timeline 1`` also prints each process's PSS every second: when and where memory grows)

Every half second (``--every``) it reads, for the command and each of its descendants, the
resident size (VmRSS) and the proportional set size (Pss, from /proc/PID/smaps_rollup: pages
shared by several processes, like the archive a forked renderer shares with the builder, are
split between them instead of counted in each). It prints the wall time, the peak of the summed
PSS and of the summed RSS, each process's PSS in the sample of that peak, and the peak RSS of the
largest processes (a process started with vfork, as ``subprocess`` starts Pagefind, shows its
parent's RSS until it runs its program: a large "pagefind" there is that), then the CPU time (user and
system) of the processes by name: where a build's work goes (the builder, its forked renderer, the
downloads' interpreter, Pagefind). A process's CPU is as of the last sample it was alive for, so
a short one is undercounted: sample more often (``--every 0.1``) to read CPU. Linux only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The process and its descendants, including children started by any of its threads (the
    search index's Pagefind runs are started from a thread pool)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
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


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used so far (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()  # after the command's name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between samples (default 0.5)")
    parser.add_argument(
        "--timeline", type=float, metavar="SECONDS",
        help="also print, every SECONDS, the time and each process's PSS (where memory grows during the run)",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    started = time.perf_counter()
    process = subprocess.Popen(command)
    peak_pss = peak_rss = 0
    at_peak: dict[int, int] = {}  # each process's PSS in the sample of the tree's peak
    largest: dict[tuple[int, str], int] = {}
    cpu: dict[tuple[int, str], float] = {}
    names: dict[int, str] = {}
    shown_at = -float("inf")
    while process.poll() is None:
        pids = descendants(process.pid)
        rss = {pid: field(f"/proc/{pid}/status", "VmRSS") for pid in pids}
        peak_rss = max(peak_rss, sum(rss.values()))
        pss = {pid: field(f"/proc/{pid}/smaps_rollup", "Pss") for pid in pids}
        if sum(pss.values()) > peak_pss:
            peak_pss, at_peak = sum(pss.values()), pss
        now = time.perf_counter() - started
        if args.timeline and now - shown_at >= args.timeline:
            shown_at = now
            each = " ".join(f"{pid}:{kb // 1024}" for pid, kb in pss.items() if kb >= 20 * 1024)
            print(f"{now:7.1f} s  tree {sum(pss.values()) // 1024} MB PSS  (pid:MB) {each}", file=sys.stderr)
        for pid, kb in rss.items():
            try:
                name = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                continue
            names[pid] = name
            largest[pid, name] = max(largest.get((pid, name), 0), kb)
            cpu[pid, name] = max(cpu.get((pid, name), 0.0), cpu_seconds(pid))
        time.sleep(args.every)
    wall = time.perf_counter() - started
    print(
        f"{wall:.1f} s wall, exit {process.returncode}; peak of the tree: {peak_pss / 1024:.0f} MB PSS, "
        f"{peak_rss / 1024:.0f} MB RSS",
        file=sys.stderr,
    )
    print("  at the peak: " + ", ".join(
        f"{names.get(pid, '?')} {kb / 1024:.0f} MB" for pid, kb in sorted(at_peak.items(), key=lambda item: -item[1])
    ), file=sys.stderr)
    for (pid, name), kb in sorted(largest.items(), key=lambda item: -item[1])[:5]:
        print(f"  {name} (pid {pid}): peak {kb / 1024:.0f} MB RSS", file=sys.stderr)
    by_name: dict[str, list[float]] = {}
    for (_pid, name), seconds in cpu.items():
        by_name.setdefault(name, []).append(seconds)
    print(f"CPU seen: {sum(cpu.values()):.1f} s", file=sys.stderr)
    for name, times in sorted(by_name.items(), key=lambda item: -sum(item[1])):
        print(f"  {name}: {sum(times):.1f} s in {len(times)} process(es)", file=sys.stderr)
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
