"""iCalendar export, parsed back with `icalendar` and checked date by date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr

from bot.features.meetings.recurrence import occurrences
from bot.replies import Reply
from tests.support import Harness

MADRID = ZoneInfo("Europe/Madrid")


async def _export(h: Harness, line: str) -> icalendar.Calendar:
    [reply] = await h.send(line)
    assert isinstance(reply, Reply) and reply.document is not None
    assert reply.document.mime == "text/calendar"
    return icalendar.Calendar.from_ical(reply.document.data)


def expand(cal: icalendar.Calendar, uid: str) -> list[tuple[datetime, timedelta]]:
    """The dates a calendar client would show for one UID (RRULE − EXDATE + overrides)."""
    events = [e for e in cal.walk("VEVENT") if str(e["UID"]) == uid]
    [master] = [e for e in events if "RECURRENCE-ID" not in e]
    start = master["DTSTART"].dt
    length = master["DURATION"].dt
    if "RRULE" not in master:
        return [(start.astimezone(UTC), length)]
    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=start)
    excluded = set()
    for exdate in master.get("EXDATE", []) if isinstance(master.get("EXDATE"), list) else \
            [master.get("EXDATE")] if master.get("EXDATE") else []:
        excluded |= {d.dt.astimezone(UTC) for d in exdate.dts}
    overrides = {e["RECURRENCE-ID"].dt.astimezone(UTC): e for e in events
                 if "RECURRENCE-ID" in e}
    out = []
    for moment in rule:
        utc = moment.astimezone(UTC)
        if utc in excluded:
            continue
        if utc in overrides:
            moved = overrides.pop(utc)
            out.append((moved["DTSTART"].dt.astimezone(UTC), moved["DURATION"].dt))
        else:
            out.append((utc, length))
    assert overrides == {}, "every override names a date of the rule"
    return sorted(out)


async def test_a_series_with_a_skip_and_a_move_round_trips_date_by_date(
        harness: Harness) -> None:
    await harness.send("/timezone Europe/Madrid")
    await harness.send("/meeting new Diálogo | friday 18:00 | 90m | Zoom https://zoom.us/j/1 | "
                       "Open to all")
    await harness.send("/meeting repeat 1 weekly count 14")  # 9 Jan – 10 Apr, across 29 March
    await harness.send("/meeting skip 1 2026-01-16")
    await harness.send("/meeting move 1 | 2026-01-30 | 2026-01-31 11:00")
    cal = await _export(harness, "/meeting ics 1")
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Madrid"
    [master] = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e]
    assert master["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert master["DTSTART"].dt == datetime(2026, 1, 9, 18, 0, tzinfo=MADRID)
    assert master["RRULE"].to_ical().decode() == "FREQ=WEEKLY;COUNT=14;BYDAY=FR"
    assert str(master["SUMMARY"]) == "Diálogo"
    assert str(master["LOCATION"]) == "Zoom https://zoom.us/j/1"
    meeting = await harness.app.store.meetings.get(1)
    assert meeting is not None
    ours = [(o.start, o.end - o.start) for o in occurrences(meeting)]
    theirs = expand(cal, "meeting-1@diaspora-bot")
    assert len(theirs) == 13
    for mine, parsed in zip(ours, theirs, strict=True):
        assert mine == parsed
    # Across the spring change the wall-clock time holds: 17:00 UTC before, 16:00 after.
    assert {o.start.hour for o in occurrences(meeting) if o.start.month == 2} == {17}
    assert {o.start.hour for o in occurrences(meeting) if o.start.month == 4} == {16}
    moved = theirs[2][0]
    assert moved == datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


async def test_an_until_becomes_utc_and_the_community_calendar_holds_every_meeting(
        harness: Harness) -> None:
    await harness.send("/timezone Europe/Madrid")
    await harness.send("/meeting new Weekly | monday 19:00")
    await harness.send("/meeting repeat 1 every 2 weeks until 2026-06-30")
    await harness.send("/meeting new Once | 2026-02-10 10:00 America/Mexico_City | 2h")
    await harness.send("/meeting move 2 | 2026-02-11 10:00")
    cal = await _export(harness, "/meeting ics")
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {
        "Europe/Madrid", "America/Mexico_City"}
    [weekly] = [e for e in cal.walk("VEVENT") if str(e["UID"]) == "meeting-1@diaspora-bot"]
    assert "UNTIL=20260630T215900Z" in weekly["RRULE"].to_ical().decode()
    for meeting_id in (1, 2):
        meeting = await harness.app.store.meetings.get(meeting_id)
        assert meeting is not None
        assert [(o.start, o.end - o.start) for o in occurrences(meeting)] == expand(
            cal, f"meeting-{meeting_id}@diaspora-bot")
    [once] = [e for e in cal.walk("VEVENT") if str(e["UID"]) == "meeting-2@diaspora-bot"]
    assert once["DTSTART"].dt == datetime(2026, 2, 11, 10, 0,
                                          tzinfo=ZoneInfo("America/Mexico_City"))
    await harness.send("/meeting cancel 2")
    cal = await _export(harness, "/meeting ics 2")
    [cancelled] = cal.walk("VEVENT")
    assert str(cancelled["STATUS"]) == "CANCELLED"
