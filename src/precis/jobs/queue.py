"""The job queue: huey with its SQLite storage, carrying only job ids.

Where the queue is: the file ``PRECIS_JOBS`` names; unset, beside a SQLite store (``an.db`` ->
``an.db.jobs``). A PostgreSQL store has no file to sit beside, so it needs ``PRECIS_JOBS``: the web
server, ``precis issue publish`` and ``precis worker`` must all name the same file. ``PRECIS_JOBS=
immediate`` runs each job at once in the process that dispatches it (tests, or one person without a
worker). Several stores may share one file: each has a queue of its own in it (named after the store).

The row in the store is the truth about a job; a message lost from the queue is made good by the
worker, which puts every job still queued on the queue as it starts (``requeue``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from huey import SqliteHuey  # type: ignore[import-untyped]  # huey ships no type information
from sqlalchemy import select

from precis.errors import InvalidValue
from precis.jobs.model import QUEUED, Job
from precis.store import Store
from precis.store.engine import sqlite_path

#: The environment variable naming the queue's file (or ``immediate``).
ENV_JOBS = "PRECIS_JOBS"
IMMEDIATE = "immediate"

_queues: dict[tuple[str, str], SqliteHuey] = {}
_lock = threading.Lock()


def queue_location(store: Store, environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """The queue's file for ``store`` (or ``immediate``)."""
    value = environ.get(ENV_JOBS, "").strip()
    if value:
        return value if value == IMMEDIATE else str(Path(value).expanduser().absolute())
    path = sqlite_path(store.url) if store.is_sqlite else None
    if path is None:
        raise InvalidValue(
            ENV_JOBS, "", "a PostgreSQL store keeps its job queue in a file that PRECIS_JOBS names "
            "(the same for the server and the worker), e.g. PRECIS_JOBS=/var/lib/precis/jobs.db",
        )
    return f"{path}.jobs"


def queue_of(store: Store) -> SqliteHuey:
    """The huey instance of ``store`` (one per store and location in a process), with its one task:
    run the job whose id it carries in this store."""
    location = queue_location(store)
    key = (store.url, location)
    with _lock:
        huey = _queues.get(key)
        if huey is None:
            # Named after the store, so that two stores sharing a file never run each other's ids.
            name = "precis-" + hashlib.sha256(store.url.encode()).hexdigest()[:12]
            if location == IMMEDIATE:
                huey = SqliteHuey(name, results=False, immediate=True)
            else:
                Path(location).parent.mkdir(parents=True, exist_ok=True)
                huey = SqliteHuey(name, filename=location, results=False)
            _register(huey, store)
            _queues[key] = huey
    return huey


def _register(huey: SqliteHuey, store: Store) -> None:
    from precis.jobs.runner import run_job

    @huey.task(name="run_job")  # type: ignore[untyped-decorator]
    def run(job_id: int) -> None:
        run_job(store, job_id)

    huey.run_job_task = run  # what ``dispatch`` enqueues


def dispatch(store: Store, job_ids: Iterable[int]) -> None:
    """Put the jobs on the queue. Call it after the commit that made their rows: a worker may
    take one at once, and must find it queued."""
    huey = queue_of(store)
    for job_id in job_ids:
        huey.run_job_task(job_id)


def requeue(store: Store) -> list[int]:
    """Put every job still queued in the store on the queue (one whose dispatch was lost, or made
    while no queue was reachable); a job put on it twice runs once. The ids, oldest first."""
    with store.session() as s:
        ids = list(s.scalars(select(Job.id).where(Job.state == QUEUED).order_by(Job.id)))
    dispatch(store, ids)
    return ids


def drain(store: Store) -> None:
    """Run, one after another in this thread, every job on the queue, then return (``precis worker
    --once``); the jobs still queued in the store are put on it first."""
    huey = queue_of(store)
    requeue(store)
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
