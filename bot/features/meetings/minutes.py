"""Live minutes: start a session, mark what happens, end it and post the minutes everywhere."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from bot.context import Context, UserError
from bot.convert import maybe_id
from bot.fanout import community_deliveries
from bot.feature import Arg, Where
from bot.features.meetings.common import (
    CHAIR,
    EVENTS_MODERATORS,
    MAX_TEXT,
    MAX_TITLE,
    feature,
    meeting_here,
    split_id,
)
from bot.features.meetings.minutes_text import kind_label, title_of
from bot.features.meetings.parsing import parse_day
from bot.features.meetings.records import (
    Mark,
    MarkKind,
    Meeting,
    NewMark,
    Occurrence,
    Session,
)
from bot.features.meetings.recurrence import current, to_local, to_utc
from bot.fmt import date_text, number, time_text
from bot.i18n import N_, _
from bot.jobs import ROW_ID, JobKind
from bot.permissions import ANYONE, moderators_or
from bot.records import Chat
from bot.replies import Reply
from bot.richtext import bold, doc, line
from bot.sources import MINUTES

ACTION_DUE = JobKind("meeting.action", "meetings", ROW_ID, table="minutes_marks", moves=True)
MAX_MARKS = 500
# A session started this close to a meeting's start is that meeting's session.
NEAR_MEETING_MINUTES = 60


async def running(ctx: Context) -> Session:
    """The community's open session, or a clear refusal."""
    session = await ctx.store.minutes.open_session(ctx.chat.community_id)
    if session is None:
        raise UserError(_("No session is running. A moderator starts one with /session start."))
    return session


async def _meeting_now(ctx: Context) -> tuple[Meeting, Occurrence] | None:
    now = ctx.now()
    found = []
    for meeting in await ctx.store.meetings.in_communities([ctx.chat.community_id]):
        occ = current(meeting, now)
        if occ is not None and (occ.start - now).total_seconds() <= NEAR_MEETING_MINUTES * 60:
            found.append((occ.start, meeting.id, meeting, occ))
    if not found:
        return None
    _start, _id, meeting, occ = min(found, key=lambda f: (f[0], f[1]))
    return meeting, occ


def _announce(title: str) -> Callable[[Chat], Reply]:
    def render(chat: Chat) -> Reply:
        return Reply(doc(line("📝 ", bold(_("Live minutes started: {title}", title=title))),
                         _("Mark with /topic, /info, /idea, /agreed, /action and /present. "
                           "A chair ends the session with /session end.")))
    return render


@feature.command(
    "session start", N_("Start live minutes (for the meeting under way, or with a title)"),
    usage=N_("[#number | title]"),
    examples=("/session start", "/session start #3", "/session start Budget working group"),
    where=Where.GROUP,
    args=(Arg("what", N_("A meeting's #number, or a title"), rest=True),),
    rule=EVENTS_MODERATORS,
)
async def start(ctx: Context) -> Reply:
    """Open the community's session; every chat is told how to mark."""
    typed = ctx.arg("what").strip()
    first, rest = split_id(typed)
    pair: tuple[Meeting, Occurrence] | None = None
    if typed and maybe_id(first) is not None and (first.startswith("#") or not rest):
        meeting = await meeting_here(ctx, maybe_id(first))
        occ = current(meeting, ctx.now())
        if occ is None:
            raise UserError(_("Meeting #{id} has no coming dates.", id=str(meeting.id)))
        pair, typed = (meeting, occ), rest
    elif not typed:
        pair = await _meeting_now(ctx)
    if len(typed) > MAX_TITLE:
        raise UserError(_("The title is too long ({length} characters; {limit} at most).",
                          length=number(len(typed)), limit=number(MAX_TITLE)))
    title = typed or (pair[0].title if pair else "")
    session = await ctx.store.minutes.start(
        ctx.chat.community_id, ctx.chat.id, title, ctx.person.id, ctx.now(),
        meeting_id=pair[0].id if pair else None, occ=pair[1].key if pair else None)
    if session is None:
        open_one = await running(ctx)
        raise UserError(_("A session is already running (since {time}). End it with "
                          "/session end.", time=time_text(open_one.started_at, ctx.zone)))
    render = _announce(title_of(session))
    live = MINUTES.of(session.id)
    await ctx.services.outbox.enqueue(await community_deliveries(
        ctx.services, ctx.chat.community_id, render, key=live.key("start"), source=live,
        exclude_chat_id=ctx.chat.id))
    return render(ctx.chat)


