"""Ending a session (minutes to every chat, and as a file), and following up action items."""

from __future__ import annotations

from bot.context import Context, JobContext, UserError
from bot.convert import ID
from bot.fanout import community_deliveries, person_delivery
from bot.feature import Arg, Where
from bot.features.meetings.common import CHAIR, communities_for, feature
from bot.features.meetings.minutes import ACTION_DUE, running
from bot.features.meetings.minutes_text import (
    action_text,
    due_zone,
    minutes_body,
    minutes_markdown,
    title_of,
)
from bot.features.meetings.records import Mark, Session
from bot.fmt import date_text, joined
from bot.i18n import N_, _
from bot.permissions import ANYONE, Check, Role, Rule, moderators_or
from bot.ports import Store
from bot.records import Chat, NewDelivery, ScheduledItem
from bot.replies import Document, Reply
from bot.richtext import block, bold, bullets, doc, line
from bot.sources import MINUTES, MINUTES_ACTION


async def _names(store: Store, session: Session) -> dict[int, str]:
    names = {}
    for person_id in session.chairs:
        person = await store.people.get(person_id)
        if person is not None:
            names[person_id] = person.display_name
    return names


async def minutes_reply(ctx: Context, session: Session, intro: str) -> Reply:
    """The minutes in this chat's language, with the Markdown file attached."""
    marks = await ctx.store.minutes.marks(session.id)
    names = await _names(ctx.store, session)
    body = minutes_body(session, marks, names, ctx.zone)
    text = minutes_markdown(session, marks, names, ctx.zone)
    day = date_text(session.started_at, ctx.zone, "yyyy-MM-dd")
    document = Document(f"minutes-{day}-{session.id}.md", text.encode("utf-8"),
                        "text/markdown")
    return Reply(doc(intro) + body, document=document)


async def _numbered(ctx: Context, number: int) -> list[tuple[Mark, Session]]:
    """The action items a number names for the caller: one per community seen here."""
    return await ctx.store.minutes.numbered(await communities_for(ctx), number)


def _pick(ctx: Context, found: list[tuple[Mark, Session]]) -> tuple[Mark, Session] | None:
    """The item meant, when a private chat sees several communities with that number: the
    caller's own, then the one not done yet; None while it stays ambiguous."""
    for narrower in (lambda m: m.owner_person_id == ctx.person.id,
                     lambda m: m.done_at is None):
        if len(found) > 1:
            found = [pair for pair in found if narrower(pair[0])] or found
    return found[0] if len(found) == 1 else None


async def _owns(ctx: Context) -> bool:
    number = ctx.typed.get("item")
    picked = _pick(ctx, await _numbered(ctx, number)) if number is not None else None
    # An item that is not here (or not one item) is answered by the handler, as if it
    # never existed.
    return picked is None or picked[0].owner_person_id == ctx.person.id


ACTION_OWNER = Check("its owner", _owns,
                     lambda _ctx: _("Only its owner or a moderator can mark this done."))
SESSION = Arg("session", N_("The session's number"), kind=ID)
ACTION_ITEM = Arg("item", N_("The action item's number"), required=True, kind=ID)


@feature.command("session end", N_("End live minutes and post them in every linked chat"),
                 examples=("/session end",), where=Where.GROUP, rule=Rule(Role.MODERATOR, unless=CHAIR, events=True))
async def end(ctx: Context) -> Reply:
    """Close the session, post the minutes to every chat, and hand back the file."""
    session = await running(ctx)
    closed = await ctx.store.minutes.end(session.id, ctx.now())
    if closed is None:
        raise UserError(_("No session is running. A moderator starts one with /session start."))
    marks = await ctx.store.minutes.marks(closed.id)
    names = await _names(ctx.store, closed)
    services = ctx.services

    def render(chat: Chat) -> Reply:
        return Reply(minutes_body(closed, marks, names, services.chat_zone(chat)))

    live = MINUTES.of(closed.id)
    await services.outbox.enqueue(await community_deliveries(
        services, ctx.chat.community_id, render, key=live.key("end"), source=live,
        exclude_chat_id=ctx.chat.id))
    await ctx.audit("session end", session=closed.id, marks=len(marks))
    return await minutes_reply(ctx, closed, _("The session has ended. Here are the minutes; "
                                              "every linked chat gets them too."))


