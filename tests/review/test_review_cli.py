"""`precis review request | list | revoke | remind`, and the review link under `entry show --format planned`."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner, Result

from precis.cli import app, error_message
from precis.errors import PrecisError
from precis.newsroom import entries
from precis.review import requests
from tests.mailserver import mail_server, part_text
from tests.review.conftest import BASE_URL

NO_MAIL = {"PRECIS_SMTP_URL": None, "PRECIS_MAIL_FROM": None, "PRECIS_DKIM_KEY": None}


def run(review, *args: str, **env: str | None) -> Result:
    environment = {**NO_MAIL, "PRECIS_BASE_URL": BASE_URL, "PRECIS_REVIEW_DAYS": None, "COLUMNS": "200", **env}
    return CliRunner().invoke(app, ["--db", review.store.display, *args], env=environment)


def failure(result: Result) -> str:
    """The one line `precis` prints for the error of a failed command."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, PrecisError), result.exception
    return error_message(result.exception)


def test_request_prints_a_link_per_address_and_list_shows_them(review):
    made = run(review, "review", "request", "Curve Detectors Everywhere", "--to", "Jane Doe <jane@example.org>",
               "--to", "john@example.org", "--expires", "3")
    assert made.exit_code == 0, made.output
    lines = made.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["jane@example.org", "john@example.org"]
    assert all(re.fullmatch(rf"\S+  {re.escape(BASE_URL)}/review/[\w.-]+", line) for line in lines)
    assert "No SMTP server is configured (PRECIS_SMTP_URL)" in made.stderr
    listed = run(review, "review", "list", "--entry", str(review.entry))
    assert listed.exit_code == 0
    assert "Jane Doe <jane@example.org>" in listed.stdout and "john@example.org" in listed.stdout
    assert "not sent" in listed.stdout and "Curve" in listed.stdout  # the title may fold in 80 columns
    assert run(review, "review", "list", "--entry", "Another Paper").stderr.startswith("No review requests")


def test_request_emails_the_links_when_smtp_is_configured(review):
    with mail_server() as server:
        made = run(review, "review", "request", str(review.entry), "--to", "Jane Doe <jane@example.org>",
                   PRECIS_SMTP_URL=server.url, PRECIS_MAIL_FROM="Newsletter <news@example.org>")
        assert made.exit_code == 0, made.output
        link = made.stdout.split()[1]
        [received] = server.messages
    assert received.recipients == ["jane@example.org"]
    message = received.message
    assert " ".join(message["Subject"].split()) == ("Planned summary for Sample Newsletter: Curve Detectors "
                                                    "Everywhere — please check it")
    assert link in part_text(message, "plain") and f'href="{link}"' in part_text(message, "html")
    assert "The editors of Sample Newsletter ask you to check" in part_text(message, "plain")
    assert "Emailed 1 review link(s)" in made.stderr
    [view] = requests.requests_of(review.store, base_url=BASE_URL)
    assert view.state == "sent" and view.link == link


def test_a_refused_address_is_one_line_and_the_request_stays(review):
    with mail_server() as server:
        server.handler.refuse["jane@example.org"] = "550 5.1.1 no such user"
        made = run(review, "review", "request", str(review.entry), "--to", "jane@example.org",
                   PRECIS_SMTP_URL=server.url, PRECIS_MAIL_FROM="news@example.org")
    assert made.exit_code == 1
    assert made.stdout.startswith("jane@example.org  https://")  # the link, to hand over another way
    [line] = [x for x in made.stderr.splitlines() if x.startswith("precis: error:")]
    assert "jane@example.org" in line and "550 5.1.1 no such user" in line and "the request is made" in line
    assert [v.state for v in requests.requests_of(review.store)] == ["not sent"]


def test_request_errors_are_one_line(review):
    idea = entries.create_entry(review.store, review.team.people["editor"], {"title": "An Idea Only"}, status="idea")
    cases = [
        (("No Such Paper Anywhere", "--to", "jane@example.org"), {}, "no entry titled 'No Such Paper Anywhere'"),
        ((str(review.entry), "--to", "jane at example"), {}, "--to 'jane at example': not an email address"),
        ((str(review.entry), "--to", "jane@example.org"), {"PRECIS_BASE_URL": None}, "PRECIS_BASE_URL"),
        ((str(idea["id"]), "--to", "jane@example.org"), {}, "is idea: a review can be requested of an entry "
                                                            "that is draft, in review or approved"),
        ((str(review.entry), "--to", "jane@example.org", "--expires", "0"), {}, "--expires 0: give a whole number"),
    ]
    for args, env, words in cases:
        line = failure(run(review, "review", "request", *args, **env))
        assert words in line and "\n" not in line, line
    assert requests.requests_of(review.store) == []


def test_revoke_and_remind(review):
    first, second = review.ask("Jane Doe <jane@example.org>", "john@example.org")
    revoked = run(review, "review", "revoke", str(first.id))
    assert revoked.exit_code == 0 and "Revoked review request" in revoked.stderr
    assert "already revoked" in failure(run(review, "review", "revoke", str(first.id)))
    assert "no review request 999" in failure(run(review, "review", "revoke", "999"))
    assert "PRECIS_SMTP_URL" in failure(run(review, "review", "remind", str(second.id)))
    with mail_server() as server:
        smtp = {"PRECIS_SMTP_URL": server.url, "PRECIS_MAIL_FROM": "news@example.org"}
        assert "revoked" in failure(run(review, "review", "remind", str(first.id), **smtp))
        reminded = run(review, "review", "remind", str(second.id), **smtp)
        assert reminded.exit_code == 0, reminded.output
        [received] = server.messages
    assert received.recipients == ["john@example.org"] and received.message["Subject"].startswith("Reminder: ")
    assert second.link in part_text(received.message, "plain")
    after = {v.id: v for v in requests.requests_of(review.store)}
    assert after[second.id].reminders == 1 and after[second.id].state == "sent"
    assert after[first.id].state == "revoked"


@pytest.mark.parametrize("live", [True, False])
def test_the_planned_summary_ends_with_the_live_review_link(review, live):
    [view] = review.ask("jane@example.org")
    if not live:
        requests.revoke(review.store, None, view.id)
    shown = run(review, "entry", "show", str(review.entry), "--format", "planned")
    assert shown.exit_code == 0 and shown.stdout.startswith("Planned summary for")
    assert (view.link in shown.stdout) is live
    assert view.link not in run(review, "entry", "show", str(review.entry), "--format", "planned",
                                PRECIS_BASE_URL=None).stdout


def test_every_review_command_has_help_with_an_example(review):
    for command in ("request", "list", "revoke", "remind"):
        shown = run(review, "review", command, "--help")
        assert shown.exit_code == 0 and "Example: precis review " + command in shown.stdout, command
