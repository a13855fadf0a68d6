"""The mail commands: ``subscribers import|export|list|add|unsubscribe|history`` and ``send``.

Configuration comes from the environment (``precis.mail.config``: PRECIS_SMTP_URL,
PRECIS_MAIL_FROM, PRECIS_BASE_URL, PRECIS_DKIM_*); a missing or wrong value stops the command with
one line naming the variable.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from precis.cli import app, console, err, state
from precis.errors import PrecisError
from precis.mail import csvfiles, subscribers
from precis.mail.config import MailConfig
from precis.mail.delivery import send_issue, send_test
from precis.mail.model import CONFIRMED, SUBSCRIBER_STATUSES

subscribers_app = typer.Typer(
    help="The publication's subscribers: import, export, list, add, unsubscribe, history.", no_args_is_help=True
)
app.add_typer(subscribers_app, name="subscribers")


def _say(text: str) -> None:
    err.print(text, markup=False, highlight=False, soft_wrap=True)


@subscribers_app.command("import")
def import_(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., metavar="FILE.csv...", help="CSV files: email,name,status, or "
                                       "Mailchimp's audience export (one file per status)."),
) -> None:
    """Import subscribers from CSV, all files in one transaction (a bad row names its file, row and
    column, and nothing is written). Columns: email,name,status with status confirmed,
    unconfirmed or unsubscribed; or Mailchimp's export ("Email Address", "First Name",
    "Last Name"). Importing again updates, keeping each subscriber's history; nobody who
    unsubscribed or bounced is subscribed again by a file.

    Example: precis subscribers import subscribers.csv
    """
    report = csvfiles.import_files(state(ctx).store(), files)
    console.print(f"Imported: {report.summary()}.", markup=False, highlight=False)


@subscribers_app.command("export")
def export(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE.csv", help="Where to write email,name,status."),
) -> None:
    """Write every subscriber (any status) as CSV: email,name,status.

    Example: precis subscribers export subscribers.csv
    """
    count = csvfiles.export_csv(state(ctx).store(), file)
    console.print(f"Wrote {count} subscribers to {file}.", markup=False, highlight=False)


@subscribers_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of a table."),
    status: str | None = typer.Option(None, "--status", help=f"Only one status: {', '.join(SUBSCRIBER_STATUSES)}."),
) -> None:
    """List the subscribers: email, name, status, when they came.

    Example: precis subscribers list --status confirmed
    """
    found = subscribers.list_subscribers(state(ctx).store(), status)
    if as_json:
        print(json.dumps([s.to_json() for s in found], ensure_ascii=False, indent=2))
        return
    table = Table(title=f"Subscribers ({len(found)})")
    for column in ("Email", "Name", "Status", "Since"):
        table.add_column(column, overflow="fold")
    for s in found:
        table.add_row(escape(s.email), escape(s.name or ""), s.status, s.created_at.strftime("%Y-%m-%d"))
    console.print(table)


@subscribers_app.command("add")
def add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Their email address."),
    name: str | None = typer.Option(None, "--name", help="Their name."),
    status: str = typer.Option(CONFIRMED, "--status", help=f"One of: {', '.join(SUBSCRIBER_STATUSES)}."),
) -> None:
    """Add a subscriber (or set the status of one already there); it is written to their history.

    Example: precis subscribers add ada@example.org --name "Ada Lovelace"
    """
    sub = subscribers.add(state(ctx).store(), email, name, status)
    _say(f"{sub.email} is {sub.status}.")


@subscribers_app.command("unsubscribe")
def unsubscribe(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Their email address."),
) -> None:
    """Unsubscribe someone (they stay on the list, unsubscribed, with their history): e.g. after
    an unsubscribe request by mail.

    Example: precis subscribers unsubscribe ada@example.org
    """
    sub = subscribers.unsubscribe(state(ctx).store(), email)
    _say(f"{sub.email} is {sub.status}.")


@subscribers_app.command("history")
def history(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Their email address."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Everything that happened to a subscriber, oldest first (never deleted).

    Example: precis subscribers history ada@example.org
    """
    sub, events = subscribers.history(state(ctx).store(), email)
    if as_json:
        print(json.dumps({**sub.to_json(), "history": [e.to_json() for e in events]}, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{sub.email} ({sub.status})")
    for column in ("When", "What", "Status after", "Detail"):
        table.add_column(column, overflow="fold")
    for e in events:
        detail = ", ".join(f"{k}: {v}" for k, v in e.detail.items() if v is not None)
        table.add_row(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.kind, e.status, escape(detail))
    console.print(table)


@app.command()
def send(
    ctx: typer.Context,
    issue: str = typer.Argument(..., metavar="ISSUE", help="The issue: 139 or 'AN #139'."),
    addresses: list[str] = typer.Argument(None, metavar="[ADDR...]", help="With --test: where to send it."),
    test: bool = typer.Option(False, "--test", help="Send to the addresses given instead of the subscribers "
                              "(a review copy: a draft too; no send log)."),
    private: bool = typer.Option(False, "--private", help="With --test: the private edition (for reviewers)."),
) -> None:
    """Send a published issue to every confirmed subscriber not yet sent it, or with --test to
    any addresses. Run it again after an interruption: it reaches everyone not yet reached.
    Configured by PRECIS_SMTP_URL, PRECIS_MAIL_FROM, PRECIS_BASE_URL and PRECIS_DKIM_* (see
    docs/mail.md).

    Example: precis send "AN #140" --test rohin@example.org --private
    """
    addresses = addresses or []
    if addresses and not test:
        raise PrecisError("addresses are for a test send: precis send ISSUE --test ADDR...")
    if private and not test:
        raise PrecisError("--private is for a test send (subscribers get the public edition)")
    config = MailConfig.from_environment()
    store = state(ctx).store()
    if test:
        if not addresses:
            raise PrecisError("--test needs the addresses to send to: precis send ISSUE --test ADDR...")
        report = send_test(store, issue, addresses, config, private=private)
    else:
        with Progress(
            TextColumn("Sending"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        ) as bar:
            task = bar.add_task("send", total=None)
            report = send_issue(store, issue, config,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
    line = report.summary()
    console.print(line[:1].upper() + line[1:] + ".", markup=False, highlight=False)
