"""Search latency over HTTP of Précis's search API beside Datasette's full-text search, side by side.

The same archive and the same queries, both served on 127.0.0.1 and asked in turn.

Run (Datasette in a virtual environment of its own, never in Précis's):

    python3 -m venv /tmp/ds/venv && /tmp/ds/venv/bin/pip install datasette sqlite-utils
    PYTHONPATH=src .venv/bin/python benchmarks/datasette_compare.py --db STORE \\
        --datasette /tmp/ds/venv/bin/datasette [--sqlite SQLITE_STORE] [--rounds N] [--runs R]

STORE is the store Précis searches (a SQLite path or a PostgreSQL URL); SQLITE_STORE the SQLite
store of the same archive that Datasette reads (default: STORE, when it is a SQLite path).
Datasette only reads SQLite, so on PostgreSQL the comparison is Précis on PostgreSQL against
Datasette on SQLite, the same archive imported into both. Bounded: R runs of N rounds.

Method.

1. Précis's search index is brought up to date in STORE (its time printed), as ``precis search``
   or ``precis serve`` would on their first search.
2. Datasette's copy: SQLITE_STORE, its index likewise up to date, is copied with SQLite's backup
   API into a work folder (the original is never modified; ``--workdir`` keeps the copy for the
   next run, made again only when missing). On the copy, ``sqlite-utils enable-fts --fts5`` indexes
   Précis's search documents (table ``search_document``: title, authors, and summary and opinions as
   plain words: exactly what Précis searches) with the tokenizer of Précis's own FTS5 table, as a
   Datasette user enables full-text search; Datasette finds the new table ``search_document_fts``
   by itself. (Précis's own FTS5 table is external-content, its rowid the documents' key; a second
   one, made the standard way, keeps Datasette's set-up the one its documentation gives.)
3. Both servers run as processes of their own, one each, under uvicorn: Précis's app as
   ``precis serve`` runs it (``precis.web.app:app_from_environment``, the factory of ``serve
   --workers``, given the store and an empty site folder: the search API does not need the pages,
   and a site build of the archive would only delay the start); Datasette as ``datasette serve -i``
   (immutable: Datasette's fastest mode, for a database that does not change).
4. The queries are search_latency.py's (twelve questions and 88 words of the archive's own titles).
   Each is sent to every target in turn, the order of the targets shuffled for each query, one
   keep-alive connection per target, after one unmeasured pass; a round is every query once. The
   time is from the request to the parsed JSON.

The targets (ten results each):

- ``precis``: ``GET /api/search?q=QUERY&limit=10``: the words OR-ed, the newest ``CANDIDATES``
  matches ranked by BM25 (title 10, authors 4, text 1) times the entry's boost, snippets of the hits.
- ``datasette table`` (``--targets table``):
  ``GET /db/search_document.json?_search=MATCH&_searchmode=raw&_size=10&_shape=objects``:
  Datasette's table full-text search with its defaults (it also counts the matches and suggests
  facets), MATCH being Précis's own expression for the query (the words quoted and OR-ed), so that
  both find the same rows; Datasette does not rank them (it lists them by primary key).
- ``datasette table lean`` (``lean``): the same with ``_nocount=1&_nofacet=1&_nosuggest=1``.
- ``datasette SQL ranked`` (``ranked``): ``GET /db.json?sql=RANKED&q=MATCH&_shape=objects``: one
  SQL query doing what Précis does on SQLite (``RANKED``), so that both give the same results; how
  many of the queries got the same entries, and in the same order, is printed first (on PostgreSQL
  Précis ranks otherwise, so fewer agree).

Each target's p50, p95, p99 and mean are printed for each run, and the ratios Précis / Datasette
(below 1: Précis is faster), with the load average before and after each run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from search_latency import load, percentile, queries_from
from sqlalchemy import select

from precis.model import Entry
from precis.search import SearchIndex
from precis.search.hits import CANDIDATES, query_words
from precis.search.index import OPERATORS
from precis.search.sqlite import match_expression as fts5_expression
from precis.store import Store
from precis.web.app import ENV_DB, ENV_SITE

ROUNDS = 10
RUNS = 3
TARGETS = ["table", "lean", "ranked"]  # datasette table, table lean, SQL ranked
FTS = "search_document_fts"  # the table sqlite-utils makes
RANKED = f"""
with top as (
  select m.rowid as entry_id, m.score * d.boost as score from (
    select rowid, bm25({FTS}, 10.0, 4.0, 1.0) as score from {FTS} where {FTS} match :q
    order by rowid desc limit {CANDIDATES}
  ) m join search_document d on d.entry_id = m.rowid
  order by score, m.rowid limit 10
)
select d.title, d.path, d.issue, d.category, d.link, d.year, d.summarizer, top.score,
  snippet({FTS}, -1, '<mark>', '</mark>', '…', 24) as snippet
