"""Fixtures for the newsroom: the sample store with three people, and clients signed in as each.

``team`` is a store of the shipped sample with an owner, an editor and a contributor (password
``PASSWORD`` each). ``client_as(role)`` is a TestClient of the whole app signed in with a session
cookie (made by ``credentials.start_session``) that sends a valid CSRF token header on every request,
as the pages' htmx does; ``client_as(None)`` is anonymous. ``token_of(role)`` is an API token.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from asgi_csrf import DEFAULT_SIGNING_NAMESPACE
from itsdangerous.url_safe import URLSafeSerializer
from starlette.testclient import TestClient

from precis.model import Person
from precis.newsroom import credentials
from precis.store import Store
from precis.web.app import create_app
from precis.web.auth import CSRF_COOKIE, SESSION_COOKIE
from tests.helpers import load_sample

PASSWORD = "correct horse battery staple"
ROLES = ("owner", "editor", "contributor")
NAMES = {"owner": "Olive Owner", "editor": "Rohin Shah", "contributor": "Flo Dorner"}
ALIASES = {"owner": [], "editor": ["Rohin"], "contributor": ["Flo"]}


@dataclass
class Team:
    store: Store
    people: dict[str, Person]  # role -> person (detached)
    site: Path


@functools.cache
def password_hash() -> str:
    """``PASSWORD``'s argon2 hash, made once (hashing is slow on purpose)."""
    return PasswordHasher().hash(PASSWORD)


def make_team(store: Store) -> dict[str, Person]:
    hashed = password_hash()
    people = {}
    with store.session(by="test") as s:
        for role in ROLES:
            p = Person(
                name=NAMES[role], email=f"{role}@example.org", role=role, aliases=ALIASES[role],
                password_hash=hashed, active=True,
            )
            s.add(p)
            people[role] = p
        s.flush()
        for p in people.values():
            s.expunge(p)
    return people


def team_in(folder: Path) -> Iterator[Team]:
    """A team's store in ``folder`` while the generator runs (closed after)."""
    store = load_sample(Store(str(folder / "newsroom.db")))
    (folder / "site").mkdir()
    yield Team(store, make_team(store), folder / "site")
    store.close()


@pytest.fixture
def team(tmp_path: Path) -> Iterator[Team]:
    yield from team_in(tmp_path)


def csrf_pair(store: Store) -> str:
    """A CSRF token as asgi-csrf signs it (the cookie's value, sent back in the header)."""
    return URLSafeSerializer(credentials.app_secret(store, "csrf")).dumps(
        secrets.token_hex(16), DEFAULT_SIGNING_NAMESPACE
    )


@pytest.fixture
def client_as(team: Team) -> Iterator[Callable[[str | None], TestClient]]:
    app = create_app(team.store, team.site)
    made: list[TestClient] = []

    def make(role: str | None) -> TestClient:
        client = TestClient(app, follow_redirects=False)
        token = csrf_pair(team.store)
        client.cookies.set(CSRF_COOKIE, token)
        client.headers["x-csrftoken"] = token
        if role is not None:
            client.cookies.set(SESSION_COOKIE, credentials.start_session(team.store, team.people[role]))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def token_of(team: Team) -> Callable[[str], str]:
    return lambda role: credentials.issue_token(team.store, team.people[role])