@feature.command(
    "minutes", N_("Show the minutes of the last session (or of one by number)"),
    usage=N_("[number]"), examples=("/minutes", "/minutes 4"),
    args=(SESSION,),
    rule=ANYONE,
)
async def minutes(ctx: Context) -> Reply:
    """Stored minutes, as a message and a Markdown file."""
    communities = await communities_for(ctx)
    session_id = ctx.value(SESSION)
    if session_id is not None:
        session = await ctx.store.minutes.get(session_id)
        if session is None or session.community_id not in communities:
            raise UserError(_("There are no minutes number {id} here.", id=str(session_id)))
    else:
        session = await ctx.store.minutes.latest(communities)
        if session is None:
            raise UserError(_("No minutes yet. A moderator starts a session with "
                              "/session start."))
    intro = _("Minutes number {id}.", id=str(session.id))
    if session.open:
        intro = _("This session is still running; here are the minutes so far.")
    return await minutes_reply(ctx, session, intro)


@feature.command("actions", N_("List open action items (yours, in a private chat)"),
                 examples=("/actions",), rule=ANYONE)
async def actions(ctx: Context) -> Reply:
    """Action items not done yet, soonest due first."""
    communities = await communities_for(ctx)
    owner = ctx.person.id if ctx.is_private else None
    found = await ctx.store.minutes.open_actions(communities, owner)
    if not found:
        return Reply(doc(_("No open action items.")))
    # In private the numbers of several communities meet: name each item's community.
    names: dict[int, str] = {}
    if ctx.is_private and len({session.community_id for _mark, session in found}) > 1:
        for community_id in {session.community_id for _mark, session in found}:
            community = await ctx.store.communities.get(community_id)
            names[community_id] = community.name if community and community.name else ""
    items = []
    for mark, session in found[:30]:
        where = names.get(session.community_id)
        title = f"{title_of(session)} · {where}" if where else title_of(session)
        items.append(f"{action_text(mark, await due_zone(ctx.services, session, ctx.zone))} — "
                     f"{title}  [{mark.number}]")
    return Reply(doc(block(line(bold(_("Open action items"))), *bullets(items).lines),
                     _("Mark one done with /done followed by its number.")))


@feature.command(
    "done", N_("Mark an action item done"), usage=N_("<number>"), examples=("/done 12",),
    args=(ACTION_ITEM,),
    rule=moderators_or(ACTION_OWNER),
)
async def done(ctx: Context) -> Reply:
    """Its owner or a moderator marks an action item done; its reminder is dropped."""
    number = ctx.need(ACTION_ITEM)
    found = await _numbered(ctx, number)
    if not found:
        raise UserError(_("There is no action item {id} here. See /actions.", id=str(number)))
    picked = _pick(ctx, found)
    if picked is None:
        names = []
        for _mark, session in found:
            community = await ctx.store.communities.get(session.community_id)
            names.append(community.name if community and community.name else title_of(session))
        raise UserError(_("Several of your communities have an action item {id}: {communities}. "
                          "Send /done {id} in a chat of the one you mean.",
                          id=str(number), communities=joined(names)))
    mark, _session = picked
    if not await ctx.store.minutes.set_done(mark.id, ctx.now()):
        raise UserError(_("Action item {id} is already done.", id=str(number)))
    await ctx.services.scheduler.cancel(ACTION_DUE, mark.id)
    return Reply(doc(_("Done: {task}. Thank you!", task=mark.text)))


@feature.job(ACTION_DUE)
async def action_due(jctx: JobContext, item: ScheduledItem, mark_id: int) -> list[NewDelivery]:
    """On the due day: remind the owner privately (or the community, for an unknown owner)."""
    mark = await jctx.store.minutes.get_mark(mark_id)
    session = await jctx.store.minutes.get(mark.session_id) if mark else None
    if mark is None or session is None or mark.undone or mark.done_at is not None:
        return []
    services = jctx.services
    owner = await services.store.people.get(mark.owner_person_id) if mark.owner_person_id \
        else None
    if owner is not None:
        zone = services.person_zone(owner)
        return [await person_delivery(services, owner, lambda: Reply(doc(
            line("⏰ ", bold(_("Your action item is due {date}.",
                               date=date_text(mark.due_at or jctx.now(), zone)))),
            mark.text, _("From: {title}. When it is done, send /done {id}.",
                         title=title_of(session), id=str(mark.number))),
        ), key=f"mtg:act:{item.id}", source=MINUTES_ACTION.of(session.id))]

    def render(chat: Chat) -> Reply:
        zone = services.chat_zone(chat)
        return Reply(doc(line("⏰ ", bold(_("Reminder for {owner}: an action item is due {date}.",
                                           owner=mark.owner_name,
                                           date=date_text(mark.due_at or jctx.now(), zone)))),
                         mark.text, _("When it is done, send /done {id}.", id=str(mark.number))))

    return await community_deliveries(services, session.community_id, render,
                                      key=f"mtg:act:{item.id}",
                                      source=MINUTES_ACTION.of(session.id))
