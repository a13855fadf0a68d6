"""The author's side of a review, by the link's token, and the editor's decision on a proposed edit.

``open_review`` gives the page: the entry's planned summary and opinions as the editions render them
(the same renderer as the email edition, cross-references resolved to public entries only), the
work's metadata, and this request's own answers, nothing else (no other entry, no editorial notes,
no other request's answers, no address). ``approve``, ``comment`` and ``propose_edit`` record an
answer; each records on the request when it was first opened, answered, approved, and a line of
activity naming the reviewer (never the address).

Abuse limits: a comment (or a note with an edit) holds at most ``MAX_COMMENT`` characters, a quoted
passage ``MAX_PASSAGE``, a proposed summary ``proposed_limit(current)`` (four times the current
summary, at least ``MIN_PROPOSED``, at most ``MAX_PROPOSED``); a request takes at most
``MAX_ANSWERS_PER_HOUR`` answers in any hour (``TooMany``, answered 429).

``accept_edit`` merges the proposed summary into the summary as it is now (three-way, with the
summary the reviewer saw as the base: ``newsroom.drafting.merge``) and saves it as a new revision
attributed to the editor and the reviewer; ``decline_edit`` keeps the editor's note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from precis.errors import Conflict, Forbidden, InvalidValue, NotFound, TooMany
from precis.mail.links import BadLink
from precis.model import Entry, Person, Revision, utcnow
from precis.newsroom import drafting, permissions
from precis.newsroom.entries import apply_fields, entry_json, load_entry
from precis.public import private_view
from precis.render.html import HtmlRenderer
from precis.review.links import NOT_VALID, ReviewSigner
from precis.review.model import (
    ACCEPTED,
    APPROVE,
    COMMENT,
    DECLINED,
    EDIT,
    PROPOSED,
    ReviewAnswer,
    ReviewRequest,
)
from precis.review.requests import AnswerView, RequestView, answer_view, aware, log, request_view, reviewer_of
from precis.store import Store

MAX_COMMENT = 5_000
MAX_PASSAGE = 2_000
MIN_PROPOSED, MAX_PROPOSED = 2_000, 30_000
MAX_ANSWERS_PER_HOUR = 20
RATE_WINDOW = timedelta(hours=1)


@dataclass
class ReviewPage:
    """What the author's page shows: nothing but this entry and this request's own answers."""

    request_id: int
    publication: str
    title: str
    link: str | None
    authors: str
    venue: str | None
    year: int | None
    summary_html: Markup
    opinions: list[tuple[str, Markup]]
    source: str  # the summary's markup, to start a proposed edit from
    reviewer: str
    asked_by: str
    expires_at: datetime
    answers: list[AnswerView]


def proposed_limit(current: str | None) -> int:
    return min(MAX_PROPOSED, max(MIN_PROPOSED, 4 * len(current or "")))


def _read(store: Store, token: str) -> tuple[int, int]:
    """(request id, entry id) of a token, read before any transaction starts (the signing key may
    be made on first use: a write of its own)."""
    return ReviewSigner.of(store).read(token)


def _live(session: Session, store: Store, ids: tuple[int, int]) -> ReviewRequest:
    """The request a token's ids open: ``BadLink`` when the pair does not match a request
    (gone=False), or the request is revoked or expired (gone=True, saying whom to ask)."""
    request_id, entry_id = ids
    r = session.scalar(
        select(ReviewRequest).where(ReviewRequest.id == request_id)
        .options(selectinload(ReviewRequest.answers), selectinload(ReviewRequest.requested_by))
    )
    if r is None or r.entry_id != entry_id:
        raise BadLink(NOT_VALID)
    ask = (r.requested_by.name if r.requested_by is not None
           else f"the editors of {store.default_publication(session).name}")
    if r.revoked_at is not None:
        raise BadLink(f"this review link was revoked on {aware(r.revoked_at):%-d %B %Y}: ask {ask} "
                      "for a new one if you still want to comment", gone=True)
    if aware(r.expires_at) <= utcnow():
        raise BadLink(f"this review link expired on {aware(r.expires_at):%-d %B %Y}: ask {ask} for a new one",
                      gone=True)
    return r


def open_review(store: Store, token: str) -> ReviewPage:
    """The page of a link (see the module doc); marks the request opened the first time."""
    ids = _read(store, token)
    editions = drafting.editions(store)
    with store.session() as s:
        r = _live(s, store, ids)
        entry = load_entry(s, r.entry_id)
        view = editions.entry_view(private_view(entry), private=False)
        renderer = HtmlRenderer(editions.resolve(False), None, editions.settings.url, heading_offset=1)
        html = editions.entry_fragments(view, renderer)
        reviewer = reviewer_of(r)
        page = ReviewPage(
            request_id=r.id, publication=editions.settings.name, title=view.title, link=view.link,
            authors=view.authors_full, venue=view.venue, year=view.year, summary_html=html.summary,
            opinions=html.opinions, source=entry.summary or "", reviewer=reviewer,
            asked_by=r.requested_by.name if r.requested_by is not None else f"the editors of {editions.settings.name}",
            expires_at=aware(r.expires_at), answers=[answer_view(a, reviewer) for a in r.answers],
        )
        first_time = r.opened_at is None
    if first_time:  # written once, not on every visit
        with store.session(by="precis review") as s:
            marked = s.execute(update(ReviewRequest).where(ReviewRequest.id == page.request_id,
                                                           ReviewRequest.opened_at.is_(None))
                               .values(opened_at=utcnow()))
            if getattr(marked, "rowcount", 0):
                opened = s.get(ReviewRequest, page.request_id)
                assert opened is not None
                log(s, None, opened, "review opened")
    return page


def _text(field: str, value: str | None, limit: int, required: bool = False) -> str | None:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InvalidValue(field, f"{len(text)} characters", f"too long: at most {limit} characters")
    if required and not text:
        raise InvalidValue(field, "", "write something first")
    if any(not c.isprintable() and c not in "\n\t" for c in text):
        raise InvalidValue(field, text[:40], "holds control characters")
    return text or None


def _answer(store: Store, token: str, kind: str, **fields: str | None) -> AnswerView:
    """Record one answer on the request of ``token`` (rate-limited), with its marks and activity."""
    ids = _read(store, token)
    with store.session(by="precis review") as s:
        r = _live(s, store, ids)
        since = utcnow() - RATE_WINDOW
        recent = s.scalar(select(func.count(ReviewAnswer.id)).where(
            ReviewAnswer.request_id == r.id, ReviewAnswer.created_at > since)) or 0
        if recent >= MAX_ANSWERS_PER_HOUR:
            raise TooMany(f"this link has taken {MAX_ANSWERS_PER_HOUR} answers in the last hour: "
                          "please wait a while, or write to the editor")
        entry = load_entry(s, r.entry_id)
        if kind == EDIT:
            fields["base"] = _base(s, entry, fields.get("base"))
        answer = ReviewAnswer(request=r, entry_id=r.entry_id, kind=kind, state=PROPOSED if kind == EDIT else None,
                              **fields)
        s.add(answer)
        now = utcnow()
        r.opened_at = r.opened_at or now
        r.answered_at = r.answered_at or now
        if kind == APPROVE:
            r.approved_at = r.approved_at or now
        s.flush()
        log(s, None, r, {APPROVE: "review approved", COMMENT: "review answered", EDIT: "review answered"}[kind],
            answer=answer.id, what=kind)
        return answer_view(answer, reviewer_of(r))


def _base(session: Session, entry: Entry, seen: str | None) -> str:
    """The base of a proposed edit: the summary the reviewer started from (``seen``) when the entry
    really had it (now, or after one of its revisions), else the summary as it is now. So an edit
    typed while an editor changed the summary merges with that change instead of undoing it."""
    now = entry.summary or ""
    if seen is None or _same(seen, now):
        return now
    snapshots: list[dict[str, Any] | None] = list(session.scalars(
        select(Revision.after).where(Revision.entry_id == entry.id)))
    for after in snapshots:
        if after and _same(seen, after.get("summary") or ""):
            return str(after.get("summary") or "")
    return now


def _same(a: str, b: str) -> bool:
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


def approve(store: Store, token: str) -> AnswerView:
    """The reviewer approves the summary as it is."""
    return _answer(store, token, APPROVE)


def comment(store: Store, token: str, text: str, passage: str | None = None) -> AnswerView:
    """A comment on the whole summary, or on a passage of it (``passage``: the words quoted)."""
    said = _text("comment", text, MAX_COMMENT, required=True)
    quoted = _text("passage", passage, MAX_PASSAGE)
    return _answer(store, token, COMMENT, text=said, passage=quoted)


def propose_edit(
    store: Store, token: str, proposed: str, note: str | None = None, *, seen: str | None = None
) -> AnswerView:
    """A proposed summary (markup), with an optional note. Its base is the summary as it is now, or
    ``seen``, the summary the reviewer's page showed (its form sends it back), when the entry had it."""
    ids = _read(store, token)
    with store.session() as s:
        r = _live(s, store, ids)
        current = load_entry(s, r.entry_id).summary or ""
    text = _text("proposed", proposed, proposed_limit(current), required=True)
    if _same(text or "", seen if seen is not None else current):
        raise InvalidValue("proposed", "the same summary", "change something first, or approve it as is")
    return _answer(store, token, EDIT, proposed=text, text=_text("note", note, MAX_COMMENT), base=seen)


