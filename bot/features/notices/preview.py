"""The preview a broadcaster confirms, and what Publish and Cancel do to a draft.

The preview is one message per language the chats read, each exactly the
copy those chats will receive, then a summary with the buttons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from bot.context import Context, UserError
from bot.features.notices.actions import (
    AskExpiry,
    AskSchedule,
    ChooseCategory,
    ChooseLanguage,
    DiscardNotice,
    EditNotice,
    PublishNotice,
    ToggleOption,
)
from bot.features.notices.common import PUBLISH_JOB
from bot.features.notices.publish import PUBLISH_GRACE, publish, targets
from bot.features.notices.records import Notice, NoticeStatus, Organisation, category_name
from bot.features.notices.render import notice_reply
from bot.fmt import datetime_text, joined, number
from bot.i18n import SUPPORTED, _, language_name, ngettext, pgettext, use_locale
from bot.replies import Button, Reply
from bot.richtext import Line, RichText, block, bold, doc, italic, line


def _yes_no(value: bool) -> str:
    return pgettext("answer", "yes") if value else pgettext("answer", "no")


async def preview(ctx: Context, notice: Notice, org: Organisation) -> list[Reply]:
    """Every language's copy as the chats will see it, then the summary with the buttons."""
    chats = await targets(ctx.services, notice)
    readers = Counter(ctx.services.chat_locale(c) for c in chats)
    shown = [*notice.languages, *(x for x in SUPPORTED if readers[x] and x not in notice.texts)]
    replies = []
    for lang in shown:
        with use_locale(lang):
            replies.append(replace(notice_reply(notice, org, ctx.zone), pin=False))
    replies.append(summary(ctx, notice, org, readers))
    return replies


def summary(ctx: Context, notice: Notice, org: Organisation, readers: Counter[str]) -> Reply:
    """Where the notice stands, whom it reaches, and the buttons to change or publish it."""
    main = language_name(notice.main_language)
    versions = [language_name(x) for x in notice.languages]
    head = [line(bold(_("Preview of notice {id}", id=f"#{notice.id}"))),
            line(italic(_("Above: exactly what the chats will see, one message per language.")))]
    when = (_("Publish: {date}", date=datetime_text(notice.publish_at, ctx.zone))
            if notice.publish_at else _("Publish: as soon as you press Publish"))
    expiry = (_("Expires: {date}", date=datetime_text(notice.expires_at, ctx.zone))
              if notice.expires_at else _("Expires: never"))
    facts = [line(_("From: {organisation}", organisation=org.name)),
             line(_("Category: {category}", category=category_name(notice.category))),
             line(_("Versions: {languages} (main: {main})", languages=joined(versions) or "—",
                    main=main)),
             line(when), line(expiry),
             line(_("Urgent: {answer}", answer=_yes_no(notice.urgent))),
             line(_("Seen button: {answer}", answer=_yes_no(notice.seen_button)))]
    total = sum(readers.values())
    reach: list[Line] = []
    if total:
        reach.append(line(ngettext("It will reach {n} chat:", "It will reach {n} chats:", total)))
        for lang, count in sorted(readers.items(), key=lambda kv: (-kv[1], kv[0])):
            if lang in notice.texts:
                reach.append(line("• ", _("{language}: {count}", language=language_name(lang),
                                          count=number(count))))
            elif len(notice.texts) > 1:
                reach.append(line("• ", _("{language}: {count} (they get the {main} version "
                                          "and a list of the others)", language=language_name(lang),
                                          count=number(count), main=main)))
            else:
                reach.append(line("• ", _("{language}: {count} (they get the {main} version)",
                                          language=language_name(lang), count=number(count),
                                          main=main)))
    else:
        reach.append(line(_("No chat follows {organisation} yet, so this notice would reach "
                            "no one.", organisation=org.name)))
    if notice.urgent:
        reach.append(line(italic(_("Urgent notices are pinned where I may pin, reach every "
                                   "subscribed chat whatever its categories, and are sent even "
                                   "during quiet hours."))))
    body = RichText((block(*head), block(*facts), block(*reach)))
    publish_label = (pgettext("button", "Schedule") if notice.publish_at
                     else pgettext("button", "Publish"))
    urgent_label = (pgettext("button", "Not urgent") if notice.urgent
                    else pgettext("button", "Make urgent"))
    seen_label = (pgettext("button", "No seen button") if notice.seen_button
                  else pgettext("button", "Add seen button"))
    n = notice.id
    return Reply(body).with_buttons(
        (Button(publish_label, PublishNotice(n).pack()),
         Button(pgettext("button", "Edit"), EditNotice(n).pack()),
         Button(pgettext("button", "Cancel"), DiscardNotice(n).pack())),
        (Button(pgettext("button", "Category"), ChooseCategory(n).pack()),
         Button(pgettext("button", "Add a language"), ChooseLanguage(n).pack())),
        (Button(pgettext("button", "Publish time"), AskSchedule(n).pack()),
         Button(pgettext("button", "Expiry"), AskExpiry(n).pack())),
        (Button(urgent_label, ToggleOption(n, "urgent").pack()),
         Button(seen_label, ToggleOption(n, "seen").pack())),
    )


