"""``precis review``: ask a paper's authors to check its planned summary (``request``), see the
requests and their answers (``list``), take a link back (``revoke``), send it again (``remind``).

Whoever runs these holds the store and acts as an editor would. Links point at ``PRECIS_BASE_URL``;
emails go when ``PRECIS_SMTP_URL`` and ``PRECIS_MAIL_FROM`` are set. The list shows reviewers'
addresses: it is the editor's tool, and addresses never leave the newsroom.
"""

from __future__ import annotations

from datetime import datetime

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from precis.cli import app, check_ids, console, err, state
from precis.errors import InvalidValue, PrecisError
from precis.mail.config import MailConfig
from precis.model import utcnow
from precis.review import requests
from precis.review.requests import RequestView
from precis.store import find_entry

review_app = typer.Typer(help="Authors' review: private links to a planned summary for the paper's authors.",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")

_ENTRY_HELP = "The entry's id, title, or a unique part of its title."


def _say(text: str) -> None:
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def _day(moment: datetime | None) -> str:
    """A day, short: "14 Dec" this year, "14 Dec 2027" another."""
    if moment is None:
        return "—"
    return f"{moment:%-d %b}" if moment.year == utcnow().year else f"{moment:%-d %b %Y}"


def _state(view: RequestView) -> str:
    """The state and the day it was reached ("opened 2026-11-30")."""
    reached = {"revoked": view.revoked_at, "expired": view.expires_at, "approved": view.approved_at,
               "answered": view.answered_at, "opened": view.opened_at, "sent": view.sent_at}.get(view.state)
    return f"{view.state} {_day(reached)}" if reached is not None else view.state


def _who(view: RequestView) -> str:
    return f"{view.name} <{view.email}>" if view.name else view.email


def _entry_id(ctx: typer.Context, entry: str) -> int:
    store = state(ctx).store()
    with store.session() as s:
        return find_entry(s, entry).id


@review_app.command("request")
def request(
    ctx: typer.Context,
    entry: str = typer.Argument(..., metavar="ENTRY", help=_ENTRY_HELP),
    to: list[str] = typer.Option(
        ..., "--to", metavar="EMAIL", help="An author's address, e.g. jane@example.org or 'Jane Doe "
        "<jane@example.org>' (repeatable: one link each).",
    ),
    expires: int | None = typer.Option(
        None, "--expires", metavar="DAYS", help=f"Days the links work (default {requests.DEFAULT_DAYS}, "
        f"or {requests.DAYS_VARIABLE}).",
    ),
) -> None:
    """Make a private review link per address for an entry that is a draft, in review or approved,
    and print them (address and link, one per line). With PRECIS_SMTP_URL and PRECIS_MAIL_FROM set,
    each link is also emailed to its address. Links point at PRECIS_BASE_URL.

    Example: precis review request "Deep Double Descent" --to "Preetum Nakkiran <preetum@example.org>"
    """
    store = state(ctx).store()
    entry_id = _entry_id(ctx, entry)
    config = MailConfig.from_environment()
    try:
        views = requests.request_review(store, None, entry_id, to, days=expires, config=config)
    except InvalidValue as exc:
        if exc.field == "address":
            raise PrecisError(f"--to {exc.value!r}: {exc.reason}") from None
        raise
    for view in views:
        print(f"{view.email}  {view.link}")
    until = f"{views[0].expires_at:%-d %B %Y}"
    failed = [v for v in views if v.send_error]
    if config.smtp_url is None:
        _say(f"Review link(s) made for {views[0].entry_title!r}, working until {until}. No SMTP server is "
             "configured (PRECIS_SMTP_URL): send each link to its address yourself.")
    elif len(failed) < len(views):
        _say(f"Emailed {len(views) - len(failed)} review link(s) for {views[0].entry_title!r} through "
             f"{config.smtp_url.display}; they work until {until}.")
    for v in failed:
        _say(f"precis: error: {v.send_error}; the request is made: send its link above yourself, "
             f"or try again with `precis review remind {v.id}`")
    if failed:
        raise typer.Exit(1)


@review_app.command("list")
def list_requests(
    ctx: typer.Context,
    entry: str | None = typer.Option(None, "--entry", metavar="ENTRY", help=_ENTRY_HELP),
) -> None:
    """List review requests, newest first: who was asked (name and address), their state and the day
    it was reached (sent, opened, answered, approved, expired, revoked), when the link expires, and
    how many answers it took.

    Example: precis review list --entry "Deep Double Descent"
    """
    store = state(ctx).store()
    entry_id = _entry_id(ctx, entry) if entry is not None else None
    views = requests.requests_of(store, entry_id=entry_id)
    if not views:
        _say("No review requests" + (" for this entry." if entry is not None else " yet."))
        return
    # Narrow enough for 80 columns: the reviewer whole, the state with the day it was reached,
    # the entry's title folded into what is left.
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    table.add_column("id", justify="right")
    table.add_column("entry", ratio=1, min_width=12)
    table.add_column("reviewer", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("expires", no_wrap=True)
    table.add_column("answers", justify="right")
    for v in views:
        title = v.entry_title if len(v.entry_title) <= 40 else v.entry_title[:39] + "…"
        table.add_row(str(v.id), escape(f"{title} ({v.entry_id})"), escape(_who(v)), _state(v), _day(v.expires_at),
                      str(len(v.answers)))
    console.print(table)


@review_app.command("revoke")
def revoke(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., metavar="REQUEST", help="The request's id (see `precis review list`)."),
) -> None:
    """Take a review link back: from now on it shows a page saying it was revoked (410).

    Example: precis review revoke 3
    """
    check_ids([request_id], "review request")
    view = requests.revoke(state(ctx).store(), None, request_id)
    _say(f"Revoked review request {view.id} ({_who(view)}, entry {view.entry_title!r}): its link no longer opens.")


@review_app.command("remind")
def remind(
    ctx: typer.Context,
    request_id: int = typer.Argument(..., metavar="REQUEST", help="The request's id (see `precis review list`)."),
) -> None:
    """Email a review link again to its address (the same link, still working until it expires).
    Needs PRECIS_SMTP_URL, PRECIS_MAIL_FROM and PRECIS_BASE_URL.

    Example: precis review remind 3
    """
    check_ids([request_id], "review request")
    view = requests.remind(state(ctx).store(), None, request_id, MailConfig.from_environment())
    _say(f"Reminded {_who(view)} of entry {view.entry_title!r} (reminder {view.reminders}); "
         f"the link works until {view.expires_at:%-d %B %Y}.")
