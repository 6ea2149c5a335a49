"""A Reply as the Discord messages that carry it: content or embed, buttons, file."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import discord

from adapters.discord.render import (
    MAX_CONTENT,
    MAX_EMBED_DESCRIPTION,
    escape,
    render,
    split,
    truncate,
    utf16_len,
)
from adapters.discord.views import StaticView, view_for
from bot.replies import Reply
from bot.richtext import Block, Bold, RichText
from bot.trust import inert_tree

CARD_COLOUR = 0x3B82A0
MAX_EMBED_TITLE = 256


@dataclass
class Part:
    """One Discord message of a reply."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: StaticView | None = None
    files: list[discord.File] = field(default_factory=list)


def compose(reply: Reply, *, max_parts: int | None = None, with_files: bool = True) -> list[Part]:
    """The messages of a reply: buttons on the last, the file on the first.

    A card becomes an embed when it fits one; anything else is Markdown split
    at 2,000 characters. With `max_parts` (an edit of an earlier message that
    had that many parts) the overflow is folded into the last part, cut short.
    """
    parts = _card(inert_tree(reply.body)) if reply.card else None
    if parts is None:
        texts = split(reply.body)
        if max_parts is not None and len(texts) > max_parts:
            texts = [*texts[: max_parts - 1], truncate("\n\n".join(texts[max_parts - 1:]),
                                                       MAX_CONTENT)]
        parts = [Part(content=t) for t in texts]
    parts[-1].view = view_for(reply.buttons)
    if with_files and reply.document is not None:
        doc = reply.document
        parts[0].files = [discord.File(io.BytesIO(doc.data), filename=doc.filename)]
    return parts


def _card(body: RichText) -> list[Part] | None:
    blocks = body.blocks
    title = None
    first = blocks[0].lines if blocks else ()
    if first and len(first[0].children) == 1 and isinstance(first[0].children[0], Bold):
        title = truncate(escape(first[0].plain()), MAX_EMBED_TITLE)
        rest = RichText(((Block(first[1:]),) if first[1:] else ()) + blocks[1:])
    else:
        rest = body
    description = render(rest)
    if utf16_len(description) > MAX_EMBED_DESCRIPTION:
        return None
    embed = discord.Embed(title=title, description=description or None, colour=CARD_COLOUR)
    return [Part(embeds=[embed])]
