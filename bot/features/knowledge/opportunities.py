"""Opportunities: entries with a deadline, reminded before it and archived after it.

Reminders and the closing are items on the persistent schedule, one set per
translation group (not per language version), so a community is reminded
once and each chat reads the reminder in its own language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.context import Context, JobContext, Services, UserError
from bot.dates import has_time_of_day, parse_when
from bot.fanout import community_deliveries
from bot.feature import Arg, Where
from bot.features.knowledge.actions import KbOpen
from bot.features.knowledge.common import (
    ENTRY,
    credit,
    deadline_line,
    feature,
    find_entry,
    listed_title,
    one_per_group,
    open_buttons,
    preferred,
    scope,
)
from bot.i18n import N_, _, ngettext, pgettext
from bot.jobs import ROW_ID, Fields, JobKind
from bot.permissions import ANYONE, MODERATORS
from bot.records import Chat, NewDelivery, ScheduledItem
from bot.replies import Button, Reply
from bot.richtext import Line, block, bold, doc, line
from bot.sources import KB_ENTRY

from .records import Entry, EntryKind, EntryStatus
from .text import check_body, check_link, check_title, parse_tags, split_link


@dataclass(frozen=True, slots=True)
class DeadlineRef:
    """The reminder `days` before the deadline of an entry's translation group."""

    group: int
    days: int


REMIND = JobKind("kb.remind", "knowledge", Fields(DeadlineRef), table="kb_entries", moves=True)
CLOSE = JobKind("kb.close", "knowledge", ROW_ID, table="kb_entries", moves=True)
REMINDER_DAYS = (7, 1)
# A reminder missed while the bot was down still goes out within half a day.
REMIND_GRACE = 12 * 3600
# Closing must happen however late the bot comes back.
CLOSE_GRACE = 366 * 24 * 3600
LIST_MAX = 10


def parse_deadline(ctx: Context, raw: str) -> datetime:
    """A future deadline; a date alone means the end of that day in the chat's zone."""
    raw = raw.strip()
    if not raw:
        raise UserError(_("When is the deadline? For example: 2026-12-31, or 2026-12-31 18:00."))
    if not has_time_of_day(raw):
        raw = f"{raw} 23:59"
    moment = parse_when(raw, locale=ctx.locale, zone=ctx.zone, now=ctx.now())
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


async def plan_deadline(services: Services, entry: Entry) -> None:
    """(Re)schedule the reminders and the closing of an entry's group, or cancel them."""
    group = entry.group_id
    versions = await services.store.knowledge.group(group)
    await services.scheduler.cancel_all(REMIND, group)
    await services.scheduler.cancel(CLOSE, group)
    live = [v for v in versions if v.status == EntryStatus.PUBLISHED
            and v.kind == EntryKind.OPPORTUNITY and v.deadline is not None]
    if not live:
        return
    deadline = live[0].deadline
    assert deadline is not None
    now = services.clock.now()
    epoch = int(deadline.timestamp())
    for days in REMINDER_DAYS:
        due = deadline - timedelta(days=days)
        if due > now:
            await services.scheduler.schedule(REMIND, DeadlineRef(group, days), due,
                                              grace_seconds=REMIND_GRACE,
                                              payload={"deadline": epoch, "days": days})
    await services.scheduler.schedule(CLOSE, group, max(deadline, now),
                                      grace_seconds=CLOSE_GRACE, payload={"deadline": epoch})


async def _live(services: Services, item: ScheduledItem, group: int) -> list[Entry]:
    """The published versions whose deadline is still the one the item was planned for."""
    epoch = int(item.payload.get("deadline", -1))
    return [v for v in await services.store.knowledge.group(group)
            if v.status == EntryStatus.PUBLISHED and v.deadline is not None
            and int(v.deadline.timestamp()) == epoch]


@feature.job(REMIND)
async def remind(jctx: JobContext, item: ScheduledItem, ref: DeadlineRef) -> list[NewDelivery]:
    """Remind every chat of the community, in its language, that a deadline is near."""
    services = jctx.services
    live = await _live(services, item, ref.group)
    if not live:
        return []

    def render(chat: Chat) -> Reply:
        entry = preferred(live, services.chat_locale(chat))
        zone = services.chat_zone(chat)
        row = [Button(pgettext("button", "Open"), KbOpen(entry.id).pack())]
        if entry.link:
            row.append(Button(pgettext("button", "Open link"), url=entry.link))
        return Reply(doc(
            line(bold(_("Deadline soon: {title}", title=entry.title))),
            deadline_line(entry, zone, jctx.now()),
        )).with_buttons(row)

    group, epoch = live[0].group_id, item.payload["deadline"]
    return await community_deliveries(
        services, live[0].community_id, render,
        key=f"kb:remind:{group}:{item.payload.get('days')}:{epoch}", source=KB_ENTRY.of(group))


