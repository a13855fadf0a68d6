"""Sessions and tokens sign people in, and only while they are valid."""

from __future__ import annotations

from sqlalchemy import select

from precis.model import Credential
from precis.newsroom import credentials


def test_a_token_is_stored_only_as_its_hash_and_signs_its_person_in(team):
    secret = credentials.issue_token(team.store, team.people["editor"])
    with team.store.session() as s:
        stored = s.scalars(select(Credential.secret_hash)).all()
    assert secret not in stored and credentials.digest(secret) in stored
    person = credentials.person_for(team.store, secret, "token")
    assert person is not None and person.email == "editor@example.org"
    assert credentials.person_for(team.store, secret, "session") is None  # a token is not a session
    other_last = "x" if secret[-1] != "x" else "y"  # a changed secret, whatever its last character was
    assert credentials.person_for(team.store, secret[:-1] + other_last, "token") is None


def test_a_signed_out_session_signs_nobody_in(team):
    secret = credentials.start_session(team.store, team.people["contributor"])
    assert credentials.person_for(team.store, secret, "session") is not None
    credentials.end_session(team.store, secret)
    assert credentials.person_for(team.store, secret, "session") is None


def test_the_app_secret_is_made_once_and_shared(team):
    assert credentials.app_secret(team.store, "csrf") == credentials.app_secret(team.store, "csrf")
    assert credentials.app_secret(team.store, "csrf") != credentials.app_secret(team.store, "links")
