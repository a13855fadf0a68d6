"""The editor's side of authors' review: request a review of an entry from addresses, list the
requests, revoke one, remind; and what the newsroom shows of them (``review_summary``,
``reviewed_by_authors``).

A request is one row per address (``model.ReviewRequest``); its link is signed (``links``), never
stored. Making the requests is one transaction; the emails go after it, one by one, each marking
its request sent, so a relay that refuses an address leaves that request in place (its link can be
handed over by hand) and says why in ``RequestView.send_error``.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from precis.errors import Conflict, Forbidden, InvalidValue, NotFound, PrecisError
from precis.mail.addresses import clean_name, is_email, normalize
from precis.mail.config import BASE_URL, MailConfig
from precis.mail.single import send_now
from precis.model import Activity, Entry, Person, utcnow
from precis.newsroom import permissions
from precis.review import mail
from precis.review.links import ReviewSigner, review_url
from precis.review.model import EDIT, PROPOSED, ReviewAnswer, ReviewRequest
from precis.store import Store

DEFAULT_DAYS = 14
DAYS_VARIABLE = "PRECIS_REVIEW_DAYS"
MAX_DAYS = 365
#: Statuses an entry may be sent for review in: written, not yet in an issue.
REVIEWABLE = ("draft", "in review", "approved")
#: Addresses one request may name at once.
MAX_ADDRESSES = 20
AN_AUTHOR = "an author"


def aware(moment: datetime) -> datetime:
    """SQLite gives datetimes back without their zone; they were written in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class AnswerView:
    id: int
    kind: str
    text: str | None
    passage: str | None
    base: str | None
    proposed: str | None
    state: str | None
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    revision_id: int | None
    reviewer: str  # the request's name, or "an author": never the address


@dataclass
class RequestView:
    id: int
    entry_id: int
    entry_title: str
    email: str
    name: str | None
    requested_by: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    sent_at: datetime | None
    reminders: int
    opened_at: datetime | None
    answered_at: datetime | None
    approved_at: datetime | None
    state: str
    link: str | None
    answers: list[AnswerView] = field(default_factory=list)
    #: Why the email did not go (the address and the server's reply), when it was tried and failed.
    send_error: str | None = None


def state_of(r: ReviewRequest, now: datetime | None = None) -> str:
    """One word, the first that holds: revoked, expired, approved, answered, opened, sent, not sent."""
    now = now or utcnow()
    if r.revoked_at is not None:
        return "revoked"
    if aware(r.expires_at) <= now:
        return "expired"
    for word, moment in (("approved", r.approved_at), ("answered", r.answered_at), ("opened", r.opened_at),
                         ("sent", r.sent_at)):
        if moment is not None:
            return word
    return "not sent"


def reviewer_of(r: ReviewRequest) -> str:
    return r.name or AN_AUTHOR


def answer_view(a: ReviewAnswer, reviewer: str) -> AnswerView:
    return AnswerView(
        id=a.id, kind=a.kind, text=a.text, passage=a.passage, base=a.base, proposed=a.proposed, state=a.state,
        created_at=aware(a.created_at), decided_by=a.decided_by.name if a.decided_by is not None else None,
        decided_at=aware(a.decided_at) if a.decided_at else None, decision_note=a.decision_note,
        revision_id=a.revision_id, reviewer=reviewer,
    )


def request_view(r: ReviewRequest, signer: ReviewSigner | None, base_url: str | None) -> RequestView:
    """A request as the newsroom shows it (its address included: the newsroom is staff only)."""
    opt = [aware(m) if m is not None else None for m in (r.revoked_at, r.sent_at, r.opened_at, r.answered_at,
                                                           r.approved_at)]
    link = review_url(base_url, signer.token(r.id, r.entry_id)) if signer is not None and base_url else None
    return RequestView(
        id=r.id, entry_id=r.entry_id, entry_title=" ".join(r.entry.title.split()), email=r.email, name=r.name,
        requested_by=r.requested_by.name if r.requested_by is not None else None,
        created_at=aware(r.created_at), expires_at=aware(r.expires_at), revoked_at=opt[0], sent_at=opt[1],
        reminders=r.reminders or 0, opened_at=opt[2], answered_at=opt[3], approved_at=opt[4], state=state_of(r),
        link=link, answers=[answer_view(a, reviewer_of(r)) for a in r.answers],
    )


