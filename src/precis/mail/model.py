"""The mail tables: subscribers, what happened to each (never deleted), and the send log.

A subscriber's email is kept lower-cased and is private everywhere. The send log holds one row per
(issue, subscriber): a send claims the row before the message goes and marks it after, so that a
send run again after a crash reaches everyone not yet reached and repeats at most what was in flight.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from precis.model import Base, utcnow

#: A subscriber's status; only confirmed subscribers are mailed an issue.
UNCONFIRMED, CONFIRMED, UNSUBSCRIBED, BOUNCED = "unconfirmed", "confirmed", "unsubscribed", "bounced"
SUBSCRIBER_STATUSES = (UNCONFIRMED, CONFIRMED, UNSUBSCRIBED, BOUNCED)
#: A send log row's state: claimed by a send and not yet answered by the server, delivered,
#: refused for now (a 4xx, retried by the next send), or refused for good (a 5xx at RCPT).
SENDING, SENT, DEFERRED, FAILED = "sending", "sent", "deferred", "bounced"
SEND_STATES = (SENDING, SENT, DEFERRED, FAILED)


class Subscriber(Base):
    __tablename__ = "subscriber"
    __table_args__ = (UniqueConstraint("publication_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    events: Mapped[list[SubscriberEvent]] = relationship(
        back_populates="subscriber", order_by="SubscriberEvent.id", cascade="all, delete-orphan"
    )


class SubscriberEvent(Base):
    """One thing that happened to a subscriber: imported, subscribed, confirmed, unsubscribed,
    bounced … with what caused it (``detail``: the file, the issue, "one-click")."""

    __tablename__ = "subscriber_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # the subscriber's status after it
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    subscriber: Mapped[Subscriber] = relationship(back_populates="events")


class SendLog(Base):
    __tablename__ = "send_log"
    __table_args__ = (UniqueConstraint("issue_id", "subscriber_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscriber.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)  # the server's last answer when refused
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
