"""What every part of the knowledge base shares: the feature, buttons, lookups and cards."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from babel.core import UnknownLocaleError

from bot.context import Context, Services, UserError
from bot.convert import ID, maybe_id
from bot.events import Platform
from bot.fanout import person_delivery
from bot.feature import Arg, Feature
from bot.fmt import date_text, datetime_text, joined, number, relative
from bot.i18n import N_, _, language_name, ngettext, pgettext
from bot.permissions import Check, Role
from bot.records import Person
from bot.replies import Button, Reply
from bot.richtext import Line, RichText, Timestamp, block, bold, doc, italic, line, text
from bot.sources import SourceRef

from .actions import KbApprove, KbHelpful, KbOpen, KbReject, KbRejectWhy
from .records import Credit, Entry, EntryKind, EntryStatus

# /help lists finding first, curating last.
feature = Feature("knowledge", N_("Knowledge base"), order=60, listing=(
    "kb find", "kb open", "tag", "opportunities", "kb add", "save", "opportunity", "kb edit",
    "kb translate", "kb history", "kb export", "kb queue", "kb approve", "kb reject",
    "kb archive", "kb deadline", "kb import"))
ENTRY = Arg("number", N_("The entry's number"), required=True, kind=ID)


# -- buttons -------------------------------------------------------------------------


# -- people and places ---------------------------------------------------------------

def credit(person: Person) -> Credit:
    """How a person is credited on an entry."""
    return Credit(person.key, person.display_name)


def is_moderator(ctx: Context) -> bool:
    """True for moderators (and the operator) here."""
    return ctx.role >= Role.MODERATOR


async def scope(ctx: Context) -> list[int]:
    """Whose knowledge this chat sees: its community; in private, those of one's groups."""
    if not ctx.is_private:
        return [ctx.chat.community_id]
    return await ctx.store.knowledge.communities_of(ctx.person.id)


def _target(ctx: Context) -> int | None:
    words = ctx.arg("target").split(None, 1)
    return maybe_id(words[0]) if words else None


async def _wrote_it(ctx: Context) -> bool:
    entry_id = _target(ctx)
    entry = await ctx.store.knowledge.get(entry_id) if entry_id is not None else None
    # An entry that is not here is answered by the handler, as if it never existed.
    return (entry is None or entry.community_id != ctx.chat.community_id
            or entry.may_edit(ctx.person.key))


ENTRY_AUTHOR = Check("its author", _wrote_it, lambda ctx: _(
    "Only the author of entry {number} or a moderator can change it.", number=_target(ctx)))


def entry_number(raw: str) -> int:
    """An entry number as typed; UserError when it is not one."""
    value = maybe_id(raw)
    if value is None:
        raise UserError(_("{value} is not an entry number. Numbers are shown on each entry.",
                          value=raw.strip()[:20] or "?"))
    return value


def visible(ctx: Context, entry: Entry) -> bool:
    """Published and archived entries are for everyone; the rest for moderators and authors."""
    if entry.status in (EntryStatus.PUBLISHED, EntryStatus.ARCHIVED):
        return True
    return is_moderator(ctx) or entry.may_edit(ctx.person.key)


async def find_entry(ctx: Context, number_: int, *, here: bool = False) -> Entry:
    """An entry this person may see from here (`here`: of this chat's community only)."""
    entry = await ctx.store.knowledge.get(number_)
    allowed = [ctx.chat.community_id] if here else await scope(ctx)
    if entry is None or entry.community_id not in allowed or not visible(ctx, entry):
        raise UserError(_("There is no entry {number} here.", number=number_))
    return entry


async def person_by_key(services: Services, key: str) -> Person | None:
    """The stored person behind a credit key (`telegram:123`), if known."""
    platform, _sep, ident = key.partition(":")
    try:
        return await services.store.people.find(Platform(platform), ident)
    except ValueError:
        return None


async def tell(ctx: Context, who: Credit, render: Callable[[], Reply], *, key: str,
               source: SourceRef) -> None:
    """Queue a private message to a person credited on an entry (not to oneself)."""
    if who.key == ctx.person.key:
        return
    person = await person_by_key(ctx.services, who.key)
    if person is not None:
        await ctx.services.outbox.enqueue([await person_delivery(
            ctx.services, person, render, key=key, source=source)])


# -- translations --------------------------------------------------------------------

def preferred(entries: Sequence[Entry], locale: str) -> Entry:
    """The version in `locale` if there is one, else the first."""
    return next((e for e in entries if e.language == locale), entries[0])


def one_per_group(entries: Sequence[Entry], locale: str) -> list[Entry]:
    """One entry per translation group, in first-seen order, in `locale` where possible."""
    groups: dict[int, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.group_id, []).append(entry)
    return [preferred(found, locale) for found in groups.values()]


def safe_language_name(code: str) -> str:
    """A language's own name, or its code when Babel does not know it."""
    try:
        return language_name(code)
    except (UnknownLocaleError, ValueError):
        return code


# -- rendering -----------------------------------------------------------------------

