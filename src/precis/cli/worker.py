"""The job queue's commands: ``worker`` runs the jobs, ``jobs`` lists them, ``jobs retry`` runs one again."""

from __future__ import annotations

import json
import logging
from datetime import datetime

import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.cli import app, console, state
from precis.errors import InvalidValue, PrecisError
from precis.jobs.model import FAILED, QUEUED, Job
from precis.model import Issue
from precis.store import Store

#: How long an idle worker waits at most between two looks at the queue (seconds).
IDLE_WAIT = 1.0


@app.command()
def worker(
    ctx: typer.Context,
    workers: int = typer.Option(1, "--workers", min=1, metavar="N", help="How many jobs run at once (threads)."),
    once: bool = typer.Option(False, "--once", help="Run what is queued, one job at a time, then exit (for cron)."),
) -> None:
    """Run the jobs that follow a publish (the archive, the podcast episode, sending): wait for
    them on the queue and run each one, until stopped (Ctrl-C lets the running jobs end; SIGTERM
    stops at once). Run one worker per store.

    On start, every job the store holds as queued is put on the queue again, so a job whose
    message was lost still runs, and a job a stopped worker left running is marked failed (retry
    it). The queue is the file or Redis server PRECIS_JOBS names (default: a file beside a SQLite
    store, an.db.jobs).
    See docs/jobs.md.

    Example: PRECIS_SITE_DIR=/srv/archive precis --db an.db worker --workers 2
    """
    from precis.jobs import queue, requeue
    from precis.jobs.runner import fail_interrupted

    store = state(ctx).store()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if queue.queue_location(store) == queue.IMMEDIATE and not once:
        raise InvalidValue(
            queue.ENV_JOBS, queue.IMMEDIATE, "jobs run where they are dispatched: there is no queue to wait on"
        )
    if once:
        before = {job.id for job in _queued(store)}
        queue.drain(store)
        _report_run(store, sorted(before))
        return
    huey = queue.queue_of(store)
    for job_id in fail_interrupted(store):
        logging.getLogger("precis.jobs").warning("job %s was left running by a stopped worker: failed", job_id)
    requeue(store)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False, max_delay=IDLE_WAIT)
    consumer.run()


def _queued(store: Store) -> list[Job]:
    with store.session() as s:
        return list(s.scalars(select(Job).where(Job.state == QUEUED)))


def _report_run(store: Store, ids: list[int]) -> None:
    """After ``--once``: the jobs that were queued, as they ended; exit 1 if one failed."""
    with store.session() as s:
        jobs = [j for j in (s.get(Job, i) for i in ids) if j is not None]
        _print_table(s, jobs, f"Ran {len(jobs)} job{'s' if len(jobs) != 1 else ''}")
    failed = [j.id for j in jobs if j.state == FAILED]
    if failed:
        raise PrecisError(f"{len(failed)} of {len(jobs)} jobs failed (job {', '.join(map(str, failed))}); "
                          "see `precis jobs`, and `precis jobs retry JOB` once the cause is fixed")


jobs_app = typer.Typer(
    help="The jobs that follow a publish, with their progress.\n\n"
    "Example: precis jobs --issue 173 && precis jobs retry 12",
    invoke_without_command=True,
)
app.add_typer(jobs_app, name="jobs")


@jobs_app.callback()
def jobs(
    ctx: typer.Context,
    issue: str | None = typer.Option(
        None, "--issue", metavar="ISSUE", help="Only this issue's jobs (173 or 'AN #173')."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the jobs as JSON."),
) -> None:
    """List the jobs, oldest first: kind, issue, state, progress, message and times.

    Example: precis jobs --issue 173
    """
    if ctx.invoked_subcommand is not None:
        return
    from precis.jobs import as_json as job_json
    from precis.jobs import jobs_of

    store = state(ctx).store()
    with store.session() as s:
        listed = jobs_of(s, _issue_id(s, store, issue) if issue else None)
        if as_json:
            labels = _labels(s, listed)
            out = [{**job_json(j), "issue": labels.get(j.issue_id or 0)} for j in listed]
            print(json.dumps({"jobs": out}, ensure_ascii=False, indent=2))
        elif not listed:
            console.print("No jobs." if issue is None else f"No jobs for {issue}.", highlight=False, markup=False)
        else:
            _print_table(s, listed, "Jobs")


@jobs_app.command("retry")
def retry_command(ctx: typer.Context, job: int = typer.Argument(..., metavar="JOB", help="The job's id.")) -> None:
    """Queue a job that ended (failed, or done) to run again; a running worker takes it.

    Example: precis jobs retry 12
    """
    from precis.jobs import dispatch, retry

    store = state(ctx).store()
    with store.session(by="precis jobs retry") as s:
        queued = retry(s, job)
        kind = queued.kind
    dispatch(store, [job])
    console.print(f"Queued job {job} ({kind}) again.", highlight=False, markup=False)


def _issue_id(session: Session, store: Store, ref: str) -> int:
    """The id of the issue named "173" (in the publication's series) or "AN #173"."""
    from precis.newsroom.issues import get_issue

    return get_issue(session, store.default_publication(session), ref).id


def _labels(session: Session, jobs: list[Job]) -> dict[int, str]:
    ids = {j.issue_id for j in jobs if j.issue_id is not None}
    return {i.id: i.label for i in session.scalars(select(Issue).where(Issue.id.in_(ids)))} if ids else {}


def _print_table(session: Session, jobs: list[Job], title: str) -> None:
    labels = _labels(session, jobs)
    table = Table(title=title)
    for column in ("ID", "Kind", "Issue", "State", "Progress", "Message", "Started", "Finished"):
        table.add_column(column, overflow="fold")
    for j in jobs:
        progress = f"{j.done}/{j.total}" if j.total else ""
        table.add_row(
            str(j.id), j.kind, labels.get(j.issue_id or 0, ""), j.state, progress, escape(j.message or ""),
            _time(j.started_at), _time(j.finished_at),
        )
    console.print(table)


def _time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""
