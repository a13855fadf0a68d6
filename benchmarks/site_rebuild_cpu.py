"""CPU time of rebuilding the archive site with nothing changed: the steadiest measure of the
builder's own work (a build from nothing also waits on the disk, Pagefind and the downloads' child).

Run: .venv/bin/python benchmarks/site_rebuild_cpu.py STORE.db [OUTDIR]

Builds once into OUTDIR (default: a temporary folder), then times three more builds with
``time.process_time()`` (this process only) and the wall clock.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from precis.site import build_site
from precis.store import Store


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with Store(sys.argv[1]) as store, tempfile.TemporaryDirectory() as tmp:
        out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tmp) / "site"
        build_site(store, out)
        for _ in range(3):
            cpu, wall = time.process_time(), time.perf_counter()
            build_site(store, out)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            print(f"rebuild, nothing changed: {cpu:.2f} s CPU, {wall:.2f} s wall")


if __name__ == "__main__":
    main()
