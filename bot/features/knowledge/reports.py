"""What the knowledge base adds elsewhere: digest sections, and a person's own data."""

from __future__ import annotations

from typing import Any

from bot.context import Services
from bot.digest import DigestContext
from bot.fmt import date_text
from bot.i18n import _, current_locale, isolate, ngettext
from bot.records import Person
from bot.richtext import Block, bold, bullets, line

from .common import feature, one_per_group

SHOWN = 5



@feature.digest_section(order=40)
async def new_entries(dctx: DigestContext) -> Block | None:
    """Entries published in the period."""
    entries = one_per_group(await dctx.services.store.knowledge.published_since(
        dctx.community_id, dctx.since), current_locale())
    entries = [e for e in entries if e.published_at and e.published_at <= dctx.now]
    if not entries:
        return None
    items = [line(isolate(e.title), f" (/kb open {e.id})") for e in entries[:SHOWN]]
    more = len(entries) - SHOWN
    if more > 0:
        items.append(line(ngettext("and {n} more: /kb find", "and {n} more: /kb find", more)))
    head = ngettext("{n} new entry in the knowledge base", "{n} new entries in the knowledge base",
                    len(entries))
    return Block((line(bold(head)), *bullets(items).lines))


@feature.digest_section(order=60)
async def deadlines(dctx: DigestContext) -> Block | None:
    """Opportunities whose deadline falls in the coming period."""
    found = await dctx.services.store.knowledge.opportunities(
        [dctx.community_id], dctx.now, 50)
    coming = one_per_group([e for e in found if e.deadline and e.deadline <= dctx.until],
                           current_locale())
    if not coming:
        return None
    items = [line(isolate(e.title), " — ",
                  _("deadline {date}", date=date_text(e.deadline, dctx.zone)))
             for e in coming[:SHOWN] if e.deadline]
    return Block((line(bold(_("Deadlines coming up"))), *bullets(items).lines))


@feature.personal_data
async def my_entries(services: Services, person: Person) -> dict[str, Any]:
    """The entries a person wrote or saved."""
    entries = await services.store.knowledge.written_by(person.key)
    return {"knowledge_entries": [
        {"id": e.id, "title": e.title, "language": e.language, "status": e.status.value,
         "created_at": e.created_at.isoformat()} for e in entries]}


@feature.forget
async def forget_me(services: Services, person: Person) -> None:
    """Entries keep their text; the person's name becomes "former member"."""
    await services.store.knowledge.forget_person(person.key)
