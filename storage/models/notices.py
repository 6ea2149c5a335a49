"""Verified broadcasters, their accounts, chat subscriptions, notices and "seen" marks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime


class BroadcasterOrgRow(Base):
    """An organisation the operator verified (a consulate, an embassy)."""

    __tablename__ = "broadcaster_orgs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    short_name: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BroadcasterAccountRow(Base):
    """A platform account that may publish for an organisation."""

    __tablename__ = "broadcaster_accounts"
    __table_args__ = (Index("ix_broadcaster_accounts_account", "platform", "platform_id"),)

    org_id: Mapped[int] = mapped_column(ForeignKey("broadcaster_orgs.id", ondelete="CASCADE"),
                                        primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    platform_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeSubscriptionRow(Base):
    """A chat following an organisation (categories: empty for all)."""

    __tablename__ = "notice_subscriptions"

    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"),
                                         primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("broadcaster_orgs.id", ondelete="CASCADE"),
                                        primary_key=True, index=True)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NoticeRow(Base):
    """An official notice: texts per language, options, and where it stands."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("broadcaster_orgs.id"), index=True)
    author_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    author_chat_id: Mapped[int | None] = mapped_column(ForeignKey("chats.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    category: Mapped[str] = mapped_column(String(16), default="other")
    main_language: Mapped[str] = mapped_column(String(8))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_button: Mapped[bool] = mapped_column(Boolean, default=False)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retract_reason: Mapped[str | None] = mapped_column(Text)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report_delivery_id: Mapped[int | None] = mapped_column(Integer)
    report_digest: Mapped[str | None] = mapped_column(String(64))


class NoticeSeenRow(Base):
    """One person counted as having seen a notice, by an opaque token (never who)."""

    __tablename__ = "notice_seen"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"),
                                           primary_key=True)
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
