"""``precis ingest`` (arXiv, feeds, URLs into the triage queue) and ``precis triage``.

The ingest library is imported inside the commands: every ``precis`` command imports this module,
and only these need httpx, feedparser and scikit-learn.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from precis.cli import app, check_ids, console, err, state
from precis.errors import PrecisError
from precis.extras import require_extra
from precis.ingest.model import NEW, STATES, SUMMARIZE

if TYPE_CHECKING:
    from precis.ingest.queue import CandidateView, Report

ingest_app = typer.Typer(
    help="Bring new papers and posts into the triage queue, deduplicated and ranked.\n\n"
    "Example: precis ingest arxiv --query 'cat:cs.AI AND abs:alignment' --since 2024-01-01",
    no_args_is_help=True,
)
triage_app = typer.Typer(
    help="Triage candidates: list them ranked, mark them to summarize, or skip them.\n\n"
    "Example: precis triage list",
    no_args_is_help=True,
)
app.add_typer(ingest_app, name="ingest")
app.add_typer(triage_app, name="triage")


def _require_extra(what: str) -> None:
    """Fetching and ranking need the ``ingest`` extra; without it, say how to get it."""
    require_extra(what, "ingest", "httpx", "feedparser", "sklearn")


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_report(report: Report) -> None:
    from precis.ingest import queue

    if report.not_modified:
        _say(f"{report.source}: not modified since the last check; nothing new.")
        return
    counts = {s: report.count(s) for s in (queue.NEW_WORK, queue.ARCHIVED, queue.QUEUED, queue.REPEAT)}
    _say(
        f"{report.source}: {len(report.outcomes)} works — {counts[queue.NEW_WORK]} new, "
        f"{counts[queue.ARCHIVED]} already summarized, {counts[queue.QUEUED]} already candidates, "
        f"{counts[queue.REPEAT]} repeated in this batch."
    )
    for o in report.outcomes:
        title = f"“{o.work.title}”"
        if o.status == queue.NEW_WORK:
            _say(f"  new #{o.candidate_id}: {title}")
        else:
            _say(f"  {o.note}: {title}")
    if counts[queue.NEW_WORK]:
        _say("Ranked with the rest of the queue: precis triage list")


@ingest_app.command("url")
def url(
    ctx: typer.Context,
    items: list[str] = typer.Argument(..., metavar="URL_OR_ARXIV_ID...", help="Web pages, arXiv links or ids."),
) -> None:
    """Add works from web pages (citation_* and OpenGraph meta tags), arXiv abstract pages and ids
    (the arXiv API), and LessWrong / Alignment Forum posts.

    Example: precis ingest url https://arxiv.org/abs/1906.01820 arXiv:2209.00626
    """
    _require_extra("ingest url")
    from precis.ingest.config import IngestConfig
    from precis.ingest.pipeline import ingest_urls

    store = state(ctx).store()
    config = IngestConfig.from_env()
    with console.status(f"Fetching {len(items)} item(s) …"):
        report = ingest_urls(store, items, config)
    _print_report(report)


@ingest_app.command("arxiv")
def arxiv(
    ctx: typer.Context,
    query: str = typer.Option(
        ..., "--query", "-q",
        help="An arXiv API search_query, e.g. 'cat:cs.AI AND abs:alignment'.",
    ),
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"],
        help="Only papers submitted on or after this date.",
    ),
    limit: int = typer.Option(200, "--max", min=1, help="At most this many papers."),
    delay: float | None = typer.Option(
        None, "--delay", min=0,
        help="Seconds between API calls (default 3, or PRECIS_ARXIV_DELAY).",
    ),
    api_url: str | None = typer.Option(
        None, "--api-url",
        help="The arXiv API endpoint (default, or PRECIS_ARXIV_API_URL).",
    ),
) -> None:
    """Add papers from the arXiv API, newest first, pacing calls politely and retrying 429/5xx.

    Example: precis ingest arxiv --query 'cat:cs.LG AND abs:"reward hacking"' --since 2024-05-01
    """
    _require_extra("ingest arxiv")
    from precis.ingest.config import IngestConfig
    from precis.ingest.pipeline import ingest_arxiv

    store = state(ctx).store()
    config = IngestConfig.from_env(arxiv_delay=delay, arxiv_api_url=api_url)
    with Progress(
        TextColumn("arXiv"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("arxiv", total=limit)

        def step(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=min(limit, total) if total is not None else limit)

        report = ingest_arxiv(
            store, query, config, since=since.date() if since else None, limit=limit, progress=step
        )
    _print_report(report)


@ingest_app.command("feed")
def feed(
    ctx: typer.Context,
    urls: list[str] = typer.Argument(..., metavar="URL...", help="RSS 2.0 or Atom 1.0 feeds."),
) -> None:
    """Add the items of RSS or Atom feeds (conditional GET: an unchanged feed is not re-read).

    Example: precis ingest feed https://www.alignmentforum.org/feed.xml
    """
    _require_extra("ingest feed")
    from precis.ingest.config import IngestConfig
    from precis.ingest.pipeline import ingest_feed

    store = state(ctx).store()
    config = IngestConfig.from_env()
    for u in urls:
        with console.status(f"Reading {u} …"):
            report = ingest_feed(store, u, config)
        _print_report(report)


@ingest_app.command("all")
def all_(ctx: typer.Context) -> None:
    """Poll every feed listed under [ingest] feeds in the publication's settings.

    A feed that fails is reported on one line and changes nothing; the others are still read.

    Example: precis ingest all
    """
    _require_extra("ingest all")
    from precis.ingest.config import IngestConfig
    from precis.ingest.pipeline import configured_feeds, ingest_all

    store = state(ctx).store()
    config = IngestConfig.from_env()
    feeds = configured_feeds(store)
    with Progress(
        TextColumn("Feeds"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("", total=len(feeds))

        def step(feed_url: str) -> None:
            progress.update(task, completed=feeds.index(feed_url), description=feed_url)

        run = ingest_all(store, config, progress=step)
        progress.update(task, completed=len(feeds))
    for report in run.reports:
        _print_report(report)
    for failure in run.failures:
        err.print(f"precis: error: {failure}", markup=False, highlight=False, soft_wrap=True)
    if run.failures:
        raise PrecisError(f"{len(run.failures)} of {len(feeds)} feeds failed; the others were read")


# -- triage --------------------------------------------------------------------------------------


def _line(c: CandidateView) -> tuple[str, str]:
    about = ", ".join(str(x) for x in (c.venue, c.year) if x)
    head = c.title + (f" — {c.authors}" if c.authors else "") + (f" ({about})" if about else "")
    if c.state == NEW:
        score = f"{c.score:.2f}" if c.score is not None else "  – "
        return f"{c.id:>5}  {score}  {head}", c.explanation or ""
    if c.state == SUMMARIZE:
        return f"{c.id:>5}  p{c.priority:<3} {head}", c.explanation or ""
    return f"{c.id:>5}  skip  {head}", c.reason or "skipped"


@triage_app.command("list")
def list_(
    ctx: typer.Context,
    which: str = typer.Option(NEW, "--state", help=f"{', '.join(STATES)}, or all."),
    limit: int = typer.Option(50, "--limit", min=1, help="Show at most this many."),
) -> None:
    """List candidates, best first, each with a one-line explanation of its score.

    New candidates are ordered by predicted interest (similarity to what the publication
    summarized and highlighted); the line under each names the nearest archived entries.

    Example: precis triage list --limit 20
    """
    from precis.ingest.queue import list_candidates

    store = state(ctx).store()
    shown = list_candidates(store, which, limit=limit)
    if not shown:
        label = "" if which == "all" else f"{which} "
        _say(f"No {label}candidates. Bring some in with `precis ingest`.")
        return
    for c in shown:
        head, why = _line(c)
        _say(head)
        _say(f"{'':13}{why}")
        if c.url:
            _say(f"{'':13}{c.url}")


@triage_app.command("set")
def set_(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., metavar="ID...", help="Candidate ids from `precis triage list`."),
    priority: int | None = typer.Option(
        None, "--priority", "-p",
        help="Mark to summarize with this priority, 1 (low) to 10 (high).",
    ),
    new: bool = typer.Option(False, "--new", help="Put back among the new candidates instead."),
) -> None:
    """Mark candidates to summarize with a priority (1–10), or put them back with --new.

    Example: precis triage set 12 15 --priority 8
    """
    if new:
        _require_extra("triage set --new")  # putting candidates back re-ranks the queue
    from precis.ingest.queue import reopen, set_priority

    if (priority is None and not new) or (priority is not None and new):
        raise PrecisError("give either --priority 1-10 or --new")
    check_ids(ids, "candidate")
    store = state(ctx).store()
    changed = set_priority(store, ids, priority) if priority is not None else reopen(store, ids)
    for c in changed:
        what = "new again" if new else f"to summarize, priority {c.priority}"
        _say(f"#{c.id} {what}: “{c.title}”")


@triage_app.command("skip")
def skip(
    ctx: typer.Context,
    ids: list[int] = typer.Argument(..., metavar="ID...", help="Candidate ids from `precis triage list`."),
    reason: str | None = typer.Option(None, "--reason", "-r", help="Why (kept with the candidate)."),
) -> None:
    """Skip candidates, optionally saying why.

    Example: precis triage skip 14 --reason "capabilities only"
    """
    from precis.ingest.queue import skip as skip_candidates

    check_ids(ids, "candidate")
    store = state(ctx).store()
    for c in skip_candidates(store, ids, reason):
        _say(f"#{c.id} skipped{': ' + c.reason if c.reason else ''}: “{c.title}”")

