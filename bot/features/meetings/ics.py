"""iCalendar export (RFC 5545 through the `icalendar` package) of a meeting or a calendar.

A series is one VEVENT with its RRULE at the wall-clock start (TZID, with the
VTIMEZONE included), skipped dates as EXDATE, and each moved date as a VEVENT
of the same UID with a RECURRENCE-ID naming the original date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

from bot.context import Context, UserError
from bot.convert import ID
from bot.feature import Arg
from bot.features.meetings.common import communities_for, feature, meeting_here
from bot.features.meetings.records import Meeting
from bot.features.meetings.recurrence import (
    ical_rrule,
    is_original,
    local_of,
    occurrences,
    originals,
)
from bot.i18n import N_, _
from bot.permissions import ANYONE
from bot.replies import Document, Reply
from bot.richtext import doc

PRODID = "-//diaspora-bot//meetings//EN"


def uid(meeting: Meeting) -> str:
    """A stable UID per meeting."""
    return f"meeting-{meeting.id}@diaspora-bot"


def _base(meeting: Meeting, start: datetime, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid(meeting))
    event.add("dtstamp", stamp)
    event.add("sequence", meeting.version)
    event.add("dtstart", start)
    event.add("duration", meeting.duration)
    event.add("summary", meeting.title)
    if meeting.place:
        event.add("location", meeting.place)
    if meeting.description:
        event.add("description", meeting.description)
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    return event


def events(meeting: Meeting, stamp: datetime) -> list[Event]:
    """The VEVENTs of one meeting."""
    tz = ZoneInfo(meeting.zone)
    if not meeting.recurring:
        dates = occurrences(meeting)
        local = dates[0].local if dates else meeting.start_local
        return [_base(meeting, local.replace(tzinfo=tz), stamp)]
    master = _base(meeting, meeting.start_local.replace(tzinfo=tz), stamp)
    assert meeting.rrule is not None
    master.add("rrule", vRecur.from_ical(ical_rrule(meeting.rrule, meeting.zone)))
    skipped = sorted(d for k, v in meeting.exceptions.items()
                     if v is None and is_original(meeting, k) and (d := local_of(k)) is not None)
    if skipped:
        master.add("exdate", [d.replace(tzinfo=tz) for d in skipped])
    out = [master]
    for key, moved_to in sorted(meeting.exceptions.items()):
        original = local_of(key)
        if moved_to is None or original is None or not is_original(meeting, key):
            continue
        moved = _base(meeting, moved_to.replace(tzinfo=tz), stamp)
        moved.add("recurrence-id", original.replace(tzinfo=tz))
        out.append(moved)
    return out


def calendar(meetings: Sequence[Meeting], stamp: datetime, name: str) -> bytes:
    """A calendar file with every meeting and the time zones they use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    days: list[date] = []
    for meeting in meetings:
        for event in events(meeting, stamp):
            cal.add_component(event)
        starts = [*originals(meeting), *(v for v in meeting.exceptions.values() if v)]
        days += [min(starts).date(), (max(starts) + meeting.duration).date()]
    if days:
        cal.add_missing_timezones(first_date=min(days) - timedelta(days=366),
                                  last_date=max(days) + timedelta(days=366))
    data: bytes = cal.to_ical()
    return data


MEETING_OPTIONAL = Arg("meeting", N_("The meeting's number; every meeting if empty"), kind=ID)


@feature.command(
    "meeting ics", N_("Get a calendar file (.ics) of one meeting or of all coming meetings"),
    usage=N_("[number]"), examples=("/meeting ics 3", "/meeting ics"),
    args=(MEETING_OPTIONAL,),
    rule=ANYONE,
)
async def export(ctx: Context) -> Reply:
    """One meeting, or the community's calendar (all of one's communities in private)."""
    meeting_id = ctx.value(MEETING_OPTIONAL)
    if meeting_id is not None:
        meeting = await meeting_here(ctx, meeting_id)
        chosen, filename, name = [meeting], f"meeting-{meeting.id}.ics", meeting.title
    else:
        chosen = await ctx.store.meetings.in_communities(await communities_for(ctx))
        if not chosen:
            raise UserError(_("No meetings are coming up. Moderators can schedule one with "
                              "/meeting new."))
        filename = "calendar.ics"
        name = ctx.chat.title or _("Meetings")
    data = calendar(chosen, ctx.now(), name)
    return Reply(doc(_("Here is the calendar file. Open it to add the meetings to your "
                       "calendar; repeating meetings repeat there too.")),
                 document=Document(filename, data, "text/calendar"))
