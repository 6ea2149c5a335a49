"""How meetings look: the card with its buttons, list lines, reminders and times.

Everything renders in the current locale (the fan-out helpers set the chat's);
times use the chat's zone, or in private "18:00 Madrid · 12:00 your time",
wrapped in a Timestamp node so Discord can show each reader's local time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from bot.features.meetings.actions import RemindMe, Respond, Who
from bot.features.meetings.records import AgendaItem, AgendaStatus, Answer, Meeting, Occurrence
from bot.features.meetings.recurrence import local_of, occurrence, to_utc
from bot.features.meetings.words import describe
from bot.fmt import date_text, datetime_text, duration, relative, time_text, zone_label
from bot.i18n import _, ngettext, pgettext
from bot.replies import Button, Reply
from bot.richtext import Block, Line, Piece, Timestamp, block, bold, doc, italic, line, strike
from bot.richtext import Link as RLink

_URL = re.compile(r"https?://[^\s<>\"]+")


def when_text(start: datetime, zone: str, person_zone: str | None = None) -> str:
    """A start in a zone; with a person's own zone, "… 18:00 Madrid · 12:00 your time"."""
    if person_zone is None or person_zone == zone:
        return f"{datetime_text(start, zone)} ({zone_label(zone)})"
    mine = time_text(start, person_zone)
    if date_text(start, person_zone, "yyyyMMdd") != date_text(start, zone, "yyyyMMdd"):
        mine = f"{date_text(start, person_zone, 'EEE')} {mine}"
    yours = _("{time} your time", time=mine)
    return f"{date_text(start, zone, 'full')} · {time_text(start, zone)} {zone_label(zone)} · {yours}"


def when_node(start: datetime, zone: str, person_zone: str | None = None) -> Timestamp:
    """The start as a Timestamp: Discord shows local time, others read the fallback."""
    return Timestamp(int(start.timestamp()), when_text(start, zone, person_zone))


def place_pieces(place: str) -> list[Piece]:
    """The place with its links as links."""
    pieces: list[Piece] = []
    last = 0
    for match in _URL.finditer(place):
        pieces.append(place[last:match.start()])
        url = match.group(0).rstrip(".,;)")
        pieces.append(RLink(url, url))
        last = match.start() + len(url)
    pieces.append(place[last:])
    return [p for p in pieces if p != ""]


def counts_text(counts: dict[Answer, int]) -> str:
    """ "5 going · 2 maybe · 1 not going" (or that nobody answered yet)."""
    if not any(counts.values()):
        return _("No answers yet.")
    return " · ".join([
        ngettext("{n} going", "{n} going", counts.get(Answer.GOING, 0)),
        ngettext("{n} maybe", "{n} maybe", counts.get(Answer.MAYBE, 0)),
        ngettext("{n} not going", "{n} not going", counts.get(Answer.NO, 0)),
    ])


def answer_label(answer: Answer) -> str:
    """The button wording of an answer."""
    if answer == Answer.GOING:
        return pgettext("button", "Going")
    if answer == Answer.MAYBE:
        return pgettext("button", "Maybe")
    return pgettext("button", "Not going")


def rsvp_row(meeting_id: int, occ: str) -> tuple[Button, ...]:
    """Going / Maybe / Not going."""
    return tuple(Button(answer_label(a), Respond(meeting_id, occ, a).pack()) for a in Answer)


def card_buttons(meeting_id: int, occ: str) -> tuple[tuple[Button, ...], ...]:
    """The card's buttons: the answers, then a private reminder and the attendee list."""
    return (rsvp_row(meeting_id, occ),
            (Button(pgettext("button", "Remind me privately"),
                    RemindMe(meeting_id, occ).pack()),
             Button(pgettext("button", "Who's coming?"), Who(meeting_id, occ).pack())))


def _start_of(meeting: Meeting, key: str, occ: Occurrence | None) -> datetime:
    if occ is not None:
        return occ.start
    original = local_of(key)
    return to_utc(original, meeting.zone) if original else to_utc(meeting.start_local,
                                                                  meeting.zone)


