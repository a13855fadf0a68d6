"""Signing in and out, invitations, the sign-in limit, cookies, CSRF and where a sign-in may lead."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from precis.errors import PrecisError
from precis.model import Credential, LoginAttempt, Person, utcnow
from precis.newsroom import credentials, people
from precis.web.app import create_app
from precis.web.auth import CSRF_COOKIE, SESSION_COOKIE, middleware, safe_next
from precis.web.newsroom import newsroom_routes
from tests.newsroom.conftest import PASSWORD


@pytest.fixture
def app(team):
    return create_app(team.store, team.site)


def browser(app, base_url: str = "http://testserver") -> TestClient:
    """A client that behaves like a browser: no CSRF header, only what the pages give it."""
    return TestClient(app, base_url=base_url, follow_redirects=False)


def form_token(html: str) -> str:
    found = re.search(r'name="csrftoken" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str, next_: str = "") -> object:
    page = client.get("/newsroom/login", params={"next": next_} if next_ else None)
    assert page.status_code == 200
    return client.post("/newsroom/login", data={
        "email": email, "password": password, "next": next_, "csrftoken": form_token(page.text),
    })


def alert(html: str) -> str:
    found = re.search(r'role="alert">([^<]*)<', html)
    return found.group(1) if found else ""


def test_the_right_password_signs_in_with_a_safe_cookie_and_goes_where_asked(app):
    client = browser(app)
    answer = sign_in(client, "Owner@Example.org ", PASSWORD, "/newsroom/people")
    assert answer.status_code == 303 and answer.headers["location"] == "/newsroom/people"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    assert client.get("/newsroom/people").status_code == 200
    again = client.get("/newsroom/login", params={"next": "/newsroom/people"})  # already signed in
    assert again.status_code == 303 and again.headers["location"] == "/newsroom/people"


def test_the_session_cookie_is_secure_behind_https(team, app):
    over_https = sign_in(browser(app, "https://testserver"), "owner@example.org", PASSWORD)
    assert "Secure" in over_https.headers["set-cookie"]
    # Behind a proxy that ends https, the app is told so: middleware(store, secure_cookies=True).
    behind_proxy = Starlette(routes=[Mount("/newsroom", routes=newsroom_routes())],
                             middleware=middleware(team.store, secure_cookies=True))
    behind_proxy.state.store = team.store
    proxied = browser(behind_proxy)  # the proxy speaks http to the app; the browser spoke https
    token = form_token(proxied.get("/newsroom/login").text)
    proxied.cookies.set(CSRF_COOKIE, token)  # a browser on https sends the Secure CSRF cookie back
    answer = proxied.post("/newsroom/login", data={"email": "owner@example.org", "password": PASSWORD,
                                                   "csrftoken": token})
    assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]


def test_a_failed_sign_in_says_the_same_whether_the_email_exists(app):
    client = browser(app)
    wrong_password = sign_in(client, "editor@example.org", "not the password", "/newsroom/people")
    nobody = sign_in(client, "nobody@example.org", "not the password")
    for answer in (wrong_password, nobody):
        assert answer.status_code == 400 and SESSION_COOKIE not in answer.headers.get("set-cookie", "")
        assert alert(answer.text) == "wrong email or password"
    # The form shown again still leads where the person was going.
    assert '<input type="hidden" name="next" value="/newsroom/people">' in wrong_password.text
    assert 'name="email" value="editor@example.org"' in wrong_password.text


def test_a_deactivated_person_cannot_sign_in(team, app):
    people.change_person(team.store, None, team.people["editor"].id, active=False)
    answer = sign_in(browser(app), "editor@example.org", PASSWORD)
    assert answer.status_code == 400 and alert(answer.text) == "wrong email or password"


def test_the_sixth_failure_is_refused_even_with_the_right_password_in_every_worker(team, app):
    other_worker = browser(create_app(team.store, team.site))  # a second app on the same store
    client = browser(app)
    for n in range(5):
        answer = sign_in(client if n % 2 else other_worker, "editor@example.org", f"guess number {n}")
        assert answer.status_code == 400
    for worker in (client, other_worker):
        refused = sign_in(worker, "editor@example.org", PASSWORD)
        assert refused.status_code == 429 and SESSION_COOKIE not in refused.headers.get("set-cookie", "")
        assert alert(refused.text) == "too many failed sign-ins for editor@example.org; try again in 15 minutes"
    # Someone else is not locked out by it.
    assert sign_in(client, "contributor@example.org", PASSWORD).status_code == 303


def test_one_address_is_limited_across_emails(team):
    with team.store.session(by="test") as s:  # as failed sign-ins leave them, for many emails
        s.add_all(
            LoginAttempt(email=f"someone{n}@example.org", address="203.0.113.9")
            for n in range(people.MAX_FAILURES_PER_ADDRESS)
        )
    with pytest.raises(people.TooManyFailures) as refused:
        people.login(team.store, "owner@example.org", PASSWORD, "203.0.113.9")
    assert str(refused.value) == "too many failed sign-ins from 203.0.113.9; try again in 15 minutes"
    assert people.login(team.store, "owner@example.org", PASSWORD, "198.51.100.1").email == "owner@example.org"


def test_failures_older_than_the_window_are_forgotten_and_pruned(team):
    long_ago = utcnow() - people.FAILURE_WINDOW - timedelta(minutes=1)
    with team.store.session(by="test") as s:
        s.add_all(LoginAttempt(email="editor@example.org", address="192.0.2.1", at=long_ago) for _ in range(9))
    assert people.login(team.store, "editor@example.org", PASSWORD, "192.0.2.1").email == "editor@example.org"
    with team.store.session() as s:
        assert s.scalars(select(LoginAttempt)).all() == []


def test_signing_out_ends_the_session_on_the_server(team, app):
    client = browser(app)
    sign_in(client, "owner@example.org", PASSWORD)
    secret = client.cookies[SESSION_COOKIE]
    page = client.get("/newsroom/people")
    answer = client.post("/newsroom/logout", data={"csrftoken": form_token(page.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/newsroom/login"
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"] and "Max-Age=0" in answer.headers["set-cookie"]
    assert credentials.person_for(team.store, secret, "session") is None
    replayed = browser(app)  # someone who kept a copy of the cookie
    replayed.cookies.set(SESSION_COOKIE, secret)
    assert replayed.get("/newsroom/people").headers["location"].startswith("/newsroom/login")


@pytest.mark.parametrize("target", [
    "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "evil.example",
    "/\t/evil.example", " //evil.example",
])
def test_a_sign_in_never_leads_off_the_site(app, target):
    assert safe_next(target) == "/newsroom/"
    answer = sign_in(browser(app), "editor@example.org", PASSWORD, target)
    assert answer.status_code == 303 and answer.headers["location"] == "/newsroom/"


def test_a_sign_in_keeps_a_path_of_the_site_with_its_query():
    assert safe_next("/newsroom/pipeline?status=draft") == "/newsroom/pipeline?status=draft"


def invitation_for(team, email: str = "dan@example.org") -> str:
    person = people.add_person(team.store, "Dan Hendrycks", email, "contributor", ["Dan H"])
    return people.invite(team.store, person)


def test_an_invitation_sets_a_password_once(team, app):
    link = invitation_for(team)
    assert re.fullmatch(r"/newsroom/invitation/[\w.-]+", link)
    client = browser(app)
    form = client.get(link)
    assert form.status_code == 200 and "Dan Hendrycks" in form.text
    token = form_token(form.text)
    differ = client.post(link, data={"password": "a long password", "again": "another one", "csrftoken": token})
    assert differ.status_code == 400 and alert(differ.text) == "the two passwords differ"
    short = client.post(link, data={"password": "short", "again": "short", "csrftoken": token})
    assert short.status_code == 400 and alert(short.text) == "a password needs at least 10 characters"
    done = client.post(link, data={"password": "a long password", "again": "a long password", "csrftoken": token})
    assert done.status_code == 303 and SESSION_COOKIE in done.headers["set-cookie"]
    assert people.login(team.store, "dan@example.org", "a long password", "192.0.2.7").name == "Dan Hendrycks"
    again = browser(app).get(link)
    assert again.status_code == 410
    assert alert(again.text) == "this invitation link was already used or replaced; ask an owner for a new one"
    with team.store.session() as s:
        assert s.scalars(select(Credential).where(Credential.kind == "invitation")).all() == []


def test_a_forged_expired_or_replaced_invitation_is_refused(team, app, monkeypatch):
    link = invitation_for(team)
    forged = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    answer = browser(app).get(forged)
    assert answer.status_code == 404 and alert(answer.text) == "this invitation link is not valid"

    newer = people.invite(team.store, people.find_person(team.store, "dan@example.org"))
    assert browser(app).get(link).status_code == 410 and browser(app).get(newer).status_code == 200

    import itsdangerous.timed

    later = itsdangerous.timed.time.time() + credentials.INVITATION_LIFETIME.total_seconds() + 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    expired = browser(app).get(newer)
    assert expired.status_code == 410
    assert alert(expired.text) == "this invitation link has expired; ask an owner for a new one"


def test_a_form_post_without_the_csrf_token_is_refused(team, app):
    client = browser(app)
    client.cookies.set(SESSION_COOKIE, credentials.start_session(team.store, team.people["owner"]))
    page = client.get("/newsroom/people")
    contributor = team.people["contributor"]
    change = {"role": "editor", "aliases": "Flo", "active": "on"}
    refused = client.post(f"/newsroom/people/{contributor.id}", data=change)
    assert refused.status_code == 403
    assert people.get_person(team.store, contributor.id).role == "contributor"
    done = client.post(f"/newsroom/people/{contributor.id}", data={**change, "csrftoken": form_token(page.text)})
    assert done.status_code == 303
    assert people.get_person(team.store, contributor.id).role == "editor"


def test_the_login_form_itself_needs_the_csrf_token(app):
    # Else another site could sign a visitor in as the attacker (login CSRF).
    answer = browser(app).post("/newsroom/login", data={"email": "owner@example.org", "password": PASSWORD})
    assert answer.status_code == 403 and SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_a_password_is_kept_only_as_an_argon2_hash(team):
    dan = people.add_person(team.store, "Dan", "dan@example.org", "editor", password="sesame sesame")
    with team.store.session() as s:
        stored = s.get(Person, dan.id)
        assert stored is not None and stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$") and "sesame" not in stored.password_hash
    assert people.verify_password(stored.password_hash, "sesame sesame")
    assert not people.verify_password(stored.password_hash, "sesame")
    with pytest.raises(PrecisError, match="must not be the email address"):
        people.set_password(team.store, dan.id, "DAN@example.org")


def test_a_hash_made_with_old_parameters_is_renewed_at_sign_in(team):
    old = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    with team.store.session(by="test") as s:
        person = s.get(Person, team.people["editor"].id)
        assert person is not None
        person.password_hash = old
    people.login(team.store, "editor@example.org", PASSWORD, "192.0.2.3")
    renewed = people.get_person(team.store, team.people["editor"].id).password_hash
    assert renewed != old and renewed is not None and not PasswordHasher().check_needs_rehash(renewed)


def test_errors_are_pages_in_the_newsroom_and_json_in_the_api(app):
    page = browser(app).get("/newsroom/no-such-page")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    api = browser(app).get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json() == {"error": "Not Found"}
