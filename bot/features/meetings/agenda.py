"""The agenda of a meeting's next date: members propose, moderators accept, order and drop."""

from __future__ import annotations

from bot.context import Context, UserError
from bot.convert import COUNT, ID, maybe_id
from bot.feature import Arg, Where
from bot.features.meetings.common import (
    MAX_TEXT,
    communities_for,
    feature,
    meeting_here,
    split_id,
)
from bot.features.meetings.records import AgendaItem, AgendaStatus, Meeting, Occurrence
from bot.features.meetings.recurrence import current
from bot.features.meetings.render import agenda_lines, when_text
from bot.fmt import number
from bot.i18n import N_, _
from bot.permissions import ANYONE, MODERATORS, Role
from bot.replies import Reply
from bot.richtext import Code, block, bold, doc, line

MAX_ITEMS = 30


async def soonest(ctx: Context) -> tuple[Meeting, Occurrence]:
    """The meeting whose next date comes first."""
    now = ctx.now()
    found = await ctx.store.meetings.in_communities(await communities_for(ctx))
    coming = sorted(((occ, m) for m in found if (occ := current(m, now)) is not None),
                    key=lambda pair: (pair[0].start, pair[1].id))
    if not coming:
        raise UserError(_("No meetings are coming up. Moderators can schedule one with "
                          "/meeting new."))
    occ, meeting = coming[0]
    return meeting, occ


async def target(ctx: Context, typed: str, *, bare_number: bool) -> tuple[Meeting, Occurrence,
                                                                           str]:
    """The meeting named first ("#3 …", or "3" where allowed), else the soonest; the rest."""
    first, rest = split_id(typed)
    if maybe_id(first) is not None and (first.startswith("#") or bare_number):
        meeting = await meeting_here(ctx, maybe_id(first))
        occ = current(meeting, ctx.now())
        if occ is None:
            raise UserError(_("Meeting #{id} has no coming dates.", id=str(meeting.id)))
        return meeting, occ, rest
    meeting, occ = await soonest(ctx)
    return meeting, occ, typed.strip()


@feature.command(
    "agenda", N_("Show the agenda of the next meeting"), usage=N_("[#number]"),
    examples=("/agenda", "/agenda #3"),
    args=(Arg("meeting", N_("The meeting's number; the next meeting if empty")),),
    rule=ANYONE,
)
async def show(ctx: Context) -> Reply:
    """Accepted items in order, then proposals, each with the number moderators use."""
    meeting, occ, _rest = await target(ctx, ctx.arg("meeting"), bare_number=True)
    zone = meeting.zone if ctx.is_private else ctx.zone
    items = await ctx.store.meetings.agenda(meeting.id, occ.key)
    head = line(bold(_("Agenda")), " — ", f"#{meeting.id} ", meeting.title, ", ",
                when_text(occ.start, zone, ctx.zone if ctx.is_private else None))
    if not items:
        body = block(_("Nothing on the agenda yet."))
    else:
        body = block(*agenda_lines(items, with_ids=True))
    return Reply(doc(head, body, line(_("Propose an item:"), " ", Code("/agenda add …"))))


