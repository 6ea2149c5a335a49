"""Answers: going / maybe / not going, private reminders, and who is coming."""

from __future__ import annotations

from bot.context import Context, UserError
from bot.features.meetings.actions import RemindMe, Respond, Who
from bot.features.meetings.common import MEETING, communities_for, feature, meeting_here
from bot.features.meetings.records import Answer, Meeting, Occurrence
from bot.features.meetings.recurrence import current, occurrence
from bot.features.meetings.render import answer_label, when_text
from bot.features.meetings.store import MeetingStore
from bot.features.meetings.timeline import refresh_later
from bot.fmt import joined
from bot.i18n import N_, _, ngettext
from bot.permissions import ANYONE, CHAT_MEMBERS
from bot.replies import Reply, Toast
from bot.richtext import block, bold, doc, line


async def open_date(ctx: Context, meeting_id: int, key: str) -> tuple[Meeting, Occurrence]:
    """The meeting and date a button names, if the presser may still answer for it."""
    meeting = await ctx.store.meetings.get(meeting_id)
    if meeting is None or meeting.community_id not in await communities_for(ctx):
        raise UserError(_("This button no longer works."))
    occ = None if meeting.cancelled else occurrence(meeting, key)
    if occ is None:
        raise UserError(_("This date no longer takes place."))
    if occ.end <= ctx.now():
        raise UserError(_("This meeting has already taken place."))
    return meeting, occ


@feature.button(Respond, rule=CHAT_MEMBERS)
async def answered(ctx: Context, action: Respond) -> Toast:
    """Record one answer per person per date; every card follows after a short pause."""
    meeting, occ = await open_date(ctx, action.meeting_id, action.occ)
    previous = await ctx.store.meetings.answer(meeting.id, occ.key, ctx.person.id,
                                               action.answer)
    if previous == action.answer:
        return Toast(_("You already answered: {answer}.", answer=answer_label(action.answer)))
    await refresh_later(ctx.services, meeting.id, occ.key, ctx.now())
    if action.answer == Answer.GOING:
        return Toast(_("See you there! For a private reminder, press “Remind me privately”."))
    if action.answer == Answer.MAYBE:
        return Toast(_("Noted: maybe. You can change your answer any time."))
    return Toast(_("Noted: not going. You can change your answer any time."))


@feature.button(RemindMe, rule=ANYONE)
async def remind_me(ctx: Context, action: RemindMe) -> Toast:
    """Turn the private reminder on or off (for people who are going)."""
    meeting, occ = await open_date(ctx, action.meeting_id, action.occ)
    mine = await ctx.store.meetings.rsvp_of(meeting.id, occ.key, ctx.person.id)
    if mine is None or mine.answer != Answer.GOING:
        raise UserError(_("Private reminders are for people who are going: press “Going” "
                          "first."))
    await ctx.store.meetings.set_private_reminder(meeting.id, occ.key, ctx.person.id,
                                                  not mine.private_reminder)
    if mine.private_reminder:
        return Toast(_("Private reminder turned off."))
    return Toast(_("I will also remind you in a private message. If I have never written to "
                   "you, open a private chat with me and send /start."), alert=True)


async def attendees(store: MeetingStore, meeting: Meeting, occ: Occurrence,
                    zone: str) -> Reply:
    """Who answered what for one date, with the names people show on their platform."""
    rsvps = await store.rsvps(meeting.id, occ.key)
    lines = [line(bold(f"#{meeting.id} ", meeting.title)), line(when_text(occ.start, zone))]
    for answer in Answer:
        names = [r.name for r in rsvps if r.answer == answer]
        if answer == Answer.GOING:
            head = ngettext("{n} going", "{n} going", len(names))
        elif answer == Answer.MAYBE:
            head = ngettext("{n} maybe", "{n} maybe", len(names))
        else:
            head = ngettext("{n} not going", "{n} not going", len(names))
        lines.append(line(bold(head), ": " + joined(names) if names else ""))
    return Reply(doc(block(*lines)), private=True)


@feature.button(Who, rule=ANYONE)
async def who(ctx: Context, action: Who) -> Reply:
    """The attendee list, shown only to whoever asked where the platform allows."""
    meeting, occ = await open_date(ctx, action.meeting_id, action.occ)
    zone = ctx.zone if ctx.is_private else ctx.services.chat_zone(ctx.chat)
    return await attendees(ctx.store.meetings, meeting, occ, zone)


@feature.command(
    "meeting attendees", N_("Who is going to a meeting's next date"), usage=N_("<number>"),
    examples=("/meeting attendees 3",),
    args=(MEETING,),
    rule=ANYONE,
)
async def attendees_command(ctx: Context) -> Reply:
    """The attendee list of the meeting's current date."""
    meeting = await meeting_here(ctx, ctx.need(MEETING))
    occ = current(meeting, ctx.now())
    if occ is None:
        raise UserError(_("Meeting #{id} has no coming dates.", id=str(meeting.id)))
    reply = await attendees(ctx.store.meetings, meeting, occ, ctx.zone)
    return Reply(reply.body)
