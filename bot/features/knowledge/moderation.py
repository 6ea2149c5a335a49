"""The moderators' queue: new entries and proposed edits, approved or rejected with a reason."""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context, UserError
from bot.feature import Arg, Where
from bot.features.knowledge.actions import KbApprove, KbOpen, KbReject, KbRejectWhy
from bot.features.knowledge.common import (
    ENTRY,
    REASONS,
    credit,
    excerpt,
    feature,
    find_entry,
    moderator_buttons,
    reason_buttons,
    reason_text,
    safe_language_name,
    tags_line,
    tell,
)
from bot.i18n import N_, _, ngettext, pgettext
from bot.permissions import MODERATORS
from bot.replies import Button, Outcome, Reply, Toast
from bot.richtext import bold, doc, italic, line
from bot.sources import KB_ENTRY

from .opportunities import plan_deadline
from .records import Credit, Entry, EntryStatus, Proposal, RevisionState
from .text import clean_text

QUEUE_SHOWN = 5


def _queue_card(item: Proposal) -> Reply:
    entry, revision = item.entry, item.revision
    if revision is None:
        head = _("New entry {number} by {name} ({language}):", number=entry.id,
                 name=entry.submitted_by.shown(), language=safe_language_name(entry.language))
        title, body, tags = entry.title, entry.body, entry.tags
    else:
        head = _("Change to entry {number}, proposed by {name}:", number=entry.id,
                 name=revision.editor.shown())
        title, body, tags = revision.title, revision.body, revision.tags
    lines = [line(italic(head)), line(bold(title)), line(excerpt(body))]
    if tags:
        lines.append(line(tags_line(tags)))
    return Reply(doc(*lines)).with_buttons(
        moderator_buttons(entry.id, item.version),
        (Button(pgettext("button", "Open"), KbOpen(entry.id).pack()),))


@feature.command("kb queue", N_("See what waits for a moderator"), where=Where.GROUP,
                 examples=("/kb queue",), rule=MODERATORS)
async def queue(ctx: Context) -> list[Reply]:
    """The oldest waiting items, each with Approve and Reject buttons."""
    items, total = await ctx.store.knowledge.queue(ctx.chat.community_id, QUEUE_SHOWN)
    if not items:
        return [Reply(doc(_("Nothing waits for review.")))]
    head = ngettext("{n} item waits for review.", "{n} items wait for review.", total)
    if total > len(items):
        head += " " + _("Here are the oldest {shown}.", shown=len(items))
    return [Reply(doc(head)), *(_queue_card(item) for item in items)]


async def _waiting(ctx: Context, entry: Entry, version: int) -> Proposal:
    """The queue item a button or command names; UserError when it is already settled."""
    if version == entry.version and entry.status == EntryStatus.PENDING:
        return Proposal(entry)
    revision = next((r for r in await ctx.store.knowledge.revisions(entry.id)
                     if r.version == version), None)
    if revision is not None and revision.state == RevisionState.PROPOSED:
        return Proposal(entry, revision)
    if revision is not None and revision.state == RevisionState.REJECTED:
        raise UserError(_("That version of entry {number} was already rejected.",
                          number=entry.id))
    if entry.status == EntryStatus.PENDING:
        # Its author changed it after this card was drawn: review the current text.
        raise UserError(_("Entry {number} changed since this card was sent. See it again "
                          "with /kb queue.", number=entry.id))
    if entry.status == EntryStatus.PUBLISHED:
        raise UserError(_("Entry {number} is already published.", number=entry.id))
    if entry.status == EntryStatus.REJECTED:
        raise UserError(_("Entry {number} was already rejected.", number=entry.id))
    raise UserError(_("Entry {number} is archived.", number=entry.id))


async def _latest(ctx: Context, entry: Entry) -> int:
    """The version a command means: the entry if waiting, else its newest proposed edit."""
    if entry.status == EntryStatus.PENDING:
        return entry.version
    proposed = [r.version for r in await ctx.store.knowledge.revisions(entry.id)
                if r.state == RevisionState.PROPOSED]
    return proposed[-1] if proposed else entry.version


def _key(entry: Entry, version: int, outcome: str) -> str:
    """The outbox key of the note telling a writer how one version was judged."""
    return KB_ENTRY.of(entry.id).key(f"v{version}", outcome)


async def approve_item(ctx: Context, entry: Entry, version: int) -> Callable[[], str]:
    """Publish an entry or apply an edit; the confirmation, rendered when called."""
    item = await _waiting(ctx, entry, version)
    me = credit(ctx.person)
    if item.revision is None:
        done = await ctx.store.knowledge.set_status(entry.id, EntryStatus.PUBLISHED,
                                                    expected=[EntryStatus.PENDING], by=me)
        if done is None:
            raise UserError(_("Entry {number} is already published.", number=entry.id))
        await plan_deadline(ctx.services, done)
        await tell(ctx, entry.submitted_by, lambda: Reply(doc(_(
            "Your entry “{title}” is now in the knowledge base. Thank you!", title=entry.title))),
            key=_key(entry, version, "approved"), source=KB_ENTRY.of(entry.id))
        await ctx.audit("kb approve", entry=entry.id, version=version)
        return lambda: _("Entry {number} is published. Approved by {name}.", number=entry.id,
                         name=me.name)
    settled = await ctx.store.knowledge.settle_proposal(entry.id, version, approve=True, by=me)
    if settled is None:
        raise UserError(_("Entry {number} changed since this edit was proposed. Ask for the "
                          "edit again on the new version.", number=entry.id))
    await tell(ctx, item.revision.editor, lambda: Reply(doc(_(
        "Your change to “{title}” is accepted. Thank you!", title=entry.title))),
        key=_key(entry, version, "approved"), source=KB_ENTRY.of(entry.id))
    await ctx.audit("kb approve", entry=entry.id, version=version)
    return lambda: _("The change to entry {number} is applied. Approved by {name}.",
                     number=entry.id, name=me.name)


