"""``precis worker`` runs the jobs from the queue file, as its own process; ``precis jobs`` lists them.

A publish's jobs are scheduled and dispatched by this process (as the web server or ``precis issue
publish`` does); a real ``precis worker`` process, sharing only the store and the queue file, runs them.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from precis import jobs
from precis.model import Issue
from precis.store import Store
from tests.helpers import PRECIS_PATH, run_precis, sample_db


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.delenv("PRECIS_JOBS", raising=False)  # the default: beside the store, sample.db.jobs
    s = Store(str(sample_db(tmp_path / "sample.db")))
    yield s
    s.close()


def schedule(store: Store, kind: str, dispatch: bool = True) -> int:
    with store.session(by="test") as s:
        issue = s.scalars(select(Issue).where(Issue.number == 2)).one()
        job_id = jobs.schedule(s, kind, issue_id=issue.id).id
    if dispatch:
        jobs.dispatch(store, [job_id])
    return job_id


def state(store: Store, job_id: int) -> str:
    with store.session() as s:
        job = s.get(jobs.Job, job_id)
        assert job is not None
        return job.state


def test_worker_once_runs_what_is_queued_even_a_job_whose_dispatch_was_lost(store: Store, tmp_path: Path) -> None:
    site = schedule(store, "site")
    lost = schedule(store, "podcast", dispatch=False)  # committed, never put on the queue
    assert Path(store.display + ".jobs").is_file()
    result = run_precis(store.display, "worker", "--once", env={"PRECIS_SITE_DIR": str(tmp_path / "archive")})
    assert result.returncode == 0, result.stderr
    assert state(store, site) == state(store, lost) == "done"
    assert (tmp_path / "archive" / "issues" / "sn-2" / "index.html").is_file()
    assert f"job {site} (site) done" in result.stderr

    listed = run_precis(store.display, "jobs", "--issue", "SN #2", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in json.loads(listed.stdout)["jobs"]}
    assert rows[site]["state"] == "done" and rows[site]["issue"] == "SN #2"
    assert rows[site]["result"]["written"] > 0
    assert "not configured" in rows[lost]["message"]
    table = run_precis(store.display, "jobs")
    assert table.returncode == 0 and "site" in table.stdout and "podcast" in table.stdout


def test_worker_once_exits_1_naming_the_failed_job_and_retry_queues_it_again(store: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    site = schedule(store, "site")
    failed = run_precis(store.display, "worker", "--once", env={"PRECIS_SITE_DIR": str(blocker)})
    assert failed.returncode == 1
    assert f"1 of 1 jobs failed (job {site})" in failed.stderr and "Traceback" not in failed.stderr
    assert state(store, site) == "failed"
    assert f"job {site} (site) failed: {blocker}: File exists" in failed.stderr

    retried = run_precis(store.display, "jobs", "retry", str(site))
    assert retried.returncode == 0 and f"Queued job {site} (site) again" in retried.stdout
    again = run_precis(store.display, "worker", "--once")  # no folder configured now: done at once
    assert again.returncode == 0, again.stderr
    assert state(store, site) == "done"
    refused = run_precis(store.display, "jobs", "retry", "999")
    assert refused.returncode == 1 and "job 999: no such job" in refused.stderr


def test_a_running_worker_takes_a_job_dispatched_after_it_started_and_stops_on_sigterm(store: Store) -> None:
    worker = subprocess.Popen(
        [sys.executable, "-m", "precis", "--db", store.display, "worker"],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": PRECIS_PATH},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        job_id = schedule(store, "site")  # no PRECIS_SITE_DIR: the job ends at once, saying so
        deadline = time.monotonic() + 60
        while state(store, job_id) != "done" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert state(store, job_id) == "done"
    finally:
        worker.send_signal(signal.SIGTERM)
        _out, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
