"""Publishing: one copy per subscribed chat, queued with the notice in one transaction.

Each chat's copy is rendered in the chat's language (its own version, or the
main one with the others listed) and keyed by (notice, chat), so nothing can
queue a second copy. Scheduled notices wait on the persistent schedule; at
expiry the unsent copies are cancelled and urgent copies unpinned.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.context import JobContext, Services
from bot.features.notices.common import EXPIRE_JOB, PUBLISH_JOB, TICK_JOB, feature
from bot.features.notices.records import Notice, NoticeStatus, Organisation, Published
from bot.features.notices.render import copy_payloads
from bot.features.notices.report import TICK, initial_report
from bot.i18n import N_, Lazy, use_locale
from bot.quiet import quiet_until
from bot.records import Chat, NewDelivery, ScheduledItem
from bot.replies import Reply, reply_to_json
from bot.richtext import doc
from bot.sources import NOTICE_AUTHOR

log = logging.getLogger(__name__)

# A scheduled notice still goes out this late (the bot was down at its time), unless expired.
PUBLISH_GRACE = int(timedelta(days=2).total_seconds())
EXPIRE_GRACE = int(timedelta(days=30).total_seconds())


def wanted(notice: Notice, categories: tuple[str, ...]) -> bool:
    """Whether a subscription with these categories receives the notice (urgent: always)."""
    return notice.urgent or not categories or notice.category.value in categories


async def targets(services: Services, notice: Notice) -> list[Chat]:
    """The active chats subscribed to the notice's organisation that want its category."""
    subs = await services.store.notices.subscribers(notice.org_id)
    return [chat for chat, categories in subs if wanted(notice, categories)]


def copy_delivery(notice: Notice, chat: Chat, data: dict[str, Any],
                  services: Services) -> NewDelivery:
    """The outbox row of one chat's copy: urgent copies jump the queue and pass quiet hours;
    the others wait until the chat's quiet hours end."""
    not_before = None
    if not notice.urgent:
        not_before = quiet_until(chat, services.chat_zone(chat), services.clock.now())
    return NewDelivery(chat.id, data, key=notice.source.key(chat.id), source=notice.source,
                       urgent=notice.urgent, not_before=not_before)


async def publish(services: Services, notice: Notice, org: Organisation) -> Published | None:
    """Queue every copy and the delivery report with the notice, then start the report ticks."""
    now = services.clock.now()
    chats = await targets(services, notice)
    notice.published_at = now
    payloads = copy_payloads(services, notice, org, chats)
    by_id = {chat.id: chat for chat in chats}
    deliveries = [copy_delivery(notice, by_id[chat_id], data, services)
                  for chat_id, data in payloads.items()]
    report = await initial_report(services, notice, org, len(deliveries))
    result = await services.store.notices.publish(notice.id, deliveries, report, now)
    if result is None:
        return None
    services.outbox.wake()
    await services.scheduler.schedule(TICK_JOB, notice.id, now + TICK,
                                      grace_seconds=EXPIRE_GRACE)
    if notice.expires_at is not None:
        await services.scheduler.schedule(EXPIRE_JOB, notice.id, notice.expires_at,
                                          grace_seconds=EXPIRE_GRACE)
    log.info("notice %s published to %d chats", notice.id, result.chats)
    return result


async def tell_author(services: Services, notice: Notice, message: Lazy,
                      what: str) -> list[NewDelivery]:
    """A private message to the notice's author, in their language (`what` names it)."""
    if notice.author_chat_id is None or notice.author_person_id is None:
        return []
    person = await services.store.people.get(notice.author_person_id)
    locale = services.person_locale(person) if person else services.settings.default_language
    with use_locale(locale):
        body = doc(message.text(id=f"#{notice.id}"))
    return [NewDelivery(notice.author_chat_id, reply_to_json(Reply(body)),
                        key=notice.source.key("author", what), source=NOTICE_AUTHOR)]


@feature.job(PUBLISH_JOB)
async def publish_scheduled(jctx: JobContext, item: ScheduledItem,
                            notice_id: int) -> list[NewDelivery]:
    """Publish a scheduled notice at its time (late if the bot was down, unless expired)."""
    services = jctx.services
    notice = await services.store.notices.get(notice_id)
    if notice is None or notice.status != NoticeStatus.SCHEDULED:
        return []
    org = await services.store.notices.get_org(notice.org_id)
    now = services.clock.now()
    if org is None or not org.active:
        return []
    if notice.expires_at is not None and notice.expires_at <= now:
        notice.status = NoticeStatus.CANCELLED
        await services.store.notices.save(notice, expect=[NoticeStatus.SCHEDULED])
        return await tell_author(services, notice, N_(
            "Notice {id} was not published: it expired before it could go out."), "expired")
    await publish(services, notice, org)
    return []


@feature.job(EXPIRE_JOB)
async def expire(jctx: JobContext, item: ScheduledItem, notice_id: int) -> list[NewDelivery]:
    """Stop sending an expired notice and unpin its urgent copies (through the report tick)."""
    services = jctx.services
    now = services.clock.now()
    if await services.store.notices.mark_expired(notice_id, now):
        await services.scheduler.schedule(TICK_JOB, notice_id, now,
                                          grace_seconds=EXPIRE_GRACE)
    return []
