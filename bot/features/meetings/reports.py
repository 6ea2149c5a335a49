"""Meetings elsewhere: digest sections, and what a person left in meetings and minutes."""

from __future__ import annotations

from typing import Any

from bot.context import Services
from bot.digest import DigestContext
from bot.fmt import datetime_text
from bot.i18n import _, isolate, ngettext
from bot.records import Person
from bot.richtext import Block, Line, bold, bullets, line

from .common import feature
from .minutes_text import action_text, due_zone, title_of
from .records import MarkKind
from .recurrence import occurrences
from .render import counts_text
from .timeline import refresh_later

SHOWN = 6


@feature.digest_section(order=10)
async def coming_meetings(dctx: DigestContext) -> Block | None:
    """Dates in the coming period, in the reader's zone, with the answers so far."""
    meetings = await dctx.services.store.meetings.in_communities([dctx.community_id])
    coming = sorted(((occ, meeting) for meeting in meetings for occ in occurrences(meeting)
                     if dctx.now < occ.start <= dctx.until),
                    key=lambda pair: (pair[0].start, pair[1].id))
    if not coming:
        return None
    items: list[Line] = []
    for occ, meeting in coming[:SHOWN]:
        counts = await dctx.services.store.meetings.counts(meeting.id, occ.key)
        items.append(line(isolate(meeting.title), f" (/meeting show {meeting.id}) — ",
                          datetime_text(occ.start, dctx.zone), " — ", counts_text(counts)))
    more = len(coming) - SHOWN
    if more > 0:
        items.append(line(ngettext("and {n} more: /meetings", "and {n} more: /meetings", more)))
    head = ngettext("{n} meeting coming up", "{n} meetings coming up", len(coming))
    return Block((line(bold(head)), *bullets(items).lines))


@feature.digest_section(order=50)
async def open_actions(dctx: DigestContext) -> Block | None:
    """Action items not done yet, soonest due first, with their owner."""
    found = await dctx.services.store.minutes.open_actions([dctx.community_id])
    if not found:
        return None
    items: list[Line] = []
    for mark, session in found[:SHOWN]:
        overdue = mark.due_at is not None and mark.due_at < dctx.now
        zone = await due_zone(dctx.services, session, dctx.zone)
        items.append(line(action_text(mark, zone), f"  [{mark.number}]",
                          (" — " + _("overdue")) if overdue else ""))
    more = len(found) - SHOWN
    if more > 0:
        items.append(line(ngettext("and {n} more: /actions", "and {n} more: /actions", more)))
    head = ngettext("{n} open action item", "{n} open action items", len(found))
    return Block((line(bold(head)), *bullets(items).lines))


@feature.personal_data
async def my_meetings(services: Services, person: Person) -> dict[str, Any]:
    """A person's answers, agenda proposals and minutes marks (written or owned)."""
    answers = await services.store.meetings.answers_of(person.id)
    agenda = await services.store.meetings.agenda_of(person.id)
    marks = await services.store.minutes.marks_of(person.id)
    return {
        "meeting_answers": [{"meeting": m.id, "title": m.title, "date": occ,
                             "answer": answer.value} for m, occ, answer in answers],
        "agenda_proposals": [{"meeting": i.meeting_id, "date": i.occ, "text": i.text,
                              "status": i.status.value} for i in agenda],
        "minutes_marks": [{"session": session.id, "session_title": title_of(session),
                           "kind": mark.kind.value, "text": mark.text,
                           "at": mark.at.isoformat(),
                           "owner": mark.owner_person_id == person.id,
                           "due": mark.due_at.isoformat()
                           if mark.due_at and mark.kind == MarkKind.ACTION else None}
                          for mark, session in marks],
    }


@feature.forget
async def forget_me(services: Services, person: Person) -> None:
    """Answers and agenda proposals go with the person (the cards they counted on are
    redrawn); the minutes keep the text of their marks, signed by a former member."""
    now = services.clock.now()
    for meeting, occ, _answer in await services.store.meetings.answers_of(person.id):
        if not meeting.cancelled:
            await refresh_later(services, meeting.id, occ, now)
    await services.store.meetings.forget_agenda(person.id)
    await services.store.minutes.forget_person(person.id)

