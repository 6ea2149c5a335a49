"""Notices in the digest: what verified broadcasters published for the community lately."""

from __future__ import annotations

from bot.digest import DigestContext
from bot.i18n import current_locale, isolate, ngettext
from bot.richtext import Block, bold, bullets, line

from .common import feature

SHOWN = 8


@feature.digest_section(order=20)
async def new_notices(dctx: DigestContext) -> Block | None:
    """Each notice's title (in the reader's language when it exists) and organisation."""
    reached = [(notice, org) for notice, org in
               await dctx.services.store.notices.reached(dctx.community_id, dctx.since, dctx.now)
               if f"notice:{notice.id}" not in dctx.shown]
    if not reached:
        return None
    dctx.shown.update(f"notice:{notice.id}" for notice, _org in reached)
    items = []
    for notice, org in reached[:SHOWN]:
        text = notice.texts.get(current_locale()) or notice.main_text
        if text is None:
            continue
        # The title is the broadcaster's own words; the organisation comes from the register.
        items.append(line(isolate(text.title), " — ", isolate(org.name)))
    head = ngettext("{n} official notice", "{n} official notices", len(reached))
    return Block((line(bold(head)), *bullets(items).lines))