REASONS = {
    "duplicate": N_("It repeats an entry the knowledge base already has."),
    "inaccurate": N_("It is not accurate, or it is out of date."),
    "offtopic": N_("It does not belong in this community's knowledge base."),
    "personal": N_("It contains personal data that should not be shared."),
}


def reason_buttons(entry_id: int, version: int) -> tuple[tuple[Button, ...], ...]:
    """One button per common reason for rejecting."""
    labels = {"duplicate": pgettext("button", "Duplicate"),
              "inaccurate": pgettext("button", "Not accurate"),
              "offtopic": pgettext("button", "Off-topic"),
              "personal": pgettext("button", "Personal data")}
    buttons = [Button(label, KbRejectWhy(entry_id, version, code).pack())
               for code, label in labels.items()]
    return (tuple(buttons[:2]), tuple(buttons[2:]))


def reason_text(reason: str | None) -> str:
    """A rejection reason in the current language (free text stays as written)."""
    if not reason:
        return _("No reason was given.")
    known = REASONS.get(reason)
    return known.text() if known else reason


def tags_line(tags: Sequence[str]) -> str:
    """Tags as they are typed (`#visa #passport`)."""
    return " ".join(f"#{t}" for t in tags)


def deadline_line(entry: Entry, zone: str, now: datetime) -> Line:
    """"Deadline: <date> (in 3 days)" with a timestamp platforms can localise."""
    assert entry.deadline is not None
    when = Timestamp(int(entry.deadline.timestamp()), datetime_text(entry.deadline, zone))
    return line(bold(_("Deadline:")), " ", when, f" ({relative(entry.deadline - now)})")


def status_note(entry: Entry) -> str | None:
    """A short note on entries that are not published."""
    if entry.status == EntryStatus.PENDING:
        return _("Waiting for a moderator.")
    if entry.status == EntryStatus.ARCHIVED:
        return _("Archived: search no longer shows it.")
    if entry.status == EntryStatus.REJECTED:
        return _("Not published. Reason: {reason}", reason=reason_text(entry.reason))
    return None


def card(ctx: Context, entry: Entry, versions: Sequence[Entry] = ()) -> Reply:
    """An entry in full, with its translations and buttons to vote and follow the link."""
    meta: list[Line] = []
    if entry.tags:
        meta.append(line(_("Tags: {tags}", tags=tags_line(entry.tags))))
    if entry.kind == EntryKind.OPPORTUNITY and entry.deadline is not None:
        meta.append(deadline_line(entry, ctx.zone, ctx.now()))
    if entry.author.key == entry.submitted_by.key:
        by = _("By {name}", name=entry.author.shown())
    else:
        by = _("By {name}, saved by {saver}", name=entry.author.shown(),
               saver=entry.submitted_by.shown())
    meta.append(line(italic(_("{credit} · entry {number} · version {version} · {date}",
                              credit=by, number=entry.id, version=entry.version,
                              date=date_text(entry.updated_at, ctx.zone)))))
    if entry.helpful:
        meta.append(line(ngettext("{n} person found this helpful.",
                                  "{n} people found this helpful.", entry.helpful)))
    note = status_note(entry)
    if note:
        meta.append(line(bold(note)))
    others = [v for v in versions if v.id != entry.id and v.status == EntryStatus.PUBLISHED]
    if others:
        meta.append(line(_("Also in: {languages}", languages=joined(
            safe_language_name(v.language) for v in others))))
    body = doc(line(bold(entry.title))) + text(entry.body) + RichText((block(*meta),))
    row = [Button(pgettext("button", "Helpful") if not entry.helpful else
                  pgettext("button", "Helpful ({count})", count=number(entry.helpful)),
                  KbHelpful(entry.id).pack())] if entry.status == EntryStatus.PUBLISHED else []
    if entry.link:
        row.append(Button(pgettext("button", "Open link"), url=entry.link))
    language_row = [Button(safe_language_name(v.language), KbOpen(v.id).pack())
                    for v in others[:4]]
    return Reply(body, card=True).with_buttons(row, language_row)


def listed_title(entry: Entry) -> str:
    """An entry in a list, under its own number (the one its Open button shows)."""
    return f"{entry.id}. {entry.title}"


def open_buttons(entries: Sequence[Entry]) -> tuple[tuple[Button, ...], ...]:
    """One Open button per listed entry, labelled with the entry's own number, five a row."""
    buttons = [Button(pgettext("button", "Open {number}", number=e.id), KbOpen(e.id).pack())
               for e in entries[:10]]
    return (tuple(buttons[:5]), tuple(buttons[5:]))


def moderator_buttons(entry_id: int, version: int) -> tuple[Button, ...]:
    """Approve and Reject, for the moderators' eyes (anyone else is refused)."""
    return (Button(pgettext("button", "Approve"), KbApprove(entry_id, version).pack()),
            Button(pgettext("button", "Reject"), KbReject(entry_id, version).pack()))


def excerpt(value: str, limit: int = 300) -> str:
    """The start of a text, cut at a word."""
    flat = " ".join(value.split())
    if len(flat) <= limit:
        return flat
    return (flat[:limit].rsplit(" ", 1)[0] or flat[:limit]) + " …"
