"""A community's reminder setting: how long before each meeting reminders go out."""

from __future__ import annotations

from datetime import timedelta

from bot.context import Context, UserError
from bot.convert import duration_value, switch_value
from bot.feature import Arg, Where
from bot.features.meetings.common import DEFAULT_REMINDERS, EVENTS_MODERATORS, feature
from bot.features.meetings.timeline import arm
from bot.fmt import duration, joined
from bot.i18n import N_, _
from bot.replies import Reply
from bot.richtext import doc

MAX_REMINDERS = 4
MIN_LEAD = 5
MAX_LEAD = 14 * 24 * 60
# Besides every "off" word of bot/convert.py.
NONE_WORDS = {"none", "ninguno", "ninguna", "aucun", "nenhum", "لا شيء", "कोई नहीं"}


def parse_lead(text: str) -> int | None:
    """ "24h", "1h30", "2d", "30m", "90" → minutes; None when unreadable or out of range."""
    delta = duration_value(text)
    if delta is None:
        return None
    minutes = int(delta.total_seconds() // 60)
    return minutes if MIN_LEAD <= minutes <= MAX_LEAD else None


def leads_text(minutes: list[int] | tuple[int, ...]) -> str:
    """ "24 hours and 1 hour" in the current locale."""
    return joined([duration(timedelta(minutes=m)) for m in minutes])


@feature.command(
    "meeting reminders", N_("Show or choose when reminders go out before each meeting"),
    usage=N_("[times before | off]"),
    examples=("/meeting reminders", "/meeting reminders 24h 1h", "/meeting reminders 2d 2h",
              "/meeting reminders off"),
    where=Where.GROUP,
    args=(Arg("times", N_("Up to four times before the meeting, such as 24h 1h 15m"),
              rest=True),),
    rule=EVENTS_MODERATORS,
)
async def reminders(ctx: Context) -> Reply:
    """Set the community's reminder times and re-arm every coming meeting."""
    store = ctx.store.meetings
    typed = ctx.arg("times").strip()
    if not typed:
        chosen = await store.reminder_offsets(ctx.chat.community_id)
        current = list(DEFAULT_REMINDERS) if chosen is None else chosen
        if not current:
            return Reply(doc(_("Meeting reminders are off. Turn them on with, for example, "
                               "/meeting reminders 24h 1h.")))
        return Reply(doc(_("Reminders go out {times} before each meeting.",
                           times=leads_text(current))))
    if switch_value(typed) is False or typed.casefold() in NONE_WORDS:
        leads: list[int] = []
    else:
        words = typed.replace(",", " ").split()
        if len(words) > MAX_REMINDERS:
            raise UserError(_("At most {n} reminders per meeting, please.",
                              n=str(MAX_REMINDERS)))
        leads = []
        for word in words:
            lead = parse_lead(word)
            if lead is None:
                raise UserError(_("I could not read {text} as a time before the meeting. Try "
                                  "24h, 1h or 30m (between 5 minutes and 14 days).",
                                  text=word[:20]))
            leads.append(lead)
        leads = sorted(set(leads), reverse=True)
    await store.set_reminder_offsets(ctx.chat.community_id, leads)
    for meeting in await store.in_communities([ctx.chat.community_id]):
        await arm(ctx.services, meeting, ctx.now())
    if not leads:
        return Reply(doc(_("Meeting reminders are now off for this community.")))
    return Reply(doc(_("Reminders now go out {times} before each meeting, in every chat of "
                       "the community.", times=leads_text(leads))))
