"""``precis entry``: look at one entry."""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from precis.cli import LARGEST_ID, app, console, state
from precis.errors import PrecisError
from precis.store import find_entry, history

entry_app = typer.Typer(help="Work with one entry.", no_args_is_help=True)
app.add_typer(entry_app, name="entry")


@entry_app.command("show")
def show(
    ctx: typer.Context,
    title_or_id: str = typer.Argument(
        ..., metavar="TITLE_OR_ID",
        help="The entry's id, title, or a unique part of its title.",
    ),
    format: str = typer.Option(
        "full", "--format", help="full: everything about the entry; planned: the planned summary and "
        "opinion in Markdown, for posting under the work before the issue goes out (ending with the "
        "newest open review link, when there is one and PRECIS_BASE_URL is set).",
    ),
) -> None:
    """Show an entry: metadata, summary, opinions, editorial fields and history.

    Example: precis entry show "Deep Double Descent" --format planned
    """
    if format not in ("full", "planned"):
        raise PrecisError(f"--format {format!r}: use full or planned")
    if title_or_id.isdigit() and int(title_or_id) > LARGEST_ID:
        raise PrecisError(f"TITLE_OR_ID {title_or_id}: no entry has so large an id")
    store = state(ctx).store()
    with store.session() as s:
        e = find_entry(s, title_or_id)
        if format == "planned":
            from precis.render import Editions, EditionSource
            from precis.review.requests import live_link

            sys.stdout.write(Editions(EditionSource.read(s, store.default_publication(s))).planned(e))
            if found := live_link(s, store, e.id):
                link, until = found
                sys.stdout.write(f"\nReview link for the paper's authors (private, works until "
                                 f"{until:%-d %B %Y}): {link}\n")
            return
        revisions = history(s, e.id)
        issue = e.issue.label if e.issue else (e.issue_note or "not sent")
        console.print(f"[bold]{escape(e.title.strip())}[/bold]  (entry {e.id})")
        fields = [
            ("Link", e.link), ("Authors", e.authors), ("Venue", e.venue), ("Year", e.year),
            ("Issue", issue + (f"  {e.issue.url}" if e.issue and e.issue.url else "")),
            ("Category", e.category), ("Highlight", "yes" if e.highlight else None),
            ("Summarizer", e.summarizer), ("H/T", e.hat_tip), ("Public", e.public_level),
            ("Email status", e.email_status), ("Rec?", e.priority), ("Summarize?", e.summarize),
            ("Notes", e.notes),
        ]
        for label, value in fields:
            if value not in (None, ""):
                console.print(f"[dim]{label + ':':<14}[/dim]{escape(str(value))}")
        if e.summary:
            console.print("\n[bold]Summary[/bold]")
            console.print(escape(e.summary.strip()))
        for o in e.opinions:
            console.print(f"\n[bold]{escape(o.author or 'Unknown')}'s opinion[/bold]")
            console.print(escape(o.text.strip()))
        for label, text, url in (
            ("Prerequisites", e.prerequisites, e.prerequisites_url),
            ("Read more", e.read_more, e.read_more_url),
        ):
            if text:
                console.print(f"\n[bold]{label}:[/bold] {escape(text.strip())}" + (f" <{url}>" if url else ""))
        last = revisions[-1] if revisions else None
        console.print(
            f"\n[dim]{len(revisions)} revision(s)"
            + (f"; last by {escape(last.by)} at {last.at:%Y-%m-%d %H:%M}" if last else "")
            + "[/dim]"
        )