@feature.job(CLOSE)
async def close(jctx: JobContext, item: ScheduledItem, group: int) -> list[NewDelivery]:
    """Archive an opportunity once its deadline has passed."""
    live = await _live(jctx.services, item, group)
    if live and live[0].deadline is not None:
        await jctx.store.knowledge.archive_group(live[0].group_id, live[0].deadline)
    return []


@feature.command(
    "opportunity", N_("Add an opportunity (grant, call, programme) with a deadline"),
    usage=N_("<title> | <deadline> | [link] | <text> | [#tags]"), where=Where.GROUP,
    pipe_separated=True,
    examples=("/opportunity Youth exchange grant | 2026-12-31 | https://example.org/apply | "
              "Up to 2,000 EUR for projects with young people. | #grants",),
    args=(Arg("title", N_("A short title"), required=True),
          Arg("deadline", N_("The deadline: a date, or a date and time")),
          Arg("link", N_("Where to apply (or - for none)")),
          Arg("body", N_("What it is and who can apply")),
          Arg("tags", N_("Tags, like #grants"))),
    rule=ANYONE,
)
async def opportunity(ctx: Context) -> Reply:
    """Add an opportunity; members' wait for a moderator like any entry."""
    from .contribute import submit

    title = check_title(ctx.arg("title"))
    deadline = parse_deadline(ctx, ctx.arg("deadline"))
    link_field = ctx.arg("link").strip()
    link = check_link(link_field) if link_field not in ("", "-") else None
    body = check_body(ctx.arg("body"))
    return await submit(ctx, title=title, body=body, tags=parse_tags(ctx.arg("tags")),
                        kind=EntryKind.OPPORTUNITY, deadline=deadline, link=link)


@feature.command(
    "opportunities", N_("List the open opportunities, soonest deadline first"),
    examples=("/opportunities",),
    rule=ANYONE,
)
async def opportunities(ctx: Context) -> Reply:
    """Open opportunities by deadline, each in this chat's language where possible."""
    found = await ctx.store.knowledge.opportunities(await scope(ctx), ctx.now(), LIST_MAX * 6)
    shown = one_per_group(found, ctx.locale)[:LIST_MAX]
    if not shown:
        return Reply(doc(_("No opportunities are open right now. Moderators add them with "
                           "/opportunity.")))
    lines: list[Line] = [line(bold(ngettext(
        "{n} open opportunity, soonest deadline first:",
        "{n} open opportunities, soonest deadline first:", len(shown))))]
    blocks = [block(*lines)]
    for entry in shown:
        blocks.append(block(line(bold(listed_title(entry))),
                            deadline_line(entry, ctx.zone, ctx.now())))
    return Reply(doc(*blocks)).with_buttons(*open_buttons(shown))


@feature.command(
    "kb deadline", N_("Set or change the deadline (and link) of an entry"),
    usage=N_("<number> <deadline> [link]"), where=Where.GROUP,
    examples=("/kb deadline 12 2026-12-31", "/kb deadline 12 2026-12-31 18:00 "
              "https://example.org/apply", "/kb deadline 12 -"),
    args=(ENTRY,
          Arg("when", N_("The deadline, then a link if any; - removes the deadline"),
              rest=True)),
    rule=MODERATORS,
)
async def set_deadline(ctx: Context) -> Reply:
    """Make an entry an opportunity, move its deadline, or make it a plain entry again."""
    entry = await find_entry(ctx, ctx.need(ENTRY), here=True)
    when, link = split_link(ctx.arg("when"))
    if when.strip().lower() in ("-", "none"):
        versions = await ctx.store.knowledge.set_deadline(entry.group_id, None, None)
        await plan_deadline(ctx.services, versions[0])
        await ctx.audit("kb deadline", entry=entry.id, deadline=None)
        return Reply(doc(_("Entry {number} no longer has a deadline.", number=entry.id)))
    deadline = parse_deadline(ctx, when)
    versions = await ctx.store.knowledge.set_deadline(
        entry.group_id, deadline, check_link(link) if link else None)
    for version in versions:
        if version.status == EntryStatus.ARCHIVED:
            await ctx.store.knowledge.set_status(version.id, EntryStatus.PUBLISHED,
                                                 expected=[EntryStatus.ARCHIVED],
                                                 by=credit(ctx.person))
    await plan_deadline(ctx.services, versions[0])
    await ctx.audit("kb deadline", entry=entry.id, deadline=deadline.isoformat())
    updated = await find_entry(ctx, entry.id, here=True)
    # One block: the deadline line right under the sentence it completes.
    return Reply(doc(block(line(_("Entry {number} is an open opportunity.", number=entry.id)),
                           deadline_line(updated, ctx.zone, ctx.now()))))
