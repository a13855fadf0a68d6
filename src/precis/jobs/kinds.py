"""What each kind of job does: "site" (the public archive's folder), "podcast" (the issue's episode),
"send" (the issue to every confirmed subscriber not yet sent it).

Each is configured from the environment of the process that runs it (``precis worker``):

- ``PRECIS_SITE_DIR``: the archive's folder to bring up to date, with ``PRECIS_BASE_URL`` as
  ``precis site build --base-url``. Unset: the job ends at once, saying so (``precis serve`` keeps
  its own folder up to date).
- ``PRECIS_PODCAST_DIR``: the folder the episode's MP3 is written to (``an-173.mp3``), with
  ``PRECIS_PODCAST_ENGINE`` (piper, or espeak), ``PRECIS_PODCAST_VOICE`` and ``PRECIS_AUDIO_CACHE``
  as for ``precis podcast``. Unset: the job ends at once, saying it is not configured.
- "send": the mail settings (``precis.mail.config.MailConfig.from_environment``).

Heavy libraries are imported inside each kind, so that scheduling a job costs nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from precis.errors import PrecisError
from precis.jobs.model import Job
from precis.store import Store

if TYPE_CHECKING:
    from precis.jobs.runner import Progress

ENV_SITE_DIR, ENV_BASE_URL = "PRECIS_SITE_DIR", "PRECIS_BASE_URL"
ENV_PODCAST_DIR = "PRECIS_PODCAST_DIR"
ENV_PODCAST_ENGINE, ENV_PODCAST_VOICE = "PRECIS_PODCAST_ENGINE", "PRECIS_PODCAST_VOICE"


@dataclass(frozen=True)
class Outcome:
    """How a job ended: a one-line message for people, and figures for programs."""

    message: str
    result: dict[str, Any] = field(default_factory=dict)


def site(store: Store, job: Job, progress: Progress) -> Outcome:
    """Bring the archive's folder up to date (only changed pages are rewritten)."""
    folder = os.environ.get(ENV_SITE_DIR, "").strip()
    if not folder:
        return Outcome(
            f"no archive folder is configured ({ENV_SITE_DIR}); `precis serve` keeps its own up to date"
        )
    from precis.extras import SITE_MODULES, require_extra

    require_extra("the site job", "site", *SITE_MODULES)
    from precis.site import build_site
    from precis.site.lock import build_lock

    outdir = Path(folder).expanduser()
    progress.say(f"building the archive in {outdir}")
    with build_lock(outdir):  # a `precis serve` of the same folder may be building it too
        report = build_site(store, outdir, base_url=os.environ.get(ENV_BASE_URL) or None, progress=progress)
    return Outcome(
        f"built the archive in {outdir}: {len(report.written)} files written, {len(report.deleted)} removed "
        f"in {report.seconds:.1f} s",
        {"folder": str(outdir), "pages": report.pages, "written": len(report.written),
         "deleted": len(report.deleted), "seconds": round(report.seconds, 2)},
    )


def podcast(store: Store, job: Job, progress: Progress) -> Outcome:
    """Make the issue's episode as ``precis podcast ISSUE -o FOLDER/an-N.mp3`` does."""
    from precis.extras import AUDIO_MODULES, require_extra

    folder = os.environ.get(ENV_PODCAST_DIR, "").strip()
    if not folder:  # like the site job: a publication without a podcast needs no podcast extra
        return Outcome(f"not configured: set {ENV_PODCAST_DIR} to the folder episodes are written to")
    require_extra("the podcast job", "podcast", *AUDIO_MODULES)
    from precis.audio.engines import DEFAULT_ENGINE
    from precis.audio.episode import clock, prepare, record

    label = _issue_label(store, job)
    progress.say(f"reading {label} aloud")
    plan = prepare(
        store, label, os.environ.get(ENV_PODCAST_ENGINE) or DEFAULT_ENGINE, os.environ.get(ENV_PODCAST_VOICE) or None
    )

    def step(phase: str, done: int, total: int) -> None:
        if phase == "synthesize":
            progress(done, total)
        elif done == 0:
            progress.say("normalizing and encoding")

    out = Path(folder).expanduser() / f"{plan.slug}.mp3"
    out.parent.mkdir(parents=True, exist_ok=True)
    made = record(store, plan, out, progress=step)
    return Outcome(
        f"wrote {out}: {clock(made.duration)}, {len(made.chapters)} chapters",
        {"path": str(out), "seconds": round(made.duration, 1), "size": made.size},
    )


def send(store: Store, job: Job, progress: Progress) -> Outcome:
    """Send the issue to every confirmed subscriber not yet sent it (resumable: see ``precis send``)."""
    from precis.mail.config import MailConfig
    from precis.mail.delivery import send_issue

    if job.issue_id is None:
        raise PrecisError("a send job needs an issue")
    progress.say("sending")
    report = send_issue(store, job.issue_id, MailConfig.from_environment(), progress=progress)
    return Outcome(
        report.summary(),
        {"sent": report.sent, "deferred": report.deferred, "bounced": report.bounced, "skipped": report.skipped},
    )


def _issue_label(store: Store, job: Job) -> str:
    from precis.model import Issue

    if job.issue_id is None:
        raise PrecisError(f"a {job.kind} job needs an issue")
    with store.session() as s:
        issue = s.get(Issue, job.issue_id)
        if issue is None:
            raise PrecisError(f"issue {job.issue_id} is no longer in the store")
        return issue.label


#: Every kind of job, by name.
KINDS: dict[str, Callable[[Store, Job, Progress], Outcome]] = {"site": site, "podcast": podcast, "send": send}
