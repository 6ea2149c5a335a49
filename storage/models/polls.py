"""Tables of polls: the polls, and one ballot per voter per poll."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime


class PollRow(Base):
    """A poll of a community."""

    __tablename__ = "polls"
    __table_args__ = (Index("ix_polls_community_status", "community_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    origin_chat_id: Mapped[int | None] = mapped_column(
        ForeignKey("chats.id", ondelete="SET NULL"))
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    hide_results: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    key_check: Mapped[str | None] = mapped_column(String(32))
    # Set by the first vote after the copies were last refreshed; cleared by the refresh.
    refresh_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BallotRow(Base):
    """One voter's choices in one poll, as a bitmask of option indexes.

    `voter` is a keyed hash for anonymous polls (and `person_id` is empty), or
    "p<person id>" for public ones. No timestamp and, on SQLite, no rowid: the
    order of voting is not kept.
    """

    __tablename__ = "poll_ballots"
    __table_args__ = (Index("ix_poll_ballots_person_id", "person_id"),
                      {"sqlite_with_rowid": False})

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"),
                                         primary_key=True)
    voter: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    choices: Mapped[int] = mapped_column(Integer)
