"""Linking chats into one community, and granting the moderator role."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.actions import Action
from bot.context import Context, UserError
from bot.feature import Arg, Feature, Where
from bot.fmt import chat_names, joined
from bot.i18n import N_, _, ngettext, pgettext, use_locale
from bot.permissions import MODERATORS, Role
from bot.records import Chat, NewDelivery, Person
from bot.replies import Button, Reply, Toast, reply_to_json
from bot.richtext import Code, doc, line
from bot.sources import LINK

feature = Feature("communities", N_("Community"), order=20)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LIFETIME = timedelta(minutes=30)


def new_code() -> str:
    """A one-time code that is easy to type: XXXX-XXXX, no look-alike characters."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _normalise_code(typed: str) -> str:
    raw = "".join(ch for ch in typed.upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else ""


@feature.command(
    "link", N_("Link this chat with another chat of the same community"),
    usage=N_("[code]"), where=Where.GROUP, examples=("/link", "/link K7QM-3XPA"),
    args=(Arg("code", N_("The code /link gave in the other chat")),),
    rule=MODERATORS,
)
async def link(ctx: Context) -> Reply:
    """Without a code, issue one; with a code, join that code's community."""
    typed = ctx.arg("code")
    if not typed:
        code = new_code()
        await ctx.store.communities.create_link_code(
            ctx.chat.community_id, code, ctx.now() + CODE_LIFETIME)
        return Reply(doc(
            _("To link another chat with this one, a moderator sends this there "
              "(valid for 30 minutes, once):"),
            line(Code(f"/link {code}")),
        ))
    code = _normalise_code(typed)
    target = await ctx.store.communities.redeem_link_code(code, ctx.now()) if code else None
    if target is None:
        raise UserError(_("That code is unknown or has expired. Send /link in the other chat "
                          "for a new one."))
    if target == ctx.chat.community_id:
        raise UserError(_("This chat is already part of that community."))
    renumbered = await ctx.store.communities.merge(ctx.chat.community_id, target)
    ctx.chat.community_id = target
    chats = await ctx.store.chats.in_community(target)
    others = [c for c in chats if c.id != ctx.chat.id]
    here = ctx.chat.title or ctx.chat.platform_id
    deliveries = []
    for other in others:
        with use_locale(ctx.services.chat_locale(other)):
            body = doc(_("{chat} ({platform}) is now linked with this chat: meetings, polls and "
                         "the knowledge base are shared.", chat=here,
                         platform=ctx.chat.platform.title()))
        deliveries.append(NewDelivery(other.id, reply_to_json(Reply(body)),
                                      key=f"link:{ctx.chat.id}:{other.id}:{code}",
                                      source=LINK.of(target)))
    await ctx.services.outbox.enqueue(deliveries)
    names = chat_names(others)
    said = [_("Linked. This chat now shares meetings, polls and the knowledge base "
              "with: {chats}.", chats=names)]
    if renumbered:
        # Numbers name one action item per community: the joining chat's items whose
        # number was taken now answer to another, and "/done 2" sent earlier would miss.
        changes = joined(f"{old} → {new}" for old, new in sorted(renumbered.items()))
        said.append(ngettext("{n} action item of this chat has a new number, as the "
                             "community already used it: {changes}.",
                             "{n} action items of this chat have new numbers, as the "
                             "community already used theirs: {changes}.",
                             len(renumbered), changes=changes))
    return Reply(doc(*said))


@dataclass(frozen=True)
class Unlink(Action, prefix="ul"):
    """Confirm (or cancel) taking a chat out of its community."""

    chat_id: int
    confirm: bool


async def _others(ctx: Context) -> list[Chat]:
    chats = await ctx.store.chats.in_community(ctx.chat.community_id, active_only=False)
    return [c for c in chats if c.id != ctx.chat.id]


@feature.command("unlink", N_("Take this chat out of its community"), where=Where.GROUP,
                 rule=MODERATORS)
async def unlink(ctx: Context) -> Reply:
    """Say what stays where, and ask before the chat leaves its community."""
    others = await _others(ctx)
    if not others:
        raise UserError(_("This chat is not linked with any other chat."))
    names = chat_names(others)
    body = doc(_("Take this chat out of the community it shares with {chats}?", chats=names),
               _("Its meetings, polls, minutes and knowledge base stay with those chats. This "
                 "chat keeps its language, time zone, digest and subscriptions, and starts "
                 "again with nothing shared."))
    return Reply(body).with_buttons((
        Button(pgettext("button", "Unlink"), Unlink(ctx.chat.id, True).pack()),
        Button(pgettext("button", "Keep linked"), Unlink(ctx.chat.id, False).pack())))


@feature.button(Unlink, rule=MODERATORS)
async def unlink_pressed(ctx: Context, action: Unlink) -> list[Reply | Toast]:
    """Unlink (or not) once a moderator confirmed, in the chat that asked."""
    if action.chat_id != ctx.chat.id:
        raise UserError(_("This button no longer works."))
    if not action.confirm:
        kept = _("Nothing changed: this chat is still linked.")
        return [Toast(kept), Reply(doc(kept), edit_of=ctx.event_message_id)]
    if not await _others(ctx):
        raise UserError(_("This chat is not linked with any other chat."))
    await ctx.store.communities.detach(ctx.chat.id)
    with ctx.for_chat():
        done = _("This chat is no longer linked. What the community created stays with "
                 "the other chats.")
    return [Toast(done), Reply(doc(done), edit_of=ctx.event_message_id)]


async def _person_named(ctx: Context) -> Person:
    event = ctx.event
    quoted = getattr(event, "reply_to", None)
    if quoted is not None and quoted.author is not None:
        return await ctx.store.people.ensure(quoted.author, None)
    name = ctx.arg("person").lstrip("@").strip()
    if not name:
        raise UserError(_("Whom? Reply to one of their messages, or give their name."))
    found = await ctx.store.people.find_by_name(ctx.chat.community_id, name[:64])
    if not found:
        raise UserError(_("I haven't seen {name} in this community yet. They need to send a "
                          "command here once.", name=name[:64]))
    if len(found) > 1:
        raise UserError(_("Several people are called {name}. Reply to one of their messages "
                          "instead.", name=name[:64]))
    return found[0]


@feature.command(
    "promote", N_("Make someone a moderator of this community"),
    usage=N_("<name>"), where=Where.GROUP, examples=("/promote alice",),
    args=(Arg("person", N_("Their username or name"), rest=True),),
    rule=MODERATORS,
)
async def promote(ctx: Context) -> Reply:
    """Grant the moderator role in the community."""
    person = await _person_named(ctx)
    await ctx.store.communities.grant(ctx.chat.community_id, person.id, Role.MODERATOR,
                                      ctx.person.id)
    return Reply(doc(_("{name} is now a moderator of this community.",
                       name=person.display_name)))


@feature.command(
    "demote", N_("Take the moderator role away from someone"),
    usage=N_("<name>"), where=Where.GROUP, examples=("/demote alice",),
    args=(Arg("person", N_("Their username or name"), rest=True),),
    rule=MODERATORS,
)
async def demote(ctx: Context) -> Reply:
    """Revoke a granted moderator role (platform admins stay moderators of their chat)."""
    person = await _person_named(ctx)
    if await ctx.store.communities.granted_role(ctx.chat.community_id, person.id) is None:
        raise UserError(_("{name} was not made a moderator here with /promote.",
                          name=person.display_name))
    await ctx.store.communities.grant(ctx.chat.community_id, person.id, None, ctx.person.id)
    return Reply(doc(_("{name} is no longer a moderator of this community.",
                       name=person.display_name)))
