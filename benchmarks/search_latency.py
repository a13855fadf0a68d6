"""Latency of the archive's JSON search API on the real archive, over HTTP on 127.0.0.1.

Run: .venv/bin/python benchmarks/search_latency.py [PATH_TO_XLSX] [--db URL] [--requests N]

Starts the ``precis serve`` app (Starlette) under uvicorn on a free loopback port, sends a fixed
set of queries (words from the archive's own titles, plus multi-word questions) REQUESTS times
one after another over one keep-alive connection, and reports percentiles of the time from
request to parsed response. The same queries are also timed in-process (``SearchIndex.search``)
to show what the database part costs. Bounded: REQUESTS requests, then it stops.

By default the real sheet is imported into a new SQLite store in a temporary folder and its site
built. With ``--db`` an existing store (SQLite path or PostgreSQL URL, e.g. a synthetic archive
of 100,000 entries) is searched as it is, the words taken from its own titles; the app then serves
an empty site folder (the search API does not need the pages). The time of bringing its index up
to date first (a fill if it never had one) is printed.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import select

from precis.model import Entry
from precis.search import SearchIndex
from precis.sheets import read_file
from precis.site import build_site
from precis.store import Store, import_records
from precis.web import create_app

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "alignment_newsletter.xlsx"
REQUESTS = 1000
QUESTIONS = [
    "mesa optimizers and inner alignment", "deep double descent", "reward modeling", "iterated amplification",
    "interpretability of neural networks", "AI governance and policy", "Paul Christiano", "adversarial examples",
    "impact measures side effects", "language models few-shot", "inverse reinforcement learning", "debate",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def report(label: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(f"{label:<34} n={len(ms):5d}  p50 {percentile(ms, 50):5.2f} ms  p95 {percentile(ms, 95):5.2f} ms  "
          f"p99 {percentile(ms, 99):5.2f} ms  mean {statistics.fmean(ms):5.2f} ms")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def queries_from(titles: list[str]) -> list[str]:
    rng = random.Random(4)
    words = sorted({w for title in titles for w in title.split() if len(w) > 4 and w.isalpha()})
    return QUESTIONS + rng.sample(words, 88)


def measure(store: Store, site: Path, queries: list[str], requests: int) -> None:
    index = SearchIndex(store)
    start = time.perf_counter()
    written = index.refresh()
    print(f"index brought up to date: {time.perf_counter() - start:.2f} s (written: {written}; {load()})")
    inproc = []
    for i in range(requests):
        start = time.perf_counter()
        index.search(queries[i % len(queries)], limit=10)
        inproc.append(time.perf_counter() - start)
    report("in-process SearchIndex.search", inproc)

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(store, site)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        # The first request may read the documents' fields into memory (seconds at 100,000 entries).
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for q in queries:  # warm up
                client.get("/api/search", params={"q": q}).raise_for_status()
            http = []
            for i in range(requests):
                start = time.perf_counter()
                response = client.get("/api/search", params={"q": queries[i % len(queries)], "limit": 10})
                response.json()
                http.append(time.perf_counter() - start)
                response.raise_for_status()
        report("HTTP GET /api/search (uvicorn)", http)
    finally:
        server.should_exit = True
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("xlsx", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--db", help="search this existing store instead (SQLite path or PostgreSQL URL)")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    args = parser.parse_args()
    print(f"start: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            store = Store(args.db)
            with store.session() as s:
                titles = list(s.scalars(select(Entry.title)))
            measure(store, Path(tmp), queries_from(titles), args.requests)
        else:
            records = read_file(args.xlsx)
            store = Store(str(Path(tmp) / "an.db"))
            store.init()
            import_records(store, records)
            build_site(store, Path(tmp) / "site")
            measure(store, Path(tmp) / "site", queries_from([r.title for r in records]), args.requests)
        store.close()
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
