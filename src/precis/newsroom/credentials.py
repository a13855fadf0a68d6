"""Secrets that stand for a person: API tokens, login sessions, invitations; and the app's keys.

A secret is 32 random bytes (URL-safe text) handed out once; the store keeps only its SHA-256
(``Credential.secret_hash``), so a copy of the database signs nobody in. Sessions and invitations
expire; tokens last until revoked. The keys the app signs with (``app_secret``) live in the store,
so every worker process of ``precis serve --workers N`` shares them and a restart keeps everyone
signed in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from precis.model import AppSecret, Credential, Person, utcnow
from precis.store import Store

TOKEN, SESSION, INVITATION = "token", "session", "invitation"
SESSION_LIFETIME = timedelta(days=14)
INVITATION_LIFETIME = timedelta(days=7)
#: How stale ``last_used_at`` may get before a use writes it again (a write on every request would
#: make every read a writer).
_TOUCH_EVERY = timedelta(minutes=5)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the store keeps of a secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def issue(
    session: Session, person: Person, kind: str, lifetime: timedelta | None = None, label: str | None = None
) -> str:
    """A new secret of ``kind`` for the person (in the caller's transaction); returned once."""
    secret = new_secret()
    session.add(Credential(
        person_id=person.id, kind=kind, secret_hash=digest(secret), label=label,
        expires_at=utcnow() + lifetime if lifetime is not None else None,
    ))
    return secret


def issue_token(store: Store, person: Person, label: str | None = None) -> str:
    """A new API token for the person: sent as ``Authorization: Bearer <token>``."""
    with store.session(by="newsroom") as s:
        return issue(s, person, TOKEN, label=label)


def start_session(store: Store, person: Person) -> str:
    """A new login session for the person: the value of the session cookie."""
    with store.session(by="newsroom") as s:
        return issue(s, person, SESSION, SESSION_LIFETIME)


def end_session(store: Store, secret: str) -> None:
    """Sign a session out: its secret no longer signs anyone in, in any process."""
    with store.session(by="newsroom") as s:
        s.execute(delete(Credential).where(Credential.kind == SESSION, Credential.secret_hash == digest(secret)))


def find(session: Session, secret: str, kind: str) -> tuple[Credential, Person] | None:
    """The live credential of ``kind`` a secret stands for, and its (active) person."""
    if not secret or len(secret) > 200:
        return None
    row = session.execute(
        select(Credential, Person)
        .join(Person, Person.id == Credential.person_id)
        .where(Credential.secret_hash == digest(secret), Credential.kind == kind)
    ).first()
    if row is None:
        return None
    cred, person = row
    if not person.active or (cred.expires_at is not None and _aware(cred.expires_at) <= utcnow()):
        return None
    return cred, person


def person_for(store: Store, secret: str, kind: str) -> Person | None:
    """The person a secret of ``kind`` signs in, or None (unknown, expired, or not active)."""
    with store.session() as s:
        found = find(s, secret, kind)
        if found is None:
            return None
        cred, person = found
        s.expunge(person)
        stale = cred.last_used_at is None or _aware(cred.last_used_at) < utcnow() - _TOUCH_EVERY
        cred_id = cred.id
    if stale:
        with store.session(by="newsroom") as s:
            again = s.get(Credential, cred_id)
            if again is not None:
                again.last_used_at = utcnow()
    return person


def app_secret(store: Store, name: str) -> str:
    """The app's signing key called ``name``, made on first use and then shared by every process."""
    with store.session() as s:
        value = s.scalar(select(AppSecret.value).where(AppSecret.name == name))
    if value is not None:
        return value
    try:
        with store.session(by="newsroom") as s:
            s.add(AppSecret(name=name, value=secrets.token_urlsafe(48)))
    except IntegrityError:  # another process made it first: use theirs
        pass
    with store.session() as s:
        made = s.scalar(select(AppSecret.value).where(AppSecret.name == name))
    assert made is not None
    return made
