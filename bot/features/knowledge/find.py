"""Finding entries: ranked full-text search, tags (`#visa`), and helpful votes."""

from __future__ import annotations

from bot.context import Context, UserError
from bot.events import MessagePosted
from bot.feature import Arg
from bot.features.knowledge.actions import KbHelpful, KbOpen
from bot.features.knowledge.common import (
    card,
    feature,
    find_entry,
    listed_title,
    one_per_group,
    open_buttons,
    scope,
    tags_line,
)
from bot.i18n import N_, _, ngettext
from bot.permissions import ANYONE, CHAT_MEMBERS
from bot.replies import Outcome, Reply, Toast
from bot.richtext import Block, Inline, Line, bold, doc, line

from .records import Entry, EntryStatus, SearchResult
from .text import broad_terms, informative, parse_tag, search_terms, snippet, tag_key

SHOWN = 5
TAGS_SHOWN = 12


def _snippet_line(entry: Entry, terms: list[str]) -> Line:
    pieces: list[Inline | str] = []
    for piece, matched in snippet(entry.body, terms):
        pieces.append(bold(piece) if matched else piece)
    return line(*pieces)


async def _tag_hint(ctx: Context, communities: list[int]) -> str | None:
    tags = await ctx.store.knowledge.tags(communities, TAGS_SHOWN)
    if not tags:
        return None
    return _("Tags in use: {tags}", tags=tags_line([t for t, _n in tags]))


async def search(ctx: Context, query: str) -> Reply:
    """The best entries for a query, one per translation group, with snippets."""
    terms = informative(search_terms(query))
    if not terms:
        raise UserError(_("What are you looking for? For example: /kb find passport"))
    communities = await scope(ctx)
    store = ctx.store.knowledge
    result = await store.search(communities, terms, any_term=False, limit=SHOWN * 3)
    if not result.entries and len(terms) > 1:
        result = await store.search(communities, broad_terms(terms), any_term=True,
                                    limit=SHOWN * 3)
    return await _results(ctx, query, terms, result, communities)


async def _results(ctx: Context, query: str, terms: list[str], result: SearchResult,
                   communities: list[int]) -> Reply:
    groups = one_per_group(result.entries, ctx.locale)
    shown = groups[:SHOWN]
    quoted = " ".join(query.split())[:80]
    if not shown:
        lines = [_("Nothing found for {query}. Try other or fewer words, or ask the group, "
                   "then keep the answer with /save.", query=quoted)]
        hint = await _tag_hint(ctx, communities)
        return Reply(doc(*lines, *([hint] if hint else [])))
    if result.capped:
        head = _("Many entries match {query}. The best of the newest ones:", query=quoted)
    else:
        head = ngettext("{n} entry matches {query}:", "{n} entries match {query}:",
                        result.total, query=quoted)
    blocks: list[Block | Line | str] = [line(bold(head))]
    if result.broadened:
        blocks.append(_("No entry has all of these words; these have some of them."))
    for entry in shown:
        blocks.append(Block((line(bold(listed_title(entry))), _snippet_line(entry, terms))))
    if result.capped or result.total > len(shown):
        blocks.append(_("Showing the best {shown}. Add a word to narrow the search.",
                        shown=len(shown)))
    return Reply(doc(*blocks)).with_buttons(*open_buttons(shown))


@feature.command(
    "kb find", N_("Search the knowledge base"), usage=N_("<words>"),
    examples=("/kb find passport", "/kb find renew passport appointment"),
    args=(Arg("query", N_("What you are looking for"), required=True, rest=True),),
    rule=ANYONE,
)
async def find(ctx: Context) -> Reply:
    """Full-text search, ranked, insensitive to case and accents."""
    return await search(ctx, ctx.arg("query"))


async def by_tag(ctx: Context, tag: str, *, quiet: bool) -> Reply | None:
    """The entry with a tag (or the list when several have it); None when quiet and none."""
    communities = await scope(ctx)
    found = one_per_group(await ctx.store.knowledge.by_tag(communities, tag_key(tag), 60),
                          ctx.locale)
    if not found:
        if quiet:
            return None
        hint = await _tag_hint(ctx, communities)
        return Reply(doc(_("No entry has the tag #{tag}.", tag=tag), *([hint] if hint else [])))
    if len(found) == 1:
        entry = found[0]
        return card(ctx, entry, await ctx.store.knowledge.group(entry.group_id))
    shown = found[:10]
    lines = [line(bold(ngettext("{n} entry has the tag #{tag}:", "{n} entries have the tag #{tag}:",
                                len(found), tag=tag)))]
    lines += [line(listed_title(e)) for e in shown]
    return Reply(doc(Block(tuple(lines)))).with_buttons(*open_buttons(shown))


@feature.command(
    "tag", N_("Show the entry with a tag, or list the tags"), usage=N_("[tag]"),
    examples=("/tag", "/tag passport"),
    args=(Arg("tag", N_("A tag, with or without #"), rest=True),),
    rule=ANYONE,
)
async def tag(ctx: Context) -> Reply:
    """`/tag visa` is `#visa`; `/tag` alone lists the tags in use."""
    raw = ctx.arg("tag")
    if not raw.strip():
        hint = await _tag_hint(ctx, await scope(ctx))
        return Reply(doc(hint or _("No entry has tags yet.")))
    found = await by_tag(ctx, parse_tag(raw), quiet=False)
    assert found is not None
    return found


@feature.on(MessagePosted)
async def hashtag(ctx: Context) -> Reply | None:
    """A message that starts with `#tag` shows that entry; silence when none has the tag."""
    event = ctx.event
    assert isinstance(event, MessagePosted)
    text = event.text.strip()
    if not text.startswith("#") or text.startswith("##"):
        return None
    first = text[1:].split(None, 1)[0] if text[1:].strip() else ""
    try:
        name = parse_tag(first)
    except UserError:
        return None
    return await by_tag(ctx, name, quiet=True)


@feature.button(KbOpen, rule=ANYONE)
async def open_pressed(ctx: Context, action: KbOpen) -> list[Outcome]:
    """Show the entry a button names, to the chat, in the chat's language."""
    entry = await find_entry(ctx, action.entry_id)
    versions = await ctx.store.knowledge.group(entry.group_id)
    with ctx.for_chat():
        return [card(ctx, entry, versions)]


@feature.button(KbHelpful, rule=CHAT_MEMBERS)
async def helpful_pressed(ctx: Context, action: KbHelpful) -> list[Outcome]:
    """Count one vote per person; helpful entries rank higher."""
    entry = await find_entry(ctx, action.entry_id)
    if entry.status != EntryStatus.PUBLISHED:
        raise UserError(_("Only published entries can be voted on."))
    new, count = await ctx.store.knowledge.vote(entry.id, ctx.person.id)
    if not new:
        return [Toast(_("You already found this helpful. Thank you!"))]
    return [Toast(ngettext("Thanks! {n} person found this helpful.",
                           "Thanks! {n} people found this helpful.", count))]