async def go(ctx: Context, notice: Notice, org: Organisation) -> Reply:
    """Publish now, or schedule for the publish time; refuse anything inconsistent."""
    main = notice.main_text
    if main is None:
        raise UserError(_("Notice {id} has no text in its main language ({language}). Write it "
                          "with /notice text {number} {code}.", id=f"#{notice.id}",
                          language=language_name(notice.main_language), number=notice.id,
                          code=notice.main_language))
    now = ctx.now()
    if notice.publish_at is not None and notice.publish_at <= now:
        raise UserError(_("The publish time {date} has passed. Choose a new time, or clear it "
                          "with /notice set {number} at now.",
                          date=datetime_text(notice.publish_at, ctx.zone), number=notice.id))
    if notice.expires_at is not None and notice.expires_at <= (notice.publish_at or now):
        raise UserError(_("The notice would expire before it is published. Choose a later "
                          "expiry with /notice set {number} expires.", number=notice.id))
    if notice.publish_at is not None:
        notice.status = NoticeStatus.SCHEDULED
        if not await ctx.store.notices.save(notice, expect=[NoticeStatus.DRAFT,
                                                             NoticeStatus.SCHEDULED]):
            raise UserError(_("Notice {id} is already published.", id=f"#{notice.id}"))
        await ctx.services.scheduler.schedule(PUBLISH_JOB, notice.id,
                                              notice.publish_at, grace_seconds=PUBLISH_GRACE)
        await ctx.audit("notice.schedule", allowed=True, notice=notice.id,
                        organisation=org.short_name, at=notice.publish_at.isoformat())
        return Reply(doc(_("Scheduled. Notice {id} will be published on {date}.",
                           id=f"#{notice.id}", date=datetime_text(notice.publish_at, ctx.zone))))
    if not await targets(ctx.services, notice):
        raise UserError(_("No chat follows {organisation} yet, so this notice would reach "
                          "no one.", organisation=org.name))
    result = await publish(ctx.services, notice, org)
    if result is None:
        raise UserError(_("Notice {id} is already published.", id=f"#{notice.id}"))
    await ctx.audit("notice.publish", allowed=True, notice=notice.id,
                    organisation=org.short_name, chats=result.chats, urgent=notice.urgent)
    return Reply(doc(ngettext(
        "Published. Notice {id} is on its way to {n} chat; the delivery report below updates "
        "as it goes.",
        "Published. Notice {id} is on its way to {n} chats; the delivery report below updates "
        "as it goes.", result.chats, id=f"#{notice.id}")))


async def discard(ctx: Context, notice: Notice) -> Reply:
    """Discard a draft; a scheduled notice becomes a draft again."""
    if notice.status == NoticeStatus.SCHEDULED:
        notice.status = NoticeStatus.DRAFT
        if await ctx.store.notices.save(notice, expect=[NoticeStatus.SCHEDULED]):
            await ctx.services.scheduler.cancel(PUBLISH_JOB, notice.id)
            return Reply(doc(_("Notice {id} will not be published at its time; it is a draft "
                               "again.", id=f"#{notice.id}")))
    else:
        notice.status = NoticeStatus.CANCELLED
        if await ctx.store.notices.save(notice, expect=[NoticeStatus.DRAFT]):
            return Reply(doc(_("Draft {id} discarded.", id=f"#{notice.id}")))
    raise UserError(_("Notice {id} is already published.", id=f"#{notice.id}"))
