"""Keeping every chat in step with a meeting: its live card, its reminders, its next date.

Only a horizon is scheduled per meeting: the reminders of the next occurrence
and one "next" item at the end of the current one, which posts the next
card and arms the following reminders. A series of hundreds of dates thus
holds three or four schedule rows at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.context import JobContext, Services
from bot.fanout import Render, community_deliveries, edit_deliveries, person_delivery, unsent_copies
from bot.features.meetings.common import CARD_DEBOUNCE, DEFAULT_REMINDERS, feature
from bot.features.meetings.records import Answer, Meeting
from bot.features.meetings.recurrence import current, occurrence, upcoming
from bot.features.meetings.render import card, reminder
from bot.jobs import ROW_ID, Fields, JobKind
from bot.records import Chat, NewDelivery, ScheduledItem
from bot.replies import Reply
from bot.sources import MEETING_CARD, MEETING_REMINDER, MEETING_SAY, MeetingDate


@dataclass(frozen=True, slots=True)
class ReminderRef:
    """One reminder, `minutes` before a date of a meeting."""

    meeting_id: int
    occ: str
    minutes: int


REMIND = JobKind("meeting.remind", "meetings", Fields(ReminderRef), table="meetings", moves=True)
NEXT = JobKind("meeting.next", "meetings", ROW_ID, table="meetings", moves=True)
# Edits the copies this deployment posted: it does not move with the community.
CARD = JobKind("meeting.card", "meetings", Fields(MeetingDate), table="meetings")
# The "next" item must run however late: it is what keeps a series going.
NEXT_GRACE = 366 * 24 * 3600
# While some copies of a card are still queued, look again this much later.
RETRY_UNSENT = timedelta(seconds=5)
MAX_CARD_RETRIES = 30


async def card_render(services: Services, meeting: Meeting, key: str,
                      now: datetime) -> Render:
    """A renderer of one occurrence's card for any chat (its answers counted now)."""
    counts = await services.store.meetings.counts(meeting.id, key)

    def render(chat: Chat) -> Reply:
        return card(meeting, key, counts, zone=services.chat_zone(chat), now=now)

    return render


async def sync_deliveries(services: Services, meeting: Meeting, *, now: datetime, tag: str,
                          announce: Render | None = None) -> list[NewDelivery]:
    """An announcement, edits of the live card, and the card of the current date if new.

    The current date's card is offered to every chat each time; the outbox
    keeps one per key, so only chats that have never had it (a newly linked
    chat, or a new date) get a copy.
    """
    out: list[NewDelivery] = []
    if announce is not None:
        out += await community_deliveries(services, meeting.community_id, announce,
                                          key=f"mtg:{meeting.id}:{tag}:say",
                                          source=MEETING_SAY.of(meeting.id))
    if meeting.card_occ:
        render = await card_render(services, meeting, meeting.card_occ, now)
        live = MEETING_CARD.of(MeetingDate(meeting.id, meeting.card_occ))
        out += await edit_deliveries(services, live, render, key=f"mtg:{meeting.id}:{tag}:edit")
    occ = current(meeting, now)
    if occ is not None:
        source = MEETING_CARD.of(MeetingDate(meeting.id, occ.key))
        render = await card_render(services, meeting, occ.key, now)
        out += await community_deliveries(services, meeting.community_id, render,
                                          key=source.key("card"), source=source)
        if occ.key != meeting.card_occ:
            meeting.card_occ = occ.key
            await services.store.meetings.update(meeting)
    return out


async def sync(services: Services, meeting: Meeting, *, now: datetime, tag: str,
               announce: Render | None = None) -> int:
    """Bring every chat and the schedule in step after a change; return messages queued."""
    edited = meeting.card_occ
    deliveries = await sync_deliveries(services, meeting, now=now, tag=tag, announce=announce)
    await services.outbox.enqueue(deliveries)
    await arm(services, meeting, now)
    if edited and await unsent_copies(services, MEETING_CARD.of(MeetingDate(meeting.id, edited))):
        # Some copies were still queued when the edit was made: edit them once sent.
        await refresh_later(services, meeting.id, edited, now, tries=1)
    return len(deliveries)