from top join search_document d on d.entry_id = top.entry_id
join {FTS} on {FTS}.rowid = top.entry_id and {FTS} match :q
order by top.score, top.entry_id
"""


def match_expression(query: str) -> str:
    """The FTS5 expression Précis searches for ``query`` (as ``SearchIndex.search`` and
    ``SqliteSearch.search`` make it: the meaningful words, each quoted, OR-ed)."""
    return fts5_expression(query_words(OPERATORS.sub(" ", query)))


@dataclass(frozen=True)
class Target:
    """One way of searching: a server, and the request a query becomes."""

    name: str
    client: httpx.Client
    request: Callable[[str], tuple[str, dict[str, Any]]]  # query -> (path, params)
    paths: Callable[[Any], list[str]]  # parsed response -> the results' entry pages, in order

    def ask(self, query: str) -> tuple[float, list[str]]:
        path, params = self.request(query)
        start = time.perf_counter()
        response = self.client.get(path, params=params)
        data = response.json()
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"{self.name}: {query!r} answered {response.status_code}: {data}")
        return seconds, self.paths(data)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(command: list[str], probe: str, env: dict[str, str] | None = None) -> Iterator[httpx.Client]:
    """Run ``command`` (a server on loopback) until the block ends; a client of it once ``probe``
    answers."""
    base = probe[: probe.index("/", len("http://"))]
    with tempfile.TemporaryFile() as log:  # the server's messages, shown if it stops
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                deadline = time.monotonic() + 300
                while True:
                    if process.poll() is not None:
                        log.seek(0)
                        raise SystemExit(f"server stopped (exit {process.returncode}): {' '.join(command)}\n"
                                         + log.read().decode(errors="replace")[-2000:])
                    try:
                        if client.get(probe).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline:
                        raise SystemExit(f"server did not answer {probe} in 300 s")
                    time.sleep(0.2)
                yield client
        finally:
            process.terminate()
            process.wait(30)


def datasette_copy(source: Path, workdir: Path, sqlite_utils: Path) -> Path:
    """The copy of ``source`` that Datasette serves, with the FTS5 table sqlite-utils makes (made
    unless already in ``workdir``)."""
    copy = workdir / f"{source.stem}.db"
    if copy.exists():
        print(f"Datasette's copy: {copy} (kept from an earlier run)")
        return copy
    start = time.perf_counter()
    partial = copy.with_suffix(".partial")
    original, target = sqlite3.connect(source), sqlite3.connect(partial)
    try:
        original.backup(target)
        created = target.execute("SELECT sql FROM sqlite_master WHERE name = 'search_fts'").fetchone()[0]
    finally:
        original.close()
        target.close()
    tokenizer = re.search(r"tokenize\s*=\s*'([^']*)'", created)
    subprocess.run(
        [str(sqlite_utils), "enable-fts", str(partial), "search_document", "title", "authors", "body",
         "--fts5", *(["--tokenize", tokenizer.group(1)] if tokenizer else [])],
        check=True,
    )
    partial.rename(copy)
    print(f"Datasette's copy: {copy}, copied and full-text indexed by sqlite-utils in "
          f"{time.perf_counter() - start:.1f} s")
    return copy


def refresh(store: Store) -> list[str]:
    """Bring the store's search index up to date; the titles of its entries."""
    start = time.perf_counter()
    written = SearchIndex(store).refresh()
    print(f"{store.display}: search index brought up to date in {time.perf_counter() - start:.1f} s "
          f"(written: {written})")
    with store.session() as s:
        return list(s.scalars(select(Entry.title)))


def report(label: str, ms: list[float]) -> str:
    return (f"{label:<24} n={len(ms):5d}  p50 {percentile(ms, 50):6.2f} ms  p95 {percentile(ms, 95):6.2f} ms  "
            f"p99 {percentile(ms, 99):6.2f} ms  mean {sum(ms) / len(ms):6.2f} ms")


def run(targets: list[Target], queries: list[str], rounds: int, rng: random.Random) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {t.name: [] for t in targets}
    for _ in range(rounds):
        for query in queries:
            order = targets[:]
            rng.shuffle(order)
            for target in order:
                times[target.name].append(target.ask(query)[0] * 1000)
    return times