async def reject_item(ctx: Context, entry: Entry, version: int,
                      reason: str) -> Callable[[], str]:
    """Reject an entry or an edit and tell its writer why, in their language."""
    item = await _waiting(ctx, entry, version)
    me = credit(ctx.person)
    writer: Credit
    if item.revision is None:
        done = await ctx.store.knowledge.set_status(entry.id, EntryStatus.REJECTED,
                                                    expected=[EntryStatus.PENDING], by=me,
                                                    reason=reason)
        if done is None:
            raise UserError(_("Entry {number} was already handled.", number=entry.id))
        writer = entry.submitted_by

        def message() -> Reply:
            return Reply(doc(_("A moderator did not publish your entry “{title}”.",
                               title=entry.title),
                             _("Reason: {reason}", reason=reason_text(reason)),
                             _("You can change it with /kb edit {number} and it will be "
                               "reviewed again.", number=entry.id)))
    else:
        if await ctx.store.knowledge.settle_proposal(entry.id, version, approve=False, by=me,
                                                     reason=reason) is None:
            raise UserError(_("Entry {number} was already handled.", number=entry.id))
        writer = item.revision.editor

        def message() -> Reply:
            return Reply(doc(_("A moderator did not accept your change to “{title}”.",
                               title=entry.title),
                             _("Reason: {reason}", reason=reason_text(reason))))
    await tell(ctx, writer, message, key=_key(entry, version, "rejected"),
               source=KB_ENTRY.of(entry.id))
    await ctx.audit("kb reject", entry=entry.id, version=version, reason=reason[:200])
    return lambda: _("Rejected by {name}. Reason: {reason}", name=me.name,
                     reason=reason_text(reason))


@feature.command(
    "kb approve", N_("Publish a waiting entry, or apply its proposed change"),
    usage=N_("<number>"), where=Where.GROUP, examples=("/kb approve 12",),
    args=(ENTRY,),
    rule=MODERATORS,
)
async def approve(ctx: Context) -> Reply:
    """Approve by command (the buttons do the same)."""
    entry = await find_entry(ctx, ctx.need(ENTRY), here=True)
    done = await approve_item(ctx, entry, await _latest(ctx, entry))
    return Reply(doc(done()))


@feature.command(
    "kb reject", N_("Turn down a waiting entry or change; the reason goes to its writer"),
    usage=N_("<number> <reason>"), where=Where.GROUP,
    examples=("/kb reject 12 We already have this in entry 4.",),
    args=(ENTRY,
          Arg("reason", N_("Why, in a few words"), rest=True)),
    rule=MODERATORS,
)
async def reject(ctx: Context) -> Reply:
    """Reject by command, with a reason in the moderator's own words."""
    entry = await find_entry(ctx, ctx.need(ENTRY), here=True)
    reason = clean_text(ctx.arg("reason"))[:500]
    if not reason:
        raise UserError(_("Please say why, after the number: /kb reject {number} <reason>. "
                          "The author reads it in private.", number=entry.id))
    done = await reject_item(ctx, entry, await _latest(ctx, entry), reason)
    return Reply(doc(done()))


async def _entry_here(ctx: Context, entry_id: int) -> Entry:
    entry = await ctx.store.knowledge.get(entry_id)
    if entry is None or entry.community_id != ctx.chat.community_id:
        raise UserError(_("This button no longer works."))
    return entry


@feature.button(KbApprove, rule=MODERATORS)
async def approve_pressed(ctx: Context, action: KbApprove) -> list[Outcome]:
    """Approve from a card; the card then says who approved it."""
    entry = await _entry_here(ctx, action.entry_id)
    done = await approve_item(ctx, entry, action.version)
    toast = Toast(_("Done."))
    with ctx.for_chat():
        return [Reply(doc(done()), edit_of=ctx.event_message_id), toast]


@feature.button(KbReject, rule=MODERATORS)
async def reject_pressed(ctx: Context, action: KbReject) -> list[Outcome]:
    """Ask why, with the common reasons as buttons (or a reason typed with /kb reject)."""
    entry = await _entry_here(ctx, action.entry_id)
    await _waiting(ctx, entry, action.version)
    return [Reply(doc(_("Why not publish “{title}”? The author reads the reason in private.",
                        title=entry.title),
                      _("Or write your own: /kb reject {number} <reason>", number=entry.id)),
                  private=True).with_buttons(*reason_buttons(entry.id, action.version)),
            Toast("")]


@feature.button(KbRejectWhy, rule=MODERATORS)
async def reason_pressed(ctx: Context, action: KbRejectWhy) -> list[Outcome]:
    """Reject with a common reason."""
    if action.reason not in REASONS:
        raise UserError(_("This button no longer works."))
    entry = await _entry_here(ctx, action.entry_id)
    done = await reject_item(ctx, entry, action.version, action.reason)
    # The reason prompt was only for this moderator: it stays in their language.
    return [Reply(doc(done()), edit_of=ctx.event_message_id), Toast(_("Done."))]
