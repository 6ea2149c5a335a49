"""The delivery report, and the tick that keeps it (and every copy) up to date.

The report is one message in the broadcaster's private chat, sent through
the outbox and then edited in place. A scheduled tick (every two seconds
while anything of the notice is in flight) rereads the copies from the
database, so it works whichever process sends them and survives restarts:
it queues the edits that bring delivered copies to the notice's latest
revision (corrections, the retraction), unpins urgent copies once the notice
has ended, and edits the report when its figures changed (a debounce of one
edit per tick). The report names group chats and platforms, never a person.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import timedelta
from typing import Any

from bot.context import Context, JobContext, Services
from bot.feature import Where
from bot.features.notices.common import BROADCASTER, NOTICE, TICK_JOB, feature, notice_for
from bot.features.notices.records import Copy, Notice, NoticeStatus, Organisation
from bot.features.notices.render import copy_payloads
from bot.fmt import number
from bot.i18n import N_, _, ngettext, use_locale
from bot.permissions import only
from bot.records import DeliveryOp, DeliveryStatus, NewDelivery, ScheduledItem
from bot.replies import Reply, reply_to_json
from bot.richtext import Block, RichText, block, bold, bullets, italic, line
from bot.sources import NOTICE_REPORT

TICK = timedelta(seconds=2)
TICK_GRACE = int(timedelta(days=1).total_seconds())
MAX_LISTED = 20
IN_FLIGHT = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


def _reason(copy: Copy) -> str:
    if not copy.chat.active:
        return _("the bot was removed from the chat or blocked")
    return _("the platform refused it ({error})", error=(copy.error or "?")[:80])


def render_report(notice: Notice, copies: list[Copy], seen: int, *, busy: bool) -> RichText:
    """The report's text in the current locale: per platform, failures by chat, totals."""
    title = notice.main_text.title if notice.main_text else ""
    blocks: list[Block] = [block(line(bold("📊 ", _("Delivery report · notice {id}",
                                                      id=f"#{notice.id}"))), line(title))]
    platforms = sorted({c.chat.platform for c in copies})
    lines = []
    for platform in platforms:
        mine = [c for c in copies if c.chat.platform == platform]
        count = Counter(c.status for c in mine)
        lines.append(line(_("{platform} — delivered: {delivered}, pending: {pending}, "
                            "failed: {failed}", platform=platform.value.title(),
                            delivered=number(count[DeliveryStatus.SENT]),
                            pending=number(count[DeliveryStatus.PENDING]
                                           + count[DeliveryStatus.SENDING]),
                            failed=number(count[DeliveryStatus.FAILED]))))
    if lines:
        blocks.append(block(*lines))
    failed = [c for c in copies if c.status == DeliveryStatus.FAILED]
    groups = [c for c in failed if not c.chat.is_private]
    private = len(failed) - len(groups)
    if failed:
        items = [line(_("{chat} ({platform}): {reason}", chat=c.chat.title or c.chat.platform_id,
                        platform=c.chat.platform.value.title(), reason=_reason(c)))
                 for c in groups[:MAX_LISTED]]
        if len(groups) > MAX_LISTED:
            items.append(line(ngettext("and {n} more chat", "and {n} more chats",
                                       len(groups) - MAX_LISTED)))
        if private:
            items.append(line(ngettext("{n} private chat of a member (not named)",
                                       "{n} private chats of members (not named)", private)))
        blocks.append(block(line(bold(_("Not delivered:"))), *bullets(items).lines))
    extra = []
    cancelled = sum(1 for c in copies if c.status == DeliveryStatus.CANCELLED)
    if cancelled:
        extra.append(line(ngettext(
            "{n} copy was not sent because the notice was withdrawn or expired first.",
            "{n} copies were not sent because the notice was withdrawn or expired first.",
            cancelled)))
    if notice.revision:
        sent = [c for c in copies if c.status == DeliveryStatus.SENT]
        done = sum(1 for c in sent if c.revision >= notice.revision
                   and c.edit_status in (None, DeliveryStatus.SENT))
        what = (_("Withdrawal") if notice.status == NoticeStatus.RETRACTED
                else _("Correction"))
        extra.append(line(_("{change}: {done} of {total} delivered copies updated.",
                            change=what, done=number(done), total=number(len(sent)))))
    if notice.seen_button:
        extra.append(line(ngettext("Seen by {n} person.", "Seen by {n} people.", seen)))
    if extra:
        blocks.append(block(*extra))
    delivered = sum(1 for c in copies if c.status == DeliveryStatus.SENT)
    if busy:
        blocks.append(block(line(italic(_("Still sending. This report updates as it goes.")))))
    else:
        blocks.append(block(
            line(bold(ngettext("Finished: {n} chat received the notice.",
                               "Finished: {n} chats received the notice.", delivered))),
            line(ngettext("Total: {n} chat subscribed, {failed} not delivered.",
                          "Total: {n} chats subscribed, {failed} not delivered.",
                          len(copies), failed=number(len(failed))))))
    return RichText(tuple(blocks))


async def _report_locale(services: Services, notice: Notice) -> str:
    person = (await services.store.people.get(notice.author_person_id)
              if notice.author_person_id else None)
    return services.person_locale(person) if person else services.settings.default_language


