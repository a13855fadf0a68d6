"""The job queue: huey, carrying only job ids, on a SQLite file or on a Redis server.

Where the queue is: what ``PRECIS_JOBS`` names — a file, or a Redis URL (``redis://host:6379/0``,
``rediss://`` with TLS, ``unix:///run/redis.sock``) for a team whose web server and workers run on
several machines; unset, a file beside a SQLite store (``an.db`` -> ``an.db.jobs``). A PostgreSQL
store has no file to sit beside, so it needs ``PRECIS_JOBS``: the web server, ``precis issue
publish`` and ``precis worker`` must all name the same queue. ``PRECIS_JOBS=immediate`` runs each job
at once in the process that dispatches it (tests, or one person without a worker). Several stores
may share one file or server: each has a queue of its own in it (named after the store).

The row in the store is the truth about a job; a message lost from the queue is made good by the
worker, which puts every job still queued on the queue as it starts (``requeue``).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from precis.errors import InvalidValue, PrecisError
from precis.extras import require_extra
from precis.jobs.model import QUEUED, Job
from precis.store import Store
from precis.store.engine import describe, sqlite_path

if TYPE_CHECKING:
    from huey import Huey  # type: ignore[import-untyped]  # huey ships no type information

#: The environment variable naming the queue's file (or ``immediate``).
ENV_JOBS = "PRECIS_JOBS"
IMMEDIATE = "immediate"
#: How a Redis queue is named in ``PRECIS_JOBS`` (redis-py's URL schemes).
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

_queues: dict[tuple[str, str], Huey] = {}
_lock = threading.Lock()


def queue_location(store: Store, environ: dict[str, str] | os._Environ[str] = os.environ) -> str:
    """The queue's file for ``store``, its Redis URL, or ``immediate``."""
    value = environ.get(ENV_JOBS, "").strip()
    if value:
        if value == IMMEDIATE or is_redis(value):
            return value
        return str(Path(value).expanduser().absolute())
    path = sqlite_path(store.url) if store.is_sqlite else None
    if path is None:
        raise InvalidValue(
            ENV_JOBS, "", "a PostgreSQL store keeps its job queue in a file that PRECIS_JOBS names "
            "(the same for the server and the worker), e.g. PRECIS_JOBS=/var/lib/precis/jobs.db, "
            "or a Redis server's URL, e.g. PRECIS_JOBS=redis://jobs.example.org:6379/0",
        )
    return f"{path}.jobs"


def is_redis(location: str) -> bool:
    return location.startswith(REDIS_SCHEMES)


def queue_of(store: Store) -> Huey:
    """The huey instance of ``store`` (one per store and location in a process), with its one task:
    run the job whose id it carries in this store. A Redis server is asked to answer each time, so
    that one which cannot be reached is said (in one line) before anything is published."""
    location = queue_location(store)
    key = (store.url, location)
    with _lock:
        huey = _queues.get(key)
        if huey is None:
            # Imported here: huey (and the Redis client it loads) would add a third of a second to
            # every command, and only publishing and the worker use the queue.
            from huey import SqliteHuey

            # Named after the store, so that two stores sharing a queue never run each other's ids.
            name = "precis-" + hashlib.sha256(store.url.encode()).hexdigest()[:12]
            if location == IMMEDIATE:
                huey = SqliteHuey(name, results=False, immediate=True)
            elif is_redis(location):
                huey = _redis_huey(name, location)
            else:
                Path(location).parent.mkdir(parents=True, exist_ok=True)
                huey = SqliteHuey(name, filename=location, results=False)
            _register(huey, store)
            _queues[key] = huey
    if is_redis(location):
        _reach(huey, location)
    return huey


def _redis_huey(name: str, url: str) -> Huey:
    require_extra("a Redis job queue", "redis", "redis")
    from huey import RedisHuey
    from redis.exceptions import RedisError

    try:
        # ``read_timeout``: how long a waiting worker blocks on the server before looking again.
        return RedisHuey(name, url=url, results=False, blocking=True, read_timeout=1)
    except (RedisError, ValueError) as exc:
        raise InvalidValue(ENV_JOBS, describe(url), f"not a Redis URL this client reads: {exc}") from None


def _reach(huey: Huey, url: str) -> None:
    from redis.exceptions import RedisError

    try:
        huey.storage.conn.ping()
    except RedisError as exc:
        raise PrecisError(f"{ENV_JOBS}: the Redis server at {describe(url)} cannot be reached: {exc}") from None


def _register(huey: Huey, store: Store) -> None:
    from precis.jobs.runner import run_job

    @huey.task(name="run_job")  # type: ignore[untyped-decorator]
    def run(job_id: int) -> None:
        run_job(store, job_id)

    huey.run_job_task = run  # what ``dispatch`` enqueues


def dispatch(store: Store, job_ids: Iterable[int]) -> None:
    """Put the jobs on the queue. Call it after the commit that made their rows: a worker may
    take one at once, and must find it queued."""
    ids = list(job_ids)
    if not ids:
        return
    location = queue_location(store)
    try:
        huey = queue_of(store)
        for job_id in ids:
            if is_redis(location):
                _enqueue_redis(huey, location, job_id)
            else:
                huey.run_job_task(job_id)
    except PrecisError as exc:
        # After the commit: the rows are queued in the store, and a worker starting up puts them on.
        raise PrecisError(f"{exc}; job {', '.join(map(str, ids))} stays queued in the store and runs when "
                          "`precis worker` next starts") from None


def _enqueue_redis(huey: Huey, url: str, job_id: int) -> None:
    from redis.exceptions import RedisError

    try:
        huey.run_job_task(job_id)
    except RedisError as exc:
        raise PrecisError(f"{ENV_JOBS}: the Redis server at {describe(url)} cannot be reached: {exc}") from None


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
