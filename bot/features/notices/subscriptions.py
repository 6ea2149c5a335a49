"""Which broadcasters a chat follows: moderators decide in groups, anyone for their own chat."""

from __future__ import annotations

from bot.context import Context, UserError
from bot.feature import Arg
from bot.features.notices.broadcasters import describe
from bot.features.notices.common import CATEGORIES, feature
from bot.features.notices.records import Organisation, category_name
from bot.fmt import joined
from bot.i18n import N_, _
from bot.permissions import ANYONE, to_change
from bot.replies import Reply
from bot.richtext import Block, Code, RichText, block, bold, doc, line


async def _org_named(ctx: Context) -> Organisation:
    short = ctx.arg("organisation").strip().lower()
    org = await ctx.store.notices.find_org(short[:32]) if short else None
    if org is None:
        raise UserError(_("There is no verified broadcaster called {name}. Send "
                          "/subscriptions to see them all.", name=short[:32]))
    return org


CATEGORIES_ARG = Arg("categories", N_("Only these categories (all when empty)"), rest=True,
                     kind=CATEGORIES)


@feature.command(
    "subscribe", N_("Receive a verified broadcaster's notices in this chat"),
    usage=N_("<broadcaster> [categories]"),
    examples=("/subscribe mx-madrid", "/subscribe mx-madrid documents elections"),
    args=(Arg("organisation", N_("The broadcaster's short name"), required=True),
          CATEGORIES_ARG),
    rule=to_change(),
)
async def subscribe(ctx: Context) -> Reply:
    """Subscribe this chat (moderators in a group; anyone for their private chat)."""
    org = await _org_named(ctx)
    categories = ctx.value(CATEGORIES_ARG) or []
    await ctx.store.notices.subscribe(ctx.chat.id, org.id, categories, ctx.person.id)
    await ctx.audit("notice.subscribe", allowed=True, organisation=org.short_name,
                    categories=categories)
    if categories:
        which = joined(category_name(c) for c in categories)
        head = _("This chat now receives notices from {name} about: {categories}.",
                 name=org.name, categories=which)
        tail = _("Urgent notices come through whatever their category.")
        return Reply(doc(head, tail))
    return Reply(doc(_("This chat now receives every notice from {name}.", name=org.name)))


@feature.command(
    "unsubscribe", N_("Stop receiving a broadcaster's notices in this chat"),
    usage=N_("<broadcaster>"), examples=("/unsubscribe mx-madrid",),
    args=(Arg("organisation", N_("The broadcaster's short name"), required=True),),
    rule=to_change(),
)
async def unsubscribe(ctx: Context) -> Reply:
    """End a subscription of this chat."""
    org = await _org_named(ctx)
    if not await ctx.store.notices.unsubscribe(ctx.chat.id, org.id):
        raise UserError(_("This chat does not receive notices from {name}.", name=org.name))
    await ctx.audit("notice.unsubscribe", allowed=True, organisation=org.short_name)
    return Reply(doc(_("This chat no longer receives notices from {name}.", name=org.name)))


@feature.command("subscriptions", N_("Show which broadcasters this chat follows"), rule=ANYONE)
async def subscriptions(ctx: Context) -> Reply:
    """This chat's subscriptions, and every broadcaster it could follow."""
    subs = {s.org_id: s for s in await ctx.store.notices.subscriptions(ctx.chat.id)}
    orgs = await ctx.store.notices.orgs()
    blocks: list[Block] = []
    followed = [o for o in orgs if o.id in subs]
    if followed:
        lines = [line(bold(_("This chat receives notices from:")))]
        for org in followed:
            cats = subs[org.id].categories
            which = (joined(category_name(c) for c in cats) if cats
                     else _("all categories"))
            lines.append(line("• ", org.name, " (", Code(org.short_name), "): ", which))
        blocks.append(block(*lines))
    else:
        blocks.append(block(_("This chat does not receive official notices yet.")))
    others = [o for o in orgs if o.id not in subs]
    if others:
        blocks.append(block(bold(_("Verified broadcasters you can follow:"))))
        blocks.extend(describe(o) for o in others)
        if ctx.is_private:
            # Anyone subscribes their own private chat (see `to_change()`).
            how = _("Subscribe with /subscribe followed by the short name, e.g. "
                    "/subscribe {short}.", short=others[0].short_name)
        else:
            how = _("A moderator subscribes the chat with /subscribe followed by the "
                    "short name, e.g. /subscribe {short}.", short=others[0].short_name)
        blocks.append(block(how))
    elif not orgs:
        blocks.append(block(_("No verified broadcaster is registered on this bot yet.")))
    return Reply(RichText(tuple(blocks)) if blocks else doc(""))
