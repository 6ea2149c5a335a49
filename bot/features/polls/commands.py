"""Poll commands: start, list, show, close, delete, voters, and who may start polls."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC

from bot.context import Context, UserError
from bot.convert import ID, SWITCH
from bot.dates import parse_when
from bot.events import CommandInvoked
from bot.fanout import edit_everywhere, post_to_community
from bot.feature import Arg, Where
from bot.features.polls.ballots import ballot_key, key_check
from bot.features.polls.common import (
    CLOSE_GRACE_SECONDS,
    CLOSE_JOB,
    MAX_OPEN_PER_COMMUNITY,
    MEMBERS_MAY_START,
    MEMBERS_SETTING,
    POLL_CREATOR,
    REFRESH_JOB,
    feature,
    find_poll,
)
from bot.features.polls.records import NewPoll, PollStatus, Tally
from bot.features.polls.render import Listed, card, created, guide, listing, voters_list
from bot.features.polls.syntax import parse_draft
from bot.i18n import N_, _
from bot.permissions import ANYONE, MODERATORS, moderators_or
from bot.records import Chat, DeliveryOp
from bot.replies import Reply
from bot.richtext import doc
from bot.sources import POLL_RESULTS

POLL = Arg("poll", N_("The poll's number, e.g. 12"), required=True, kind=ID)
POLL_ARG = (POLL,)
SWITCH_ARG = Arg("switch", N_("on or off"), kind=SWITCH)


def _typed(ctx: Context) -> str:
    """The text after `/poll new`, or the slash command's options joined the same way."""
    event = ctx.event
    if isinstance(event, CommandInvoked) and event.options:
        return " | ".join(p for p in (ctx.arg("question"), ctx.arg("options")) if p)
    return ctx.args


@feature.command(
    "poll new", N_("Start a poll in every chat of this community"),
    usage=N_("<question> | <option> | <option> … [--multi] [--anonymous] [--hidden] "
             "[--closes <when>]"),
    examples=("/poll new Where shall we meet? | Café Lisboa | Online | Library",
              "/poll new Which days suit you? | Friday | Saturday | Sunday --multi "
              "--closes friday 18:00",
              "/poll new Who should coordinate? | Ana | Ben --anonymous --hidden "
              "--closes in 2 hours"),
    where=Where.GROUP, pipe_separated=True,
    args=(Arg("question", N_("The question")),
          Arg("options", N_("The options, separated by |, then flags such as --multi"),
              rest=True)),
    rule=moderators_or(MEMBERS_MAY_START),
)
async def poll_new(ctx: Context) -> Reply:
    """Check what was typed, store the poll, and post it to every chat of the community."""
    typed = _typed(ctx)
    if not typed.strip():
        return guide()
    draft = parse_draft(typed)
    closes_at = None
    if draft.closes is not None:
        closes_at = parse_when(draft.closes, locale=ctx.chat_locale, zone=ctx.zone,
                               now=ctx.now()).astimezone(UTC)
    check = None
    if draft.anonymous:
        key = ballot_key(ctx.settings)
        if key is None:
            raise UserError(_("Anonymous polls are not available yet: the bot's operator needs "
                              "to set SECRET_KEY first. You can start the poll without "
                              "--anonymous."))
        check = key_check(key)
    community = ctx.chat.community_id
    if await ctx.store.polls.count_open(community) >= MAX_OPEN_PER_COMMUNITY:
        raise UserError(_("This community already has {limit} open polls. Close one with "
                          "/poll close first.", limit=MAX_OPEN_PER_COMMUNITY))
    poll = await ctx.store.polls.create(NewPoll(
        community_id=community, origin_chat_id=ctx.chat.id, creator_id=ctx.person.id,
        question=draft.question, options=draft.options, multiple=draft.multiple,
        anonymous=draft.anonymous, hide_results=draft.hidden, closes_at=closes_at,
        key_check=check))
    empty = Tally((0,) * len(poll.options), 0)
    services = ctx.services

    def render(chat: Chat) -> Reply:
        return card(poll, empty, services.chat_zone(chat))

    chats = await post_to_community(services, community, render, key=poll.source.text,
                                    source=poll.source)
    if closes_at is not None:
        await services.scheduler.schedule(CLOSE_JOB, poll.id, closes_at,
                                          grace_seconds=CLOSE_GRACE_SECONDS)
    await ctx.audit("poll new", allowed=True, poll=poll.id)
    return created(poll, chats)


@feature.command("polls", N_("List the open polls of this community"), examples=("/polls",), rule=ANYONE)
async def polls(ctx: Context) -> Reply:
    """Open polls here (in private: of every community the person takes part in)."""
    store = ctx.store
    communities = (await store.polls.person_communities(ctx.person.id) if ctx.is_private
                   else [ctx.chat.community_id])
    now = ctx.now()
    items = [Listed(p, await store.polls.tally(p.id))
             for p in await store.polls.open_in(communities) if p.accepts_votes(now)]
    with ctx.for_person():
        zone = ctx.services.person_zone(ctx.person, ctx.chat)
        return listing(items, zone, private=ctx.is_private)