async def initial_report(services: Services, notice: Notice, org: Organisation,
                         chats: int) -> NewDelivery | None:
    """The report's first version (everything pending), queued with the notice."""
    if notice.author_chat_id is None:
        return None
    with use_locale(await _report_locale(services, notice)):
        body = render_report(notice, [], 0, busy=chats > 0)
    # Urgent: the broadcaster's own report must not queue behind the copies it reports on.
    report = NOTICE_REPORT.of(notice.id)
    return NewDelivery(notice.author_chat_id, reply_to_json(Reply(body)),
                       key=report.text, source=report,
                       urgent=True)


def sweep(services: Services, notice: Notice, org: Organisation,
          copies: list[Copy]) -> list[NewDelivery]:
    """Edits that bring delivered copies to the latest revision; unpins once it has ended."""
    stale = [c for c in copies if c.status == DeliveryStatus.SENT and c.chat.active
             and c.revision < notice.revision]
    payloads = copy_payloads(services, notice, org, [c.chat for c in stale])
    out = [NewDelivery(c.chat.id, payloads[c.chat.id],
                       key=notice.source.key(f"r{notice.revision}", c.delivery_id),
                       op=DeliveryOp.EDIT, source=notice.source.edits,
                       target_delivery_id=c.delivery_id, urgent=True) for c in stale]
    ended = notice.status == NoticeStatus.RETRACTED or notice.expired_at is not None
    if notice.urgent and ended:
        out += [NewDelivery(c.chat.id, {}, key=notice.source.key("unpin", c.delivery_id),
                            op=DeliveryOp.UNPIN, source=notice.source.unpins,
                            target_delivery_id=c.delivery_id, urgent=True)
                for c in copies if c.status == DeliveryStatus.SENT and c.chat.active]
    return out


async def _report_edit(services: Services, notice: Notice, copies: list[Copy],
                       busy: bool, tick_id: int) -> NewDelivery | None:
    if notice.report_delivery_id is None or notice.author_chat_id is None:
        return None
    sent = await services.store.outbox.get(notice.report_delivery_id)
    if sent is None or sent.status != DeliveryStatus.SENT:
        return None
    seen = await services.store.notices.seen_count(notice.id) if notice.seen_button else 0
    with use_locale(await _report_locale(services, notice)):
        data: dict[str, Any] = reply_to_json(Reply(render_report(notice, copies, seen,
                                                                 busy=busy)))
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    if digest == notice.report_digest:
        return None
    await services.store.notices.set_report_digest(notice.id, digest)
    # One key per tick: the same figures may come back later and must be shown again.
    report = NOTICE_REPORT.of(notice.id)
    return NewDelivery(notice.author_chat_id, data, key=report.key(f"t{tick_id}"),
                       op=DeliveryOp.EDIT, source=report.edits,
                       target_delivery_id=notice.report_delivery_id, urgent=True)


@feature.job(TICK_JOB)
async def tick(jctx: JobContext, item: ScheduledItem, notice_id: int) -> list[NewDelivery]:
    """Bring copies and the report up to date; tick again while anything is in flight."""
    services = jctx.services
    notice = await services.store.notices.get(notice_id)
    if notice is None or notice.status not in (NoticeStatus.PUBLISHED, NoticeStatus.RETRACTED):
        return []
    org = await services.store.notices.get_org(notice.org_id)
    if org is None:
        return []
    copies = await services.store.notices.copies(notice.id)
    queued = await services.outbox.enqueue(sweep(services, notice, org, copies))
    report_sent = await services.store.outbox.get(notice.report_delivery_id or 0)
    busy = bool(queued) or any(c.status in IN_FLIGHT or c.edit_status in IN_FLIGHT
                               for c in copies)
    report_waiting = report_sent is not None and report_sent.status in IN_FLIGHT
    if busy or report_waiting:
        await services.scheduler.schedule(TICK_JOB, notice.id,
                                          services.clock.now() + TICK, grace_seconds=TICK_GRACE)
    edit = await _report_edit(services, notice, copies, busy, item.id)
    return [edit] if edit is not None else []


@feature.command(
    "notice report", N_("Show the delivery report of a notice"), usage=N_("<number>"),
    where=Where.PRIVATE, examples=("/notice report 12",),
    args=(NOTICE,),
    rule=only(BROADCASTER),
)
async def report_command(ctx: Context) -> Reply:
    """The report as it stands now (no member is ever named)."""
    notice, _org = await notice_for(ctx, ctx.need(NOTICE))
    if notice.status not in (NoticeStatus.PUBLISHED, NoticeStatus.RETRACTED):
        raise_not_published(notice)
    copies = await ctx.store.notices.copies(notice.id)
    seen = await ctx.store.notices.seen_count(notice.id) if notice.seen_button else 0
    busy = any(c.status in IN_FLIGHT for c in copies)
    return Reply(render_report(notice, copies, seen, busy=busy))


def raise_not_published(notice: Notice) -> None:
    """Refuse an action that needs a published notice."""
    from bot.context import UserError

    raise UserError(_("Notice {id} is not published yet.", id=f"#{notice.id}"))
