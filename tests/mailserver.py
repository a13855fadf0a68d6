"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), keeping every message it accepts.

``refuse`` makes it answer an address at RCPT TO with a given reply ("550 5.1.1 no such user",
"451 4.3.0 try later"), as a relay does for a bounced or a deferred address. ``dkim_key`` makes a
DKIM key and the DNS answer ``dkim.verify`` needs; ``part_text`` and ``signed_headers`` read a
message received.
"""

from __future__ import annotations

import base64
import email
import email.policy
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes  # the message exactly as it arrived (what DKIM verification reads)

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Handler:
    messages: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> the reply at RCPT TO
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        reply = self.refuse.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            received = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
            self.messages.append(received)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address.lower() in (r.lower() for r in m.recipients)]


@dataclass
class MailServer:
    host: str
    port: int
    handler: Handler

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def mail_server() -> Iterator[MailServer]:
    """An SMTP server on a free port of 127.0.0.1 for the duration of the block."""
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), decode_data=False)
    controller.start()
    try:
        yield MailServer("127.0.0.1", controller.port, handler)
    finally:
        controller.stop()


@dataclass
class DkimKey:
    """A fresh RSA key for DKIM (``openssl genrsa``) and the DNS answer that publishes it."""

    path: Path
    public: str  # base64 of the DER public key: the p= of the TXT record

    def dnsfunc(self, name: bytes, timeout: int = 5) -> bytes:
        """What dkim.verify asks DNS for SELECTOR._domainkey.DOMAIN: the TXT record."""
        return f"v=DKIM1; k=rsa; p={self.public}".encode()

    def env(self, selector: str = "test", domain: str = "example.org") -> dict[str, str]:
        return {"PRECIS_DKIM_KEY": str(self.path), "PRECIS_DKIM_SELECTOR": selector, "PRECIS_DKIM_DOMAIN": domain}


def dkim_key(folder: Path) -> DkimKey:
    path = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True)
    der = subprocess.run(["openssl", "rsa", "-in", str(path), "-pubout", "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return DkimKey(path, base64.b64encode(der).decode())


def part_text(message: EmailMessage, subtype: str) -> str:
    """The decoded text of the message's text/SUBTYPE part, line ends as Python writes them."""
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None and part.get_content_type() == f"text/{subtype}", message.get_content_type()
    text: str = part.get_content()
    return text.replace("\r\n", "\n")


def signed_headers(data: bytes) -> list[str]:
    """The h= list of a message's DKIM-Signature, lower-cased."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    signature = "".join(str(message["DKIM-Signature"]).split())
    tags = dict(t.split("=", 1) for t in signature.split(";") if "=" in t)
    return [h.lower() for h in tags["h"].split(":")]
