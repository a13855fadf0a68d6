"""Latency of the archive's JSON search API on the real archive, over HTTP on 127.0.0.1.

Run: .venv/bin/python benchmarks/search_latency.py [PATH_TO_XLSX]

Starts the ``precis serve`` app (Starlette) under uvicorn on a free loopback port, sends a fixed
set of queries (words from the archive's own titles, plus multi-word questions) REQUESTS times
one after another over one keep-alive connection, and reports percentiles of the time from
request to parsed response. The same queries are also timed in-process (``SearchIndex.search``)
to show what the database part costs. Bounded: REQUESTS requests, then it stops.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

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


def main() -> None:
    print(f"start: {load()}")
    xlsx = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    records = read_file(xlsx)
    rng = random.Random(4)
    words = sorted({w for r in records for w in r.title.split() if len(w) > 4 and w.isalpha()})
    queries = QUESTIONS + rng.sample(words, 88)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "an.db"))
        store.init()
        import_records(store, records)
        build_site(store, Path(tmp) / "site")
        index = SearchIndex(store)
        index.refresh()
        inproc = []
        for i in range(REQUESTS):
            start = time.perf_counter()
            index.search(queries[i % len(queries)], limit=10)
            inproc.append(time.perf_counter() - start)
        report("in-process SearchIndex.search", inproc)

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        app = create_app(store, Path(tmp) / "site")
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for q in queries:  # warm up
                    client.get("/api/search", params={"q": q}).raise_for_status()
                http = []
                for i in range(REQUESTS):
                    start = time.perf_counter()
                    response = client.get("/api/search", params={"q": queries[i % len(queries)], "limit": 10})
                    response.json()
                    http.append(time.perf_counter() - start)
                    response.raise_for_status()
            report("HTTP GET /api/search (uvicorn)", http)
        finally:
            server.should_exit = True
            thread.join()

    print(f"end: {load()}")


if __name__ == "__main__":
    main()
