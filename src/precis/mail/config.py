"""Where and how mail goes, read from the environment (``MailConfig.from_environment``).

``PRECIS_SMTP_URL`` names the relay: ``smtp://user:password@host:587`` (STARTTLS when the server
offers it) or ``smtps://user:password@host:465`` (TLS from the first byte); the user and password
are percent-decoded. ``PRECIS_MAIL_FROM`` is the From address, ``PRECIS_BASE_URL`` the public
address of ``precis serve`` (where unsubscribe and confirmation links point). ``PRECIS_DKIM_KEY``
(a PEM file), ``PRECIS_DKIM_SELECTOR`` and ``PRECIS_DKIM_DOMAIN`` turn DKIM signing on.
``PRECIS_SMTP_RATE`` (messages a second, 0 for no limit) and ``PRECIS_SMTP_CONCURRENCY``
(connections in parallel) shape a send. A wrong value is an ``InvalidValue`` naming its variable;
the password is never shown (``MailConfig.display``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from precis.errors import InvalidValue, PrecisError
from precis.mail.addresses import is_email

SMTP_URL, MAIL_FROM, BASE_URL = "PRECIS_SMTP_URL", "PRECIS_MAIL_FROM", "PRECIS_BASE_URL"
DKIM_KEY, DKIM_SELECTOR, DKIM_DOMAIN = "PRECIS_DKIM_KEY", "PRECIS_DKIM_SELECTOR", "PRECIS_DKIM_DOMAIN"
RATE, CONCURRENCY = "PRECIS_SMTP_RATE", "PRECIS_SMTP_CONCURRENCY"
DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 64
PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class SmtpServer:
    """The relay of ``PRECIS_SMTP_URL``, parsed."""

    tls: bool  # smtps: TLS from the start (else STARTTLS when offered)
    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def display(self) -> str:
        """The URL without its password."""
        who = f"{self.user}@" if self.user else ""
        return f"{'smtps' if self.tls else 'smtp'}://{who}{self.host}:{self.port}"

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        shown = _without_password(url)
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise InvalidValue(SMTP_URL, shown, f"not a URL ({exc})") from None
        if parts.scheme not in PORTS:
            raise InvalidValue(SMTP_URL, shown, "write smtp://user:password@host:port or smtps://…")
        if not parts.hostname:
            raise InvalidValue(SMTP_URL, shown, "no host: write smtp://user:password@host:port")
        return cls(
            tls=parts.scheme == "smtps", host=parts.hostname, port=port or PORTS[parts.scheme],
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password is not None else None,
        )


@dataclass(frozen=True)
class Dkim:
    """What signs every message: the private key (PEM bytes), its selector and domain."""

    key: bytes = field(repr=False)
    selector: str
    domain: str


@dataclass(frozen=True)
class MailConfig:
    smtp_url: SmtpServer | None = None
    mail_from: str | None = None
    base_url: str | None = None
    dkim_key: Path | None = None
    dkim_selector: str | None = None
    dkim_domain: str | None = None
    rate: float = 0.0  # messages a second over all connections; 0: as fast as the server takes them
    concurrency: int = DEFAULT_CONCURRENCY
    dkim: Dkim | None = None  # the key read from ``dkim_key``, with its selector and domain
    #: A refused-for-now (4xx) message is tried this many times in all, waiting ``backoff`` seconds,
    #: then twice as long …, before it is left deferred for a later send.
    tries: int = 3
    backoff: float = 1.0

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> MailConfig:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        smtp = SmtpServer.parse(env[SMTP_URL]) if get(SMTP_URL) else None
        mail_from = get(MAIL_FROM)
        if mail_from is not None and not is_email(parseaddr(mail_from)[1]):
            raise InvalidValue(MAIL_FROM, mail_from, "not an email address (write news@example.org or "
                                                     "'Alignment Newsletter <news@example.org>')")
        base_url = get(BASE_URL)
        if base_url is not None:
            parts = urlsplit(base_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise InvalidValue(BASE_URL, base_url, "write the public address of the server, "
                                                       "e.g. https://news.example.org")
            base_url = base_url.rstrip("/")
        key_path = Path(env[DKIM_KEY].strip()) if get(DKIM_KEY) else None
        selector, domain = get(DKIM_SELECTOR), get(DKIM_DOMAIN)
        dkim = None
        if key_path is not None:
            dkim = _dkim(key_path, selector, domain or _domain_of(mail_from))
        return cls(
            smtp_url=smtp, mail_from=mail_from, base_url=base_url, dkim_key=key_path,
            dkim_selector=selector, dkim_domain=domain, rate=_number(get(RATE), RATE, 0.0),
            concurrency=_concurrency(get(CONCURRENCY)), dkim=dkim,
        )

    def require_smtp(self) -> SmtpServer:
        """The relay, or a one-line error naming what to set."""
        if self.smtp_url is None:
            raise PrecisError(f"no SMTP server configured: set {SMTP_URL} "
                              "(e.g. smtp://user:password@smtp.example.org:587)")
        if self.mail_from is None:
            raise PrecisError(f"no sender configured: set {MAIL_FROM} (e.g. news@example.org)")
        return self.smtp_url

    def require_base_url(self) -> str:
        """The public address links in a message point to, or a one-line error naming it."""
        if self.base_url is None:
            raise PrecisError(f"no public address for unsubscribe and confirmation links: set {BASE_URL} "
                              "(e.g. https://news.example.org, where precis serve answers)")
        return self.base_url

    @property
    def sender(self) -> str:
        """The bare address of ``mail_from`` (the envelope sender)."""
        return parseaddr(self.mail_from or "")[1]


def _without_password(url: str) -> str:
    try:
        parts = urlsplit(url.strip())
        if parts.password is None:
            return url.strip()
        netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
        return parts._replace(netloc=netloc).geturl()
    except ValueError:
        return "(a URL that cannot be read)"


def _domain_of(mail_from: str | None) -> str | None:
    address = parseaddr(mail_from or "")[1]
    return address.rpartition("@")[2] or None


def _dkim(path: Path, selector: str | None, domain: str | None) -> Dkim:
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise InvalidValue(DKIM_KEY, str(path), f"cannot read it ({exc.strerror})") from None
    # Imported here: dkimpy loads a DNS resolver, a quarter of a second that every command would pay.
    from dkim.crypto import UnparsableKeyError, parse_pem_private_key  # type: ignore[import-untyped]

    try:
        parse_pem_private_key(key)
    except (UnparsableKeyError, ValueError, IndexError):
        raise InvalidValue(DKIM_KEY, str(path), "not an RSA private key in PEM form (-----BEGIN PRIVATE "
                                                "KEY----- or -----BEGIN RSA PRIVATE KEY-----)") from None
    if selector is None:
        raise InvalidValue(DKIM_SELECTOR, "", f"set it with {DKIM_KEY}: the name of the DNS record "
                                              "SELECTOR._domainkey.DOMAIN holding the public key")
    if domain is None:
        raise InvalidValue(DKIM_DOMAIN, "", f"set it with {DKIM_KEY} (or set {MAIL_FROM})")
    return Dkim(key, selector, domain)


def _number(text: str | None, name: str, default: float) -> float:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise InvalidValue(name, text, "give messages a second as a number (0: no limit)")
    return value


def _concurrency(text: str | None) -> int:
    if text is None:
        return DEFAULT_CONCURRENCY
    if not text.isdigit() or not 1 <= int(text) <= MAX_CONCURRENCY:
        raise InvalidValue(CONCURRENCY, text, f"give a whole number of connections from 1 to {MAX_CONCURRENCY}")
    return int(text)
