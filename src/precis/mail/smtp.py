"""A connection to the relay of ``PRECIS_SMTP_URL``: TLS from the start (smtps) or STARTTLS when the
server offers it (smtp), then the login when the URL has a user."""

from __future__ import annotations

import smtplib
import socket
import ssl

from precis.errors import PrecisError
from precis.mail.config import SmtpServer

TIMEOUT = 30.0


def connect(server: SmtpServer, timeout: float = TIMEOUT) -> smtplib.SMTP:
    """An open, logged-in connection; ``PrecisError`` when the server refuses the login, ``OSError``
    (and ``smtplib.SMTPException``) when it cannot be reached (the caller may try again)."""
    context = ssl.create_default_context()
    host = socket.getfqdn() if server.host not in ("127.0.0.1", "localhost", "::1") else "localhost"
    conn: smtplib.SMTP
    if server.tls:
        conn = smtplib.SMTP_SSL(server.host, server.port, local_hostname=host, timeout=timeout, context=context)
    else:
        conn = smtplib.SMTP(server.host, server.port, local_hostname=host, timeout=timeout)
    try:
        conn.ehlo()
        if not server.tls and conn.has_extn("starttls"):
            conn.starttls(context=context)
            conn.ehlo()
        if server.user:
            try:
                conn.login(server.user, server.password or "")
            except smtplib.SMTPAuthenticationError as exc:
                raise PrecisError(f"{server.display}: the server refused the user and password "
                                  f"({exc.smtp_code} {_text(exc.smtp_error)})") from None
            except smtplib.SMTPNotSupportedError:
                raise PrecisError(f"{server.display}: the server does not take a login (AUTH) on this "
                                  "connection; use smtps:// or a server offering STARTTLS") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def reply_text(code: int, reply: bytes | str) -> str:
    """A server's answer as one line: "550 5.1.1 no such user"."""
    return " ".join(f"{code} {_text(reply)}".split())
