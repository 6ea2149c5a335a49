"""Corrections and retractions: every copy already delivered is edited, through the outbox.

Both raise the notice's revision in one transaction that also rewrites (or,
for a retraction, cancels) the copies not yet sent. The report tick then
queues an edit for every delivered copy still showing an older revision,
including copies that were being sent at that very moment.
"""

from __future__ import annotations

from typing import Any

from bot import forms
from bot.context import Context, UserError
from bot.convert import maybe_id
from bot.feature import Arg, Where
from bot.features.notices.common import (
    BROADCASTER,
    EXPIRE_JOB,
    MAX_REASON,
    NOTICE,
    TICK_JOB,
    feature,
    notice_for,
)
from bot.features.notices.compose import check_language, check_text, seal_refused, text_form
from bot.features.notices.publish import EXPIRE_GRACE
from bot.features.notices.records import Notice, NoticeStatus, NoticeText, Organisation
from bot.features.notices.render import copy_payloads
from bot.fmt import number
from bot.i18n import N_, _
from bot.permissions import only
from bot.records import DeliveryStatus
from bot.replies import Reply
from bot.richtext import doc
from bot.trust import starts_with_seal


def _published(notice: Notice) -> None:
    if notice.status == NoticeStatus.RETRACTED:
        raise UserError(_("Notice {id} was withdrawn; it cannot change any more.",
                          id=f"#{notice.id}"))
    if notice.status != NoticeStatus.PUBLISHED:
        raise UserError(_("Notice {id} is not published yet. Change the draft with /notice "
                          "text, or discard it with /notice cancel.", id=f"#{notice.id}"))


async def _revise(ctx: Context, notice: Notice, org: Organisation, old_revision: int,
                  retract: bool) -> None:
    pending = None
    if not retract:
        copies = await ctx.store.notices.copies(notice.id)
        unsent = [c.chat for c in copies if c.status == DeliveryStatus.PENDING]
        pending = copy_payloads(ctx.services, notice, org, unsent)
    if not await ctx.store.notices.revise(notice, old_revision, pending):
        raise UserError(_("Notice {id} changed at the same moment. Look at it with /notice "
                          "report {number} and try again.", id=f"#{notice.id}",
                          number=notice.id))
    # The tick edits every delivered copy now, and keeps at it until all are done.
    await ctx.services.scheduler.schedule(TICK_JOB, notice.id, ctx.now(),
                                          grace_seconds=EXPIRE_GRACE)


async def correct(ctx: Context, notice: Notice, org: Organisation, lang: str,
                  text: NoticeText) -> Reply:
    """Replace one language's version everywhere, with a "corrected" mark."""
    _published(notice)
    if notice.texts.get(lang) == text:
        raise UserError(_("That is the text the notice already has."))
    old = notice.revision
    notice.texts[lang] = text
    notice.revision += 1
    notice.corrected_at = ctx.now()
    await _revise(ctx, notice, org, old, retract=False)
    await ctx.audit("notice.correct", allowed=True, notice=notice.id,
                    organisation=org.short_name, language=lang, revision=notice.revision)
    return Reply(doc(_("Corrected. Every copy of notice {id} is being updated, marked as "
                       "corrected; the delivery report shows the progress.",
                       id=f"#{notice.id}")))


@feature.command(
    "notice correct", N_("Correct a published notice in every chat that received it"),
    usage=N_("<number> [language] [<title> | <text>]"), where=Where.PRIVATE,
    examples=("/notice correct 12", "/notice correct 12 es Oficina cerrada | La oficina "
              "cierra el lunes 5 de mayo."),
    args=(NOTICE,
          Arg("language", N_("The version to correct (the main one when empty)")),
          Arg("text", N_("Title | text; a form asks for them when empty"), rest=True)),
    rule=only(BROADCASTER),
)
async def correct_command(ctx: Context) -> Any:
    """Correct in one line, or fill in the version as a form (prefilled)."""
    notice, org = await notice_for(ctx, ctx.need(NOTICE), action="notice.correct")
    _published(notice)
    lang = check_language(ctx.arg("language")) if ctx.arg("language") else notice.main_language
    raw = ctx.arg("text")
    if not raw:
        return await forms.ask(ctx, text_form(notice, lang, kind="notice.correct"))
    title, _sep, body = raw.partition("|")
    return await correct(ctx, notice, org, lang, check_text(title, body))


@forms.on_submit("notice.correct")
async def correct_submitted(ctx: Context, ref: str, values: dict[str, str]) -> Reply:
    """Apply a correction filled in as a form."""
    raw_id, _sep, lang = ref.partition(".")
    notice, org = await notice_for(ctx, maybe_id(raw_id), action="notice.correct")
    text = check_text(values.get("title", ""), values.get("body", ""))
    return await correct(ctx, notice, org, check_language(lang), text)


@feature.command(
    "notice retract", N_("Withdraw a published notice from every chat"),
    usage=N_("<number> [reason]"), where=Where.PRIVATE,
    examples=("/notice retract 12", "/notice retract 12 Published by mistake"),
    args=(NOTICE,
          Arg("reason", N_("Why, shown with the withdrawal"), rest=True)),
    rule=only(BROADCASTER),
)
async def retract_command(ctx: Context) -> Reply:
    """Replace every copy with a withdrawal note and stop the copies not yet sent."""
    notice, org = await notice_for(ctx, ctx.need(NOTICE), action="notice.retract")
    _published(notice)
    reason = " ".join(ctx.arg("reason").split())
    if len(reason) > MAX_REASON:
        raise UserError(_("The reason is {length} characters long; it can hold at most "
                          "{limit}.", length=number(len(reason)), limit=number(MAX_REASON)))
    if starts_with_seal(reason):
        raise seal_refused()
    old = notice.revision
    notice.status = NoticeStatus.RETRACTED
    notice.retracted_at = ctx.now()
    notice.retract_reason = reason or None
    notice.revision += 1
    await _revise(ctx, notice, org, old, retract=True)
    await ctx.services.scheduler.cancel(EXPIRE_JOB, notice.id)
    await ctx.audit("notice.retract", allowed=True, notice=notice.id,
                    organisation=org.short_name, reason=reason)
    return Reply(doc(_("Withdrawn. Every delivered copy of notice {id} is being replaced by a "
                       "withdrawal note, and copies not sent yet were stopped.",
                       id=f"#{notice.id}")))
