"""The confirmation email of a sign-up (double opt-in): a short text message with the signed link,
sent at once through the configured relay (DKIM-signed when a key is configured)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import dkim  # type: ignore[import-untyped]

from precis.mail.config import MailConfig
from precis.mail.links import CONFIRM_LIFETIME
from precis.mail.message import SIGNED_HEADERS
from precis.mail.smtp import connect
from precis.model import utcnow


def confirmation_message(config: MailConfig, publication: str, to: str, link: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = config.mail_from or ""
    msg["To"] = to
    msg["Subject"] = f"Confirm your subscription to {publication}"
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or "localhost")
    msg.set_content(
        f"Someone, probably you, asked to receive {publication} at this address.\n\n"
        f"To confirm, open this link (it works for {CONFIRM_LIFETIME.days} days):\n\n{link}\n\n"
        "If you did not ask for it, ignore this message: nothing will be sent to you.\n"
    )
    data = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))
    if config.dkim is not None:
        headers = [h.encode() for h in SIGNED_HEADERS if h in msg]
        data = dkim.sign(data, config.dkim.selector.encode(), config.dkim.domain.encode(), config.dkim.key,
                         include_headers=headers) + data
    return bytes(data)


def send_confirmation(config: MailConfig, publication: str, to: str, link: str) -> None:
    """Send it now (``PrecisError``/``OSError``/``smtplib.SMTPException`` when it cannot go)."""
    server = config.require_smtp()
    data = confirmation_message(config, publication, to, link)
    conn = connect(server)
    try:
        conn.sendmail(config.sender, [to], data)
    finally:
        conn.quit()
