"""What members do with a notice: read another language's version, mark it as seen."""

from __future__ import annotations

import hashlib

from bot.context import Context, UserError
from bot.features.notices.actions import MarkSeen, ReadIn
from bot.features.notices.common import feature
from bot.features.notices.records import Notice, NoticeStatus
from bot.features.notices.render import notice_reply
from bot.i18n import _
from bot.permissions import ANYONE, CHAT_MEMBERS
from bot.replies import Reply, Toast


async def _published(ctx: Context, notice_id: int) -> Notice:
    notice = await ctx.store.notices.get(notice_id)
    if notice is None or notice.status not in (NoticeStatus.PUBLISHED, NoticeStatus.RETRACTED):
        raise UserError(_("This notice is not available."))
    return notice


@feature.button(ReadIn, rule=ANYONE)
async def read_in(ctx: Context, action: ReadIn) -> list[Reply | Toast]:
    """Show one language's version to the presser only (ephemeral, or in private)."""
    notice = await _published(ctx, action.notice_id)
    if action.lang not in notice.texts:
        raise UserError(_("This notice has no version in that language."))
    org = await ctx.store.notices.get_org(notice.org_id)
    if org is None:
        raise UserError(_("This notice is not available."))
    # The frame is in the presser's language; the text is the version they asked for.
    reply = notice_reply(notice, org, ctx.services.person_zone(ctx.person, ctx.chat),
                         version_of=action.lang)
    return [Reply(reply.body, buttons=reply.buttons, private=True), Toast("")]


def seen_token(ctx: Context, notice_id: int) -> str:
    """An opaque token per (notice, person): counts stay distinct, nobody can read who."""
    secret = ctx.settings.secret_key.get_secret_value() if ctx.settings.secret_key else ""
    raw = f"{secret}\x00{notice_id}\x00{ctx.person.key}".encode()
    return hashlib.sha256(raw).hexdigest()


@feature.button(MarkSeen, rule=CHAT_MEMBERS)
async def mark_seen(ctx: Context, action: MarkSeen) -> Toast:
    """Count the presser once (no identity is kept that the broadcaster could see)."""
    notice = await _published(ctx, action.notice_id)
    if not notice.seen_button:
        raise UserError(_("This button no longer works."))
    if await ctx.store.notices.mark_seen(notice.id, seen_token(ctx, notice.id)):
        return Toast(_("Thank you. Noted."))
    return Toast(_("You already marked this notice as seen."))
