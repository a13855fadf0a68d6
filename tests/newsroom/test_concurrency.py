"""Many people saving one entry at once through the API lose nothing.

20 writers each make 25 read-modify-write cycles on one entry through a real ``precis serve`` (real
uvicorn, real HTTP), each appending a token of its own to the summary and, when told 409, starting
again from the entry the answer carries. At the end every one of the 500 tokens is in the summary,
the version rose by exactly 500, and there are exactly 500 new revisions with consecutive versions:
on SQLite with one worker process, and on PostgreSQL with four.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from precis.newsroom import credentials
from precis.store import Store
from tests.helpers import PRECIS_PATH, load_sample
from tests.newsroom.conftest import make_team

WRITERS, CYCLES = 20, 25
ENTRY = 1  # the sample's "Zoom In", published: an editor may change it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: str, workers: int) -> Iterator[str]:
    """``precis --db DB serve --workers N`` in a process group of its own; its base URL."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH, "COLUMNS": "200"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "precis", "--db", db, "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"precis serve stopped: {proc.stdout.read().decode() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("precis serve did not answer within 120 s")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def writer(base: str, token: str, name: str, errors: list[str]) -> None:
    """CYCLES read-modify-write cycles, each appending ``name-i`` to the summary; on 409 the cycle
    starts again from the entry the answer carries, after a random pause that grows with each
    conflict in a row (as a client should back off: fewer wasted attempts, the same outcome)."""
    rng = random.Random(name)
    url = f"{base}/api/v1/entries/{ENTRY}"
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        try:
            entry = client.get(url).json()
            for i in range(CYCLES):
                tries = 0
                while True:
                    answer = client.patch(url, json={"version": entry["version"],
                                                     "summary": f"{entry['summary']} {name}-{i}."})
                    if answer.status_code == 200:
                        entry = answer.json()
                        break
                    if answer.status_code != 409:
                        errors.append(f"{answer.status_code}: {answer.text}")
                        return
                    entry = answer.json()["current"]
                    tries += 1
                    time.sleep(rng.uniform(0, min(0.5, 0.01 * 2**tries)))  # the longer the queue, the longer the pause
        except Exception as exc:  # a failed writer must fail the test, not die quietly in its thread
            errors.append(repr(exc))


def hammer(db: str, workers: int) -> None:
    store = Store(db)
    people = make_team(store)
    token = credentials.issue_token(store, people["editor"])
    store.close()
    with serving(db, workers) as base:
        headers = {"Authorization": f"Bearer {token}"}
        before = httpx.get(f"{base}/api/v1/entries/{ENTRY}", headers=headers).json()
        old_revisions = {r["id"] for r in httpx.get(f"{base}/api/v1/entries/{ENTRY}/revisions", headers=headers).json()}
        errors: list[str] = []
        threads = [threading.Thread(target=writer, args=(base, token, f"w{w}", errors)) for w in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        after = httpx.get(f"{base}/api/v1/entries/{ENTRY}", headers=headers).json()
        revisions = httpx.get(f"{base}/api/v1/entries/{ENTRY}/revisions", headers=headers).json()
    tokens = after["summary"].removeprefix(before["summary"]).split()
    assert sorted(tokens) == sorted(f"w{w}-{i}." for w in range(WRITERS) for i in range(CYCLES))
    assert after["version"] == before["version"] + WRITERS * CYCLES
    new = [r["version"] for r in revisions if r["id"] not in old_revisions]
    assert new == list(range(before["version"] + 1, after["version"] + 1))


def test_500_concurrent_saves_on_sqlite_with_one_worker_lose_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "busy.db")
    load_sample(Store(db)).close()
    hammer(db, workers=1)


def test_500_concurrent_saves_on_postgresql_with_four_workers_lose_nothing(pg_url: str) -> None:
    load_sample(Store(pg_url)).close()
    hammer(pg_url, workers=4)
