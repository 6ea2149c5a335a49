"""What the poll commands, buttons and jobs share: the feature, look-ups and access rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.context import Context, UserError
from bot.feature import Feature
from bot.features.polls.records import Poll, PollStatus
from bot.features.polls.syntax import parse_poll_id
from bot.i18n import N_, _
from bot.jobs import ID, JobKind
from bot.permissions import Role
from bot.records import AuditEntry

feature = Feature("polls", N_("Polls"), order=40)

CLOSE_JOB = JobKind("poll.close", "polls", ID, table="polls", moves=True)
# Edits the copies this deployment posted: it does not move with the community.
REFRESH_JOB = JobKind("poll.refresh", "polls", ID, table="polls")
# Votes within this window share one edit of every copy.
REFRESH_DELAY = timedelta(seconds=2)
REFRESH_GRACE_SECONDS = 6 * 3600
# A poll must close even after a long outage (its results then say they come late).
CLOSE_GRACE_SECONDS = 366 * 86400
MEMBERS_SETTING = "polls_by_members"
MAX_OPEN_PER_COMMUNITY = 20


async def belongs(ctx: Context, poll: Poll) -> bool:
    """True when the poll is of this chat's community, or (in private) of one of the person's."""
    if ctx.chat.community_id == poll.community_id:
        return True
    if ctx.is_private:
        return poll.community_id in await ctx.store.polls.person_communities(ctx.person.id)
    return False


async def find_poll(ctx: Context, typed: str) -> Poll:
    """The poll a command names, if the caller may see it; UserError otherwise."""
    poll_id = parse_poll_id(typed)
    if poll_id is None:
        raise UserError(_("{value} is not a poll number. Send /polls to see the open polls.",
                          value=typed[:20]))
    poll = await ctx.store.polls.get(poll_id)
    # Polls of other communities look the same as polls that never existed.
    if poll is None or poll.status == PollStatus.DELETED or not await belongs(ctx, poll):
        raise UserError(_("There is no poll #{id} here. Send /polls to see the open polls.",
                          id=poll_id))
    return poll


async def audit(ctx: Context, action: str, *, allowed: bool, **detail: Any) -> None:
    """Record a poll action that depends on more than a role (creator, chat setting)."""
    await ctx.store.audit.record(AuditEntry(
        at=ctx.now(), action=action, actor_person_id=ctx.person.id, chat_id=ctx.chat.id,
        community_id=ctx.chat.community_id, allowed=allowed, detail=detail))


async def require_manager(ctx: Context, poll: Poll, action: str) -> None:
    """Moderators, and whoever started the poll, may close or delete it."""
    if ctx.role >= Role.MODERATOR or poll.creator_id == ctx.person.id:
        return
    await audit(ctx, action, allowed=False, poll=poll.id)
    raise UserError(_("Only moderators or the person who started this poll can do that."))
