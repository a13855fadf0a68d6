"""How long a save through the newsroom's API takes: p50/p95/p99 of ``PATCH /api/v1/entries/{id}``
against a real ``precis serve`` (uvicorn, HTTP on localhost), on a store of the real archive.

Run: .venv/bin/python benchmarks/save_latency.py [--saves 300] [--workers 1] [--pg postgresql+psycopg://u:p@host/db]

One client saves one after another (no contention: the time of a save itself), each a real change
(a summary of a different entry each time, on the version it just read, as the editor page does);
the read is not timed. The first 20 saves warm up and are not counted. The real sheet is imported
into a new SQLite store in a temporary folder (and, with --pg, into that PostgreSQL database, whose
public schema is dropped first). Prints a Markdown table.
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
    sys.path.insert(0, str(SRC))
    from precis.model import Person
    from precis.newsroom import credentials
    from precis.store import Store

    precis(db, "init")
    precis(db, "import", str(REAL))
    store = Store(db)
    with store.session(by="benchmark") as s:
        editor = Person(name="Bench Editor", email="bench@example.org", role="editor", aliases=[], active=True)
        s.add(editor)
        s.flush()
        s.expunge(editor)
    token = credentials.issue_token(store, editor)
    store.close()
    return token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure(db: str, token: str, saves: int, workers: int) -> list[float]:
    """Milliseconds of each counted save."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "precis", "--db", db, "serve", "--port", str(port), "--workers", str(workers)],
        env={**os.environ, "PYTHONPATH": str(SRC)}, stdout=subprocess.DEVNULL, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            deadline = time.monotonic() + 300
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
    args = parser.parse_args()
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