# -- the editor's decision ---------------------------------------------------------------------------


def _decision(session: Session, actor: Person, answer_id: int) -> tuple[Person, ReviewAnswer]:
    person = session.get(Person, actor.id)
    if person is None or not person.active:
        raise Forbidden(f"{actor.email} is no longer on the team")
    answer = session.get(ReviewAnswer, answer_id)
    if answer is None or answer.kind != EDIT:
        raise NotFound(f"no proposed edit {answer_id}", kind="proposed edit", key=str(answer_id))
    entry = load_entry(session, answer.entry_id)
    if not permissions.may_edit(person, entry):
        raise Forbidden(f"a {person.role} may not change the summary of entry {entry.id}")
    if answer.state != PROPOSED:
        raise Conflict(f"proposed edit {answer_id} was already {answer.state}", {"state": answer.state})
    return person, answer


def _view_of(session: Session, request_id: int) -> RequestView:
    r = session.scalar(select(ReviewRequest).where(ReviewRequest.id == request_id).options(
        selectinload(ReviewRequest.answers).selectinload(ReviewAnswer.decided_by)))
    assert r is not None
    return request_view(r, None, None)


def accept_edit(store: Store, actor: Person, answer_id: int) -> RequestView:
    """Apply a proposed edit as a new revision (see the module doc); ``Conflict`` when the summary
    changed since the reviewer saw it, in a way the edit cannot be merged into."""
    with store.session() as s:
        answer = s.get(ReviewAnswer, answer_id)
        reviewer = reviewer_of(answer.request) if answer is not None else "an author"
    with store.session(by=f"{actor.name}, from {reviewer}'s review", person_id=actor.id) as s:
        person, answer = _decision(s, actor, answer_id)
        entry = load_entry(s, answer.entry_id)
        merged = drafting.merge({"summary": answer.proposed}, {"summary": entry.summary}, {"summary": answer.base})
        if merged.conflicts:
            raise Conflict(f"the summary of entry {entry.id} changed since {reviewer} proposed this edit: "
                           "merge it by hand in the editor, or decline it", entry_json(entry))
        changed = apply_fields(s, person, entry, {"summary": merged.values["summary"]})
        s.flush()
        if changed:
            answer.revision_id = s.scalar(select(func.max(Revision.id)).where(Revision.entry_id == entry.id))
        answer.state, answer.decided_by, answer.decided_at = ACCEPTED, person, utcnow()
        log(s, person, answer.request, "review edit accepted", answer=answer.id, version=entry.version)
        s.flush()
        return _view_of(s, answer.request_id)


def decline_edit(store: Store, actor: Person, answer_id: int, note: str | None) -> RequestView:
    """Decline a proposed edit, keeping the editor's note (why) on it."""
    with store.session(by=actor.name, person_id=actor.id) as s:
        person, answer = _decision(s, actor, answer_id)
        answer.state, answer.decided_by, answer.decided_at = DECLINED, person, utcnow()
        answer.decision_note = _text("note", note, MAX_COMMENT)
        log(s, person, answer.request, "review edit declined", answer=answer.id,
            note=(answer.decision_note or "")[:200] or None)
        s.flush()
        return _view_of(s, answer.request_id)
