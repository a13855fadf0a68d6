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
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


@pytest.fixture
def own_pg_url() -> str:
    """A PostgreSQL database of this module's own (``<PRECIS_TEST_PG_URL's name>_api``), emptied, so
    that it never collides with another test's database."""
    url = os.environ.get("PRECIS_TEST_PG_URL")
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PRECIS_TEST_PG_URL is not set (CI=true: .ci/run starts PostgreSQL and sets it)")
        pytest.skip("PRECIS_TEST_PG_URL is not set; `.ci/run` starts a PostgreSQL server and sets it")
    parsed = make_url(url)
    name = f"{parsed.database}_api"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.mark.postgres
def test_500_concurrent_saves_on_postgresql_with_four_workers_lose_nothing(own_pg_url: str) -> None:
    load_sample(Store(own_pg_url)).close()
    hammer(own_pg_url, workers=4)


def test_serve_with_workers_gives_uvicorn_a_factory_serving_the_same_store_and_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn
    from starlette.testclient import TestClient

    from precis.web import app as web
    from tests.helpers import invoke, sample_db

    for name in (web.ENV_DB, web.ENV_SITE, web.ENV_BASE_URL, web.ENV_BUILT):
        monkeypatch.setenv(name, "")  # so that what serve sets is undone after the test
    db = sample_db(tmp_path / "workers.db")
    seen: list[Path] = []

    def run(app: object, **options: object) -> None:
        assert app == "precis.web.app:app_from_environment"
        assert options["factory"] is True and options["workers"] == 3
        worker = web.app_from_environment()  # what each worker process makes
        site = worker.routes[-1].app  # type: ignore[attr-defined]
        assert site.built is not None and site.built.entry_paths  # the site built before the workers started
        seen.extend([site.site_dir, Path(os.environ[web.ENV_BUILT])])
        with TestClient(worker) as client:
            assert "Zoom In" in client.get("/entries/zoom-in-an-introduction-to-circuits/").text
            assert client.get("/api/v1/me").status_code == 401

    monkeypatch.setattr(uvicorn, "run", run)
    result = invoke(db, "serve", "--workers", "3")
    assert result.exit_code == 0, (result.output, result.exception)
    assert len(seen) == 2 and not any(path.exists() for path in seen)  # the site folder and the built file removed
