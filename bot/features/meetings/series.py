"""Repetition and its exceptions: repeat, skip one date, move one date."""

from __future__ import annotations

from bot.context import Context, UserError
from bot.convert import maybe_id
from bot.dates import parse_when
from bot.feature import Arg, Where
from bot.features.meetings.common import EVENTS_MODERATORS, MEETING, feature, meeting_here, split_id
from bot.features.meetings.parsing import pick_occurrence, split_zone
from bot.features.meetings.recurrence import key_of, parse_repeat, to_local, to_utc, upcoming
from bot.features.meetings.render import when_text
from bot.features.meetings.timeline import sync
from bot.features.meetings.words import describe
from bot.i18n import N_, _
from bot.records import Chat
from bot.replies import Reply
from bot.richtext import bold, doc, line

ONCE_WORDS = {"off", "once", "none", "never", "no", "una vez", "nunca", "jamais", "une fois",
              "uma vez"}


@feature.command(
    "meeting repeat", N_("Make a meeting repeat (weekly, every 2 weeks, monthly …)"),
    usage=N_("<number> <repetition>"),
    examples=("/meeting repeat 3 weekly until 2027-06-30",
              "/meeting repeat 3 every 2 weeks count 10",
              "/meeting repeat 3 monthly 2nd tuesday until 2027-06-30",
              "/meeting repeat 3 monthly day 15 count 12",
              "/meeting repeat 3 monthly last friday count 6",
              "/meeting repeat 3 off"),
    where=Where.GROUP,
    args=(MEETING,
          Arg("rule", N_("How it repeats, with an end: until a date or count N"),
              required=True, rest=True)),
    rule=EVENTS_MODERATORS,
)
async def repeat(ctx: Context) -> Reply:
    """Store the repetition as an RRULE at the meeting's wall-clock time; cards follow."""
    meeting = await meeting_here(ctx, ctx.need(MEETING))
    if meeting.cancelled:
        raise UserError(_("Meeting #{id} is cancelled.", id=str(meeting.id)))
    typed = ctx.arg("rule").strip()
    old_key = key_of(meeting.start_local)
    if typed.lower() in ONCE_WORDS:
        meeting.rrule = None
        confirmation = _("Meeting #{id} no longer repeats.", id=str(meeting.id))
    else:
        rep = parse_repeat(typed, start_local=meeting.start_local, zone=meeting.zone,
                           now=ctx.now(), locale=ctx.locale)
        meeting.rrule, meeting.start_local = rep.rrule, rep.first
        confirmation = _("Meeting #{id} repeats: {rule}. First date: {date}.",
                         id=str(meeting.id), rule=describe(rep.rrule, meeting.zone),
                         date=when_text(to_utc(rep.first, meeting.zone), ctx.zone))
    await ctx.store.meetings.update(meeting)
    if key_of(meeting.start_local) != old_key:
        # The rule moved the first date onto its pattern: answers and agenda follow it.
        await ctx.store.meetings.rekey(meeting.id, old_key, key_of(meeting.start_local))
    await sync(ctx.services, meeting, now=ctx.now(), tag=f"v{meeting.version}")
    return Reply(doc(confirmation))


@feature.command(
    "meeting skip", N_("Skip one date of a repeating meeting"),
    usage=N_("<number> [date]"),
    examples=("/meeting skip 3", "/meeting skip 3 2026-12-18", "/meeting skip 3 next friday"),
    where=Where.GROUP,
    args=(MEETING,
          Arg("date", N_("The date to skip; the next one if empty"), rest=True)),
    rule=EVENTS_MODERATORS,
)
async def skip(ctx: Context) -> Reply:
    """Skip one date; every chat is told, with the next date."""
    meeting = await meeting_here(ctx, ctx.need(MEETING))
    if meeting.cancelled:
        raise UserError(_("Meeting #{id} is cancelled.", id=str(meeting.id)))
    if not meeting.recurring:
        raise UserError(_("Meeting #{id} does not repeat. To call it off, use /meeting cancel "
                          "{id}.", id=str(meeting.id)))
    occ = pick_occurrence(meeting, ctx.arg("date"), locale=ctx.locale, now=ctx.now())
    await ctx.store.meetings.set_exception(meeting.id, occ.key, None)
    updated = await ctx.store.meetings.get(meeting.id)
    assert updated is not None
    after = upcoming(updated, occ.start)
    services = ctx.services

    def announce(chat: Chat) -> Reply:
        zone = services.chat_zone(chat)
        lines = [line("⏭ ", bold(_("{title}: no meeting on {date}.", title=updated.title,
                                   date=when_text(occ.start, zone))))]
        if after is not None:
            lines.append(line(_("Next date: {date}.", date=when_text(after.start, zone))))
        return Reply(doc(*lines))

    await sync(services, updated, now=ctx.now(), tag=f"v{updated.version}", announce=announce)
    return Reply(doc(_("Skipped {date}. Every chat of the community has been told.",
                       date=when_text(occ.start, ctx.zone))))


@feature.command(
    "meeting move", N_("Move one date of a meeting to another time"),
    usage=N_("<number> | [date] | <new time>"),
    examples=("/meeting move 3 | saturday 18:00",
              "/meeting move 3 | 2026-12-18 | 2026-12-19 18:30"),
    where=Where.GROUP, pipe_separated=True,
    args=(Arg("meeting", N_("The meeting's number"), required=True),
          Arg("date", N_("Which date to move; the next one if left out")),
          Arg("to", N_("The new time, in the meeting's time zone unless you add one"))),
    rule=EVENTS_MODERATORS,
)
async def move(ctx: Context) -> Reply:
    """Move one date (the series keeps its rule); every chat is told."""
    typed_id, rest = split_id(ctx.arg("meeting"))
    date, target = ctx.arg("date"), ctx.arg("to")
    if rest:  # "/meeting move 3 saturday 18:00" without the pipes
        date, target = "", rest
    elif not target:
        date, target = "", date
    meeting = await meeting_here(ctx, maybe_id(typed_id))
    if meeting.cancelled:
        raise UserError(_("Meeting #{id} is cancelled.", id=str(meeting.id)))
    if not target.strip():
        raise UserError(_("To when? For example: /meeting move {id} | saturday 18:00",
                          id=str(meeting.id)))
    now = ctx.now()
    occ = pick_occurrence(meeting, date, locale=ctx.locale, now=now)
    typed, zone = split_zone(target, meeting.zone)
    start = parse_when(typed, locale=ctx.locale, zone=zone, now=now)
    await ctx.store.meetings.set_exception(meeting.id, occ.key, to_local(start, meeting.zone))
    updated = await ctx.store.meetings.get(meeting.id)
    assert updated is not None
    services = ctx.services

    def announce(chat: Chat) -> Reply:
        zone = services.chat_zone(chat)
        return Reply(doc(line("↪ ", bold(_("{title}: the meeting of {old} moves to {new}.",
                                           title=updated.title,
                                           old=when_text(occ.start, zone),
                                           new=when_text(start, zone))))))

    await sync(services, updated, now=now, tag=f"v{updated.version}", announce=announce)
    return Reply(doc(_("Moved to {date}. Every chat of the community has been told.",
                       date=when_text(start, ctx.zone))))