async def _add(ctx: Context, kind: MarkKind, text: str, *,
               owner_person_id: int | None = None, owner_name: str = "",
               due_at: datetime | None = None) -> tuple[Session, Mark]:
    session = await running(ctx)
    text = text.strip()
    if kind != MarkKind.PRESENT and not text:
        raise UserError(_("What should I note? Write it after the command."))
    if len(text) > MAX_TEXT:
        raise UserError(_("That is too long for one note ({length} characters; {limit} at "
                          "most).", length=number(len(text)), limit=number(MAX_TEXT)))
    if len(await ctx.store.minutes.marks(session.id)) >= MAX_MARKS:
        raise UserError(_("This session has reached {limit} notes. End it and start another.",
                          limit=number(MAX_MARKS)))
    mark = await ctx.store.minutes.mark(session.id, NewMark(
        kind, text, ctx.person.id, ctx.person.display_name, owner_person_id, owner_name,
        due_at), ctx.now())
    return session, mark


def _text_arg() -> tuple[Arg, ...]:
    return (Arg("text", N_("What to note, as you want it in the minutes"), required=True,
                rest=True),)


@feature.command("topic", N_("Live minutes: start a new topic"), usage=N_("<topic>"),
                 examples=("/topic Budget for the spring festival",), where=Where.GROUP,
                 args=_text_arg(), rule=moderators_or(CHAIR))
async def topic(ctx: Context) -> Reply:
    """A new topic; the other chats of the community see it too."""
    session, mark = await _add(ctx, MarkKind.TOPIC, ctx.arg("text"))
    text = ctx.arg("text").strip()

    def render(chat: Chat) -> Reply:
        return Reply(doc(line("📌 ", bold(_("Topic: {text}", text=text)))))

    live = MINUTES.of(session.id)
    await ctx.services.outbox.enqueue(await community_deliveries(
        ctx.services, ctx.chat.community_id, render, key=live.key(f"t{mark.id}"), source=live,
        exclude_chat_id=ctx.chat.id))
    return render(ctx.chat)


@feature.command("info", N_("Live minutes: note a piece of information"), usage=N_("<text>"),
                 examples=("/info The consulate opens on Saturdays in March",),
                 where=Where.GROUP, args=_text_arg(), rule=ANYONE)
async def info(ctx: Context) -> Reply:
    """Anyone may note information."""
    await _add(ctx, MarkKind.INFO, ctx.arg("text"))
    return Reply(doc(_("Noted.")))


@feature.command("idea", N_("Live minutes: note an idea"), usage=N_("<text>"),
                 examples=("/idea Ask the library for a room",), where=Where.GROUP,
                 args=_text_arg(), rule=ANYONE)
async def idea(ctx: Context) -> Reply:
    """Anyone may note an idea."""
    await _add(ctx, MarkKind.IDEA, ctx.arg("text"))
    return Reply(doc(_("Idea noted.")))


@feature.command("agreed", N_("Live minutes: record a decision"), usage=N_("<decision>"),
                 examples=("/agreed The festival is on 12 April",), where=Where.GROUP,
                 args=_text_arg(), rule=moderators_or(CHAIR))
async def agreed(ctx: Context) -> Reply:
    """Chairs record decisions."""
    await _add(ctx, MarkKind.AGREED, ctx.arg("text"))
    return Reply(doc(line("✅ ", _("Decision recorded: {text}", text=ctx.arg("text").strip()))))


_TRAILING_DATE = re.compile(r"\s(\d{4}-\d{2}-\d{2})\s*$")


def due_of(ctx: Context, typed: str) -> datetime | None:
    """A due date typed after "|" (or a trailing ISO date): the end of that day."""
    typed = typed.strip()
    return parse_day(typed, locale=ctx.locale, zone=ctx.zone, now=ctx.now()) if typed else None


