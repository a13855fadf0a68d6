"""The review tables: a request sent to one address about one entry, and what its reader answered.

A request's link is never stored: it is signed from the request's id and entry with the app's key
``"review"`` and can be made again (``links.py``); the row says whether it still opens (expiry,
revocation). The address is private: it shows in the newsroom, never in a public output or to
another reviewer. An answer is an approval, a comment (on the whole, or on a quoted passage), or a
proposed edit of the summary, which an editor accepts (a new revision) or declines with a note.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from precis.model import Base, Entry, Person, utcnow

#: What an answer is.
APPROVE, COMMENT, EDIT = "approve", "comment", "edit"
ANSWER_KINDS = (APPROVE, COMMENT, EDIT)
#: Where a proposed edit is; approvals and comments stay ``None``.
PROPOSED, ACCEPTED, DECLINED = "proposed", "accepted", "declined"
EDIT_STATES = (PROPOSED, ACCEPTED, DECLINED)


class ReviewRequest(Base):
    """One request to one address to review one entry's planned summary."""

    __tablename__ = "review_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))  # lower-cased; private
    name: Mapped[str | None] = mapped_column(String(200))  # "Jane Doe <jane@…>" gives "Jane Doe"
    # Who asked (None: a command), when, until when the link opens, and whether it was taken back.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What happened: the email went (last time, and how many reminders), the link was first opened,
    # first answered, approved as is.
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    entry: Mapped[Entry] = relationship()
    requested_by: Mapped[Person | None] = relationship()
    answers: Mapped[list[ReviewAnswer]] = relationship(
        back_populates="request", order_by="ReviewAnswer.id", cascade="all, delete-orphan",
    )


class ReviewAnswer(Base):
    """One thing a reviewer said: approve, comment or edit (``kind``)."""

    __tablename__ = "review_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("review_request.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)  # the comment, or a note with an edit
    passage: Mapped[str | None] = mapped_column(Text)  # the quoted passage a comment is about
    # A proposed edit: the summary as the reviewer saw it (the base of the diff and of the merge),
    # the summary they propose, and where it is.
    base: Mapped[str | None] = mapped_column(Text)
    proposed: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The editor's decision on an edit: who, when, the note, and the revision an acceptance made.
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    revision_id: Mapped[int | None] = mapped_column(Integer)

    request: Mapped[ReviewRequest] = relationship(back_populates="answers")
    decided_by: Mapped[Person | None] = relationship()
