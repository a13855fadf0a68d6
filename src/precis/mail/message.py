"""One issue as one message per subscriber: multipart/alternative, the text edition as text/plain
and the inlined-CSS email as text/html, exactly as ``precis render ISSUE --format text|html`` gives
them, with an unsubscribe line added at the end of each part.

``Composer`` does the work once per issue (the editions rendered, their bodies encoded as
quoted-printable, the headers every message shares) and then, per subscriber, only what is theirs:
To, Date, Message-ID, the List-Unsubscribe headers (RFC 2369, and RFC 8058's one-click
``List-Unsubscribe-Post``), the encoded unsubscribe line, and the DKIM signature (dkimpy) when a
key is configured, which covers both List-Unsubscribe headers.
"""

from __future__ import annotations

import binascii
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid
from html import escape

from precis.mail.config import Dkim

CRLF = "\r\n"
#: The headers a DKIM signature covers (the two List-Unsubscribe headers among them, as bulk
#: senders must sign them).
SIGNED_HEADERS = (
    "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
    "List-Unsubscribe", "List-Unsubscribe-Post",
)
ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class Edition:
    """An issue as it goes out: the subject (the issue's heading) and its two renderings."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Message:
    data: bytes  # the whole message, CRLF line ends, signed when a key is configured
    message_id: str


def text_footer(unsubscribe: str) -> str:
    """The line added at the end of the text part."""
    return f"\nUnsubscribe: {unsubscribe}\n"


def html_footer(unsubscribe: str) -> str:
    """The paragraph added before the end of the HTML part's body."""
    return (f'<p class="unsubscribe" style="font-size:12px;color:#666">'
            f'<a href="{escape(unsubscribe)}">Unsubscribe</a></p>\n')


def _qp(text: str) -> str:
    """Quoted-printable of a text (CRLF line ends; lines of at most 76 characters)."""
    crlf = text.replace("\r\n", "\n").replace("\n", CRLF)
    return binascii.b2a_qp(crlf.encode("utf-8"), istext=True).decode("ascii")


def _qp_head(text: str) -> str:
    """Quoted-printable of the first piece of a part: it ends at a line break (a soft one if the
    text does not end with one), so that the encoding of the next piece can follow."""
    encoded = _qp(text)
    return encoded if encoded.endswith(CRLF) else encoded + "=" + CRLF


def _fold(name: str, value: str) -> str:
    """A header with non-ASCII words encoded (RFC 2047) and long lines folded (made once per issue:
    it is slow)."""
    return str(SMTP.header_factory(name, value).fold(policy=SMTP))


class Composer:
    """Makes each subscriber's message of one edition (see the module doc)."""

    def __init__(self, edition: Edition, mail_from: str, dkim_key: Dkim | None = None) -> None:
        self.edition = edition
        self.dkim = dkim_key
        self.sender = mail_from
        self.domain = mail_from.rpartition("@")[2].rstrip(">") or "localhost"
        self.boundary = f"=_precis_{secrets.token_hex(12)}"
        html = edition.html
        cut = html.rfind("</body>")
        cut = len(html) if cut < 0 else cut
        self._html_head, self._html_tail = _qp_head(html[:cut]), html[cut:]
        self._text = _qp_head(edition.text if edition.text.endswith("\n") or not edition.text
                              else edition.text + "\n")
        self._shared = (
            _fold("From", mail_from) + _fold("Subject", edition.subject) + "MIME-Version: 1.0" + CRLF
            + f'Content-Type: multipart/alternative; boundary="{self.boundary}"' + CRLF
        )
        self._part = f"Content-Type: text/{{}}; charset=utf-8{CRLF}Content-Transfer-Encoding: quoted-printable{CRLF}"
        address = mail_from.rpartition("<")[2].rstrip(">").strip()
        self._mailto = f"mailto:{address}?subject=unsubscribe"
        if self.dkim is not None:
            # Imported only to sign: dkimpy loads a DNS resolver, a quarter of a second that every
            # command importing the mail modules would pay.
            import dkim  # type: ignore[import-untyped]

            self._sign = dkim.sign
            self._selector, self._domain = self.dkim.selector.encode(), self.dkim.domain.encode()
            self._headers = [h.encode() for h in SIGNED_HEADERS]

    def message(self, to: str, name: str | None, unsubscribe: str) -> Message:
        """The message for one address, with its unsubscribe link."""
        message_id = make_msgid(domain=self.domain)
        headers = (
            f"To: {formataddr((name or '', to), charset='utf-8')}{CRLF}" + self._shared
            + f"Date: {format_datetime(datetime.now(UTC))}" + CRLF + f"Message-ID: {message_id}" + CRLF
            + f"List-Unsubscribe: <{unsubscribe}>,{CRLF} <{self._mailto}>{CRLF}"
            + f"List-Unsubscribe-Post: {ONE_CLICK}" + CRLF
        )
        b = self.boundary
        body = (
            f"This is a multipart message in MIME format.{CRLF}--{b}{CRLF}" + self._part.format("plain") + CRLF
            + self._text + _qp(text_footer(unsubscribe))
            + f"{CRLF}--{b}{CRLF}" + self._part.format("html") + CRLF
            + self._html_head + _qp(html_footer(unsubscribe) + self._html_tail)
            + f"{CRLF}--{b}--{CRLF}"
        )
        data = (headers + CRLF + body).encode("ascii")
        if self.dkim is not None:
            signature = self._sign(data, self._selector, self._domain, self.dkim.key, include_headers=self._headers)
            data = signature + data
        return Message(data, message_id)
