"""Poll buttons: a vote (one toggle per press, validated against the database), and "show"."""

from __future__ import annotations

from dataclasses import replace

from bot.context import Context, UserError
from bot.features.polls.actions import ShowPoll, Vote
from bot.features.polls.ballots import anonymous_voter, ballot_key, key_check, public_voter
from bot.features.polls.common import belongs, feature
from bot.features.polls.jobs import request_refresh
from bot.features.polls.records import Poll, PollStatus, VoteStatus, chosen
from bot.features.polls.render import card
from bot.fmt import joined
from bot.i18n import _
from bot.permissions import ANYONE, CHAT_MEMBERS
from bot.replies import Reply, Toast

TOAST_OPTION_CHARS = 60
TOAST_LIST_CHARS = 120


def _refusal(status: VoteStatus) -> str:
    if status == VoteStatus.MISSING:
        return _("This poll no longer exists.")
    if status == VoteStatus.DELETED:
        return _("This poll was deleted.")
    if status == VoteStatus.CLOSED:
        return _("This poll is closed; votes are no longer counted.")
    return _("This button no longer works.")


async def _usable(ctx: Context, poll_id: int) -> Poll:
    poll = await ctx.store.polls.get(poll_id)
    if poll is None:
        raise UserError(_refusal(VoteStatus.MISSING))
    if poll.status == PollStatus.DELETED:
        raise UserError(_refusal(VoteStatus.DELETED))
    if not await belongs(ctx, poll):
        raise UserError(_("This poll belongs to another community."))
    return poll


def _voter(ctx: Context, poll: Poll) -> tuple[str, int | None]:
    """The ballot id of the presser: a keyed hash (no person id stored) when anonymous."""
    if not poll.anonymous:
        return public_voter(ctx.person.id), ctx.person.id
    key = ballot_key(ctx.settings)
    if key is None:
        raise UserError(_("Anonymous voting is unavailable right now: the bot's secret key "
                          "is missing. Please tell a moderator."))
    if poll.key_check != key_check(key):
        raise UserError(_("This anonymous poll can no longer take votes: the bot's secret key "
                          "has changed. Please tell a moderator."))
    return anonymous_voter(key, poll.id, ctx.person.id), None


def _short(option: str) -> str:
    return option if len(option) <= TOAST_OPTION_CHARS else option[:TOAST_OPTION_CHARS - 1] + "…"


def _confirmation(poll: Poll, choices: int) -> str:
    """What the presser's ballot says now (Telegram shows at most 200 characters)."""
    indexes = chosen(choices, len(poll.options))
    names = [_short(poll.options[i]) for i in indexes]
    if poll.multiple:
        if not names:
            return _("You have no options chosen now.")
        listed = joined(names)
        if len(listed) > TOAST_LIST_CHARS:
            listed = joined([str(i + 1) for i in indexes])
        return _("Your choices: {options}.", options=listed)
    if not names:
        return _("Your vote was withdrawn.")
    return _("You voted for {option}. Press it again to withdraw your vote.",
             option=names[0])


@feature.button(Vote, rule=CHAT_MEMBERS)
async def vote(ctx: Context, action: Vote) -> Toast:
    """Toggle one option for the presser; the copies are refreshed shortly after."""
    poll = await _usable(ctx, action.poll_id)
    if not 0 <= action.option < len(poll.options):
        raise UserError(_refusal(VoteStatus.BAD_OPTION))
    if not poll.accepts_votes(ctx.now()):
        raise UserError(_refusal(VoteStatus.CLOSED))
    voter, person_id = _voter(ctx, poll)
    result = await ctx.store.polls.vote(poll.id, voter, person_id, action.option, ctx.now())
    if result.status != VoteStatus.RECORDED:
        raise UserError(_refusal(result.status))
    if result.schedule_refresh:
        await request_refresh(ctx.services, poll.id)
    return Toast(_confirmation(poll, result.choices))


@feature.button(ShowPoll, rule=ANYONE)
async def show(ctx: Context, action: ShowPoll) -> Reply:
    """Show one poll again, only to the presser, in their language and zone."""
    poll = await _usable(ctx, action.poll_id)
    tally = await ctx.store.polls.tally(poll.id)
    reply = card(poll, tally, ctx.services.person_zone(ctx.person, ctx.chat))
    return replace(reply, private=True)
