"""``precis issue``: compose an issue from approved entries and publish it (``precis.newsroom.issues``).

Whoever runs these holds the store itself, so they act as an editor would.
"""

from __future__ import annotations

from datetime import date as Date

import typer
from rich.markup import escape
from rich.table import Table

from precis.cli import app, console, err, state
from precis.errors import InvalidValue
from precis.newsroom import issues
from precis.store import find_entry

issue_app = typer.Typer(help="Compose an issue from approved entries, check it and publish it.", no_args_is_help=True)
app.add_typer(issue_app, name="issue")

_ISSUE = typer.Argument(..., metavar="ISSUE", help="The issue: 173 or 'AN #173'.")


def _say(text: str) -> None:
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def _date(text: str | None) -> Date | None:
    if text is None:
        return None
    try:
        return Date.fromisoformat(text)
    except ValueError:
        raise InvalidValue("date", text, "not a date (YYYY-MM-DD)") from None


@issue_app.command("new")
def new(
    ctx: typer.Context,
    title: str | None = typer.Option(None, "--title", help="The issue's title."),
    date: str | None = typer.Option(
        None, "--date", metavar="YYYY-MM-DD", help="Its date (default: the day it is published)."
    ),
) -> None:
    """Start a draft issue, numbered next in the publication's series; prints its label.

    Example: precis issue new --title "Learning from human feedback" --date 2026-12-07
    """
    store = state(ctx).store()
    with store.session(by="precis issue") as s:
        issue = issues.new_issue(s, store.default_publication(s), None, title=title, date=_date(date))
        label = issue.label
    print(label)
    _say(f"Made the draft {label}: add approved entries with `precis issue add {issue.number} ENTRY...`.")


@issue_app.command("add")
def add(
    ctx: typer.Context,
    issue: str = _ISSUE,
    entries: list[str] = typer.Argument(..., metavar="ENTRY...", help="Approved entries: titles or ids."),
) -> None:
    """Add approved entries to a draft issue, in the order given (each becomes scheduled).

    Example: precis issue add 173 "Deep Double Descent" 1402
    """
    store = state(ctx).store()
    with store.session(by="precis issue") as s:
        found = issues.get_issue(s, store.default_publication(s), issue)
        ids = [find_entry(s, e).id for e in entries]
        issues.add_entries(s, found, None, ids)
        label, count = found.label, len(issues.issue_entries(s, found))
    console.print(f"{label} has {count} entries.", markup=False, highlight=False)


@issue_app.command("remove")
def remove(ctx: typer.Context, issue: str = _ISSUE, entry: str = typer.Argument(..., metavar="ENTRY")) -> None:
    """Take an entry out of a draft issue (it is approved again).

    Example: precis issue remove 173 "Deep Double Descent"
    """
    store = state(ctx).store()
    with store.session(by="precis issue") as s:
        found = issues.get_issue(s, store.default_publication(s), issue)
        issues.remove_entry(s, found, None, find_entry(s, entry).id)
        label, count = found.label, len(issues.issue_entries(s, found))
    console.print(f"{label} has {count} entries.", markup=False, highlight=False)


@issue_app.command("highlight")
def highlight(
    ctx: typer.Context,
    issue: str = _ISSUE,
    entry: str = typer.Argument(..., metavar="ENTRY"),
    off: bool = typer.Option(False, "--off", help="Show it in its category again."),
) -> None:
    """Show an entry of a draft issue in its HIGHLIGHTS section (or, with --off, in its category).

    Example: precis issue highlight 173 "Deep Double Descent"
    """
    store = state(ctx).store()
    with store.session(by="precis issue") as s:
        found = issues.get_issue(s, store.default_publication(s), issue)
        issues.set_highlight(s, found, None, find_entry(s, entry).id, not off)


@issue_app.command("edit")
def edit(
    ctx: typer.Context,
    issue: str = _ISSUE,
    title: str | None = typer.Option(None, "--title", help="A new title."),
    date: str | None = typer.Option(None, "--date", metavar="YYYY-MM-DD", help="A new date."),
    intro: str | None = typer.Option(
        None, "--intro", help="The issue's own opening text (summary markup); '' removes it."
    ),
) -> None:
    """Change a draft issue's title, date or intro.

    Example: precis issue edit 173 --intro "This week: two papers on reward hacking."
    """
    store = state(ctx).store()
    changes: dict[str, object] = {}
    if title is not None:
        changes["title"] = title
    if date is not None:
        changes["date"] = _date(date)
    if intro is not None:
        changes["intro"] = intro
    with store.session(by="precis issue") as s:
        found = issues.get_issue(s, store.default_publication(s), issue)
        issues.update_issue(s, found, None, **changes)


@issue_app.command("show")
def show(ctx: typer.Context, issue: str = _ISSUE) -> None:
    """Show an issue: its status, entries in order, problems, and the length of its text edition.

    Example: precis issue show 173
    """
    store = state(ctx).store()
    with store.session() as s:
        found = issues.get_issue(s, store.default_publication(s), issue)
        entries = issues.issue_entries(s, found)
        problems = issues.problems(s, found) if found.status == issues.DRAFT else []
        head = f"{found.label} ({found.status})" + (f": {found.title}" if found.title else "")
        when = str(found.date) if found.date else "dated when published"
        rows = [(str(e.id), e.title.strip(), e.category or "", "yes" if e.highlight else "", e.summarizer or "")
                for e in entries]
        issue_id = found.id
    table = Table(title=f"{escape(head)} · {when}", show_edge=False)
    for col in ("id", "title", "category", "highlight", "summarizer"):
        table.add_column(col, justify="right" if col == "id" else "left", overflow="fold")
    for row in rows:
        table.add_row(*(escape(c) for c in row))
    console.print(table)
    for p in problems:
        console.print(str(p), markup=False, highlight=False, style="red" if p.severity == "error" else "yellow")
    if rows:
        preview = issues.previews(store, issue_id)
        console.print(f"{len(rows)} entries, {preview.words} words, about {preview.minutes} min to read.")
    else:
        console.print("No entries yet.")


@issue_app.command("publish")
def publish(
    ctx: typer.Context,
    issue: str = _ISSUE,
    base_url: str | None = typer.Option(
        None, "--base-url", metavar="URL", envvar="PRECIS_BASE_URL",
        help="The archive's public address: the issue's link becomes its page there.",
    ),
) -> None:
    """Publish a draft issue: its number, date and entries are fixed, its entries published; the
    archive and podcast jobs are put on the queue (`precis worker` runs them).

    Example: precis issue publish 173 --base-url https://news.example.org
    """
    from precis import jobs

    store = state(ctx).store()
    jobs.queue_of(store)  # a queue that cannot be reached is said before anything is published
    with store.session(by="precis issue") as s:
        found = issues.get_issue(s, store.default_publication(s), issue)
        scheduled = issues.publish(s, found, None, base_url=base_url)
        label, count = found.label, len(issues.issue_entries(s, found))
        job_ids = [j.id for j in scheduled]
        kinds = ", ".join(f"{j.kind} (job {j.id})" for j in scheduled)
    jobs.dispatch(store, job_ids)
    console.print(f"Published {label} with {count} entries.", markup=False, highlight=False)
    if kinds:
        _say(f"Queued: {kinds}; `precis worker` runs them, `precis jobs` shows them.")
