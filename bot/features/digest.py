"""Digests: one message per chat on its own schedule, and on demand; quiet hours."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

from bot.context import Context, JobContext, Services, UserError
from bot.convert import switch_value, whole_number
from bot.digest import DigestContext
from bot.fanout import chat_delivery
from bot.feature import Arg, Feature, Where
from bot.fmt import date_text
from bot.i18n import N_, _, current_locale, is_rtl, use_locale
from bot.jobs import ROW_ID, JobKind, Word
from bot.permissions import ANYONE, to_change
from bot.quiet import parse_hhmm, window
from bot.records import Chat, NewDelivery, Person, ScheduledItem
from bot.replies import Reply
from bot.richtext import Block, Line, RichText, Text, block, bold, line
from bot.sources import DIGEST

log = logging.getLogger(__name__)

feature = Feature("digest", N_("Digest"), order=80)

KIND = JobKind("digest", "digest", ROW_ID, table="chats", moves=True)
# The deployment's own hourly planning: it does not move with a community.
PLAN_KIND = JobKind("digest.plan", "digest", Word("all"))
PLAN_EVERY = timedelta(hours=1)
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
DEFAULT = {"frequency": "weekly", "weekday": 0, "hour": 9}


def digest_settings(chat: Chat) -> dict[str, object]:
    """The chat's digest schedule: frequency (daily/weekly/off), weekday (0 = Monday), hour."""
    return {**DEFAULT, **chat.settings.get("digest", {})}


def _local_at(day: datetime, hour: int, tz: ZoneInfo) -> datetime:
    """`hour`:00 on `day`'s date; an hour skipped by a DST change becomes the next one."""
    naive = datetime.combine(day.date(), time(hour))
    for extra in range(3):
        candidate = naive + timedelta(hours=extra)
        aware = candidate.replace(tzinfo=tz)
        if aware.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None) == candidate:
            return aware
    return naive.replace(tzinfo=tz)


def next_digest(chat: Chat, zone: str, after: datetime) -> datetime | None:
    """The next digest time strictly after `after`, at the chat's local hour; None if off."""
    conf = digest_settings(chat)
    if conf["frequency"] not in PERIODS:
        return None
    tz = ZoneInfo(zone)
    local = after.astimezone(tz)
    hour, weekday = int(conf["hour"]), int(conf["weekday"])  # type: ignore[call-overload]
    for days in range(0, 8):
        day = local + timedelta(days=days)
        if conf["frequency"] == "weekly" and day.weekday() != weekday:
            continue
        candidate = _local_at(day, hour, tz)
        if candidate > after:
            return candidate
    return None  # pragma: no cover - a week always contains the weekday


async def schedule_next(services: Services, chat: Chat, after: datetime) -> None:
    """Put the chat's next digest on the schedule (replacing a pending one), or cancel it."""
    when = next_digest(chat, services.chat_zone(chat), after)
    if when is None or chat.is_private or not chat.active:
        await services.scheduler.cancel(KIND, chat.id)
        return
    period = PERIODS[str(digest_settings(chat)["frequency"])]
    # A digest missed by more than its period is skipped, not sent late.
    await services.scheduler.schedule(KIND, chat.id, when,
                                      grace_seconds=int(period.total_seconds()))


async def compose(services: Services, community_id: int, *, since: datetime, now: datetime,
                  until: datetime, zone: str, chat: Chat | None = None,
                  person: Person | None = None, shown: set[str] | None = None) -> list[Block]:
    """Every feature's section for one community, in the current locale; empty ones left out.
    `shown`: what the digest already showed for other communities (it is added to)."""
    dctx = DigestContext(services, community_id, since=since, now=now, until=until, zone=zone,
                         chat=chat, person=person, shown=set() if shown is None else shown)
    blocks = []
    for section in services.digest_sections:
        found = await section(dctx)
        if found is not None and found.lines:
            blocks.append(right_to_left(found))
    return blocks


RLM = "\u200f"


def right_to_left(found: Block) -> Block:
    """In a right-to-left language every line starts right to left, whatever it holds
    (a line of isolated names and titles has no direction of its own)."""
    if not is_rtl():
        return found
    return Block(tuple(Line((Text(RLM), *ln.children)) for ln in found.lines))


def _heading(frequency: str, since: datetime, now: datetime, zone: str) -> Block:
    title = _("Your weekly digest") if frequency == "weekly" else _("Your daily digest")
    span = _("{start} to {end}", start=date_text(since, zone), end=date_text(now, zone))
    return right_to_left(block(line(bold(title)), line(span)))


