"""A build after one edited summary, two versions of the code alternated: which is faster, and by
how much, on a machine whose speed moves from one run to the next.

Run: PYTHONPATH=src .venv/bin/python benchmarks/edit_pairs.py STORE.db --before OLD/src --after src
     [--pairs 10] [--workdir DIR]

Each side gets its own copy of the store and its own site folder and render cache, built once
from nothing. Then, ``--pairs`` times, each side in turn edits one summary (a different entry each
pair, through the library, as ``site_incremental.py`` does) and runs ``precis site build`` as a
user does (process start included, ``/usr/bin/time``). It prints each pair, then each side's
median and range and how many pairs each won. A single run of either moves by a second on a
shared machine; alternated pairs under the same load show a difference of a tenth.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from site_incremental import EDIT, PRECIS


def run(side: Path, src: str, *args: str) -> float:
    """``precis --db <side>/store.db site build <side>/site`` with ``src``'s code: its wall time."""
    env = {**os.environ, "PYTHONPATH": src, "PRECIS_RENDER_CACHE": str(side / "render-cache")}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        subprocess.run(
            ["/usr/bin/time", "-f", "%e", "-o", t.name, PRECIS, "--db", str(side / "store.db"), *args],
            env=env, check=True, capture_output=True,
        )
        return float(t.read().split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--before", required=True, help="the src folder of the code to compare against")
    parser.add_argument("--after", required=True, help="the src folder of the code measured")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="precis-pairs-", dir=args.workdir))
    sides = {"before": str(Path(args.before).resolve()), "after": str(Path(args.after).resolve())}
    times: dict[str, list[float]] = {name: [] for name in sides}
    try:
        for name, src in sides.items():
            (root / name).mkdir()
            shutil.copyfile(args.store, root / name / "store.db")
            run(root / name, src, "site", "build", str(root / name / "site"))
        for n in range(1, args.pairs + 1):
            for name, src in sides.items():
                side = root / name
                env = {**os.environ, "PYTHONPATH": src}
                subprocess.run([sys.executable, "-c", EDIT, str(side / "store.db"), str(n * 89)], env=env, check=True)
                times[name].append(run(side, src, "site", "build", str(side / "site")))
            print(f"pair {n}: before {times['before'][-1]:.2f} s, after {times['after'][-1]:.2f} s", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    won = sum(a < b for a, b in zip(times["after"], times["before"], strict=True))
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f})")
    print(f"after faster in {won} of {len(times['after'])} pairs")


if __name__ == "__main__":
    main()
