"""How long a save through the newsroom's API takes: p50/p95/p99 of ``PATCH /api/v1/entries/{id}``
against a real ``precis serve`` (uvicorn, HTTP on localhost), on a store of the real archive.

Run: .venv/bin/python benchmarks/save_latency.py [--saves 300] [--workers 1] [--pg postgresql+psycopg://u:p@host/db]
     .venv/bin/python benchmarks/save_latency.py --db STORE [--saves 300] [--search] [--list]

One client saves one after another (no contention: the time of a save itself), each a real change
(a summary of a different entry each time, on the version it just read, as the editor page does);
the read is not timed. The first 20 saves warm up and are not counted. The real sheet is imported
into a new SQLite store in a temporary folder (and, with --pg, into that PostgreSQL database, whose
public schema is dropped first). Prints a Markdown table.

``--db STORE`` saves into an existing store instead (SQLite path or PostgreSQL URL, e.g. a
synthetic archive of 100,000 entries), served by the same app (``precis.web.create_app`` under
uvicorn, one process) on an empty site folder: ``precis serve`` would first build the whole site.
An editor is added to the store if it has none named "Bench Editor". With ``--search``, each save
is followed by one ``GET /api/search`` for the words it added, timed too: the first search after a
save, which brings the search index up to date with it. With ``--list``, each save is followed by
one ``GET /api/v1/entries`` (the pipeline's list, newest change first, its first 50 entries and
the count of all), timed too.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
REAL = HERE.parents[1] / "shared" / "data" / "alignment_newsletter.xlsx"
WARMUP = 20


def precis(db: str, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    subprocess.run([sys.executable, "-m", "precis", "--db", db, *args], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def make_store(db: str) -> str:
    """The real archive imported into ``db``, an editor in it; the editor's API token."""
    precis(db, "init")
    precis(db, "import", str(REAL))
    return editor_token(db)


def editor_token(db: str) -> str:
    """An API token of the store's editor "Bench Editor" (added if absent)."""
    sys.path.insert(0, str(SRC))
    from sqlalchemy import select

    from precis.model import Person
    from precis.newsroom import credentials
    from precis.store import Store

    store = Store(db)
    with store.session(by="benchmark") as s:
        editor = s.scalars(select(Person).where(Person.email == "bench@example.org")).first()
        if editor is None:
            editor = Person(name="Bench Editor", email="bench@example.org", role="editor", aliases=[], active=True)
            s.add(editor)
            s.flush()
        s.expunge(editor)
    token = credentials.issue_token(store, editor)
    store.close()
    return token


#: Serves a store's app on an empty site folder: argv = store, port.
SERVE_APP = """
import sys, tempfile, uvicorn
from pathlib import Path
from precis.store import Store
from precis.web import create_app
with tempfile.TemporaryDirectory() as site:
    uvicorn.run(create_app(Store(sys.argv[1]), Path(site)), host="127.0.0.1", port=int(sys.argv[2]),
                log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(
    db: str, token: str, saves: int, workers: int, *, app_only: bool = False, searches: list[float] | None = None,
    lists: list[float] | None = None,
) -> list[float]:
    """Milliseconds of each counted save (and of the search or the pipeline's list after it, into
    ``searches`` and ``lists``)."""
    port = free_port()
    command = (
        [sys.executable, "-c", SERVE_APP, db, str(port)] if app_only
        else [sys.executable, "-m", "precis", "--db", db, "serve", "--port", str(port), "--workers", str(workers)]
    )
    proc = subprocess.Popen(
        command, env={**os.environ, "PYTHONPATH": str(SRC)}, stdout=subprocess.DEVNULL, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            deadline = time.monotonic() + 900
            while True:
                try:
                    if client.get(f"{base}/me").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("precis serve did not start")
                time.sleep(0.3)
            ids = [e["id"] for e in client.get(f"{base}/entries", params={"limit": 200}).json()["entries"]]
            times = []
            for n in range(WARMUP + saves):
                url = f"{base}/entries/{ids[n % len(ids)]}"
                entry = client.get(url).json()
                body = {"version": entry["version"], "summary": f"{entry['summary'] or ''} (benchmark edit {n})"}
                start = time.perf_counter()
                answer = client.patch(url, json=body)
                elapsed = (time.perf_counter() - start) * 1000
                if answer.status_code != 200:
                    raise SystemExit(f"save {n}: {answer.status_code} {answer.text}")
                if n >= WARMUP:
                    times.append(elapsed)
                if searches is not None:
                    start = time.perf_counter()
                    found = client.get(f"http://127.0.0.1:{port}/api/search", params={"q": f"benchmark edit {n}"})
                    took = (time.perf_counter() - start) * 1000
                    if found.status_code != 200:
                        raise SystemExit(f"search after save {n}: {found.status_code} {found.text}")
                    if n >= WARMUP:
                        searches.append(took)
                if lists is not None:
                    start = time.perf_counter()
                    listed = client.get(f"{base}/entries", params={"limit": 50})
                    took = (time.perf_counter() - start) * 1000
                    if listed.status_code != 200:
                        raise SystemExit(f"list after save {n}: {listed.status_code} {listed.text}")
                    if n >= WARMUP:
                        lists.append(took)
            return times
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)


def row(name: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=100, method="inclusive")
    return f"| {name} | {len(times)} | {q[49]:.1f} | {q[94]:.1f} | {q[98]:.1f} | {max(times):.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pg", help="also on this PostgreSQL database (emptied first)")
    parser.add_argument("--db", help="save into this existing store instead (see the module doc)")
    parser.add_argument("--search", action="store_true", help="time the first search after each save")
    parser.add_argument("--list", action="store_true", help="time the pipeline's list after each save")
    args = parser.parse_args()
    if args.db:
        searches: list[float] | None = [] if args.search else None
        lists: list[float] | None = [] if args.list else None
        saved = measure(args.db, editor_token(args.db), args.saves, 1, app_only=True, searches=searches, lists=lists)
        print("| store | requests | p50 ms | p95 ms | p99 ms | max ms |")
        print("| --- | --- | --- | --- | --- | --- |")
        print(row(f"save, {args.db}", saved))
        if searches is not None:
            print(row("first search after the save", searches))
        if lists is not None:
            print(row("the pipeline's list after the save", lists))
        return
    if not REAL.exists():
        raise SystemExit(f"the real archive is absent: {REAL}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="precis-save-bench-") as work:
        db = str(Path(work) / "an.db")
        rows.append(row(f"SQLite, {args.workers} worker(s)", measure(db, make_store(db), args.saves, args.workers)))
    if args.pg:
        from sqlalchemy import create_engine, text

        engine = create_engine(args.pg)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        rows.append(row(f"PostgreSQL, {args.workers} worker(s)",
                        measure(args.pg, make_store(args.pg), args.saves, args.workers)))
    print("| store | saves | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
