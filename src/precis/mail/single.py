"""A message to one person, sent at once: a sign-up's confirmation, a review request. Unlike an
issue (``message.py``, ``delivery.py``) it has no unsubscribe link and no send log: it is made,
signed and handed to the relay in one go, and a failure is one line naming the address."""

from __future__ import annotations

import contextlib
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from precis.errors import PrecisError
from precis.mail.config import MailConfig
from precis.mail.message import SIGNED_HEADERS
from precis.mail.smtp import connect, reply_text
from precis.model import utcnow


def single_message(config: MailConfig, to: str, subject: str, text: str, *, name: str | None = None,
                   html: str | None = None) -> bytes:
    """The message as bytes ready for SMTP (CRLF line ends; DKIM-signed when a key is configured):
    plain text, with an HTML alternative when ``html`` is given."""
    msg = EmailMessage()
    msg["From"] = config.mail_from or ""
    msg["To"] = formataddr((name or "", to))
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or "localhost")
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    if config.dkim is not None:
        import dkim  # type: ignore[import-untyped]  # here: it loads a DNS resolver, slow to import

        headers = [h.encode() for h in SIGNED_HEADERS if h in msg]
        data = dkim.sign(data, config.dkim.selector.encode(), config.dkim.domain.encode(), config.dkim.key,
                         include_headers=headers) + data
    return bytes(data)


def send_now(config: MailConfig, to: str, data: bytes) -> None:
    """Hand one message to the relay now; a ``PrecisError`` naming the address and the server's
    reply when it cannot go."""
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
