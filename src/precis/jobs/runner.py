"""Scheduling, running and retrying jobs; the row in the store says where each one is.

A job's life: ``schedule`` adds a queued row in the caller's transaction; the caller ``dispatch``es
it after the commit; a worker's ``run_job`` claims it (queued -> running in one UPDATE, so a job put
on the queue twice runs once), runs its kind with progress written to the row, and ends it done
(with a message and a result) or failed (with a one-line message saying why).
"""

from __future__ import annotations

import logging
import time
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from precis.errors import Conflict, InvalidValue, NotFound, PrecisError
from precis.jobs.kinds import KINDS, Outcome
from precis.jobs.model import DONE, FAILED, QUEUED, RUNNING, Job
from precis.model import Issue, utcnow
from precis.store import Store

log = logging.getLogger("precis.jobs")

#: The least time between two progress writes to a job's row (the newsroom polls it).
PROGRESS_EVERY = 0.5
#: The longest message kept on a row.
MESSAGE_CHARS = 500


def schedule(session: Session, kind: str, *, issue_id: int | None = None, person_id: int | None = None) -> Job:
    """A queued job of ``kind`` ("site", "podcast", "send"), added in the caller's transaction."""
    if kind not in KINDS:
        raise InvalidValue("kind", kind, f"not a kind of job; one of {', '.join(KINDS)}")
    job = Job(kind=kind, issue_id=issue_id, person_id=person_id, state=QUEUED, done=0, result={})
    session.add(job)
    session.flush()
    return job


def after_publish(session: Session, issue: Issue, person_id: int | None) -> list[Job]:
    """The jobs a publish schedules: the archive's pages and feeds ("site"), the episode ("podcast")."""
    return [schedule(session, kind, issue_id=issue.id, person_id=person_id) for kind in ("site", "podcast")]


def jobs_of(session: Session, issue_id: int | None = None) -> list[Job]:
    """Every job, or an issue's, oldest first."""
    query = select(Job).order_by(Job.id)
    if issue_id is not None:
        query = query.where(Job.issue_id == issue_id)
    return list(session.scalars(query))


def retry(session: Session, job_id: int) -> Job:
    """Queue a job that ended (failed, or done) to run again; the caller dispatches it after the
    commit. A job still queued or running is a ``Conflict``."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id}: no such job", kind="job", key=str(job_id))
    if job.state in (QUEUED, RUNNING):
        raise Conflict(f"job {job_id} is {job.state}: only a job that ended can run again", as_json(job))
    job.state, job.done, job.total, job.message, job.result = QUEUED, 0, None, None, {}
    job.started_at = job.finished_at = None
    session.flush()
    return job


def as_json(job: Job) -> dict[str, Any]:
    """A job as the newsroom and ``precis jobs --json`` show it."""
    def when(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": job.id, "kind": job.kind, "issue_id": job.issue_id, "state": job.state, "done": job.done,
        "total": job.total, "message": job.message, "result": job.result, "person_id": job.person_id,
        "created_at": when(job.created_at), "started_at": when(job.started_at),
        "finished_at": when(job.finished_at),
    }


class Progress:
    """A job's progress, written to its row at most every ``PROGRESS_EVERY`` seconds: call it with
    (done, total) as a build's or a send's progress callback; ``say`` what it is doing."""

    def __init__(self, store: Store, job_id: int) -> None:
        self.store = store
        self.job_id = job_id
        self._last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY or (total is not None and done >= total):
            self._last = now
            self._write(done=done, total=total)

    def say(self, message: str) -> None:
        self._write(message=message)

    def _write(self, **values: Any) -> None:
        with self.store.session(by="jobs") as s:
            s.execute(update(Job).where(Job.id == self.job_id, Job.state == RUNNING).values(**values))


def run_job(store: Store, job_id: int) -> None:
    """Run a queued job to its end, recording it in its row. Nothing happens when the job is not
    queued (another worker took it, or it ran already). A failure is recorded, never raised."""
    with store.session(by="jobs") as s:
        claim = update(Job).where(Job.id == job_id, Job.state == QUEUED).values(
            state=RUNNING, started_at=utcnow(), finished_at=None, done=0, total=None, message=None,
        )
        if cast(CursorResult[Any], s.execute(claim)).rowcount != 1:
            log.info("job %s is not queued (taken, or run already): skipped", job_id)
            return
        job = s.get(Job, job_id)
        assert job is not None  # just claimed
        s.expunge(job)
    log.info("job %s (%s) started", job_id, job.kind)
    try:
        run = KINDS.get(job.kind)
        if run is None:
            raise PrecisError(f"{job.kind!r} is not a kind of job this Précis knows")
        outcome = run(store, job, Progress(store, job_id))
    except Exception as exc:
        if isinstance(exc, (PrecisError, OSError)):  # the configuration or the machine: said in words
            log.error("job %s (%s) failed: %s", job_id, job.kind, _one_line(exc))
        else:  # a bug: its traceback goes to the worker's log
            log.exception("job %s (%s) failed", job_id, job.kind)
        _end(store, job_id, FAILED, Outcome(_one_line(exc)))
    except BaseException:  # the worker is stopping: say so, then let it stop
        _end(store, job_id, FAILED, Outcome("interrupted: the worker stopped before the job ended; retry it"))
        raise
    else:
        log.info("job %s (%s) done: %s", job_id, job.kind, outcome.message)
        _end(store, job_id, DONE, outcome)


def fail_interrupted(store: Store) -> list[int]:
    """Mark failed the jobs the store holds as running, which a worker stopped at once (a kill,
    SIGTERM) left behind; called as the store's one worker starts. Their ids."""
    message = "interrupted: the worker stopped before the job ended; retry it"
    with store.session(by="jobs") as s:
        ids = list(s.scalars(select(Job.id).where(Job.state == RUNNING)))
        if ids:
            s.execute(update(Job).where(Job.id.in_(ids), Job.state == RUNNING).values(
                state=FAILED, message=message, finished_at=utcnow(),
            ))
    return ids


def _end(store: Store, job_id: int, state: str, outcome: Outcome) -> None:
    with store.session(by="jobs") as s:
        job = s.get(Job, job_id)
        if job is None:  # deleted meanwhile (its issue was deleted)
            return
        job.state, job.message, job.finished_at = state, outcome.message[:MESSAGE_CHARS], utcnow()
        if state == DONE:
            job.result = outcome.result
            if job.total is not None:
                job.done = job.total


def _one_line(exc: Exception) -> str:
    if isinstance(exc, PrecisError):
        text = str(exc)
    elif isinstance(exc, OSError) and exc.strerror:  # "/srv/archive: Permission denied"
        text = f"{exc.filename}: {exc.strerror}" if exc.filename is not None else exc.strerror
    else:
        text = f"{type(exc).__name__}: {exc}".rstrip(": ")
    return " ".join(text.split()) or type(exc).__name__
