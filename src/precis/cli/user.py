"""The team's commands: ``user add``, ``user list``, ``user token``, and changing a person.

Whoever runs these holds the store itself, so they act as an owner would. Secrets are printed once
on standard output, alone on their line (so ``TOKEN=$(precis user token ...)`` works); what they are
is said on standard error.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape
from rich.table import Table

from precis.cli import app, console, err, state
from precis.newsroom import credentials, people

user_app = typer.Typer(help="The people of the newsroom: add, list, API tokens, roles.", no_args_is_help=True)
app.add_typer(user_app, name="user")

_BASE_URL = typer.Option(
    None, "--base-url", metavar="URL", envvar="PRECIS_BASE_URL",
    help="Where the newsroom is served (e.g. https://news.example.org); makes the invitation link a full URL.",
)


def _say(text: str) -> None:
    err.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_invitation(path: str, who: str, base_url: str | None) -> None:
    days = credentials.INVITATION_LIFETIME.days
    if base_url:
        print(base_url.rstrip("/") + path)
        _say(f"Invitation link for {who}: send it to them. It works once and expires in {days} days.")
    else:
        print(path)
        _say(
            f"Invitation path for {who}: put the newsroom server's address before it (or give --base-url). "
            f"It works once and expires in {days} days."
        )


@user_app.command("add")
def add(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Their email address (the sign-in name)."),
    name: str = typer.Option(..., "--name", help="Their name as readers see it."),
    role: str = typer.Option(..., "--role", metavar="owner|editor|contributor", help="What they may do."),
    alias: list[str] = typer.Option(
        [], "--alias", help="Another name they appear under in the archive (repeatable)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read their password from standard input instead of making an invitation."
    ),
    base_url: str | None = _BASE_URL,
) -> None:
    """Add someone to the newsroom. Without --password-stdin, prints a one-time invitation link
    with which they set their password.

    Example: precis user add flo@example.org --name "Flo Dorner" --role contributor --alias Flo
    """
    store = state(ctx).store()
    password = sys.stdin.read().rstrip("\r\n") if password_stdin else None
    person = people.add_person(store, name, email, role, alias, password=password)
    _say(f"Added {person.name} <{person.email}> as {person.role}.")
    if password is None:
        _print_invitation(people.invite(store, person), person.email, base_url)


@user_app.command("list")
def list_(ctx: typer.Context) -> None:
    """List everyone on the team: name, email, role, aliases, whether active and signed up.

    Example: precis user list
    """
    table = Table(title="People")
    for column in ("ID", "Name", "Email", "Role", "Aliases", "Active", "Password"):
        table.add_column(column, overflow="fold")
    for p in people.list_people(state(ctx).store()):
        table.add_row(
            str(p.id), escape(p.name), escape(p.email), p.role, escape(", ".join(p.aliases)),
            "yes" if p.active else "no", "set" if p.password_hash else "not yet",
        )
    console.print(table)


@user_app.command("token")
def token(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Whose token: their email address."),
    label: str | None = typer.Option(None, "--label", help="What the token is for (kept with it)."),
) -> None:
    """Make a new API token for a person and print it once (only its hash is kept). Scripts send it
    as the header Authorization: Bearer TOKEN.

    Example: precis user token rohin@example.org --label "weekly script"
    """
    store = state(ctx).store()
    person = people.find_person(store, email)
    print(credentials.issue_token(store, person, label=label))
    _say(f"API token for {person.email}: shown only this once; keep it secret.")


@user_app.command("invite")
def invite(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Whose invitation: their email address."),
    base_url: str | None = _BASE_URL,
) -> None:
    """Make a new one-time invitation link for someone already on the team (to set or reset their
    password); their earlier links stop working.

    Example: precis user invite flo@example.org --base-url https://news.example.org
    """
    store = state(ctx).store()
    person = people.find_person(store, email)
    _print_invitation(people.invite(store, person), person.email, base_url)


@user_app.command("role")
def role(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Whose role: their email address."),
    new_role: str = typer.Argument(..., metavar="ROLE", help="owner, editor or contributor."),
) -> None:
    """Change a person's role (the newsroom always keeps an active owner).

    Example: precis user role flo@example.org editor
    """
    store = state(ctx).store()
    person = people.change_person(store, None, people.find_person(store, email).id, role=new_role)
    _say(f"{person.email} is now {person.role}.")


@user_app.command("alias")
def alias(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Whose aliases: their email address."),
    names: list[str] = typer.Argument(
        None, metavar="NAME...", help="Every other name they appear under (none: clear)."
    ),
) -> None:
    """Set the other names a person appears under in the archive (replacing the earlier ones), so
    that "Flo" and "Flo Dorner" count as one person.

    Example: precis user alias flo@example.org Flo "F. Dorner"
    """
    store = state(ctx).store()
    person = people.change_person(store, None, people.find_person(store, email).id, aliases=names or [])
    _say(f"{person.email}: aliases {', '.join(person.aliases) or '(none)'}.")


@user_app.command("deactivate")
def deactivate(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Who: their email address."),
) -> None:
    """Stop a person signing in (their sessions and tokens stop working); their work stays.

    Example: precis user deactivate flo@example.org
    """
    store = state(ctx).store()
    person = people.change_person(store, None, people.find_person(store, email).id, active=False)
    _say(f"{person.email} can no longer sign in.")


@user_app.command("activate")
def activate(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Who: their email address."),
) -> None:
    """Let a deactivated person sign in again.

    Example: precis user activate flo@example.org
    """
    store = state(ctx).store()
    person = people.change_person(store, None, people.find_person(store, email).id, active=True)
    _say(f"{person.email} can sign in again.")