def known_base_url(base_url: str | None = None, config: MailConfig | None = None) -> str | None:
    """Where links point: the argument, else the mail configuration's, else ``PRECIS_BASE_URL``."""
    chosen = base_url or (config.base_url if config is not None else None) or os.environ.get(BASE_URL, "").strip()
    if not chosen:
        return None
    parts = urlsplit(chosen)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidValue(BASE_URL, chosen, "write the public address of precis serve, e.g. https://news.example.org")
    return chosen.rstrip("/")


def require_base_url(base_url: str | None = None, config: MailConfig | None = None) -> str:
    found = known_base_url(base_url, config)
    if found is None:
        raise InvalidValue(BASE_URL, "", "not set: review links point at the public address of precis serve "
                                         "(e.g. https://news.example.org)")
    return found


def default_days() -> int:
    """``PRECIS_REVIEW_DAYS`` when set, else ``DEFAULT_DAYS``."""
    text = os.environ.get(DAYS_VARIABLE, "").strip()
    if not text:
        return DEFAULT_DAYS
    return check_days(text, DAYS_VARIABLE)


def check_days(value: object, name: str = "expires") -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        raise InvalidValue(name, value, f"give a whole number of days from 1 to {MAX_DAYS}")
    return int(text)


def parse_address(text: str) -> tuple[str, str | None]:
    """(address, name or None) of "jane@x.org" or "Jane Doe <jane@x.org>"; ``InvalidValue`` else."""
    name, address = parseaddr(text.strip())
    address = normalize(address)
    if not address or not is_email(address) or ("<" in text and not text.strip().endswith(">")):
        raise InvalidValue("address", text, "not an email address (write jane@example.org or "
                                            "'Jane Doe <jane@example.org>')")
    return address, clean_name(name)


def _acting(session: Session, actor: Person | None) -> Person | None:
    if actor is None:
        return None
    person = session.get(Person, actor.id)
    if person is None or not person.active:
        raise Forbidden(f"{actor.email} is no longer on the team")
    return person


def _entry(session: Session, entry_id: int) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise NotFound(f"no entry {entry_id}", kind="entry", key=str(entry_id))
    return entry


def _may(person: Person | None, entry: Entry, what: str) -> None:
    """The command line (no person) holds the store and acts as an owner would."""
    if person is not None and not permissions.may_request_review(person, entry):
        raise Forbidden(f"a {person.role} may not {what} of entry {entry.id} (it is not theirs)")


def snippet(title: str, length: int = 80) -> str:
    clean = " ".join(title.split())
    return clean if len(clean) <= length else clean[: length - 1] + "…"


def log(session: Session, person: Person | None, r: ReviewRequest, kind: str, **detail: object) -> None:
    """A line of activity about a request: the entry's title and the reviewer's name, never the address."""
    session.add(Activity(person_id=person.id if person is not None else None, entry_id=r.entry_id, kind=kind,
                         detail={"title": snippet(r.entry.title), "reviewer": reviewer_of(r), "request": r.id,
                                 **detail}))


def writer(store: Store, actor: Person | None) -> AbstractContextManager[Session]:
    """A write transaction in the name of the person acting (the command line: "precis review")."""
    return store.session(by=actor.name if actor is not None else "precis review",
                         person_id=actor.id if actor is not None else None)


