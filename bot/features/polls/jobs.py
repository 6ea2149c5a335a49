"""Scheduled work of polls: refreshing every copy's counts, and closing with results.

Both jobs read the poll and its ballots afresh, so running one again (after a
crash, or a close by hand racing a scheduled one) produces the same messages,
and the outbox never queues a key twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.context import JobContext, Services
from bot.fanout import community_deliveries
from bot.features.polls.common import (
    CLOSE_JOB,
    REFRESH_DELAY,
    REFRESH_GRACE_SECONDS,
    REFRESH_JOB,
    feature,
)
from bot.features.polls.records import Poll, PollStatus, Tally
from bot.features.polls.render import card, results
from bot.i18n import use_locale
from bot.records import DeliveryOp, DeliveryStatus, NewDelivery, ScheduledItem
from bot.replies import reply_to_json
from bot.sources import POLL_RESULTS

# Copies still on their way are looked at again this often, this many times.
RETRY_WAITING = timedelta(seconds=30)
MAX_RETRIES = 10
LATE_NOTE_AFTER = timedelta(minutes=5)


async def copy_edits(services: Services, poll: Poll, tally: Tally, *,
                     key: str) -> tuple[list[NewDelivery], bool]:
    """Edits for every delivered copy whose text would change; and whether copies are in flight.

    A copy's current text is its last queued edit (or what was sent), so an
    unchanged copy costs no request: a vote taken back within the window is free.
    """
    outbox = services.store.outbox
    copies = [d for d in await outbox.by_source(poll.source) if d.op == DeliveryOp.SEND]
    shown: dict[int, dict[str, Any]] = {d.id: d.payload for d in copies}
    for edit in await outbox.by_source(poll.source.edits):
        target = edit.target_delivery_id
        if target in shown and edit.status not in (DeliveryStatus.FAILED,
                                                   DeliveryStatus.CANCELLED):
            shown[target] = edit.payload
    edits: list[NewDelivery] = []
    waiting = False
    for copy in copies:
        if copy.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
            waiting = True
            continue
        if copy.status != DeliveryStatus.SENT:
            continue
        chat = await services.store.chats.get(copy.chat_id)
        if chat is None or not chat.active:
            continue
        with use_locale(services.chat_locale(chat)):
            payload = reply_to_json(card(poll, tally, services.chat_zone(chat)))
        if payload == shown[copy.id]:
            continue
        edits.append(NewDelivery(chat.id, payload, key=f"{key}:{copy.id}", op=DeliveryOp.EDIT,
                                 source=poll.source.edits, target_delivery_id=copy.id))
    return edits, waiting


async def _retry_later(services: Services, poll: Poll, item: ScheduledItem) -> None:
    attempt = int(item.payload.get("attempt", 0)) if item.kind == REFRESH_JOB.name else 0
    if attempt < MAX_RETRIES:
        await services.scheduler.schedule(
            REFRESH_JOB, poll.id, services.clock.now() + RETRY_WAITING,
            grace_seconds=REFRESH_GRACE_SECONDS, payload={"attempt": attempt + 1})


async def request_refresh(services: Services, poll_id: int) -> None:
    """Refresh every copy shortly (votes arriving meanwhile share the same edit)."""
    await services.scheduler.schedule(REFRESH_JOB, poll_id,
                                      services.clock.now() + REFRESH_DELAY,
                                      grace_seconds=REFRESH_GRACE_SECONDS)


@feature.job(REFRESH_JOB)
async def refresh(jctx: JobContext, item: ScheduledItem,
                  poll_id: int) -> Sequence[NewDelivery]:
    """Show the current counts (or the closed state) on every copy."""
    store = jctx.store
    poll = await store.polls.get(poll_id)
    if poll is None or poll.status == PollStatus.DELETED:
        return []
    # Cleared before counting: a vote counted too late for this edit asks for the next one.
    await store.polls.refreshed(poll.id)
    tally = await store.polls.tally(poll.id)
    edits, waiting = await copy_edits(jctx.services, poll, tally, key=poll.source.key(f"r{item.id}"))
    if waiting:
        await _retry_later(jctx.services, poll, item)
    return edits


@feature.job(CLOSE_JOB)
async def close(jctx: JobContext, item: ScheduledItem, poll_id: int) -> Sequence[NewDelivery]:
    """Close the poll (if still open), post the results everywhere and take the buttons away."""
    services = jctx.services
    store = jctx.store
    poll = await store.polls.get(poll_id)
    if poll is None or poll.status == PollStatus.DELETED:
        return []
    if poll.status == PollStatus.OPEN:
        now = jctx.now()
        at = poll.closes_at if poll.closes_at is not None and poll.closes_at < now else now
        await store.polls.close(poll.id, at)
        poll = await store.polls.get(poll.id)
        if poll is None or poll.status != PollStatus.CLOSED:
            return []
    # Copies not yet sent would arrive with live buttons: they are replaced by the results.
    await store.outbox.cancel_pending(poll.source)
    await services.scheduler.cancel(REFRESH_JOB, poll.id)
    tally = await store.polls.tally(poll.id)
    late = jctx.late_by > LATE_NOTE_AFTER
    closed_poll = poll
    posted = POLL_RESULTS.of(poll.id)
    posts = await community_deliveries(
        services, poll.community_id,
        lambda chat: results(closed_poll, tally, services.chat_zone(chat), late=late),
        key=posted.text, source=posted)
    edits, waiting = await copy_edits(services, poll, tally, key=poll.source.key("closed"))
    if waiting:
        await _retry_later(services, poll, item)
    return [*edits, *posts]


__all__ = ["close", "copy_edits", "refresh", "request_refresh"]
