"""Jobs: work that runs after a publish (archive pages and feeds, the podcast episode, mail) on the
job queue, with its progress in the store for the newsroom to show. See ``docs/jobs.md``.

``schedule`` / ``after_publish`` add queued rows in the caller's transaction; ``dispatch`` puts them
on the queue after the commit; ``precis worker`` runs them (``run_job``); ``jobs_of`` lists them;
``retry`` queues an ended one again.
"""

from precis.jobs.model import DONE, FAILED, JOB_STATES, QUEUED, RUNNING, Job
from precis.jobs.queue import dispatch, queue_of, requeue
from precis.jobs.runner import after_publish, as_json, jobs_of, retry, run_job, schedule

__all__ = [
    "DONE", "FAILED", "JOB_STATES", "QUEUED", "RUNNING", "Job",
    "after_publish", "as_json", "dispatch", "jobs_of", "queue_of", "requeue", "retry", "run_job", "schedule",
]
