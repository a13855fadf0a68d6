"""Delivery to a relay that wants TLS and a login, as Amazon SES, Postmark or Mailgun do: STARTTLS on
smtp://, TLS from the start on smtps://, the user and password of PRECIS_SMTP_URL, and the relay's
certificate checked (here a certificate made for the test, trusted through SSL_CERT_FILE)."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from precis.errors import PrecisError
from precis.mail.config import MailConfig
from precis.mail.delivery import send_test
from precis.store import Store
from tests.mailserver import Handler, free_port

USER, PASSWORD = "relay-user", "s3cret:with@odd/chars"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def _authenticate(_server: Any, session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok)


@contextmanager
def relay(certificate: tuple[Path, Path], *, implicit: bool) -> Iterator[tuple[Handler, int]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    handler = Handler()
    port = free_port()
    # smtps: the whole connection is TLS (aiosmtpd then does not see it as such: AUTH allowed as is);
    # smtp: STARTTLS required before anything, and before a login.
    tls: dict[str, Any] = {"ssl_context": context, "auth_require_tls": False} if implicit else {
        "tls_context": context, "require_starttls": True, "auth_require_tls": True}
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=_authenticate,
                            server_hostname="localhost", **tls)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _config(url: str) -> MailConfig:
    return MailConfig.from_environment({
        "PRECIS_SMTP_URL": url, "PRECIS_MAIL_FROM": "news@example.org", "PRECIS_BASE_URL": "https://news.example.org/",
    })


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_a_relay_wanting_tls_and_a_login_gets_both(sample_store: Store, certificate, monkeypatch, implicit) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    scheme = "smtps" if implicit else "smtp"
    quoted = "s3cret%3Awith%40odd%2Fchars"
    with relay(certificate, implicit=implicit) as (handler, port):
        report = send_test(sample_store, "SN #1", ["reader@example.org"], _config(
            f"{scheme}://{USER}:{quoted}@localhost:{port}"))
        assert (report.sent, report.deferred, report.bounced) == (1, 0, 0)
        assert [m.recipients for m in handler.messages] == [["reader@example.org"]]


def test_a_relay_whose_certificate_is_not_trusted_is_not_sent_to(sample_store: Store, certificate) -> None:
    with relay(certificate, implicit=True) as (handler, port), pytest.raises((PrecisError, OSError)):
        send_test(sample_store, "SN #1", ["reader@example.org"], _config(
            f"smtps://{USER}:x@localhost:{port}"))
    assert handler.messages == []
