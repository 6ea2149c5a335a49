"""Greeting, help, and the bot's own presence in chats."""

from __future__ import annotations

from bot.arguments import usage_of
from bot.context import Context
from bot.events import BotAdded, BotRemoved, ChatMigrated
from bot.feature import Arg, CommandSpec, Feature, Where
from bot.fmt import chat_names
from bot.i18n import N_, _, use_locale
from bot.permissions import ANYONE, MODERATORS, Role
from bot.records import Chat, NewDelivery
from bot.replies import Reply, reply_to_json
from bot.richtext import Block, Line, RichText, block, bold, bullets, doc, line
from bot.sources import LINK

feature = Feature("basics", N_("General"), order=0)


def _intro() -> Block:
    return block(
        _("I help this community coordinate: meetings and dialogue sessions, polls, "
          "official notices from verified broadcasters, and a shared knowledge base."),
    )


@feature.command("start", N_("Say hello and see how I can help"), rule=ANYONE)
async def start(ctx: Context) -> Reply:
    """Greet the person (private) or the chat (group)."""
    hello = _("Hello, {name}!", name=ctx.person.display_name)
    if ctx.is_private:
        tail = _("Send /help to see what you can do. Use /language and /timezone to choose "
                 "how I write to you.")
    else:
        tail = _("Send /help to see what you can do here.")
    return Reply(doc(line(bold(hello)), _intro(), tail))


@feature.command(
    "help", N_("Show what you can do here"),
    usage=N_("[command]"), examples=("/help", "/help timezone"),
    args=(Arg("command", N_("A command to explain")),),
    rule=ANYONE,
)
async def help_(ctx: Context) -> Reply:
    """List the commands the caller may use here, or explain one."""
    router = ctx.router
    assert router is not None
    wanted = ctx.arg("command").lstrip("/").lower()
    if wanted:
        specs = [s for s in router.commands.values()
                 if (s.name == wanted or s.group == wanted) and _visible(ctx, s)]
        if not specs:
            return Reply(doc(_("I don't know /{command}. Send /help to see what I can do.",
                               command=wanted[:64])))
        blocks = []
        for spec in sorted(specs, key=lambda s: s.name):
            lines = [line(bold(usage_of(spec))), line(spec.summary.text())]
            if spec.examples:
                lines.append(line(_("Examples:")))
                lines.extend(line("  ", example) for example in spec.examples)
            blocks.append(block(*lines))
        return Reply(RichText(tuple(blocks)))
    blocks = [block(bold(_("Here is what you can do here:")))]
    if not ctx.is_private:
        return Reply(RichText((*blocks, *_summary(ctx))))
    for feat in router.features:
        specs = [s for s in feat.listed() if _visible(ctx, s)]
        if not specs:
            continue
        items = [line(f"{usage_of(s)} — ", s.summary.text()) for s in specs]
        blocks.append(block(line(bold(feat.title.text())), *bullets(items).lines))
    blocks.append(block(_("Send /help followed by a command's name for details and examples.")))
    return Reply(RichText(tuple(blocks)))


def _summary(ctx: Context) -> list[Block]:
    """One line per feature with the commands this person may use here, by their first word:
    a group reads one short message, not the whole reference."""
    assert ctx.router is not None
    lines = []
    for feat in ctx.router.features:
        groups = dict.fromkeys(f"/{s.group}" for s in feat.listed() if _visible(ctx, s))
        if groups:
            lines.append(line(bold(feat.title.text()), ": ", " ".join(groups)))
    return [block(*lines), block(_("Send /help followed by a command, such as /help poll, "
                                   "for what it does and examples. In a private chat with "
                                   "me, /help lists every command."))]


def _visible(ctx: Context, spec: CommandSpec) -> bool:
    if spec.hidden or spec.rule.shown_to > ctx.role:
        return False
    if spec.where == Where.GROUP and ctx.is_private:
        return False
    return not (spec.where == Where.PRIVATE and not ctx.is_private)


def _greeting() -> list[Block | Line | str]:
    return [
        line(bold(_("Hello, everyone!"))),
        _intro(),
        _("Moderators: choose my language with /language and the time zone with /timezone. "
          "Send /help to see everything."),
    ]


@feature.on(BotAdded)
async def added(ctx: Context) -> Reply:
    """Greet a chat that just added the bot, in the chat's language."""
    with ctx.for_chat():
        return Reply(doc(*_greeting()))


@feature.command(
    "setup", N_("Set me up in this chat and greet everyone here"),
    where=Where.GROUP, examples=("/setup",),
    rule=MODERATORS,
)
async def setup(ctx: Context) -> Reply:
    """Register this chat (a Discord channel) and greet it in its language.

    The first chat set up in a space (a Discord server) starts its community;
    chats set up later in the same server join it, unless already linked.
    """
    ctx.chat.settings["setup"] = True
    await ctx.store.chats.update(ctx.chat)
    linked = await _join_space(ctx)
    with ctx.for_chat():
        blocks = _greeting()
        if linked:
            names = chat_names(linked)
            blocks.append(_("Linked. This chat now shares meetings, polls and the knowledge base "
                            "with: {chats}.", chats=names))
            blocks.append(_("To keep this chat separate, a moderator sends /unlink here."))
        return Reply(doc(*blocks))


async def _join_space(ctx: Context) -> list[Chat]:
    """Join the community of the space's first set-up chat; the chats now shared with."""
    chat = ctx.chat
    if chat.space_id is None:
        return []
    peers = [c for c in await ctx.store.chats.in_space(chat.platform, chat.space_id)
             if c.id != chat.id and c.settings.get("setup") and c.community_id != chat.community_id]
    alone = len(await ctx.store.chats.in_community(chat.community_id, active_only=False)) == 1
    if not peers or not alone:
        return []
    target = peers[0].community_id
    await ctx.store.communities.merge(chat.community_id, target)
    chat.community_id = target
    others = [c for c in await ctx.store.chats.in_community(target) if c.id != chat.id]
    here = chat.title or chat.platform_id
    deliveries = []
    for other in others:
        with use_locale(ctx.services.chat_locale(other)):
            body = doc(_("{chat} ({platform}) is now linked with this chat: meetings, polls and "
                         "the knowledge base are shared.", chat=here,
                         platform=chat.platform.title()))
        deliveries.append(NewDelivery(other.id, reply_to_json(Reply(body)),
                                      key=f"setup:{chat.id}:{other.id}:{target}",
                                      source=LINK.of(target)))
    await ctx.services.outbox.enqueue(deliveries)
    return others


@feature.on(BotRemoved)
async def removed(ctx: Context) -> None:
    """Stop sending anything to a chat the bot was removed from."""
    await ctx.store.chats.set_active(ctx.chat.id, False)


@feature.on(ChatMigrated)
async def migrated(ctx: Context) -> None:
    """Keep a chat's settings, community and history under its new platform id."""
    event = ctx.event
    assert isinstance(event, ChatMigrated)
    await ctx.store.chats.migrate(ctx.chat.platform, ctx.chat.platform_id, event.new_id)


__all__ = ["Role", "feature"]
