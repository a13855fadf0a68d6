"""The message a subscriber gets is the issue as ``precis render`` gives it, and test sends are
review copies that touch no send log."""

from __future__ import annotations

import dataclasses
import re

import dkim
import pytest
from sqlalchemy import func, select, update

from precis.errors import InvalidValue, PrecisError
from precis.mail import subscribers
from precis.mail.config import MailConfig, SmtpServer
from precis.mail.delivery import send_issue, send_test
from precis.mail.model import SendLog
from precis.model import Issue
from tests.helpers import invoke, run_precis
from tests.mailserver import dkim_key, free_port, mail_server, part_text, signed_headers

UNSUBSCRIBE_LINE = re.compile(r"\nUnsubscribe: https://news\.example\.org/unsubscribe/\S+\n\Z")
UNSUBSCRIBE_HTML = re.compile(r'<p class="unsubscribe"[^>]*><a href="https://news\.example\.org/unsubscribe/[^"]+">'
                              r"Unsubscribe</a></p>\n")


@pytest.fixture
def server():
    with mail_server() as m:
        yield m


def _config(server, **more: str) -> MailConfig:
    return MailConfig.from_environment({
        "PRECIS_SMTP_URL": server.url, "PRECIS_MAIL_FROM": "Sample Newsletter <news@example.org>",
        "PRECIS_BASE_URL": "https://news.example.org/", **more,
    })


def _render(store, issue: str, fmt: str, *extra: str) -> str:
    result = invoke(store, "render", issue, "--format", fmt, *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_text_and_html_parts_are_what_render_gives_plus_one_unsubscribe_line(sample_store, server, tmp_path):
    key = dkim_key(tmp_path)
    report = send_test(sample_store, "SN #2", ["editor@example.org", "Reviewer@Example.org"],
                       _config(server, **key.env()))
    assert (report.sent, report.deferred, report.bounced) == (2, 0, 0)
    assert sorted(r for m in server.messages for r in m.recipients) == ["editor@example.org", "reviewer@example.org"]
    received = server.messages[0]
    message = received.message
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Sample Newsletter #2"
    assert dkim.verify(received.data, dnsfunc=key.dnsfunc)
    assert {"list-unsubscribe", "list-unsubscribe-post", "from", "to", "subject"} <= set(signed_headers(received.data))

    text = part_text(message, "plain")
    assert UNSUBSCRIBE_LINE.search(text)
    assert UNSUBSCRIBE_LINE.sub("", text) == _render(sample_store, "SN #2", "text")
    html = part_text(message, "html")
    assert len(UNSUBSCRIBE_HTML.findall(html)) == 1
    assert UNSUBSCRIBE_HTML.sub("", html) == _render(sample_store, "SN #2", "html")


def test_a_review_copy_is_the_private_edition_and_touches_no_send_log(sample_store, server):
    send_test(sample_store, "SN #2", ["editor@example.org"], _config(server), private=True)
    html = UNSUBSCRIBE_HTML.sub("", part_text(server.messages[0].message, "html"))
    private = _render(sample_store, "SN #2", "html", "--private")
    assert html == private and private != _render(sample_store, "SN #2", "html")
    with sample_store.session() as s:
        assert s.scalar(select(func.count()).select_from(SendLog)) == 0


def test_a_draft_goes_only_as_a_test_send(sample_store, server):
    with sample_store.session(by="test") as s:
        s.execute(update(Issue).where(Issue.number == 2).values(status="draft"))
    with pytest.raises(PrecisError, match="SN #2 is a draft: only a published issue goes to subscribers"):
        send_issue(sample_store, "SN #2", _config(server))
    assert send_test(sample_store, "SN #2", ["editor@example.org"], _config(server)).sent == 1


def test_sending_says_in_one_line_what_is_missing_or_wrong(sample_store, server, tmp_path):
    result = invoke(sample_store, "send", "SN #1")
    assert result.exit_code == 1 and "PRECIS_SMTP_URL" in str(result.exception)
    with pytest.raises(InvalidValue, match="PRECIS_SMTP_URL 'ftp://u:\\*\\*\\*@host'"):
        MailConfig.from_environment({"PRECIS_SMTP_URL": "ftp://u:secret@host"})
    with pytest.raises(InvalidValue, match="PRECIS_SMTP_CONCURRENCY"):
        MailConfig.from_environment({"PRECIS_SMTP_CONCURRENCY": "many"})
    (tmp_path / "not-a-key.pem").write_text("hello")
    with pytest.raises(InvalidValue, match="PRECIS_DKIM_KEY"):
        MailConfig.from_environment({"PRECIS_DKIM_KEY": str(tmp_path / "not-a-key.pem")})
    config = MailConfig.from_environment({"PRECIS_SMTP_URL": "smtps://me%40x.org:s%3Acret@smtp.example.org"})
    assert config.smtp_url is not None and "s:cret" not in repr(config) and config.smtp_url.password == "s:cret"
    assert config.smtp_url.display == "smtps://me@x.org@smtp.example.org:465"
    with pytest.raises(PrecisError, match="no issue SN #9"):
        send_test(sample_store, "SN #9", ["a@example.org"], _config(server))


def test_a_relay_that_cannot_be_reached_stops_the_send_and_the_next_one_sends_it(sample_store, server):
    subscribers.add(sample_store, "ada@example.org")
    down = dataclasses.replace(_config(server), smtp_url=SmtpServer(False, "127.0.0.1", free_port()), backoff=0.01)
    with pytest.raises(PrecisError, match=r"smtp://127\.0\.0\.1:\d+: cannot connect"):
        send_issue(sample_store, "SN #1", down)
    with sample_store.session() as s:
        assert list(s.scalars(select(SendLog.state))) == ["sending"]
    report = send_issue(sample_store, "SN #1", _config(server))
    assert (report.sent, [r for m in server.messages for r in m.recipients]) == (1, ["ada@example.org"])


def test_a_wrong_setting_is_named_by_its_environment_variable_on_the_command_line(sample_store):
    result = run_precis(sample_store.display, "send", "SN #1", env={"PRECIS_SMTP_CONCURRENCY": "many"})
    assert result.returncode == 1
    assert result.stderr.startswith("precis: error: PRECIS_SMTP_CONCURRENCY 'many': ")
    assert len(result.stderr.splitlines()) == 1
