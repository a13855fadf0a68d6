"""The archive's search page in a real browser: how long it takes to load its index and to answer,
for sites whose search index is split into parts of different sizes.

Run: PYTHONPATH=src .venv/bin/python benchmarks/search_page.py SITE [SITE ...] [--rounds 5]
     [--queries "mesa optimizers" "reward model" ...]

Each SITE is a folder ``precis site build`` wrote. It is served over HTTP on loopback (a server
that adds 0 ms to a request, so this is the browser's and Pagefind's own time) and opened in
Debian's Chromium (Playwright), a new page each round, the sites alternated round by round. Two
figures per round: from opening the search page until its filters are filled (Pagefind's code and
WebAssembly loaded, every part merged, the filters read), and for each query, from typing it until
its results are shown (each part's index chunks for the words fetched and searched). It prints
each site's parts and medians (with ranges).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import statistics
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
QUERIES = ("mesa optimizers", "reward model", "interpretability", "debate", "inverse reinforcement learning")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def one_round(browser, url: str, queries: list[str]) -> tuple[float, list[float]]:
    """Seconds to load the search page, and to answer each query."""
    page = browser.new_page()
    try:
        started = time.perf_counter()
        page.goto(url + "search/")
        page.wait_for_function("document.querySelector('#filter-year').options.length > 1")
        page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('Type')")
        loaded = time.perf_counter() - started
        answers = []
        for query in queries:
            before = page.locator("#search-status").text_content()
            started = time.perf_counter()
            page.fill("#q", query)
            page.press("#q", "Enter")
            page.wait_for_function(
                "(before) => { const s = document.querySelector('#search-status').textContent;"
                " return s !== before && s.includes('match'); }",
                arg=before,
            )
            answers.append(time.perf_counter() - started)
        return loaded, answers
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sites", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", nargs="+", default=list(QUERIES))
    args = parser.parse_args()
    servers = {site: serve(site) for site in args.sites}
    loads: dict[Path, list[float]] = {site: [] for site in args.sites}
    answers: dict[Path, list[float]] = {site: [] for site in args.sites}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for site in args.sites:  # a first round each, not counted: the browser's own start
            one_round(browser, servers[site][1], args.queries[:1])
        for _ in range(args.rounds):
            for site in args.sites:
                loaded, answered = one_round(browser, servers[site][1], args.queries)
                loads[site].append(loaded)
                answers[site].extend(answered)
        browser.close()
    for site in args.sites:
        parts = 1 + len(json.loads((site / "pagefind/parts/index.json").read_text()))
        load, answer = loads[site], answers[site]
        print(
            f"{site}: {parts} parts; search page ready {statistics.median(load) * 1000:.0f} ms "
            f"({min(load) * 1000:.0f}-{max(load) * 1000:.0f}); a query answered "
            f"{statistics.median(answer) * 1000:.0f} ms ({min(answer) * 1000:.0f}-{max(answer) * 1000:.0f}), "
            f"{len(answer)} queries"
        )
    for server, _url in servers.values():
        server.shutdown()


if __name__ == "__main__":
    main()
