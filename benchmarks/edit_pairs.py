"""A build after one edited summary, two versions of the code alternated: which is faster, and by
how much, on a machine whose speed moves from one run to the next.

Run: PYTHONPATH=src .venv/bin/python benchmarks/edit_pairs.py STORE.db --before OLD/src --after src
     [--also NAME=OTHER/src ...] [--pairs 10] [--workdir DIR]

Each side gets its own copy of the store and its own site folder and render cache, built once
from nothing. Then, ``--pairs`` times, each side in turn edits one summary (a different entry each
pair, through the library, as ``site_incremental.py`` does) and runs ``precis site build`` as a
user does (process start included, ``/usr/bin/time``). It prints each pair, then each side's
median and range, its median processor time (user and system, all its processes: on a machine
whose cores are all busy, work moved beside other work saves no wall time) and of the build
itself (as the command reports it, without the start), and how many pairs "after" won.
``--also`` adds more versions to the rounds (a change measured without one of its parts). A
single run of either moves by a second on a shared machine; alternated pairs under the same load
show a difference of a tenth.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from site_incremental import EDIT

# ``python -m precis`` rather than the ``precis`` script: the script names the entry point of the
# installed version (``precis.program`` since the fourteenth pass), which older code does not have.
PRECIS = [sys.executable, "-m", "precis"]


def run(side: Path, src: str, *args: str) -> tuple[float, float, float]:
    """``precis --db <side>/store.db site build <side>/site`` with ``src``'s code: its wall time,
    its processor time and the build's own time (as it reports it, to a tenth of a second)."""
    env = {**os.environ, "PYTHONPATH": src, "PRECIS_RENDER_CACHE": str(side / "render-cache")}
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        said = subprocess.run(
            ["/usr/bin/time", "-f", "%e %U %S", "-o", t.name, *PRECIS, "--db", str(side / "store.db"), *args],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        wall, user, system = (float(x) for x in t.read().split()[-3:])
    build = re.search(r" in ([0-9.]+) s", " ".join(said.split()))
    return wall, user + system, float(build.group(1)) if build else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("store", type=Path)
    parser.add_argument("--before", required=True, help="the src folder of the code to compare against")
    parser.add_argument("--after", required=True, help="the src folder of the code measured")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=SRC", help="another version to alternate")
    parser.add_argument("--pairs", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="precis-pairs-", dir=args.workdir))
    sides = {"before": args.before, "after": args.after, **dict(a.split("=", 1) for a in args.also)}
    sides = {name: str(Path(src).resolve()) for name, src in sides.items()}
    times: dict[str, list[tuple[float, float, float]]] = {name: [] for name in sides}
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
            print(f"pair {n}: " + ", ".join(f"{name} {times[name][-1][0]:.2f} s" for name in sides), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    won = sum(a[0] < b[0] for a, b in zip(times["after"], times["before"], strict=True))
    for name, values in times.items():
        walls = [v[0] for v in values]
        print(
            f"{name}: median {statistics.median(walls):.2f} s ({min(walls):.2f}-{max(walls):.2f}), "
            f"CPU {statistics.median(v[1] for v in values):.2f} s, "
            f"build {statistics.median(v[2] for v in values):.2f} s"
        )
    print(f"after faster in {won} of {len(times['after'])} pairs")


if __name__ == "__main__":
    main()
