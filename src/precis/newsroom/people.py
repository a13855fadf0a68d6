"""The people of the newsroom: who they are, their role, their password, their invitation, signing in.

A person's email is kept lower-cased and is unique; their aliases are the other names they appear
under in the archive. Only an owner changes people (``permissions`` action "people"); a change that
would leave the newsroom without an active owner is refused. Passwords are kept as argon2 hashes
(argon2-cffi), rehashed on sign-in when the hasher's parameters moved on. An invitation is a one-time
credential whose secret travels in a signed, expiring link; using it sets the password and spends it.

Signing in is limited in the store (``LoginAttempt``), not in a process's memory, so the limit holds
across every worker: at most ``MAX_FAILURES_PER_EMAIL`` failures for one email and
``MAX_FAILURES_PER_ADDRESS`` from one address within ``FAILURE_WINDOW``. A failure says the same
whether the email belongs to someone or not.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from precis.errors import InvalidValue, NotFound, PrecisError
from precis.model import ROLES, Credential, LoginAttempt, Person, utcnow
from precis.newsroom import credentials, permissions
from precis.store import Store

MIN_PASSWORD = 10
MAX_PASSWORD = 1000
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)
INVITATION_PATH = "/newsroom/invitation/"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_hasher = PasswordHasher()


@cache
def _nobody() -> str:
    """Verified against when the email belongs to nobody, so that a failure takes as long either way
    (made on first use: hashing is slow on purpose, and every command imports this module)."""
    return _hasher.hash("precis: nobody has this password")


class SignInFailed(PrecisError):
    """Wrong email or password (worded the same whether the email belongs to someone)."""


class TooManyFailures(SignInFailed):
    """Too many failed sign-ins lately, for this email or from this address: ``minutes`` to wait."""

    def __init__(self, who: str, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(f"too many failed sign-ins {who}; try again in {minutes} minute{'s' * (minutes != 1)}")


class BadInvitation(PrecisError):
    """An invitation link that is forged, or (``gone``) expired, already used or replaced."""

    def __init__(self, message: str, gone: bool = True) -> None:
        self.gone = gone
        super().__init__(message)


def normal_email(email: str) -> str:
    """The email as the store keeps it (trimmed, lower-cased), if it looks like one."""
    clean = email.strip().lower()
    if len(clean) > 320 or not _EMAIL.fullmatch(clean):
        raise PrecisError(f"not an email address: {email.strip()!r}")
    return clean


def _name(name: str) -> str:
    clean = " ".join(name.split())
    if not clean or len(clean) > 200:
        raise PrecisError("a person's name must be 1 to 200 characters")
    return clean


def _aliases(name: str, aliases: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for alias in aliases:
        clean = " ".join(alias.split())
        if len(clean) > 200:
            raise PrecisError(f"an alias must be at most 200 characters: {clean[:40]!r}…")
        if clean and clean != name and clean not in seen:
            seen.append(clean)
    return seen


def _role(role: str) -> str:
    if role not in ROLES:
        raise InvalidValue("role", role, f"choose one of {', '.join(ROLES)}")
    return role


def _may_manage(actor: Person | None) -> None:
    """``actor`` None is whoever holds the store itself (the command line): they may."""
    if actor is not None:
        permissions.require(actor, "people", "change people")


def _detached(session: Session, person: Person) -> Person:
    session.flush()
    session.refresh(person)
    session.expunge(person)
    return person


def add_person(
    store: Store, name: str, email: str, role: str, aliases: Sequence[str] = (),
    actor: Person | None = None, password: str | None = None,
) -> Person:
    """A new active person, with ``password``, or without one until they set it (``invite``)."""
    _may_manage(actor)
    name, email, role = _name(name), normal_email(email), _role(role)
    if password is not None:
        check_password(email, password)
    try:
        with store.session(by="newsroom", person_id=actor.id if actor else None) as s:
            other = s.scalar(select(Person).where(Person.email == email))
            if other is not None:
                raise PrecisError(f"{email} is already on the team ({other.name})")
            person = Person(
                name=name, email=email, role=role, aliases=_aliases(name, aliases), active=True,
                password_hash=_hasher.hash(password) if password is not None else None,
            )
            s.add(person)
            return _detached(s, person)
    except IntegrityError:  # added meanwhile by another process (PostgreSQL)
        raise PrecisError(f"{email} is already on the team") from None


def list_people(store: Store) -> list[Person]:
    """Everyone, by name (detached rows)."""
    with store.session() as s:
        people = list(s.scalars(select(Person).order_by(func.lower(Person.name), Person.id)))
        s.expunge_all()
    return people


def find_person(store: Store, email: str) -> Person:
    """The person with this email (any case), or ``NotFound``."""
    clean = email.strip().lower()
    with store.session() as s:
        person = s.scalar(select(Person).where(Person.email == clean))
        if person is None:
            raise NotFound(f"nobody on the team has the email {clean!r}", kind="person", key=clean)
        s.expunge(person)
    return person


def get_person(store: Store, person_id: int) -> Person:
    """The person with this id, or ``NotFound``."""
    with store.session() as s:
        person = s.get(Person, person_id)
        if person is None:
            raise NotFound(f"no person with id {person_id}", kind="person", key=str(person_id))
        s.expunge(person)
    return person


def change_person(
    store: Store, actor: Person | None, person_id: int, *, role: str | None = None,
    aliases: Sequence[str] | None = None, active: bool | None = None, name: str | None = None,
) -> Person:
    """Change a person's role, aliases, name or whether they are active (an owner's work). Refused
    when no active owner would be left."""
    _may_manage(actor)
    with store.session(by="newsroom", person_id=actor.id if actor else None) as s:
        # The owners' rows are locked first (PostgreSQL; SQLite's writer lock already serializes),
        # so that two owners stepping down at once cannot both see the other one stay.
        s.execute(select(Person.id).where(Person.role == permissions.OWNER).with_for_update())
        person = s.get(Person, person_id)
        if person is None:
            raise NotFound(f"no person with id {person_id}", kind="person", key=str(person_id))
        if name is not None:
            person.name = _name(name)
        if role is not None:
            person.role = _role(role)
        if aliases is not None:
            person.aliases = _aliases(person.name, aliases)
        if active is not None:
            person.active = active
        s.flush()
        owners = s.scalar(
            select(func.count()).select_from(Person).where(Person.role == permissions.OWNER, Person.active.is_(True))
        )
        if not owners:
            raise PrecisError("the newsroom would have no active owner left; make someone else owner first")
        return _detached(s, person)


# -- passwords ---------------------------------------------------------------------------------


def check_password(email: str, password: str) -> None:
    """Refuse a password that is too short, too long, or the email itself."""
    if len(password) < MIN_PASSWORD:
        raise PrecisError(f"a password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise PrecisError(f"a password may have at most {MAX_PASSWORD} characters")
    if password.strip().lower() == email.strip().lower():
        raise PrecisError("a password must not be the email address")


def _set_hash(session: Session, person_id: int, password: str) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}", kind="person", key=str(person_id))
    check_password(person.email, password)
    person.password_hash = _hasher.hash(password)
    return person


def set_password(store: Store, person_id: int, password: str) -> None:
    """Set a person's password (kept only as its argon2 hash)."""
    with store.session(by="newsroom", person_id=person_id) as s:
        _set_hash(s, person_id, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from (no hash: never)."""
    try:
        return _hasher.verify(password_hash or _nobody(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


# -- invitations -------------------------------------------------------------------------------


def _links(store: Store) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(credentials.app_secret(store, "links"), salt="invitation")


def invite(store: Store, person: Person) -> str:
    """A one-time invitation for the person to set their password: the link's path
    (``/newsroom/invitation/<signed>``), valid for ``credentials.INVITATION_LIFETIME``. A new
    invitation replaces the person's earlier ones."""
    with store.session(by="newsroom") as s:
        s.execute(delete(Credential).where(
            Credential.person_id == person.id, Credential.kind == credentials.INVITATION
        ))
        secret = credentials.issue(s, person, credentials.INVITATION, credentials.INVITATION_LIFETIME, "invitation")
    return INVITATION_PATH + _links(store).dumps(secret)


def _secret_of(store: Store, token: str) -> str:
    max_age = int(credentials.INVITATION_LIFETIME.total_seconds())
    try:
        secret = _links(store).loads(token, max_age=max_age)
    except SignatureExpired:
        raise BadInvitation("this invitation link has expired; ask an owner for a new one") from None
    except BadSignature:
        raise BadInvitation("this invitation link is not valid", gone=False) from None
    if not isinstance(secret, str):
        raise BadInvitation("this invitation link is not valid", gone=False)
    return secret


_SPENT = "this invitation link was already used or replaced; ask an owner for a new one"


def invited_person(store: Store, token: str) -> Person:
    """The person an invitation link is for, while it is valid (else ``BadInvitation``)."""
    secret = _secret_of(store, token)
    with store.session() as s:
        found = credentials.find(s, secret, credentials.INVITATION)
        if found is None:
            raise BadInvitation(_SPENT)
        person = found[1]
        s.expunge(person)
    return person


def accept_invitation(store: Store, token: str, password: str) -> Person:
    """Set the invited person's password and spend the invitation (it works once)."""
    secret = _secret_of(store, token)
    with store.session(by="newsroom") as s:
        found = credentials.find(s, secret, credentials.INVITATION)
        if found is None:
            raise BadInvitation(_SPENT)
        cred, person = found
        _set_hash(s, person.id, password)
        s.execute(delete(Credential).where(Credential.id == cred.id))
        return _detached(s, person)


# -- signing in --------------------------------------------------------------------------------


def _wait_minutes(times: list[datetime], limit: int, now: datetime) -> int | None:
    """Minutes until fewer than ``limit`` of these failures are within the window (None: not over)."""
    if len(times) < limit:
        return None
    times = sorted(credentials._aware(t) for t in times)
    frees_at = times[len(times) - limit] + FAILURE_WINDOW
    return max(1, math.ceil((frees_at - now).total_seconds() / 60))


def _admit(store: Store, email: str, address: str) -> None:
    """Prune failures older than the window; refuse when the email or the address is over its
    limit; else count this attempt as a failure until it succeeds. Counting before the password is
    checked, in the same transaction as the check of the limit, keeps attempts made at once (other
    workers, other threads) from slipping past the limit together: on SQLite the writer's lock
    makes admissions take turns, on PostgreSQL (whose transactions see only committed rows) an
    advisory lock held to the end of the transaction does."""
    now = utcnow()
    refused: TooManyFailures | None = None
    with store.session(by="newsroom") as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(hashtext('precis sign-in'))"))
        s.execute(delete(LoginAttempt).where(LoginAttempt.at < now - FAILURE_WINDOW))
        by_email = list(s.scalars(select(LoginAttempt.at).where(LoginAttempt.email == email)))
        by_address = list(s.scalars(select(LoginAttempt.at).where(LoginAttempt.address == address)))
        if (minutes := _wait_minutes(by_email, MAX_FAILURES_PER_EMAIL, now)) is not None:
            refused = TooManyFailures(f"for {email}", minutes)
        elif (minutes := _wait_minutes(by_address, MAX_FAILURES_PER_ADDRESS, now)) is not None:
            refused = TooManyFailures(f"from {address}", minutes)
        else:
            s.add(LoginAttempt(email=email, address=address, at=now))
    if refused is not None:
        raise refused


def login(store: Store, email: str, password: str, address: str) -> Person:
    """The active person with this email and password, from ``address`` (the client's IP).

    Raises ``TooManyFailures`` while the email or the address is over its limit (even with the right
    password), else ``SignInFailed`` on a wrong email or password, which stays counted. A success
    forgets the email's failures.
    """
    email = email.strip().lower()[:320]
    address = address[:100]
    _admit(store, email, address)
    with store.session() as s:
        person = s.scalar(select(Person).where(Person.email == email))
        if person is not None:
            s.expunge(person)
    good = verify_password(person.password_hash if person else None, password[:MAX_PASSWORD])
    if person is None or not person.active or not good:
        raise SignInFailed("wrong email or password")  # the attempt stays counted
    assert person.password_hash is not None
    with store.session(by="newsroom", person_id=person.id) as s:
        s.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
        if _hasher.check_needs_rehash(person.password_hash):
            again = s.get(Person, person.id)
            if again is not None:
                again.password_hash = _hasher.hash(password)
    return person
