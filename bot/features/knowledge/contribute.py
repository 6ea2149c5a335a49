"""Adding entries (by command or by replying to a message), editing, translating, history."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context, UserError
from bot.convert import western_digits
from bot.feature import Arg, Where
from bot.features.knowledge.actions import KbOpen
from bot.features.knowledge.common import (
    ENTRY,
    ENTRY_AUTHOR,
    card,
    credit,
    entry_number,
    feature,
    find_entry,
    is_moderator,
    moderator_buttons,
    safe_language_name,
    tags_line,
)
from bot.fmt import datetime_text
from bot.i18n import N_, _, ngettext, pgettext
from bot.permissions import ANYONE, MODERATORS, moderators_or
from bot.replies import Button, Reply
from bot.richtext import block, bold, doc, line, text

from .opportunities import plan_deadline
from .records import Changes, Credit, Draft, EntryKind, EntryStatus, RevisionState
from .text import (
    check_body,
    check_title,
    parse_tags,
    split_tags,
    title_from,
)


async def submit(ctx: Context, *, title: str, body: str, tags: tuple[str, ...],
                 author: Credit | None = None, language: str | None = None,
                 kind: EntryKind = EntryKind.NOTE, deadline: datetime | None = None,
                 link: str | None = None, group_id: int | None = None) -> Reply:
    """Store a new entry: published at once for moderators, else waiting for one."""
    status = EntryStatus.PUBLISHED if is_moderator(ctx) else EntryStatus.PENDING
    entry = await ctx.store.knowledge.create(Draft(
        community_id=ctx.chat.community_id, title=title, body=body, tags=tags,
        language=language or ctx.locale, author=author or credit(ctx.person),
        submitted_by=credit(ctx.person), status=status, kind=kind,
        deadline=deadline, link=link, group_id=group_id))
    if status == EntryStatus.PUBLISHED:
        await plan_deadline(ctx.services, entry)
        return Reply(doc(_("Published as entry {number}: {title}", number=entry.id,
                           title=entry.title))).with_buttons(
            (Button(pgettext("button", "Open"), KbOpen(entry.id).pack()),))
    return Reply(doc(
        _("Thanks! Entry {number}, “{title}”, waits for a moderator. I will tell you in private "
          "when it is published.", number=entry.id, title=entry.title),
        _("Moderators: approve or reject it here, or see everything waiting with /kb queue."),
    )).with_buttons(moderator_buttons(entry.id, entry.version))


@feature.command(
    "kb add", N_("Add an entry to the knowledge base"),
    usage=N_("<title> | <text> | [#tags]"), where=Where.GROUP, pipe_separated=True,
    examples=("/kb add Renew a passport | Book an appointment at the consulate website, "
              "bring the old passport and a photo. | #passport #consulate",),
    args=(Arg("title", N_("A short title"), required=True),
          Arg("body", N_("The text of the entry")),
          Arg("tags", N_("Tags, like #visa #passport"))),
    rule=ANYONE,
)
async def add(ctx: Context) -> Reply:
    """Add an entry written in the command."""
    title = check_title(ctx.arg("title"))
    body = check_body(ctx.arg("body"))
    return await submit(ctx, title=title, body=body, tags=parse_tags(ctx.arg("tags")))


@feature.command(
    "save", N_("Save the message you reply to in the knowledge base"),
    usage=N_("[title] [#tags]"), where=Where.GROUP,
    examples=("/save", "/save Consulate opening hours #consulate"),
    args=(Arg("title", N_("A title (else the message's first line), then tags"), rest=True),),
    rule=ANYONE,
)
async def save(ctx: Context) -> Reply:
    """Turn the replied-to message into an entry, crediting whoever wrote it."""
    quoted = getattr(ctx.event, "reply_to", None)
    if quoted is None:
        raise UserError(_("Reply to a message with /save to keep it in the knowledge base. "
                          "To write an entry yourself, use /kb add."))
    if not quoted.text.strip():
        raise UserError(_("That message has no text I can save."))
    body = check_body(quoted.text)
    title_part, tags = split_tags(ctx.arg("title"))
    title = check_title(title_part or title_from(body))
    author = (Credit(quoted.author.key, quoted.author.display_name) if quoted.author
              else credit(ctx.person))
    return await submit(ctx, title=title, body=body, tags=tags, author=author)


def _id_and_rest(ctx: Context, example: str) -> tuple[str, str]:
    first = ctx.arg("target").split(None, 1)
    if not first:
        raise UserError(_("Separate the parts with |, like this: {example}", example=example))
    return first[0], first[1] if len(first) > 1 else ""


@feature.command(
    "kb edit", N_("Change an entry (its author, or a moderator)"),
    usage=N_("<number> | [title] | [text] | [#tags]"), where=Where.GROUP, pipe_separated=True,
    examples=("/kb edit 12 | | New text of the entry", "/kb edit 12 | Better title",
              "/kb edit 12 | | | #visa #residence"),
    args=(Arg("target", N_("The entry's number"), required=True),
          Arg("title", N_("A new title (empty keeps it)")),
          Arg("body", N_("A new text (empty keeps it)")),
          Arg("tags", N_("New tags (empty keeps them, - removes them)"))),
    rule=moderators_or(ENTRY_AUTHOR),
)
async def edit(ctx: Context) -> Reply:
    """Apply an edit, or propose it when a member changes a published entry."""
    example = "/kb edit 12 | New title | New text | #tag"
    raw_id, extra = _id_and_rest(ctx, example)
    if extra:
        raise UserError(_("Separate the parts with |, like this: {example}", example=example))
    entry = await find_entry(ctx, entry_number(raw_id), here=True)
    moderator = is_moderator(ctx)
    if not moderator and entry.status == EntryStatus.ARCHIVED:
        raise UserError(_("Entry {number} is archived. Ask a moderator to change it.",
                          number=entry.id))
    tags_field = ctx.arg("tags").strip()
    changes = Changes(
        title=check_title(ctx.arg("title")) if ctx.arg("title").strip() else None,
        body=check_body(ctx.arg("body")) if ctx.arg("body").strip() else None,
        tags=(() if tags_field == "-" else parse_tags(tags_field)) if tags_field else None)
    if changes == Changes():
        raise UserError(_("Nothing to change. Write the new parts after the number, like "
                          "this: {example}", example=example))
    propose = not moderator and entry.status == EntryStatus.PUBLISHED
    revision = await ctx.store.knowledge.revise(entry.id, changes, credit(ctx.person),
                                                propose=propose)
    if revision is None:
        raise UserError(_("That is already what entry {number} says.", number=entry.id))
    if revision.state == RevisionState.PROPOSED:
        return Reply(doc(_("Thanks! Your change to entry {number} waits for a moderator.",
                           number=entry.id))).with_buttons(
            moderator_buttons(entry.id, revision.version))
    if entry.status == EntryStatus.REJECTED:
        await ctx.store.knowledge.set_status(entry.id, EntryStatus.PENDING,
                                             expected=[EntryStatus.REJECTED], by=None)
        return Reply(doc(_("Entry {number} is changed and waits for a moderator again.",
                           number=entry.id))).with_buttons(
            moderator_buttons(entry.id, revision.version))
    if moderator:
        await ctx.audit("kb edit", entry=entry.id, version=revision.version)
    return Reply(doc(_("Entry {number} is now at version {version}.", number=entry.id,
                       version=revision.version)))


@feature.command(
    "kb translate", N_("Add a version of an entry in another language"),
    usage=N_("<number> <language> | <title> | <text>"), where=Where.GROUP, pipe_separated=True,
    examples=("/kb translate 12 es | Renovar el pasaporte | Pide cita en la web del "
              "consulado.",),
    args=(Arg("target", N_("The entry's number and the language code"), required=True),
          Arg("title", N_("The title in that language")),
          Arg("body", N_("The text in that language"))),
    rule=ANYONE,
)
async def translate(ctx: Context) -> Reply:
    """Link a new entry to an existing one as its version in another language."""
    example = "/kb translate 12 es | Título | Texto"
    raw_id, code = _id_and_rest(ctx, example)
    original = await find_entry(ctx, entry_number(raw_id), here=True)
    language = code.strip().lower()
    if not language or safe_language_name(language) == language or " " in language:
        raise UserError(_("Which language? Write its code after the number, like this: "
                          "{example}", example=example))
    title, body = check_title(ctx.arg("title")), check_body(ctx.arg("body"))
    for version in await ctx.store.knowledge.group(original.group_id):
        if version.language == language and version.status in (EntryStatus.PUBLISHED,
                                                                EntryStatus.PENDING):
            raise UserError(_("Entry {number} already has a version in {language}: entry "
                              "{other}. Change that one with /kb edit.", number=original.id,
                              language=safe_language_name(language), other=version.id))
    return await submit(ctx, title=title, body=body, tags=original.tags, language=language,
                        kind=original.kind, deadline=original.deadline, link=original.link,
                        group_id=original.group_id)


@feature.command(
    "kb history", N_("See every version of an entry, who wrote it and when"),
    usage=N_("<number> [version]"), examples=("/kb history 12", "/kb history 12 1"),
    args=(ENTRY,
          Arg("version", N_("A version to read in full"))),
    rule=ANYONE,
)
async def history(ctx: Context) -> Reply:
    """The list of versions, or one version in full."""
    entry = await find_entry(ctx, ctx.need(ENTRY))
    # Proposals and turned-down versions may hold what a moderator kept out of the
    # base (personal data, say): only moderators and their writers read them.
    revisions = [r for r in await ctx.store.knowledge.revisions(entry.id)
                 if r.state == RevisionState.APPLIED or is_moderator(ctx)
                 or r.editor.key == ctx.person.key]
    states = {RevisionState.APPLIED: "", RevisionState.PROPOSED: _("(proposed)"),
              RevisionState.REJECTED: _("(not accepted)")}
    wanted = western_digits(ctx.arg("version")).strip().lstrip("vV")
    if wanted:
        chosen = next((r for r in revisions if str(r.version) == wanted), None)
        if chosen is None:
            raise UserError(_("Entry {number} has no version {version}.", number=entry.id,
                              version=wanted[:9]))
        head = _("Version {version} of entry {number}, by {name}, {date} {state}",
                 version=chosen.version, number=entry.id, name=chosen.editor.shown(),
                 date=datetime_text(chosen.at, ctx.zone), state=states[chosen.state])
        return Reply(doc(line(bold(chosen.title)), *text(chosen.body).blocks,
                         block(tags_line(chosen.tags)), head.strip()))
    lines = [line(bold(ngettext("Entry {number} has {n} version:",
                                "Entry {number} has {n} versions:", len(revisions),
                                number=entry.id)))]
    for rev in revisions:
        lines.append(line(f"{rev.version}. ", _("{date} — {name}: {title}",
                                                 date=datetime_text(rev.at, ctx.zone),
                                                 name=rev.editor.shown(), title=rev.title),
                          f" {states[rev.state]}".rstrip()))
    lines.append(line(_("Read one in full with /kb history {number} followed by its version.",
                        number=entry.id)))
    return Reply(doc(block(*lines)))


@feature.command(
    "kb archive", N_("Take an entry out of search (it stays readable by number)"),
    usage=N_("<number>"), where=Where.GROUP, examples=("/kb archive 12",),
    args=(ENTRY,),
    rule=MODERATORS,
)
async def archive(ctx: Context) -> Reply:
    """Archive a published or waiting entry."""
    entry = await find_entry(ctx, ctx.need(ENTRY), here=True)
    done = await ctx.store.knowledge.set_status(
        entry.id, EntryStatus.ARCHIVED, expected=[EntryStatus.PUBLISHED, EntryStatus.PENDING],
        by=credit(ctx.person))
    if done is None:
        raise UserError(_("Entry {number} is not published or waiting, so there is nothing to "
                          "archive.", number=entry.id))
    await plan_deadline(ctx.services, done)
    return Reply(doc(_("Entry {number} is archived. Search no longer shows it.",
                       number=entry.id)))


@feature.command(
    "kb open", N_("Show an entry by its number"),
    usage=N_("<number>"), examples=("/kb open 12",),
    args=(ENTRY,),
    rule=ANYONE,
)
async def open_(ctx: Context) -> Reply:
    """The entry with this number, with buttons to its versions in other languages."""
    # Every version has its own number (the one /kb translate answers, /kb edit and
    # /kb history take): a number opens that version, never a sibling.
    entry = await find_entry(ctx, ctx.need(ENTRY))
    return card(ctx, entry, await ctx.store.knowledge.group(entry.group_id))