def request_review(
    store: Store, actor: Person | None, entry_id: int, addresses: list[str], *, days: int | None = None,
    base_url: str | None = None, config: MailConfig | None = None,
) -> list[RequestView]:
    """Make one request per address (one transaction), then email each its link when ``config``
    names an SMTP relay. See the module doc. Who may ask is checked first, then the entry's status,
    then what was given and the settings: nothing is made unless all hold."""
    signer = ReviewSigner.of(store)
    with writer(store, actor) as s:
        person = _acting(s, actor)
        entry = _entry(s, entry_id)
        _may(person, entry, "request a review")
        if entry.status not in REVIEWABLE:
            raise Conflict(f"entry {entry.id} is {entry.status}: a review can be requested of an entry that is "
                           f"{', '.join(REVIEWABLE[:-1])} or {REVIEWABLE[-1]}", {"status": entry.status})
        base = require_base_url(base_url, config)
        lifetime = check_days(days) if days is not None else default_days()
        if not addresses:
            raise InvalidValue("address", "", "give at least one address to send the review link to")
        if len(addresses) > MAX_ADDRESSES:
            raise InvalidValue("address", len(addresses), f"at most {MAX_ADDRESSES} addresses at once")
        parsed: dict[str, str | None] = {}
        for text in addresses:
            address, name = parse_address(text)
            parsed[address] = parsed.get(address) or name
        sending = config is not None and config.smtp_url is not None
        if sending:
            assert config is not None
            config.require_smtp()
        expires = utcnow() + timedelta(days=lifetime)
        made = [ReviewRequest(entry=entry, email=address, name=name, requested_by=person, expires_at=expires,
                              reminders=0) for address, name in parsed.items()]
        s.add_all(made)
        s.flush()
        for r in made:
            log(s, person, r, "review requested", expires=expires.isoformat())
        views = [request_view(r, signer, base) for r in made]
        publication = store.default_publication(s).name
    if sending:
        assert config is not None
        for view in views:
            _send(store, config, view, publication, reminder=False)
    return views


def _send(store: Store, config: MailConfig, view: RequestView, publication: str, reminder: bool) -> None:
    """Email a request's link; marks it sent, or sets ``send_error``."""
    assert view.link is not None
    data = mail.request_message(
        config, publication=publication, title=view.entry_title, to=view.email, name=view.name, link=view.link,
        asked_by=view.requested_by, expires_at=view.expires_at, reminder=reminder,
    )
    try:
        send_now(config, view.email, data)
    except PrecisError as exc:
        view.send_error = str(exc)
        return
    with store.session(by="precis review") as s:
        r = s.get(ReviewRequest, view.id)
        if r is not None:
            r.sent_at = utcnow()
            view.sent_at = aware(r.sent_at)
            view.state = state_of(r)


def _loaded(session: Session, request_id: int) -> ReviewRequest:
    r = session.scalar(
        select(ReviewRequest).where(ReviewRequest.id == request_id)
        .options(selectinload(ReviewRequest.answers), selectinload(ReviewRequest.entry))
    )
    if r is None:
        raise NotFound(f"no review request {request_id}", kind="review request", key=str(request_id))
    return r


def requests_of(store: Store, *, entry_id: int | None = None, base_url: str | None = None) -> list[RequestView]:
    """Every request (of one entry when given), newest first, with their answers."""
    base = known_base_url(base_url)
    signer = ReviewSigner.of(store) if base else None
    with store.session() as s:
        query = select(ReviewRequest).options(
            selectinload(ReviewRequest.answers).selectinload(ReviewAnswer.decided_by),
            selectinload(ReviewRequest.entry), selectinload(ReviewRequest.requested_by),
        )
        if entry_id is not None:
            query = query.where(ReviewRequest.entry_id == entry_id)
        rows = s.scalars(query.order_by(ReviewRequest.created_at.desc(), ReviewRequest.id.desc())).all()
        return [request_view(r, signer, base) for r in rows]


def revoke(store: Store, actor: Person | None, request_id: int) -> RequestView:
    """Take a request's link back: from now on it answers 410."""
    with writer(store, actor) as s:
        person = _acting(s, actor)
        r = _loaded(s, request_id)
        _may(person, r.entry, "revoke a review request")
        if r.revoked_at is not None:
            raise Conflict(f"review request {request_id} was already revoked", {"state": "revoked"})
        r.revoked_at = utcnow()
        log(s, person, r, "review revoked")
        s.flush()
        return request_view(r, None, None)


