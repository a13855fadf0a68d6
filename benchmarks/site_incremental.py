"""`precis site build` as a user runs it (process start included): from nothing, with nothing
changed, then after one edited summary, with wall time, peak memory, files written and documents
Pagefind indexed.

Run: PYTHONPATH=src .venv/bin/python benchmarks/site_incremental.py STORE.db [--runs 3] [--src OTHER/src]
     [--workdir DIR]

Each run copies the store, builds into a new folder, builds again (nothing changed), edits one
summary (the n-th entry with one, through the library, as an editor's save does), builds again.
Each run works in a new folder inside ``--workdir`` (default: the system's temporary folder), and
the runs' folders are deleted together at the end, not after each run: on ext4, after thousands
of files were deleted in a folder's block group, the kernel's search for a free inode there
(``recently_deleted``) made the next build's 8,000 new files cost up to 9 s of system time instead
of 1 s (the second and third runs from nothing took 5.5 and 6.8 s where the first took 3.7 s). A
folder where few files were deleted lately (``--workdir``) shows what a user's build costs.
``--src`` runs the commands with another checkout's ``src`` (to compare before and after a
change); the editing and counting use this one. Files written are those whose digest in the
build manifest changed or appeared; the documents Pagefind indexed are the ``page_count`` of each
index part it wrote.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PRECIS = str(Path(sys.executable).with_name("precis"))
EDIT = (
    "import sys; from sqlalchemy import select; from precis.store import Store; from precis.model import Entry\n"
    "with Store(sys.argv[1]) as st, st.session(by='bench') as s:\n"
    "    e = s.scalars(select(Entry).where(Entry.summary.is_not(None)).order_by(Entry.id)"
    ".offset(int(sys.argv[2])).limit(1)).one()\n"
    "    e.summary = e.summary + ' (edited)'\n"
)


def build(db: Path, out: Path, src: str | None) -> dict[str, float]:
    # Each run starts with an empty render cache (compiled templates, parsed texts), made by its
    # first build: "from nothing" is from nothing.
    env = {**os.environ, "PRECIS_RENDER_CACHE": str(out.parent / "render-cache")}
    env.update({"PYTHONPATH": src} if src else {})
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        subprocess.run(["/usr/bin/time", "-f", "%e %M", "-o", t.name, PRECIS, "--db", str(db), "site", "build",
                        str(out)], env=env, check=True, capture_output=True)
        wall, kb = t.read().split()[-2:]
    return {"seconds": float(wall), "mb": int(kb) / 1024}


def manifest(out: Path) -> dict[str, str]:
    files: dict[str, str] = json.loads((out / ".precis-site.json").read_text())["files"]
    return files


def indexed(out: Path, written: list[str]) -> int:
    return sum(json.loads((out / p).read_text())["languages"]["en"]["page_count"]
               for p in written if p.endswith("pagefind-entry.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--src", help="PYTHONPATH for the precis commands (another checkout's src)")
    parser.add_argument("--workdir", type=Path, help="where each run's folder is made (default: the temporary folder)")
    args = parser.parse_args()
    with contextlib.ExitStack() as folders:
        for run in range(args.runs):
            tmp = folders.enter_context(tempfile.TemporaryDirectory(dir=args.workdir))
            db, out = Path(tmp, "an.db"), Path(tmp, "site")
            shutil.copy(args.db, db)
            fresh = build(db, out, args.src)
            unchanged = build(db, out, args.src)
            before = manifest(out)
            subprocess.run([sys.executable, "-c", EDIT, str(db), str(100 * run)], check=True)
            edited = build(db, out, args.src)
            after = manifest(out)
            written = [p for p, key in after.items() if before.get(p) != key]
            load = os.getloadavg()[0]
            print(json.dumps({"run": run + 1, "from nothing": fresh, "nothing changed": unchanged,
                              "after one edit": edited,
                              "files written after the edit": len(written),
                              "documents indexed after the edit": indexed(out, written),
                              "documents indexed from nothing": indexed(out, list(after)),
                              "load average": round(load, 2)}), flush=True)


if __name__ == "__main__":
    main()
