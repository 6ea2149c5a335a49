"""Scheduling, listing, showing, editing and cancelling meetings."""

from __future__ import annotations

from bot.context import Context, UserError
from bot.dates import parse_when
from bot.feature import Arg, Where
from bot.features.meetings.common import (
    EVENTS_MODERATORS,
    MAX_DESCRIPTION,
    MAX_PLACE,
    MAX_TITLE,
    MEETING,
    communities_for,
    feature,
    meeting_here,
)
from bot.features.meetings.parsing import parse_length, split_zone
from bot.features.meetings.records import Meeting, MeetingStatus, NewMeeting
from bot.features.meetings.recurrence import current, key_of, to_local, to_utc
from bot.features.meetings.render import card, list_entry, when_text
from bot.features.meetings.timeline import sync
from bot.fmt import number
from bot.i18n import N_, _, ngettext, pgettext
from bot.permissions import ANYONE
from bot.records import Chat
from bot.replies import Reply
from bot.richtext import Code, block, bold, doc, line

LIST_LIMIT = 10


def _check(value: str, limit: int, message: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise UserError(message)
    return value


def title_of(typed: str) -> str:
    """A checked title."""
    return _check(typed, MAX_TITLE, _("The title is too long ({length} characters; {limit} "
                                      "at most).", length=number(len(typed.strip())),
                                      limit=number(MAX_TITLE)))


def place_of(typed: str) -> str:
    """A checked place or link."""
    return _check(typed, MAX_PLACE, _("The place is too long ({length} characters; {limit} "
                                      "at most).", length=number(len(typed.strip())),
                                      limit=number(MAX_PLACE)))


def description_of(typed: str) -> str:
    """A checked description."""
    return _check(typed, MAX_DESCRIPTION, _("The description is too long ({length} "
                                            "characters; {limit} at most).",
                                            length=number(len(typed.strip())),
                                            limit=number(MAX_DESCRIPTION)))


@feature.command(
    "meeting new", N_("Schedule a meeting and announce it in every linked chat"),
    usage=N_("<title> | <when> | [length] | [place or link] | [description]"),
    examples=("/meeting new Monthly dialogue | friday 18:00 | 90m | Zoom https://zoom.us/j/123 "
              "| Open to everyone",
              "/meeting new Consulate Q&A | 2026-12-05 18:00 Europe/Madrid | 19:30",
              "/meeting new Passport clinic | next saturday 10:00 | 2h | Calle Mayor 1"),
    where=Where.GROUP, pipe_separated=True,
    args=(Arg("title", N_("What the meeting is called"), required=True),
          Arg("when", N_("When it starts, in this chat's time zone unless you add one"),
              required=True),
          Arg("length", N_("How long (90m, 1h30) or when it ends (19:30); 1 hour if empty")),
          Arg("place", N_("Where: an address or a link")),
          Arg("description", N_("What it is about"), rest=True)),
    rule=EVENTS_MODERATORS,
)
async def new(ctx: Context) -> Reply:
    """Check every field, store the meeting, post its card everywhere, arm its reminders."""
    title = title_of(ctx.arg("title"))
    typed, zone = split_zone(ctx.arg("when"), ctx.zone)
    start = parse_when(typed, locale=ctx.locale, zone=zone, now=ctx.now())
    length = parse_length(ctx.arg("length"), start, zone)
    place = place_of(ctx.arg("place"))
    description = description_of(ctx.arg("description"))
    meeting = await ctx.store.meetings.create(NewMeeting(
        community_id=ctx.chat.community_id, title=title, start_local=to_local(start, zone),
        zone=zone, duration=length, place=place, description=description,
        created_by=ctx.person.id, chat_id=ctx.chat.id))
    chats = await sync(ctx.services, meeting, now=ctx.now(), tag="new")
    return Reply(doc(
        ngettext("Meeting #{id} is scheduled for {when} and announced in {n} chat.",
                 "Meeting #{id} is scheduled for {when} and announced in {n} chats.", chats,
                 id=str(meeting.id), when=when_text(start, ctx.zone)),
        line(_("To make it repeat:"), " ", Code(f"/meeting repeat {meeting.id} weekly count 10")),
    ))


@feature.command("meetings", N_("List the coming meetings"), examples=("/meetings",), rule=ANYONE)
async def meetings(ctx: Context) -> Reply:
    """The next date of each meeting, soonest first (in private: of all one's communities)."""
    now = ctx.now()
    found = await ctx.store.meetings.in_communities(await communities_for(ctx))
    coming = sorted(((occ, m) for m in found if (occ := current(m, now)) is not None),
                    key=lambda pair: (pair[0].start, pair[1].id))
    if not coming:
        return Reply(doc(_("No meetings are coming up. Moderators can schedule one with "
                           "/meeting new.")))
    blocks = [block(bold(_("Coming meetings")))]
    for occ, meeting in coming[:LIST_LIMIT]:
        counts = await ctx.store.meetings.counts(meeting.id, occ.key)
        if ctx.is_private:
            blocks.append(list_entry(meeting, occ, counts, zone=meeting.zone,
                                     person_zone=ctx.zone))
        else:
            blocks.append(list_entry(meeting, occ, counts, zone=ctx.zone))
    if len(coming) > LIST_LIMIT:
        blocks.append(block(ngettext("… and {n} more.", "… and {n} more.",
                                     len(coming) - LIST_LIMIT)))
    blocks.append(block(_("Details and buttons: /meeting show followed by the number.")))
    return Reply(doc(*blocks))


def shown_key(meeting: Meeting, ctx: Context) -> str:
    """The date a card shows: the current one, else the last one the chats saw."""
    occ = current(meeting, ctx.now())
    if occ is not None:
        return occ.key
    return meeting.card_occ or key_of(meeting.start_local)


@feature.command(
    "meeting show", N_("Show a meeting with its answer buttons"), usage=N_("<number>"),
    examples=("/meeting show 3",), args=(MEETING,),
    rule=ANYONE,
)
async def show(ctx: Context) -> Reply:
    """The card of the meeting's current date, in this chat's zone (and yours in private)."""
    meeting = await meeting_here(ctx, ctx.need(MEETING))
    key = shown_key(meeting, ctx)
    counts = await ctx.store.meetings.counts(meeting.id, key)
    if ctx.is_private:
        return card(meeting, key, counts, zone=meeting.zone, now=ctx.now(),
                    person_zone=ctx.zone)
    return card(meeting, key, counts, zone=ctx.zone, now=ctx.now())


def _field_names() -> dict[str, str]:
    names = {"title": pgettext("field", "title"), "place": pgettext("field", "place"),
             "length": pgettext("field", "length"),
             "description": pgettext("field", "description")}
    found = {}
    for field, translated in names.items():
        found[field] = field
        found[translated.lower()] = field
    return found


@feature.command(
    "meeting edit", N_("Change a meeting's title, place, length or description"),
    usage=N_("<number> | <title, place, length or description> | <new value>"),
    examples=("/meeting edit 3 | place | Jitsi https://meet.jit.si/diaspora",
              "/meeting edit 3 | length | 2h"),
    where=Where.GROUP, pipe_separated=True,
    args=(MEETING,
          Arg("field", N_("title, place, length or description"), required=True),
          Arg("value", N_("The new value (empty clears the place or description)"),
              rest=True)),
    rule=EVENTS_MODERATORS,
)
async def edit(ctx: Context) -> Reply:
    """Change one field; every card is edited and the change announced."""
    meeting = await meeting_here(ctx, ctx.need(MEETING))
    if meeting.cancelled:
        raise UserError(_("Meeting #{id} is cancelled.", id=str(meeting.id)))
    field = _field_names().get(ctx.arg("field").strip().lower())
    value = ctx.arg("value")
    if field is None:
        raise UserError(_("I can change the title, place, length or description, not {field}.",
                          field=ctx.arg("field")[:40]))
    if field == "title":
        if not value.strip():
            raise UserError(_("The title cannot be empty."))
        meeting.title = title_of(value)
    elif field == "place":
        meeting.place = place_of(value)
    elif field == "description":
        meeting.description = description_of(value)
    else:
        start = to_utc(meeting.start_local, meeting.zone)
        meeting.duration = parse_length(value, start, meeting.zone)
    await ctx.store.meetings.update(meeting)

    def announce(chat: Chat) -> Reply:
        return Reply(doc(_("{title} (#{id}) has changed: {field}.", title=meeting.title,
                           id=str(meeting.id), field=_field_label(field))))

    await sync(ctx.services, meeting, now=ctx.now(), tag=f"v{meeting.version}",
               announce=announce)
    return Reply(doc(_("Saved. Every copy of the meeting's card shows the change.")))


def _field_label(field: str) -> str:
    return {"title": pgettext("field", "title"), "place": pgettext("field", "place"),
            "length": pgettext("field", "length"),
            "description": pgettext("field", "description")}[field]


@feature.command(
    "meeting cancel", N_("Cancel a meeting, or every coming date of a series"),
    usage=N_("<number>"), examples=("/meeting cancel 3",), where=Where.GROUP,
    args=(MEETING,),
    rule=EVENTS_MODERATORS,
)
async def cancel(ctx: Context) -> Reply:
    """Cancel and tell every chat; the cards say so and no reminder goes out."""
    meeting = await meeting_here(ctx, ctx.need(MEETING))
    if meeting.cancelled:
        raise UserError(_("Meeting #{id} is already cancelled.", id=str(meeting.id)))
    occ = current(meeting, ctx.now())
    if occ is None:
        raise UserError(_("Meeting #{id} has no coming dates.", id=str(meeting.id)))
    meeting.status = MeetingStatus.CANCELLED
    await ctx.store.meetings.update(meeting)
    services = ctx.services

    def announce(chat: Chat) -> Reply:
        if meeting.recurring:
            text = _("{title} is cancelled: no more dates in this series.", title=meeting.title)
        else:
            text = _("{title} on {date} is cancelled.", title=meeting.title,
                     date=when_text(occ.start, services.chat_zone(chat)))
        return Reply(doc(line("❌ ", bold(text))))

    await sync(services, meeting, now=ctx.now(), tag=f"v{meeting.version}", announce=announce)
    return Reply(doc(_("Cancelled. Every chat of the community has been told.")))