@feature.command("poll show", N_("Show a poll again, to you"), usage=N_("<number>"),
                 examples=("/poll show 12",), args=POLL_ARG, rule=ANYONE)
async def poll_show(ctx: Context) -> Reply:
    """The poll's card, with its buttons while open, only for the caller."""
    poll = await find_poll(ctx, ctx.need(POLL))
    tally = await ctx.store.polls.tally(poll.id)
    with ctx.for_person():
        reply = card(poll, tally, ctx.services.person_zone(ctx.person, ctx.chat))
    return replace(reply, private=True)


@feature.command("poll voters", N_("Who voted for what in a public poll"),
                 usage=N_("<number>"), examples=("/poll voters 12",), args=POLL_ARG, rule=ANYONE)
async def poll_voters(ctx: Context) -> Reply:
    """Names per option; never for anonymous polls, and only after closing for hidden ones."""
    poll = await find_poll(ctx, ctx.need(POLL))
    if poll.anonymous:
        raise UserError(_("Poll #{id} is anonymous: nobody can see who voted for what.",
                          id=poll.id))
    if poll.hide_results and poll.status != PollStatus.CLOSED:
        raise UserError(_("The results of poll #{id} are hidden until it closes.", id=poll.id))
    ballots = await ctx.store.polls.voters(poll.id)
    with ctx.for_person():
        return voters_list(poll, ballots)


@feature.command("poll close", N_("Close a poll now and post its results"),
                 usage=N_("<number>"), examples=("/poll close 12",), where=Where.GROUP,
                 args=POLL_ARG, rule=moderators_or(POLL_CREATOR))
async def poll_close(ctx: Context) -> Reply:
    """Close by hand: moderators and the poll's creator; the results follow everywhere."""
    poll = await find_poll(ctx, ctx.need(POLL))
    if poll.status != PollStatus.OPEN:
        raise UserError(_("Poll #{id} is already closed.", id=poll.id))
    # The same job as a scheduled close (it replaces the pending one and runs now), put
    # on the schedule first: if the bot stops right here, the results still go out.
    await ctx.services.scheduler.schedule(CLOSE_JOB, poll.id, ctx.now(),
                                          grace_seconds=CLOSE_GRACE_SECONDS)
    # No vote counts from now on, even before the job runs (it may already have closed it).
    await ctx.store.polls.close(poll.id, ctx.now())
    await ctx.audit("poll close", allowed=True, poll=poll.id)
    return Reply(doc(_("Poll #{id} is closed. The results are on their way to every chat.",
                       id=poll.id)))


@feature.command("poll delete", N_("Delete a poll and its votes from every chat"),
                 usage=N_("<number>"), examples=("/poll delete 12",), where=Where.GROUP,
                 args=POLL_ARG, rule=moderators_or(POLL_CREATOR))
async def poll_delete(ctx: Context) -> Reply:
    """Remove every copy and the results, and erase the ballots."""
    poll = await find_poll(ctx, ctx.need(POLL))
    if not await ctx.store.polls.delete(poll.id, ctx.now()):
        raise UserError(_("There is no poll #{id} here. Send /polls to see the open polls.",
                          id=poll.id))
    services = ctx.services
    await services.scheduler.cancel(CLOSE_JOB, poll.id)
    await services.scheduler.cancel(REFRESH_JOB, poll.id)
    results = POLL_RESULTS.of(poll.id)
    for source in (poll.source, results, poll.source.edits):
        await ctx.store.outbox.cancel_pending(source)
    for source in (poll.source, results):
        await edit_everywhere(services, source, lambda chat: None, key=source.key("delete"),
                              op=DeliveryOp.DELETE)
    await ctx.audit("poll delete", allowed=True, poll=poll.id)
    return Reply(doc(_("Poll #{id} and its votes are deleted from every chat.", id=poll.id)))


@feature.command("poll members", N_("Let members start polls in this chat, or not"),
                 usage=N_("[on|off]"), examples=("/poll members on", "/poll members off"),
                 where=Where.GROUP, args=(SWITCH_ARG,), rule=MODERATORS)
async def poll_members(ctx: Context) -> Reply:
    """Show or change whether members (not only moderators) may start polls here."""
    switch = ctx.value(SWITCH_ARG)
    if switch is not None:
        ctx.chat.settings[MEMBERS_SETTING] = switch
        await ctx.store.chats.update(ctx.chat)
        if switch:
            return Reply(doc(_("Done: members can now start polls in this chat. Turn it off "
                               "with /poll members off.")))
        return Reply(doc(_("Done: only moderators can start polls in this chat now. Turn it "
                           "back on with /poll members on.")))
    if ctx.chat.settings.get(MEMBERS_SETTING):
        return Reply(doc(_("Members can start polls in this chat. Turn it off with "
                           "/poll members off.")))
    return Reply(doc(_("Only moderators can start polls in this chat. A moderator can let "
                       "members start them with /poll members on.")))
