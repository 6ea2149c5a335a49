"""Polls elsewhere: digest sections, and a person's own (public) votes in /mydata and
/forgetme."""

from __future__ import annotations

from typing import Any

from bot.context import Services
from bot.digest import DigestContext
from bot.fmt import datetime_text, joined, percent
from bot.i18n import _, isolate, ngettext
from bot.records import Person
from bot.richtext import Block, bold, bullets, line

from .common import feature
from .jobs import request_refresh
from .records import Poll, PollStatus, Tally

SHOWN = 6


@feature.digest_section(order=30)
async def open_polls(dctx: DigestContext) -> Block | None:
    """Polls still open, and when each closes."""
    polls = await dctx.services.store.polls.open_in([dctx.community_id])
    if not polls:
        return None
    items = []
    for poll in sorted(polls, key=lambda p: (p.closes_at is None, p.closes_at, p.id))[:SHOWN]:
        when = (_("closes {time}", time=datetime_text(poll.closes_at, dctx.zone))
                if poll.closes_at else _("no closing time"))
        items.append(line(isolate(poll.question), f" (/poll show {poll.id}) — ", when))
    head = ngettext("{n} open poll", "{n} open polls", len(polls))
    return Block((line(bold(head)), *bullets(items).lines))


def winner(poll: Poll, tally: Tally) -> str:
    """ "Option (60 %)", a tie between the leaders, or that nobody voted."""
    if not tally.voters:
        return _("nobody voted")
    best = max(tally.counts)
    leaders = [i for i, count in enumerate(tally.counts) if count == best]
    names = [poll.options[i] for i in leaders]
    share = percent(tally.fraction(leaders[0]))
    if len(leaders) == 1:
        return _("{option} won ({share})", option=names[0], share=share)
    return _("a tie between {options} ({share} each)", options=joined(names), share=share)


@feature.digest_section(order=31)
async def closed_polls(dctx: DigestContext) -> Block | None:
    """Polls closed in the period, with their winner; results posted in the last day are not
    repeated (they went to every chat when the poll closed)."""
    polls = await dctx.services.store.polls.closed_between(
        dctx.community_id, dctx.since, dctx.summarised_after)
    if not polls:
        return None
    items = []
    for poll in polls[:SHOWN]:
        tally = await dctx.services.store.polls.tally(poll.id)
        items.append(line(isolate(poll.question), " — ", winner(poll, tally)))
    head = ngettext("{n} poll closed", "{n} polls closed", len(polls))
    return Block((line(bold(head)), *bullets(items).lines))


@feature.personal_data
async def my_votes(services: Services, person: Person) -> dict[str, Any]:
    """A person's votes in public polls (anonymous ballots cannot be traced to anyone)."""
    ballots = await services.store.polls.ballots_of(person.id)
    return {"poll_votes": [
        {"poll": poll.id, "question": poll.question,
         "chose": [opt for i, opt in enumerate(poll.options) if choices & (1 << i)]}
        for poll, choices in ballots]}


@feature.forget
async def forget_votes(services: Services, person: Person) -> None:
    """Public ballots go with the person; every card that counted one is redrawn, open or
    closed (anonymous ballots hold no person, so nothing of them is erased)."""
    for poll, _choices in await services.store.polls.ballots_of(person.id):
        if poll.status != PollStatus.DELETED:
            await request_refresh(services, poll.id)