def details(meeting: Meeting) -> list[Line]:
    """Duration, place and repetition lines."""
    lines = [line("⏱ ", duration(meeting.duration))]
    if meeting.place:
        lines.append(line("📍 ", *place_pieces(meeting.place)))
    if meeting.rrule:
        lines.append(line("🔁 ", describe(meeting.rrule, meeting.zone)))
    return lines


def card(meeting: Meeting, key: str, counts: dict[Answer, int], *, zone: str, now: datetime,
         person_zone: str | None = None) -> Reply:
    """The card of one occurrence, with buttons while answers are open."""
    # A cancelled date keeps the time it was moved to: the card shows what was called off.
    found = occurrence(meeting, key)
    occ = None if meeting.cancelled else found
    start = _start_of(meeting, key, found)
    live = occ is not None and occ.end > now
    title: Piece = bold(meeting.title) if live or occ else strike(meeting.title)
    head = [line("📅 ", title, f"  #{meeting.id}")]
    if meeting.cancelled:
        head.append(line(bold(_("Cancelled"))))
    elif occ is None:
        head.append(line(bold(_("There is no meeting on this date any more."))))
    elif not live:
        head.append(line(italic(_("This meeting has taken place."))))
    head.append(line("🕕 ", when_node(start, zone, person_zone)))
    if found is not None and found.moved:
        original = local_of(key)
        if original is not None:
            head.append(line(italic(_("Moved from {date}",
                                      date=when_text(to_utc(original, meeting.zone), zone)))))
    blocks: list[Block] = [block(*head, *details(meeting))]
    if meeting.description:
        blocks.append(block(meeting.description))
    blocks.append(block(counts_text(counts)))
    reply = Reply(doc(*blocks), card=True)
    return reply.with_buttons(*card_buttons(meeting.id, key)) if live else reply


def list_entry(meeting: Meeting, occ: Occurrence, counts: dict[Answer, int], *, zone: str,
               person_zone: str | None = None) -> Block:
    """One meeting in a list: number, title, next time, answers."""
    lines = [line(bold(f"#{meeting.id} ", meeting.title)),
             line("🕕 ", when_node(occ.start, zone, person_zone))]
    if meeting.place:
        lines.append(line("📍 ", *place_pieces(meeting.place)))
    if meeting.rrule:
        lines.append(line("🔁 ", describe(meeting.rrule, meeting.zone)))
    lines.append(line(counts_text(counts)))
    return block(*lines)


def agenda_lines(items: Sequence[AgendaItem], *, with_ids: bool = False) -> list[Line]:
    """Accepted items numbered; proposals marked as such."""
    lines = []
    accepted = [i for i in items if i.status == AgendaStatus.ACCEPTED]
    for number, item in enumerate(accepted, start=1):
        tail = f"  [{item.id}]" if with_ids else ""
        lines.append(line(f"{number}. ", item.text, tail))
    for item in items:
        if item.status == AgendaStatus.PROPOSED:
            who = (" " + _("(proposed by {name})", name=item.proposer_name)
                   if item.proposer_name else "")
            tail = f"  [{item.id}]" if with_ids else ""
            lines.append(line("· ", italic(item.text), who, tail))
    return lines


def reminder(meeting: Meeting, occ: Occurrence, counts: dict[Answer, int],
             agenda: Sequence[AgendaItem], *, zone: str, now: datetime,
             person_zone: str | None = None, buttons: bool = True) -> Reply:
    """A reminder before an occurrence: when, where, the agenda, the answers so far."""
    head = [line("⏰ ", bold(_("Reminder: {title} starts {when}.", title=meeting.title,
                                when=relative(occ.start - now)))),
            line("🕕 ", when_node(occ.start, zone, person_zone))]
    if meeting.place:
        head.append(line("📍 ", *place_pieces(meeting.place)))
    blocks = [block(*head)]
    accepted = [i for i in agenda if i.status == AgendaStatus.ACCEPTED]
    if accepted:
        blocks.append(block(line(bold(_("Agenda"))), *agenda_lines(accepted)))
    blocks.append(block(counts_text(counts)))
    reply = Reply(doc(*blocks))
    return reply.with_buttons(rsvp_row(meeting.id, occ.key)) if buttons else reply