@feature.job(KIND)
async def send_digest(jctx: JobContext, item: ScheduledItem, chat_id: int) -> list[NewDelivery]:
    """Post one chat's digest for the period ending at the item's due time; plan the next."""
    services = jctx.services
    chat = await services.store.chats.get(chat_id)
    if chat is None or not chat.active:
        return []
    frequency = str(digest_settings(chat)["frequency"])
    period = PERIODS.get(frequency)
    await schedule_next(services, chat, item.due_at)
    if period is None:
        return []
    zone = services.chat_zone(chat)
    since, now = item.due_at - period, item.due_at
    with use_locale(services.chat_locale(chat)):
        sections = await compose(services, chat.community_id, since=since, now=now,
                                 until=now + period, zone=zone, chat=chat)
        if not sections:
            log.info("digest for chat %s is empty; nothing sent", chat.id)
            return []
        reply = Reply(RichText((_heading(frequency, since, now, zone), *sections)))
    return [chat_delivery(services, chat, reply, key=f"digest:{item.id}",
                          source=DIGEST.of(chat.id))]


@feature.job(PLAN_KIND)
async def plan(jctx: JobContext, item: ScheduledItem, _all: str) -> list[NewDelivery]:
    """Give every active chat a pending digest, then plan again in an hour."""
    await plan_all(jctx.services)
    return []


async def plan_all(services: Services) -> None:
    """Schedule the next digest of every active chat that has none pending."""
    now = services.clock.now()
    pending = await services.scheduler.pending_refs(KIND)
    for chat in await services.store.chats.active_groups():
        if chat.id not in pending:
            await schedule_next(services, chat, now)
    await services.scheduler.schedule(PLAN_KIND, "all", now + PLAN_EVERY,
                                      grace_seconds=int(PLAN_EVERY.total_seconds()) * 24)


@feature.on_start
async def on_start(services: Services) -> None:
    """Re-plan digests at start-up (missed ones were skipped by the runner)."""
    await plan_all(services)


# -- commands ------------------------------------------------------------------


def _weekday(typed: str) -> int | None:
    typed = typed.strip().lower().rstrip(".")
    number = whole_number(typed)
    if number is not None:
        return number - 1 if 1 <= number <= 7 else None
    for locale in {current_locale(), "en"}:
        for width in ("wide", "abbreviated"):
            names = get_day_names(width, locale=locale)
            for number, name in names.items():
                if str(name).lower().rstrip(".") == typed:
                    return int(number)
    return None


def _describe(chat: Chat) -> str:
    conf = digest_settings(chat)
    if conf["frequency"] == "off":
        return _("Digests are off in this chat.")
    hour = f"{int(conf['hour']):02d}:00"  # type: ignore[call-overload]
    if conf["frequency"] == "daily":
        return _("A digest is posted here every day at {hour}.", hour=hour)
    day = get_day_names("wide", locale=current_locale())[int(conf["weekday"])]  # type: ignore[call-overload]
    return _("A digest is posted here every {weekday} at {hour}.", weekday=day, hour=hour)


async def _digest_now_for_chat(ctx: Context) -> Reply:
    conf = digest_settings(ctx.chat)
    period = PERIODS.get(str(conf["frequency"]), PERIODS["weekly"])
    now = ctx.now()
    sections = await compose(ctx.services, ctx.chat.community_id, since=now - period, now=now,
                             until=now + period, zone=ctx.zone, chat=ctx.chat)
    if not sections:
        return Reply(RichText((block(_("Nothing to report: no meetings, polls, notices or new "
                                       "entries in this period.")),)))
    head = _heading(str(conf["frequency"]) if conf["frequency"] in PERIODS else "weekly",
                    now - period, now, ctx.zone)
    return Reply(RichText((head, *sections)))


async def _digest_now_in_private(ctx: Context) -> Reply:
    now = ctx.now()
    period = PERIODS["weekly"]
    seen: dict[int, Chat] = {}
    for chat in await ctx.store.chats.of_person(ctx.person.id):
        seen.setdefault(chat.community_id, chat)
    blocks: list[Block] = []
    shown: set[str] = set()
    for community_id, chat in seen.items():
        sections = await compose(ctx.services, community_id, since=now - period, now=now,
                                 until=now + period, zone=ctx.zone, person=ctx.person,
                                 shown=shown)
        if sections:
            name = chat.title or chat.platform_id
            blocks.append(block(line(bold(_("In {community}", community=name)))))
            blocks.extend(sections)
    if not blocks:
        return Reply(RichText((block(_("Nothing to report in your communities this week.")),)))
    return Reply(RichText((_heading("weekly", now - period, now, ctx.zone), *blocks)))


