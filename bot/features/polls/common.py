"""What the poll commands, buttons and jobs share: the feature, look-ups and access rules."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context, UserError
from bot.feature import Feature
from bot.features.polls.records import Poll, PollStatus
from bot.i18n import N_, _
from bot.jobs import ROW_ID, JobKind
from bot.permissions import Check

feature = Feature("polls", N_("Polls"), order=40)

CLOSE_JOB = JobKind("poll.close", "polls", ROW_ID, table="polls", moves=True)
# Edits the copies this deployment posted: it does not move with the community.
REFRESH_JOB = JobKind("poll.refresh", "polls", ROW_ID, table="polls")
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


async def find_poll(ctx: Context, poll_id: int) -> Poll:
    """The poll a command names, if the caller may see it; UserError otherwise."""
    poll = await ctx.store.polls.get(poll_id)
    # Polls of other communities look the same as polls that never existed.
    if poll is None or poll.status == PollStatus.DELETED or not await belongs(ctx, poll):
        raise UserError(_("There is no poll #{id} here. Send /polls to see the open polls.",
                          id=poll_id))
    return poll


async def _started_it(ctx: Context) -> bool:
    poll_id = ctx.typed.get("poll")
    poll = await ctx.store.polls.get(poll_id) if poll_id is not None else None
    # A poll that is not here is answered by the handler, as if it never existed.
    return (poll is None or poll.status == PollStatus.DELETED or not await belongs(ctx, poll)
            or poll.creator_id == ctx.person.id)


async def _members_may_start(ctx: Context) -> bool:
    return bool(ctx.chat.settings.get(MEMBERS_SETTING))


POLL_CREATOR = Check("the poll's creator", _started_it, lambda _ctx: _(
    "Only moderators or the person who started this poll can do that."))
MEMBERS_MAY_START = Check("members, after `/poll members on`", _members_may_start,
                          lambda _ctx: _("Only moderators can start polls in this chat. A "
                                         "moderator can let members start them with "
                                         "/poll members on."))




