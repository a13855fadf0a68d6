"""How each cost grows with the archive's size: the commands a user runs, at several sizes, on
SQLite and (with --pg) on PostgreSQL, each as its own process with its wall time and peak memory.

Run: .venv/bin/python benchmarks/scale.py --sizes real,10000,100000 [--pg postgresql+psycopg://u:p@host/db]

"real" is the real sheet (1,956 entries); a number N is ``benchmarks/synthetic.py``'s archive of N
entries. Each step runs ``precis`` under ``/usr/bin/time`` (wall seconds, peak resident memory of
the command or of its largest child):

- ``import`` into an empty store, then ``check``;
- ``render`` of one issue (the middle one) as email HTML, and ``render --all`` (three formats);
- ``site build`` from nothing, then again after one summary was edited (through the library);
- ``suggest category`` with an empty suggester cache (training included), then with it warm;
- search: ``SearchIndex.search`` in process and ``GET /api/search`` over HTTP against
  ``precis serve`` (p50/p95 of 300 queries after a warm-up; memory not measured);
- the newsroom: a save through the API (``PATCH /api/v1/entries/{id}``) and the pipeline's list
  after it (``GET /api/v1/entries``), p50/p95 of 100 of each after 20 (``save_latency.py``'s).

The PostgreSQL database named in --pg must exist (`createdb -O USER precis_scale`); it is emptied
(its public schema dropped) before each size.
Results print as a Markdown table and are saved as JSON next to the work folder (--out).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REAL = HERE.parents[1] / "shared" / "data" / "alignment_newsletter.xlsx"
PRECIS = str(Path(sys.executable).with_name("precis"))
QUERIES = [
    "mesa optimizers and inner alignment", "deep double descent", "reward modeling", "iterated amplification",
    "interpretability of neural networks", "AI governance and policy", "Paul Christiano", "adversarial examples",
    "impact measures side effects", "language models few-shot", "inverse reinforcement learning", "debate",
]
SEARCHES = 300
NEWSROOM_SAVES = 100


def timed(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a command under /usr/bin/time: its wall seconds and peak memory (MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as out:
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", out.name, *args],
            env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:  # check exits 1 on findings
            raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
        wall, kb = out.read().split()[-2:]
    return {"seconds": float(wall), "mb": int(kb) / 1024}


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"p50_ms": statistics.median(ms), "p95_ms": ms[round(0.95 * (len(ms) - 1))]}


def source_file(size: str, work: Path) -> Path:
    if size == "real":
        return REAL
    path = work / f"synthetic-{size}.csv"
    if not path.exists():
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), size, str(path), str(REAL)], check=True)
    return path


def reset_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def edit_one_summary(db: str) -> None:
    """Change one summary through the library, as an editor's save would."""
    code = (
        "import sys; from sqlalchemy import select; from precis.store import Store; from precis.model import Entry\n"
        "with Store(sys.argv[1]) as st, st.session(by='bench') as s:\n"
        "    e = s.scalars(select(Entry).where(Entry.summary.is_not(None)).order_by(Entry.id).limit(1)).one()\n"
        "    e.summary = e.summary + ' (edited)'\n"
    )
    subprocess.run([sys.executable, "-c", code, db], check=True)


def search_in_process(db: str) -> dict[str, float]:
    code = (
        "import json, sys, time; from precis.search import SearchIndex; from precis.store import Store\n"
        "queries = json.loads(sys.argv[2]); index = SearchIndex(Store(sys.argv[1])); index.refresh()\n"
        "for q in queries: index.search(q, limit=10)\n"
        "out = []\n"
        "for i in range(int(sys.argv[3])):\n"
        "    t = time.perf_counter(); index.search(queries[i % len(queries)], limit=10)\n"
        "    out.append(time.perf_counter() - t)\n"
        "print(json.dumps(out))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, db, json.dumps(QUERIES), str(SEARCHES)],
                          check=True, capture_output=True, text=True)
    return percentiles(json.loads(proc.stdout.strip().splitlines()[-1]))


