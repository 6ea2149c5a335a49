"""Tables of the knowledge base: entries, every version, tags and helpful votes.

The full-text index is not a model: on SQLite it is the FTS5 table `kb_fts`
(kept in step with `kb_entries` by triggers), on PostgreSQL the generated
column `kb_entries.search_vector`; both are created by migration 0005.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime


class KbEntryRow(Base):
    """An entry in its current version."""

    __tablename__ = "kb_entries"
    __table_args__ = (
        Index("ix_kb_entries_community_status", "community_id", "status"),
        Index("ix_kb_entries_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stable across export and import (ids are not).
    uid: Mapped[str] = mapped_column(String(32), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    group_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Tags separated by spaces (a tag has none): shown, and indexed for search.
    tags_text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="note")
    author_key: Mapped[str] = mapped_column(String(100))
    author_name: Mapped[str] = mapped_column(String(256))
    submitted_key: Mapped[str] = mapped_column(String(100))
    submitted_name: Mapped[str] = mapped_column(String(256))
    reviewed_key: Mapped[str | None] = mapped_column(String(100))
    reviewed_name: Mapped[str | None] = mapped_column(String(256))
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    helpful: Mapped[int] = mapped_column(Integer, default=0)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KbRevisionRow(Base):
    """One version of an entry's text (applied, proposed or rejected)."""

    __tablename__ = "kb_revisions"
    __table_args__ = (Index("uq_kb_revisions_entry_version", "entry_id", "version", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    base_version: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags_text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    editor_key: Mapped[str] = mapped_column(String(100))
    editor_name: Mapped[str] = mapped_column(String(256))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)


class KbTagRow(Base):
    """A tag of an entry, folded for lookups (`#pasaporte` finds `#Pasaporté`)."""

    __tablename__ = "kb_tags"
    __table_args__ = (Index("ix_kb_tags_community_key", "community_id", "key"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"),
                                          primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    community_id: Mapped[int] = mapped_column(Integer)


class KbVoteRow(Base):
    """One person found an entry helpful (once)."""

    __tablename__ = "kb_votes"

    entry_id: Mapped[int] = mapped_column(ForeignKey("kb_entries.id", ondelete="CASCADE"),
                                          primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
