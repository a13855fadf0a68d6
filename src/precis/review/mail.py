"""The review request email: plain text and HTML, saying who asks, what the link does and until when
it opens; sent at once through the configured relay (DKIM-signed when a key is configured)."""

from __future__ import annotations

import contextlib
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from html import escape

import dkim  # type: ignore[import-untyped]

from precis.errors import PrecisError
from precis.mail.config import MailConfig
from precis.mail.message import SIGNED_HEADERS
from precis.mail.smtp import connect, reply_text
from precis.model import utcnow


def subject(publication: str, title: str, reminder: bool = False) -> str:
    said = f"Planned summary for {publication}: {' '.join(title.split())} — please check it"
    return f"Reminder: {said}" if reminder else said


def request_message(
    config: MailConfig, *, publication: str, title: str, to: str, name: str | None, link: str,
    asked_by: str | None, expires_at: datetime, reminder: bool = False,
) -> bytes:
    """The message to one reviewer, as bytes ready for SMTP (CRLF line ends, signed if configured)."""
    who = f"{asked_by}, an editor of {publication}, asks" if asked_by else f"The editors of {publication} ask"
    until = f"{expires_at:%-d %B %Y}"
    hello = f"Dear {name}," if name else "Hello,"
    clean_title = " ".join(title.split())
    text = (
        f"{hello}\n\n"
        f"{who} you to check the summary of your work \"{clean_title}\" that {publication} plans to "
        "publish, before it goes out.\n\n"
        "This private link shows the summary and opinion exactly as they will be published. On that page "
        "you can approve it as is, comment on it (on the whole or on a passage), or propose an edit of the "
        "summary. No account or password is needed; the editors decide what to change.\n\n"
        f"{link}\n\n"
        f"The link works until {until}. It is meant for you alone: please do not share it.\n"
        "If you did not expect this message, ignore it.\n"
    )
    html = (
        "<!doctype html><html><body>"
        f"<p>{escape(hello)}</p>"
        f"<p>{escape(who)} you to check the summary of your work &ldquo;{escape(clean_title)}&rdquo; that "
        f"{escape(publication)} plans to publish, before it goes out.</p>"
        "<p>This private link shows the summary and opinion exactly as they will be published. On that page "
        "you can approve it as is, comment on it (on the whole or on a passage), or propose an edit of the "
        "summary. No account or password is needed; the editors decide what to change.</p>"
        f'<p><a href="{escape(link)}">Check the planned summary</a></p>'
        f"<p>The link works until {escape(until)}. It is meant for you alone: please do not share it. "
        "If you did not expect this message, ignore it.</p>"
        "</body></html>"
    )
    msg = EmailMessage()
    msg["From"] = config.mail_from or ""
    msg["To"] = formataddr((name or "", to))
    msg["Subject"] = subject(publication, title, reminder)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or "localhost")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    if config.dkim is not None:
        headers = [h.encode() for h in SIGNED_HEADERS if h in msg]
        data = dkim.sign(data, config.dkim.selector.encode(), config.dkim.domain.encode(), config.dkim.key,
                         include_headers=headers) + data
    return bytes(data)


def send(config: MailConfig, to: str, data: bytes) -> None:
    """Send one message now; a ``PrecisError`` naming the address and the server's reply when it
    cannot go."""
    server = config.require_smtp()
    try:
        conn = connect(server)
        try:
            conn.sendmail(config.sender, [to], data)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                conn.quit()
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()), (0, b"refused"))
        raise PrecisError(f"{to}: not sent: {server.display} answered {reply_text(code, reply)}") from None
    except smtplib.SMTPResponseException as exc:
        raise PrecisError(f"{to}: not sent: {server.display} answered "
                          f"{reply_text(exc.smtp_code, exc.smtp_error)}") from None
    except PrecisError as exc:  # the login was refused
        raise PrecisError(f"{to}: not sent: {exc}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise PrecisError(f"{to}: not sent: {server.display} could not be reached ({exc})") from None
