"""What every part of the meetings feature shares: the feature, its buttons, its look-ups."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context, UserError
from bot.convert import ID
from bot.feature import Arg, Feature
from bot.features.meetings.records import Meeting
from bot.i18n import N_, _
from bot.permissions import Check, Role, Rule

feature = Feature("meetings", N_("Meetings"), order=30, listing=(
    "meetings", "meeting new", "meeting show", "meeting repeat", "meeting skip", "meeting move",
    "meeting edit", "meeting cancel", "meeting attendees", "meeting ics", "meeting reminders",
    "agenda", "agenda add", "agenda accept", "agenda drop", "agenda move", "session start",
    "topic", "info", "idea", "agreed", "action", "chair", "present", "undo", "session end",
    "minutes", "actions", "done"))

MAX_TITLE = 200
MAX_PLACE = 500
MAX_DESCRIPTION = 1000
MAX_TEXT = 500
DEFAULT_DURATION = timedelta(minutes=60)
DEFAULT_REMINDERS = (24 * 60, 60)
# Card edits after answers wait this long, so a burst of answers costs one edit.
CARD_DEBOUNCE = timedelta(seconds=2)


MEETING = Arg("meeting", N_("The meeting's number"), required=True, kind=ID)


# Meetings and sessions: moderators, and on Discord whoever may manage the server's events.
EVENTS_MODERATORS = Rule(Role.MODERATOR, events=True)


async def _chairs(ctx: Context) -> bool:
    session = await ctx.store.minutes.open_session(ctx.chat.community_id)
    # No session running: the handler says so, to everyone.
    return session is None or ctx.person.id in session.chairs


CHAIR = Check("the session's chairs", _chairs,
              lambda _ctx: _("Only the session's chairs and moderators can do that."))


async def communities_for(ctx: Context) -> list[int]:
    """The communities whose meetings the caller sees here (all of theirs in private)."""
    if ctx.is_private:
        return await ctx.store.meetings.communities_of(ctx.person.id)
    return [ctx.chat.community_id]


async def meeting_here(ctx: Context, meeting_id: int | None) -> Meeting:
    """The meeting an id names, if it belongs to a community the caller sees here."""
    if meeting_id is None:
        raise UserError(_("Which meeting? Give its number, for example #3 (see /meetings)."))
    meeting = await ctx.store.meetings.get(meeting_id)
    if meeting is None or meeting.community_id not in await communities_for(ctx):
        raise UserError(_("There is no meeting #{id} here. See /meetings.",
                          id=str(meeting_id)))
    return meeting


def split_id(text: str) -> tuple[str, str]:
    """ "3 rest of line" → ("3", "rest of line")."""
    first, _sep, rest = text.strip().partition(" ")
    return first, rest.strip()
