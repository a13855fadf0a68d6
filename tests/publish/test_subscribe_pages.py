"""Double opt-in through the real app and a real SMTP server: sign up, follow the emailed link,
unsubscribe from the page; tampered and expired links give a clear page; a GET changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import lxml.html
import pytest
from starlette.testclient import TestClient

from precis.mail import links, subscribers
from precis.web.app import create_app
from tests.mailserver import mail_server, part_text

BASE = "https://news.example.org"


@pytest.fixture
def site(sample_store, tmp_path, monkeypatch):
    with mail_server() as server:
        monkeypatch.setenv("PRECIS_SMTP_URL", server.url)
        monkeypatch.setenv("PRECIS_MAIL_FROM", "Sample Newsletter <news@example.org>")
        monkeypatch.setenv("PRECIS_BASE_URL", BASE)
        (tmp_path / "site").mkdir()
        client = TestClient(create_app(sample_store, tmp_path / "site"), follow_redirects=False)
        yield client, server, sample_store


def _csrf(page_html: str) -> str:
    (token,) = lxml.html.fromstring(page_html).xpath("//input[@name='csrftoken']/@value")
    return str(token)


def _sign_up(client: TestClient, email: str, name: str = "Ada") -> str:
    form = client.get("/subscribe")
    assert form.status_code == 200
    answer = client.post("/subscribe", data={"email": email, "name": name, "csrftoken": _csrf(form.text)})
    assert answer.status_code == 200, answer.text
    return answer.text.replace(email.lower(), "ADDRESS")


def _link(server, address: str) -> str:
    (received,) = server.handler.to(address)
    text = part_text(received.message, "plain")
    found = re.search(re.escape(BASE) + r"(/subscribe/confirm/\S+)", text)
    assert found, text
    return found.group(1)


def _status(store, email: str) -> str:
    return next(s.status for s in subscribers.list_subscribers(store) if s.email == email)


def test_signing_up_emails_a_link_that_confirms(site):
    client, server, store = site
    page = _sign_up(client, "Ada@Example.org")
    assert "Check your inbox" in page
    assert _status(store, "ada@example.org") == "unconfirmed"
    answer = client.get(_link(server, "ada@example.org"))
    assert answer.status_code == 200 and "You are subscribed" in answer.text
    assert _status(store, "ada@example.org") == "confirmed"
    kinds = [e.kind for e in subscribers.history(store, "ada@example.org")[1]]
    assert kinds == ["subscribed", "confirmation sent", "confirmed"]


def test_the_answer_is_the_same_for_a_known_address_and_an_address_is_emailed_once_in_a_while(site):
    client, server, store = site
    subscribers.add(store, "known@example.org")
    assert _sign_up(client, "known@example.org") == _sign_up(client, "new@example.org")
    _sign_up(client, "new@example.org")
    assert server.handler.to("known@example.org") == []  # already confirmed: nothing to confirm
    assert len(server.handler.to("new@example.org")) == 1  # asked twice: one email
    bad = client.post("/subscribe", data={"email": "not an address", "csrftoken": _csrf(client.get("/subscribe").text)})
    assert bad.status_code == 422 and "is not an email address" in bad.text


def test_a_tampered_or_expired_confirmation_link_gives_a_clear_page(site, monkeypatch):
    client, server, store = site
    _sign_up(client, "bea@example.org")
    link = _link(server, "bea@example.org")
    tampered = client.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"))
    assert tampered.status_code == 400 and "This link does not work" in tampered.text
    assert "not valid" in tampered.text
    monkeypatch.setattr(links, "CONFIRM_LIFETIME", timedelta(seconds=-1))
    expired = client.get(link)
    assert expired.status_code == 410 and "has expired" in expired.text
    assert _status(store, "bea@example.org") == "unconfirmed"


def test_get_unsubscribe_changes_nothing_and_its_button_unsubscribes_without_redirect(site):
    client, _server, store = site
    sub = subscribers.add(store, "cy@example.org")
    token = links.Signer.of(store).unsubscribe_token(sub.id, None)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop sending Sample Newsletter to cy@example.org?" in page.text
    assert _status(store, "cy@example.org") == "confirmed"
    assert client.cookies.get("precis_csrf")  # the browser holds the CSRF cookie: the form's token passes
    pressed = client.post(f"/unsubscribe/{token}", data={"csrftoken": _csrf(page.text)})
    assert pressed.status_code == 200 and "You are unsubscribed" in pressed.text
    assert _status(store, "cy@example.org") == "unsubscribed"
    assert subscribers.history(store, "cy@example.org")[1][-1].detail["how"] == "page"
    assert client.post(f"/unsubscribe/{token}", data={}).status_code == 403  # cookie, no token: CSRF
    assert client.get("/unsubscribe/review-copy").status_code == 400