def search_http(db: str, site: Path) -> dict[str, float]:
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([PRECIS, "--db", db, "serve", "--site", str(site), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            for _ in range(3000):
                try:
                    client.get("/api/health")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            for q in QUERIES:
                client.get("/api/search", params={"q": q}).raise_for_status()
            out = []
            for i in range(SEARCHES):
                start = time.perf_counter()
                client.get("/api/search", params={"q": QUERIES[i % len(QUERIES)], "limit": 10}).json()
                out.append(time.perf_counter() - start)
        return percentiles(out)
    finally:
        server.terminate()
        server.wait()


def newsroom(db: str) -> dict[str, dict[str, float]]:
    """A save through the API and the pipeline's list after each (``save_latency.measure``)."""
    from save_latency import editor_token
    from save_latency import measure as saves

    lists: list[float] = []
    saved = saves(db, editor_token(db), NEWSROOM_SAVES, 1, app_only=True, lists=lists)
    return {"newsroom save": percentiles([ms / 1000 for ms in saved]),
            "pipeline list": percentiles([ms / 1000 for ms in lists])}


def measure(size: str, db: str, work: Path, skip: set[str]) -> dict[str, Any]:
    source = source_file(size, work)
    run = work / f"run-{size}"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    p = [PRECIS, "--db", db]
    results: dict[str, Any] = {"import": timed([*p, "import", str(source)]), "check": timed([*p, "check"])}
    issues = subprocess.run([*p, "issues"], capture_output=True, text=True, check=True).stdout
    labels = re.findall(r"(?:AN|Recon) #\d+", issues)
    middle = labels[len(labels) // 2] if labels else "1"
    results["render one issue"] = timed([*p, "render", middle, "--format", "html", "-o", str(run / "one.html")])
    results["render --all"] = timed([*p, "render", "--all", "--out", str(run / "all")])
    results["site build"] = timed([*p, "site", "build", str(run / "site")])
    edit_one_summary(db)
    results["site build after one edit"] = timed([*p, "site", "build", str(run / "site")])
    if "suggest" not in skip:
        cache = {"PRECIS_CACHE_DIR": str(run / "assist-cache")}
        text = "We train agents to infer human preferences from comparisons of trajectories."
        results["suggest category, cold"] = timed([*p, "suggest", "category", text], env=cache)
        results["suggest category, warm"] = timed([*p, "suggest", "category", text], env=cache)
    results["search in process"] = search_in_process(db)
    results["search over HTTP"] = search_http(db, run / "site")
    results.update(newsroom(db))
    return results


def table(all_results: dict[str, dict[str, dict[str, Any]]]) -> str:
    columns = list(all_results)
    steps = list(dict.fromkeys(step for results in all_results.values() for step in results))
    lines = ["| step | " + " | ".join(columns) + " |", "| --- |" + " --- |" * len(columns)]
    for step in steps:
        cells = []
        for column in columns:
            r = all_results[column].get(step)
            if r is None:
                cells.append("not run")
                continue
            cells.append(f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f} ms" if "p95_ms" in r
                         else f"{r['seconds']:.1f} s, {r['mb']:.0f} MB")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="real,10000", help="comma-separated: real and/or entry counts")
    parser.add_argument("--pg", help="a PostgreSQL URL to measure beside SQLite (its schema is emptied)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "precis-scale")
    parser.add_argument("--out", type=Path, help="where to save the results as JSON")
    parser.add_argument("--skip", default="", help="steps to leave out, comma-separated: suggest")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    random.seed(0)
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for size in args.sizes.split(","):
        backends = [("SQLite", str(args.work / f"scale-{size}.db"))] + ([("PostgreSQL", args.pg)] if args.pg else [])
        for name, db in backends:
            if name == "SQLite":
                for suffix in ("", "-wal", "-shm"):
                    Path(db + suffix).unlink(missing_ok=True)
            else:
                reset_pg(db)
            print(f"measuring {size} on {name} …", file=sys.stderr)
            results[f"{size}, {name}"] = measure(size, db, args.work, set(args.skip.split(",")))
            print(table(results), file=sys.stderr)  # as it grows: a long run shows what it has
    print(table(results))
    (args.out or args.work / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
