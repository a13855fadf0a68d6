"""Subscribers of the store's publication: adding, signing up (double opt-in), confirming,
unsubscribing, bouncing, listing, and each one's history.

Every change of status writes a ``SubscriberEvent`` in the same transaction; events are never
deleted, and a subscriber who leaves stays (unsubscribed), with their history. Addresses are kept
lower-cased (``addresses.normalize``). Files in and out: ``precis.mail.csvfiles``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from precis.errors import InvalidValue, NotFound
from precis.mail.addresses import clean_name, is_email, normalize
from precis.mail.links import BadLink, Signer
from precis.mail.model import (
    BOUNCED,
    CONFIRMED,
    SUBSCRIBER_STATUSES,
    UNCONFIRMED,
    UNSUBSCRIBED,
    Subscriber,
    SubscriberEvent,
)
from precis.model import utcnow
from precis.store import Store

BY = "mail"
#: A sign-up form sends an address at most one confirmation email this often (the rest are ignored,
#: so the form cannot be used to flood someone's inbox).
CONFIRM_EVERY = timedelta(minutes=10)
CONFIRMATION_SENT = "confirmation sent"


@dataclass(frozen=True)
class SubscriberInfo:
    id: int
    email: str
    name: str | None
    status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: Subscriber) -> SubscriberInfo:
        return cls(s.id, s.email, s.name, s.status, _aware(s.created_at), _aware(s.updated_at))

    def to_json(self) -> dict[str, Any]:
        return {"email": self.email, "name": self.name, "status": self.status,
                "created_at": self.created_at.isoformat(), "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True)
class EventInfo:
    at: datetime
    kind: str
    status: str
    detail: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "kind": self.kind, "status": self.status, "detail": self.detail}


def _aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def check_email(text: str, field: str = "email address") -> str:
    """The address as kept, or ``InvalidValue``."""
    email = normalize(text)
    if not is_email(email):
        raise InvalidValue(field, text, "not an email address")
    return email


def check_status(text: str, field: str = "status") -> str:
    status = text.strip().lower()
    if status not in SUBSCRIBER_STATUSES:
        raise InvalidValue(field, text, f"the statuses are {', '.join(SUBSCRIBER_STATUSES)}")
    return status


def publication_id(session: Session, store: Store) -> int:
    return store.default_publication(session).id


def find(session: Session, pub_id: int, email: str) -> Subscriber | None:
    return session.scalar(select(Subscriber).where(Subscriber.publication_id == pub_id, Subscriber.email == email))


def record(session: Session, sub: Subscriber, kind: str, status: str | None = None, **detail: Any) -> None:
    """Set the subscriber's status (when given) and write what happened to their history."""
    if status is not None:
        sub.status = status
    sub.updated_at = utcnow()
    sub.events.append(SubscriberEvent(kind=kind, status=sub.status, detail=detail, at=utcnow()))


def _get(store: Store, session: Session, email: str) -> Subscriber:
    address = normalize(email)
    sub = find(session, publication_id(session, store), address)
    if sub is None:
        raise NotFound(f"no subscriber {address}", kind="subscriber", key=address)
    return sub


def add(
    store: Store, email: str, name: str | None = None, status: str = CONFIRMED, how: str = "command"
) -> SubscriberInfo:
    """Add someone (or change their status and name), as the editor says: ``precis subscribers add``."""
    address, status, name = check_email(email), check_status(status), clean_name(name)
    with store.session(by=BY) as s:
        pub = publication_id(s, store)
        sub = find(s, pub, address)
        if sub is None:
            sub = Subscriber(publication_id=pub, email=address, name=name, status=status)
            s.add(sub)
            record(s, sub, "added", how=how)
        else:
            if name:
                sub.name = name
            record(s, sub, "changed", status, how=how)
        s.flush()
        return SubscriberInfo.of(sub)


def subscribe(store: Store, email: str, name: str | None = None) -> tuple[SubscriberInfo, bool]:
    """Someone asks to subscribe (the sign-up form). A new address, or one that left or bounced, is
    unconfirmed until its confirmation link is followed; a confirmed one stays as it is. Returns
    the subscriber and whether a confirmation email is due (not confirmed, and none was sent in the
    last ``CONFIRM_EVERY``)."""
    address = check_email(email)
    name = clean_name(name)
    with store.session(by=BY) as s:
        pub = publication_id(s, store)
        sub = find(s, pub, address)
        if sub is None:
            sub = Subscriber(publication_id=pub, email=address, name=name, status=UNCONFIRMED)
            s.add(sub)
            record(s, sub, "subscribed", how="form")
        elif sub.status != CONFIRMED:
            if sub.status != UNCONFIRMED:
                record(s, sub, "subscribed", UNCONFIRMED, how="form", was=sub.status)
            if name and not sub.name:
                sub.name = name
        s.flush()
        due = sub.status == UNCONFIRMED and not _recently(sub, CONFIRMATION_SENT, CONFIRM_EVERY)
        return SubscriberInfo.of(sub), due