def remind(
    store: Store, actor: Person | None, request_id: int, config: MailConfig, base_url: str | None = None
) -> RequestView:
    """Email a request's link again (the same link: it is signed, not stored); ``PrecisError``
    naming the address and the server's reply when it cannot go (nothing is recorded then)."""
    signer = ReviewSigner.of(store)
    with store.session() as s:
        person = _acting(s, actor)
        r = _loaded(s, request_id)
        _may(person, r.entry, "remind a reviewer")
        state = state_of(r)
        if state in ("revoked", "expired"):
            raise Conflict(f"review request {request_id} is {state}: request a new review instead", {"state": state})
        base = require_base_url(base_url, config)
        config.require_smtp()
        view = request_view(r, signer, base)
        publication = store.default_publication(s).name
    _send(store, config, view, publication, reminder=True)
    if view.send_error:
        raise PrecisError(view.send_error)
    with writer(store, actor) as s:
        person = _acting(s, actor)
        r = _loaded(s, request_id)
        r.reminders = (r.reminders or 0) + 1
        r.reminded_at = utcnow()
        log(s, person, r, "review reminded", reminders=r.reminders)
        s.flush()
        return request_view(r, signer, base)


def reviewed_by_authors(session: Session, entry_ids: list[int] | set[int]) -> set[int]:
    """The entries among ``entry_ids`` whose authors reviewed them: some request approved or
    answered, and no proposed edit still waiting for an editor."""
    ids = list(entry_ids)
    if not ids:
        return set()
    answered = set(session.scalars(
        select(ReviewRequest.entry_id).where(
            ReviewRequest.entry_id.in_(ids),
            (ReviewRequest.approved_at.is_not(None)) | (ReviewRequest.answered_at.is_not(None)),
        )
    ))
    waiting = set(session.scalars(
        select(ReviewAnswer.entry_id).where(ReviewAnswer.entry_id.in_(ids), ReviewAnswer.kind == EDIT,
                                            ReviewAnswer.state == PROPOSED)
    ))
    return answered - waiting


def review_summary(session: Session, entry_id: int) -> str | None:
    """One line for the entry page: where its authors' review is (None when never requested)."""
    rows = session.scalars(
        select(ReviewRequest).where(ReviewRequest.entry_id == entry_id).options(selectinload(ReviewRequest.answers))
    ).all()
    if not rows:
        return None
    waiting = sum(1 for r in rows for a in r.answers if a.kind == EDIT and a.state == PROPOSED)
    if waiting:
        return "an author proposed an edit" if waiting == 1 else f"authors proposed {waiting} edits"
    if entry_id in reviewed_by_authors(session, [entry_id]):
        approved = sum(1 for r in rows if r.approved_at is not None)
        return "reviewed by its authors" + (f" ({approved} approved)" if approved else "")
    states = [state_of(r) for r in rows]
    live = [r for r, st in zip(rows, states, strict=True) if st not in ("revoked", "expired")]
    counts = [
        ("sent", sum(1 for r in live if r.sent_at is not None)),
        ("opened", sum(1 for r in live if r.opened_at is not None)),
        ("not sent", sum(1 for r in live if r.sent_at is None)),
        ("expired", states.count("expired")), ("revoked", states.count("revoked")),
    ]
    return "review requested: " + ", ".join(f"{n} {word}" for word, n in counts if n)


def live_link(
    session: Session, store: Store, entry_id: int, base_url: str | None = None
) -> tuple[str, datetime] | None:
    """The link of the entry's newest request still open (not revoked, not expired) and until when
    it opens; None when there is none or no base URL is known."""
    base = known_base_url(base_url)
    if base is None:
        return None
    r = session.scalars(
        select(ReviewRequest).where(ReviewRequest.entry_id == entry_id, ReviewRequest.revoked_at.is_(None),
                                    ReviewRequest.expires_at > utcnow())
        .order_by(ReviewRequest.created_at.desc(), ReviewRequest.id.desc()).limit(1)
    ).first()
    if r is None:
        return None
    return review_url(base, ReviewSigner.of(store).token(r.id, r.entry_id)), aware(r.expires_at)