@feature.command(
    "digest", N_("Show the digest now"),
    examples=("/digest",),
    rule=ANYONE,
)
async def digest_now(ctx: Context) -> Reply:
    """The digest for this chat now; in private, for all of the person's communities."""
    if ctx.is_private:
        return await _digest_now_in_private(ctx)
    return await _digest_now_for_chat(ctx)


@feature.command(
    "digest when", N_("Show or set when the digest is posted here"),
    usage=N_("[daily <hour> | weekly <day> <hour> | off]"), where=Where.GROUP,
    examples=("/digest when", "/digest when weekly monday 9", "/digest when daily 8",
              "/digest when off"),
    args=(Arg("schedule", N_("daily 8, weekly monday 9, or off"), rest=True),),
    rule=to_change(),
)
async def digest_when(ctx: Context) -> Reply:
    """Show the schedule; moderators change it."""
    typed = ctx.arg("schedule").split()
    if not typed:
        return Reply(RichText((block(_describe(ctx.chat)),)))
    frequency = typed[0].lower()
    conf = digest_settings(ctx.chat)
    if switch_value(frequency) is False:
        conf["frequency"] = "off"
    elif frequency == "daily" and len(typed) == 2:
        hour = parse_hhmm(typed[1])
        if hour is None or hour.minute:
            raise UserError(_("Give a whole hour from 0 to 23, e.g. /digest when daily 8."))
        conf.update(frequency="daily", hour=hour.hour)
    elif frequency == "weekly" and len(typed) == 3:
        weekday, hour = _weekday(typed[1]), parse_hhmm(typed[2])
        if weekday is None:
            raise UserError(_("I don't know the day {day}. Use a weekday name or 1 (Monday) "
                              "to 7 (Sunday).", day=typed[1][:20]))
        if hour is None or hour.minute:
            raise UserError(_("Give a whole hour from 0 to 23, e.g. /digest when weekly "
                              "monday 9."))
        conf.update(frequency="weekly", weekday=weekday, hour=hour.hour)
    else:
        raise UserError(_("Use: /digest when daily 8, /digest when weekly monday 9, or "
                          "/digest when off."))
    ctx.chat.settings["digest"] = conf
    await ctx.store.chats.update(ctx.chat)
    await schedule_next(ctx.services, ctx.chat, ctx.now())
    return Reply(RichText((block(_describe(ctx.chat)),)))


@feature.command(
    "quiet", N_("Show or set quiet hours (no scheduled posts)"),
    usage=N_("[<start>-<end> | off]"), where=Where.GROUP,
    examples=("/quiet", "/quiet 22:00-08:00", "/quiet off"),
    args=(Arg("hours", N_("e.g. 22:00-08:00, or off"), rest=True),),
    rule=to_change(),
)
async def quiet(ctx: Context) -> Reply:
    """Quiet hours hold scheduled posts until they end; urgent notices still go out."""
    typed = ctx.arg("hours").strip().lower()
    if not typed:
        span = window(ctx.chat)
        if span is None:
            return Reply(RichText((block(_("No quiet hours in this chat.")),)))
        return Reply(RichText((block(_describe_quiet(*span, ctx.zone)),)))
    if switch_value(typed) is False:
        ctx.chat.settings.pop("quiet", None)
        await ctx.store.chats.update(ctx.chat)
        return Reply(RichText((block(_("Quiet hours are off.")),)))
    start_text, _sep, end_text = typed.replace("–", "-").partition("-")
    start, end = parse_hhmm(start_text), parse_hhmm(end_text)
    if not start or not end or start == end:
        raise UserError(_("Write quiet hours as start-end, e.g. /quiet 22:00-08:00."))
    ctx.chat.settings["quiet"] = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    await ctx.store.chats.update(ctx.chat)
    return Reply(RichText((block(_describe_quiet(start, end, ctx.zone)),)))


def _describe_quiet(start: time, end: time, zone: str) -> str:
    return _("Quiet hours: {start} to {end} ({zone}). Scheduled posts wait until they end; "
             "urgent notices do not.", start=start.strftime("%H:%M"),
             end=end.strftime("%H:%M"), zone=zone)


