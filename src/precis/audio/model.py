"""The episode table: one recorded audio edition per issue.

Making an issue's episode again replaces its row. The row says where the file is and what it holds
as measured after it was written (duration read back from the MP3, size on disk), and its chapters
(JSON, see ``segments.Chapter``), so that the feed is built from the store alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from precis.model import Base, Issue, utcnow


class Episode(Base):
    __tablename__ = "podcast_episode"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), unique=True)
    path: Mapped[str] = mapped_column(Text)  # absolute path of the MP3 file
    size: Mapped[int] = mapped_column(Integer)  # bytes
    duration: Mapped[float] = mapped_column(Float)  # seconds
    engine: Mapped[str] = mapped_column(String(20))
    voice: Mapped[str] = mapped_column(String(200))
    loudness: Mapped[float | None] = mapped_column(Float)  # integrated loudness, LUFS
    chapters: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    issue: Mapped[Issue] = relationship()