@feature.command(
    "agenda add", N_("Propose an item for the next meeting's agenda"),
    usage=N_("[#number] <item>"),
    examples=("/agenda add Budget for the spring festival", "/agenda add #3 Passport renewals"),
    where=Where.GROUP,
    args=(Arg("item", N_("The item, optionally after the meeting's #number"), required=True,
              rest=True),),
    rule=ANYONE,
)
async def add(ctx: Context) -> Reply:
    """A member's item waits for a moderator; a moderator's is accepted at once."""
    meeting, occ, text = await target(ctx, ctx.arg("item"), bare_number=False)
    text = text.strip()
    if not text:
        raise UserError(_("What should be on the agenda? For example: /agenda add Budget"))
    if len(text) > MAX_TEXT:
        raise UserError(_("That item is too long ({length} characters; {limit} at most).",
                          length=number(len(text)), limit=number(MAX_TEXT)))
    if len(await ctx.store.meetings.agenda(meeting.id, occ.key)) >= MAX_ITEMS:
        raise UserError(_("The agenda of this date is full ({limit} items).",
                          limit=number(MAX_ITEMS)))
    moderator = ctx.role >= Role.MODERATOR
    status = AgendaStatus.ACCEPTED if moderator else AgendaStatus.PROPOSED
    item = await ctx.store.meetings.add_agenda(meeting.id, occ.key, text, ctx.person.id, status)
    when = when_text(occ.start, ctx.zone)
    if moderator:
        return Reply(doc(_("Added to the agenda of {title} on {date} (item {item}).",
                           title=meeting.title, date=when, item=str(item.id))))
    return Reply(doc(_("Proposed for {title} on {date} (item {item}). A moderator will accept "
                       "it or not.", title=meeting.title, date=when, item=str(item.id))))


async def _item(ctx: Context, item_id: int) -> AgendaItem:
    item = await ctx.store.meetings.agenda_item(item_id)
    meeting = await ctx.store.meetings.get(item.meeting_id) if item else None
    if item is None or meeting is None or meeting.community_id != ctx.chat.community_id:
        raise UserError(_("There is no agenda item {item} here. See /agenda.",
                          item=str(item_id)))
    return item


# The item a moderator accepts, drops or moves: its number from /agenda.
ITEM = ITEM_ARG = Arg("item", N_("The item's number from /agenda"), required=True, kind=ID)
POSITION = Arg("position", N_("Its new place: 1 for first"), required=True, kind=COUNT)


@feature.command(
    "agenda accept", N_("Accept a proposed agenda item"), usage=N_("<item>"),
    examples=("/agenda accept 14",), where=Where.GROUP,
    args=(ITEM_ARG,),
    rule=MODERATORS,
)
async def accept(ctx: Context) -> Reply:
    """Accept an item; it goes to the end of the agenda."""
    item = await _item(ctx, ctx.need(ITEM))
    if item.status == AgendaStatus.ACCEPTED:
        raise UserError(_("Item {item} is already on the agenda.", item=str(item.id)))
    await ctx.store.meetings.set_agenda_status(item.id, AgendaStatus.ACCEPTED)
    return Reply(doc(_("Accepted: {text}", text=item.text)))


@feature.command(
    "agenda drop", N_("Take an item off the agenda"), usage=N_("<item>"),
    examples=("/agenda drop 14",), where=Where.GROUP,
    args=(ITEM_ARG,),
    rule=MODERATORS,
)
async def drop(ctx: Context) -> Reply:
    """Drop a proposed or accepted item."""
    item = await _item(ctx, ctx.need(ITEM))
    if item.status == AgendaStatus.DROPPED:
        raise UserError(_("Item {item} is already off the agenda.", item=str(item.id)))
    await ctx.store.meetings.set_agenda_status(item.id, AgendaStatus.DROPPED)
    return Reply(doc(_("Dropped: {text}", text=item.text)))


@feature.command(
    "agenda move", N_("Change the order of the agenda"), usage=N_("<item> <position>"),
    examples=("/agenda move 14 1",), where=Where.GROUP,
    args=(ITEM_ARG,
          POSITION),
    rule=MODERATORS,
)
async def reorder(ctx: Context) -> Reply:
    """Put an accepted item at a new place."""
    item = await _item(ctx, ctx.need(ITEM))
    position = ctx.need(POSITION)
    if item.status != AgendaStatus.ACCEPTED:
        raise UserError(_("Accept item {item} first: only accepted items have a place.",
                          item=str(item.id)))
    await ctx.store.meetings.move_agenda(item.id, position)
    items = await ctx.store.meetings.agenda(item.meeting_id, item.occ)
    accepted = [i for i in items if i.status == AgendaStatus.ACCEPTED]
    return Reply(doc(block(line(bold(_("Agenda"))), *agenda_lines(accepted))))