async def refresh_later(services: Services, meeting_id: int, occ: str, now: datetime, *,
                        tries: int = 0) -> None:
    """Re-render a card's copies shortly (scheduling again replaces: a debounce)."""
    delay = RETRY_UNSENT if tries else CARD_DEBOUNCE
    await services.scheduler.schedule(CARD, MeetingDate(meeting_id, occ), now + delay,
                                      grace_seconds=3600, payload={"tries": tries})


def reminder_grace(minutes: int) -> int:
    """How late a reminder may still go out: half its lead time, 5 min to 6 h."""
    return min(max(minutes * 30, 300), 6 * 3600)


async def arm(services: Services, meeting: Meeting, now: datetime) -> None:
    """Schedule the next date's reminders and the end-of-date item; nothing when cancelled."""
    store = services.store
    await services.scheduler.cancel_all(REMIND, meeting.id)
    occ = current(meeting, now)
    if occ is None:
        await services.scheduler.cancel(NEXT, meeting.id)
        return
    nxt = upcoming(meeting, now)
    if nxt is not None:
        offsets = await store.meetings.reminder_offsets(meeting.community_id)
        for minutes in DEFAULT_REMINDERS if offsets is None else offsets:
            due = nxt.start - timedelta(minutes=minutes)
            if due > now:
                await services.scheduler.schedule(
                    REMIND, ReminderRef(meeting.id, nxt.key, minutes), due,
                    grace_seconds=reminder_grace(minutes))
    await services.scheduler.schedule(NEXT, meeting.id, occ.end, grace_seconds=NEXT_GRACE)


@feature.job(CARD)
async def refresh_card(jctx: JobContext, item: ScheduledItem, ref: MeetingDate) -> list[NewDelivery]:
    """Edit every copy of a card with the answers as they stand."""
    meeting = await jctx.store.meetings.get(ref.meeting_id)
    if meeting is None:
        return []
    services, now, key = jctx.services, jctx.now(), ref.occ
    render = await card_render(services, meeting, key, now)
    copies = MEETING_CARD.of(MeetingDate(meeting.id, key))
    out = await edit_deliveries(services, copies, render, key=copies.key(f"r{item.id}"))
    tries = int(item.payload.get("tries", 0))
    if tries < MAX_CARD_RETRIES and await unsent_copies(services, copies):
        await refresh_later(services, meeting.id, key, now, tries=tries + 1)
    return out


@feature.job(REMIND)
async def remind(jctx: JobContext, item: ScheduledItem, ref: ReminderRef) -> list[NewDelivery]:
    """Post a reminder to every chat, and privately to those who asked for one."""
    meeting = await jctx.store.meetings.get(ref.meeting_id)
    if meeting is None or meeting.cancelled:
        return []
    services, now = jctx.services, jctx.now()
    occ = occurrence(meeting, ref.occ)
    if occ is None or occ.start <= now:
        return []
    counts = await services.store.meetings.counts(meeting.id, occ.key)
    agenda = await services.store.meetings.agenda(meeting.id, occ.key)

    def render(chat: Chat) -> Reply:
        return reminder(meeting, occ, counts, agenda, zone=services.chat_zone(chat), now=now)

    source = MEETING_REMINDER.of(MeetingDate(meeting.id, occ.key))
    out = await community_deliveries(services, meeting.community_id, render,
                                     key=f"mtg:rem:{item.id}", source=source)
    for rsvp in await services.store.meetings.rsvps(meeting.id, occ.key):
        person = await services.store.people.get(rsvp.person_id)
        if person is None or rsvp.answer != Answer.GOING or not rsvp.private_reminder:
            continue
        mine = services.person_zone(person)

        def personal(mine: str = mine) -> Reply:
            return reminder(meeting, occ, counts, agenda, zone=meeting.zone, now=now,
                            person_zone=mine, buttons=False)

        out.append(await person_delivery(services, person, personal,
                                         key=f"mtg:rem:{item.id}:p{person.id}", source=source))
    return out


@feature.job(NEXT)
async def next_date(jctx: JobContext, item: ScheduledItem, meeting_id: int) -> list[NewDelivery]:
    """At the end of a date: close its card, post the next one, arm its reminders."""
    meeting = await jctx.store.meetings.get(meeting_id)
    if meeting is None or meeting.cancelled:
        return []
    now = jctx.now()
    out = await sync_deliveries(jctx.services, meeting, now=now, tag=f"n{item.id}")
    await arm(jctx.services, meeting, now)
    return out
