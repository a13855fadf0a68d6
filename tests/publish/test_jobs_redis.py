"""A team on several machines keeps the job queue on a Redis server (``PRECIS_JOBS=redis://…``): the
web server or ``precis issue publish`` puts the jobs there, and a ``precis worker`` that shares only
the store and the Redis server runs them. A real ``redis-server`` on loopback, real processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from precis import jobs
from precis.model import Issue
from precis.store import Store
from tests.helpers import PRECIS_PATH, load_sample, redis_server, run_precis, sample_db


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


def site_job(store: Store, dispatch: bool = True) -> int:
    with store.session(by="test") as s:
        issue = s.scalars(select(Issue).where(Issue.number == 2)).one()
        job_id = jobs.schedule(s, "site", issue_id=issue.id).id
    if dispatch:
        jobs.dispatch(store, [job_id])
    return job_id


def wait_done(store: Store, job_id: int) -> str:
    deadline = time.monotonic() + 60
    while True:
        with store.session() as s:
            job = s.get(jobs.Job, job_id)
            assert job is not None
            if job.state in ("done", "failed") or time.monotonic() > deadline:
                return job.state
        time.sleep(0.1)


def test_a_job_put_on_a_redis_queue_is_run_by_a_worker_that_shares_only_the_store_and_the_server(
    pg_url: str, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRECIS_JOBS", redis_url)
    store = load_sample(Store(pg_url))
    worker = subprocess.Popen(
        [sys.executable, "-m", "precis", "--db", pg_url, "worker"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH,
             "PRECIS_JOBS": redis_url, "PRECIS_SITE_DIR": str(tmp_path / "archive")},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        job_id = site_job(store)  # dispatched after the worker started: it waits on the server
        assert wait_done(store, job_id) == "done"
        assert (tmp_path / "archive" / "issues" / "sn-2" / "index.html").is_file()
        assert not Path(pg_url + ".jobs").exists()
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=60)
        store.close()
    assert worker.returncode == 0, err


def test_worker_once_on_a_redis_queue_runs_what_is_queued_and_what_was_never_dispatched(
    redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRECIS_JOBS", redis_url)
    store = Store(str(sample_db(tmp_path / "sample.db")))
    try:
        sent = site_job(store)
        lost = site_job(store, dispatch=False)  # committed, never put on the queue
        result = run_precis(store.display, "worker", "--once", env={"PRECIS_JOBS": redis_url})
        assert result.returncode == 0, result.stderr
        assert wait_done(store, sent) == wait_done(store, lost) == "done"
        assert not Path(store.display + ".jobs").exists()  # the queue is the server, not a file
    finally:
        store.close()


def test_a_redis_queue_that_cannot_be_reached_is_said_in_one_line_before_anything_is_published(
    tmp_path: Path,
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = sample_db(tmp_path / "sample.db")
    made = run_precis(str(db), "issue", "new", "--title", "Waiting for its queue")
    assert made.returncode == 0, made.stderr
    url = f"redis://:hunter2@127.0.0.1:{port}/0"
    refused = run_precis(str(db), "issue", "publish", "4", env={"PRECIS_JOBS": url})
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr
    assert f"PRECIS_JOBS: the Redis server at redis://:***@127.0.0.1:{port}/0 cannot be reached" in lines[0]
    assert "hunter2" not in refused.stderr
    with Store(str(db)).session() as s:
        assert s.scalars(select(Issue.status).where(Issue.number == 4)).one() == "draft"


def test_a_job_whose_redis_server_went_away_stays_queued_in_the_store_and_the_message_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from precis.errors import PrecisError

    with redis_server(tmp_path / "redis") as url:
        monkeypatch.setenv("PRECIS_JOBS", url)
        store = Store(str(sample_db(tmp_path / "sample.db")))
        jobs.queue_of(store)  # reached before the commit, as a publish checks it
    try:
        with pytest.raises(PrecisError) as raised:  # the server stopped before the jobs went on
            site_job(store)
        assert "cannot be reached" in str(raised.value)
        assert "stays queued in the store and runs when `precis worker` next starts" in str(raised.value)
        with store.session() as s:
            assert [j.state for j in jobs.jobs_of(s)] == ["queued"]
    finally:
        store.close()