def agreement(precis: Target, other: Target, queries: list[str]) -> tuple[int, int, list[str]]:
    """Of ``queries``, how many ``other`` answers with the same entries as Précis in the same order,
    and in any order; the queries answered with other entries."""
    same_order = same_set = 0
    differ = []
    for q in queries:
        mine, theirs = precis.ask(q)[1], other.ask(q)[1]
        same_order += mine == theirs
        if set(mine) == set(theirs):
            same_set += 1
        else:
            differ.append(q)
    return same_order, same_set, differ


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--db", required=True, help="the store Précis searches (SQLite path or PostgreSQL URL)")
    parser.add_argument("--sqlite", type=Path,
                        help="the SQLite store of the same archive Datasette reads (default: --db)")
    parser.add_argument("--datasette", type=Path, required=True, help="the datasette executable")
    parser.add_argument("--sqlite-utils", type=Path,
                        help="the sqlite-utils executable (default: beside the datasette one)")
    parser.add_argument("--workdir", type=Path,
                        help="keep Datasette's copy here, and use the one there if present (default: a "
                             "temporary folder, removed)")
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=TARGETS,
                        help="the Datasette targets to ask beside Précis (all: " + " ".join(TARGETS) + ")")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"rounds of every query per run ({ROUNDS})")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs, servers kept up between ({RUNS})")
    args = parser.parse_args()
    sqlite_path = args.sqlite or (Path(args.db) if "://" not in args.db else None)
    if sqlite_path is None or not sqlite_path.is_file():
        parser.error("give --sqlite, the SQLite store of the same archive (Datasette only reads SQLite)")
    sqlite_utils = args.sqlite_utils or args.datasette.parent / "sqlite-utils"
    versions = [subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout.strip()
                for exe in (args.datasette, sqlite_utils)]
    print(f"start: {load()}; {'; '.join(versions)}; Précis's SQLite {sqlite3.sqlite_version}")

    store = Store(args.db)
    titles = refresh(store)
    if "://" in args.db:
        sqlite_store = Store(str(sqlite_path))
        refresh(sqlite_store)
        sqlite_store.close()
    store.close()
    queries = queries_from(titles)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        copy = datasette_copy(sqlite_path, workdir, sqlite_utils)
        site = Path(tmp) / "site"
        site.mkdir()
        precis_port, datasette_port = free_port(), free_port()
        precis_cmd = [sys.executable, "-m", "uvicorn", "precis.web.app:app_from_environment", "--factory",
                      "--host", "127.0.0.1", "--port", str(precis_port), "--log-level", "warning"]
        datasette_cmd = [str(args.datasette), "serve", "-i", str(copy), "--host", "127.0.0.1",
                         "--port", str(datasette_port)]
        env = {**os.environ, ENV_DB: store.url, ENV_SITE: str(site)}
        db = copy.stem
        with server(precis_cmd, f"http://127.0.0.1:{precis_port}/api/health", env) as pc, \
                server(datasette_cmd, f"http://127.0.0.1:{datasette_port}/-/versions.json") as dc:
            found = dc.get("/-/versions.json").json()
            print(f"Datasette {found['datasette']['version']} on SQLite {found['sqlite']['version']}, "
                  f"Python {found['python']['version']}")
            print("Précis:    " + " ".join(precis_cmd) + f"  ({ENV_DB}={store.display})")
            print("Datasette: " + " ".join(datasette_cmd))
            table = f"/{db}/search_document.json"

            def table_paths(data: Any) -> list[str]:
                return ["/" + row["path"] for row in data["rows"]]

            precis = Target("precis", pc, lambda q: ("/api/search", {"q": q, "limit": 10}),
                            lambda data: [r["url"] for r in data["results"]])
            ranked = Target("datasette SQL ranked", dc,
                            lambda q: (f"/{db}.json", {"sql": RANKED, "q": match_expression(q), "_shape": "objects"}),
                            table_paths)
            datasette = {
                "table": Target("datasette table", dc, lambda q: (table, {
                    "_search": match_expression(q), "_searchmode": "raw", "_size": 10, "_shape": "objects"}),
                    table_paths),
                "lean": Target("datasette table lean", dc, lambda q: (table, {
                    "_search": match_expression(q), "_searchmode": "raw", "_size": 10, "_shape": "objects",
                    "_nocount": 1, "_nofacet": 1, "_nosuggest": 1}), table_paths),
                "ranked": ranked,
            }
            targets = [precis, *(datasette[key] for key in args.targets)]
            for q in queries:  # warm up: caches, connections, Précis's fields in memory
                for target in targets:
                    target.ask(q)
            print(f"{len(queries)} queries: {json.dumps(queries, ensure_ascii=False)}")
            same_order, same_set, differ = agreement(precis, ranked, queries)
            print(f"of {len(queries)} queries, '{ranked.name}' found the same entries as Précis for "
                  f"{same_set}, in the same order for {same_order}; other entries for: {differ}")
            rng = random.Random(16)
            for i in range(args.runs):
                before = load()
                times = run(targets, queries, args.rounds, rng)
                print(f"\nrun {i + 1} of {args.runs}: {args.rounds} rounds; before: {before}; after: {load()}")
                for name, ms in times.items():
                    print(report(name, ms))
                mine = times["precis"]
                for name, ms in times.items():
                    if name != "precis":
                        print(f"  Précis / {name:<22} p50 {percentile(mine, 50) / percentile(ms, 50):5.2f}x  "
                              f"p95 {percentile(mine, 95) / percentile(ms, 95):5.2f}x")
    print(f"\nend: {load()}")


if __name__ == "__main__":
    main()