@feature.command(
    "action", N_("Live minutes: record an action item with its owner"),
    usage=N_("<owner> <task> [| due date]"),
    examples=("/action ana Send the flyer to the printer | friday",
              "/action @ben Book the room 2026-12-10", "/action Chloé Call the consulate"),
    where=Where.GROUP,
    args=(Arg("text", N_("Who, what, and optionally by when after a |"), required=True,
              rest=True),),
    rule=moderators_or(CHAIR),
)
async def action(ctx: Context) -> Reply:
    """Chairs record action items; an owner with a due date gets a reminder."""
    left, _bar, due_typed = ctx.arg("text").partition("|")
    if not _bar and (found := _TRAILING_DATE.search(left)):
        left, due_typed = left[:found.start()], found.group(1)
    owner_typed, task = split_id(left)
    if not owner_typed or not task:
        raise UserError(_("Who does what? For example: /action ana Send the flyer | friday"))
    await running(ctx)
    due = due_of(ctx, due_typed)
    name = owner_typed.lstrip("@")[:64]
    people = await ctx.store.people.find_by_name(ctx.chat.community_id, name)
    owner = people[0] if len(people) == 1 else None
    _session, mark = await _add(
        ctx, MarkKind.ACTION, task, owner_person_id=owner.id if owner else None,
        owner_name=owner.display_name if owner else name, due_at=due)
    if due is not None:
        morning = local_morning(due, ctx.zone)
        if morning > ctx.now():
            # The schedule names the row (its ref must not change); people see the number.
            await ctx.services.scheduler.schedule(ACTION_DUE, mark.id, morning,
                                                  grace_seconds=12 * 3600)
    who = owner.display_name if owner else name
    text = _("Action item {id} for {owner}: {task}", id=str(mark.number), owner=who, task=task)
    if due is not None:
        text += " " + _("(due {date})", date=date_text(due, ctx.zone))
    return Reply(doc(line("➡ ", text)))


def local_morning(due: datetime, zone: str) -> datetime:
    """09:00 on the due day, in the chat's zone."""
    local = to_local(due, zone).replace(hour=9, minute=0, second=0, microsecond=0)
    return to_utc(local, zone)


@feature.command(
    "chair", N_("Live minutes: make someone a chair of the session"), usage=N_("<name>"),
    examples=("/chair ana",), where=Where.GROUP,
    args=(Arg("person", N_("Their username or name"), required=True, rest=True),),
    rule=moderators_or(CHAIR),
)
async def chair(ctx: Context) -> Reply:
    """Chairs may mark topics, decisions and actions, and end the session."""
    session = await running(ctx)
    name = ctx.arg("person").lstrip("@").strip()[:64]
    people = await ctx.store.people.find_by_name(ctx.chat.community_id, name)
    if not people:
        raise UserError(_("I haven't seen {name} in this community yet. They need to send a "
                          "command here once.", name=name))
    if len(people) > 1:
        raise UserError(_("Several people are called {name}. Use their username instead.",
                          name=name))
    await ctx.store.minutes.add_chair(session.id, people[0].id)
    await _add(ctx, MarkKind.CHAIR, people[0].display_name)
    return Reply(doc(_("{name} is now a chair of this session.", name=people[0].display_name)))


@feature.command("present", N_("Live minutes: add yourself to the attendees"),
                 examples=("/present",), where=Where.GROUP, rule=ANYONE)
async def present(ctx: Context) -> Reply:
    """Anyone may say they are here."""
    session = await running(ctx)
    if any(m.person_id == ctx.person.id for m in await ctx.store.minutes.marks(session.id)):
        return Reply(doc(_("You are already on the list, {name}.",
                           name=ctx.person.display_name)))
    await _add(ctx, MarkKind.PRESENT, "")
    return Reply(doc(_("Welcome, {name}: you are on the list of attendees.",
                       name=ctx.person.display_name)))


@feature.command("undo", N_("Live minutes: remove the last note"), examples=("/undo",),
                 where=Where.GROUP, rule=moderators_or(CHAIR))
async def undo(ctx: Context) -> Reply:
    """Chairs take back the latest note (an action's reminder goes with it)."""
    session = await running(ctx)
    mark = await ctx.store.minutes.undo_last(session.id)
    if mark is None:
        raise UserError(_("There is nothing to undo."))
    if mark.kind == MarkKind.ACTION:
        await ctx.services.scheduler.cancel(ACTION_DUE, mark.id)
    shown = mark.text or mark.person_name
    return Reply(doc(_("Removed: {kind}: {text}", kind=kind_label(mark.kind), text=shown)))