def _recently(sub: Subscriber, kind: str, within: timedelta) -> bool:
    since = utcnow() - within
    return any(e.kind == kind and _aware(e.at) > since for e in sub.events)


def confirmation_sent(store: Store, subscriber_id: int) -> None:
    """Note in their history that a confirmation email went to them."""
    with store.session(by=BY) as s:
        sub = s.get(Subscriber, subscriber_id)
        if sub is not None:
            record(s, sub, CONFIRMATION_SENT)


def confirm(store: Store, token: str, signer: Signer) -> SubscriberInfo:
    """Follow a confirmation link: the subscriber becomes confirmed (``BadLink`` for a link that is
    expired, tampered with, or of an address that is no longer theirs)."""
    sid, email = signer.read_confirm(token)
    with store.session(by=BY) as s:
        sub = s.get(Subscriber, sid)
        if sub is None or sub.email != email:
            raise BadLink("this confirmation link is not valid: sign up again to get a new one")
        if sub.status == UNCONFIRMED:
            record(s, sub, "confirmed", CONFIRMED, how="link")
        elif sub.status != CONFIRMED:
            raise BadLink(f"this address is {sub.status} since this link was sent: sign up again to "
                          "get a new one", gone=True)
        return SubscriberInfo.of(sub)


def by_unsubscribe_token(store: Store, token: str, signer: Signer) -> SubscriberInfo:
    """The subscriber an unsubscribe link is for (``BadLink`` if none)."""
    sid, _issue = signer.read_unsubscribe(token)
    with store.session() as s:
        sub = s.get(Subscriber, sid)
        if sub is None:
            raise BadLink("this unsubscribe link is for an address no longer on the list")
        return SubscriberInfo.of(sub)


def unsubscribe_by_token(store: Store, token: str, signer: Signer, how: str) -> SubscriberInfo:
    """Follow an unsubscribe link (``how``: "one-click" from a mail client, "page" from its button).
    Unsubscribing twice changes nothing more."""
    sid, issue_id = signer.read_unsubscribe(token)
    with store.session(by=BY) as s:
        sub = s.get(Subscriber, sid)
        if sub is None:
            raise BadLink("this unsubscribe link is for an address no longer on the list")
        if sub.status != UNSUBSCRIBED:
            record(s, sub, "unsubscribed", UNSUBSCRIBED, how=how, issue_id=issue_id)
        return SubscriberInfo.of(sub)


def unsubscribe(store: Store, email: str, how: str = "command") -> SubscriberInfo:
    """Unsubscribe an address by hand (``precis subscribers unsubscribe``)."""
    with store.session(by=BY) as s:
        sub = _get(store, s, email)
        if sub.status != UNSUBSCRIBED:
            record(s, sub, "unsubscribed", UNSUBSCRIBED, how=how)
        return SubscriberInfo.of(sub)


def bounce(session: Session, subscriber_id: int, reply: str, issue_id: int | None) -> None:
    """The relay refused the address for good (a 5xx at RCPT): never mailed again (in the caller's
    transaction)."""
    sub = session.get(Subscriber, subscriber_id)
    if sub is not None and sub.status != BOUNCED:
        record(session, sub, "bounced", BOUNCED, reply=reply, issue_id=issue_id)


def list_subscribers(store: Store, status: str | None = None) -> list[SubscriberInfo]:
    """Every subscriber of the publication (or those of one status), in the order they came."""
    with store.session() as s:
        query = select(Subscriber).where(Subscriber.publication_id == publication_id(s, store))
        if status is not None:
            query = query.where(Subscriber.status == check_status(status))
        return [SubscriberInfo.of(x) for x in s.scalars(query.order_by(Subscriber.id))]


def history(store: Store, email: str) -> tuple[SubscriberInfo, list[EventInfo]]:
    """A subscriber and everything that happened to them, oldest first."""
    with store.session() as s:
        sub = _get(store, s, email)
        return SubscriberInfo.of(sub), [EventInfo(_aware(e.at), e.kind, e.status, dict(e.detail)) for e in sub.events]
