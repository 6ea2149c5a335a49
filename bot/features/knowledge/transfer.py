"""Export a community's knowledge base (Markdown to read, JSON to keep), and import JSON back.

The JSON is lossless: every entry with every version, its translation group
and its credits, keyed by stable uids. Importing is idempotent: an entry
whose uid the community already has is left exactly as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.context import Context, UserError
from bot.events import Platform
from bot.feature import Arg, Where
from bot.fmt import date_text, number
from bot.i18n import N_, _, ngettext
from bot.permissions import MODERATORS, to_change
from bot.replies import Document, Reply
from bot.richtext import doc

from .common import feature, preferred, safe_language_name, tags_line
from .opportunities import plan_deadline
from .records import Entry, EntryKind, EntryStatus, Revision
from .schema import FORMAT, BadExport, entry_json, parse_export

IMPORT_MAX_BYTES = 10_000_000


def _markdown(ctx: Context, data: list[tuple[Entry, list[Revision]]]) -> str:
    published = [e for e, _revs in data if e.status == EntryStatus.PUBLISHED]
    groups: dict[int, list[Entry]] = {}
    for entry in published:
        groups.setdefault(entry.group_id, []).append(entry)
    ordered = sorted(groups.values(), key=lambda g: preferred(g, ctx.locale).title.casefold())
    heading = _("Knowledge base")
    exported = _("Exported on {date}.", date=date_text(ctx.now(), ctx.zone, "long"))
    count = ngettext("{n} entry.", "{n} entries.", len(published))
    title = f"{heading} — {ctx.chat.title}" if ctx.chat.title else heading
    out = [f"# {title}", "", f"_{exported} {count}_", ""]
    for group in ordered:
        first = preferred(group, ctx.locale)
        for entry in [first, *(e for e in group if e.id != first.id)]:
            out += [f"## {entry.title}", "", entry.body, ""]
            meta = [_("Language: {language}", language=safe_language_name(entry.language))]
            if entry.tags:
                meta.append(_("Tags: {tags}", tags=tags_line(entry.tags)))
            if entry.kind == EntryKind.OPPORTUNITY and entry.deadline is not None:
                meta.append(_("Deadline: {date}", date=date_text(entry.deadline, ctx.zone,
                                                                   "long")))
            if entry.link:
                meta.append(_("Link: {link}", link=entry.link))
            meta.append(_("By {name}", name=entry.author.shown()))
            meta.append(_("entry {number}, version {version}, {date}", number=entry.id,
                          version=entry.version, date=date_text(entry.updated_at, ctx.zone)))
            out += ["*" + " · ".join(meta) + "*", "", "---", ""]
    return "\n".join(out)


def _json(ctx: Context, data: list[tuple[Entry, list[Revision]]]) -> str:
    uid_of = {entry.id: entry.uid for entry, _revs in data}
    entries = [entry_json(entry, revisions, uid_of.get(entry.group_id, entry.uid))
               for entry, revisions in data]
    return json.dumps({"format": FORMAT, "exported_at": ctx.now().isoformat(),
                       "entries": entries}, ensure_ascii=False, indent=1)


def keeps_everything(args: str) -> bool:
    """`/kb export json` holds every version, proposals included: moderators only."""
    return args.strip().lower() == "json"


@feature.command(
    "kb export", N_("Get the knowledge base as a file"), usage=N_("[md|json]"),
    where=Where.GROUP, examples=("/kb export", "/kb export json"),
    args=(Arg("format", N_("md (to read, the default) or json (everything, for moderators)"),
              choices=("md", "json")),),
    rule=to_change(changing=keeps_everything, doc="for `json`"),
)
async def export(ctx: Context) -> Reply:
    """Markdown of the published entries for anyone; the full JSON for moderators."""
    kind = ctx.arg("format").lower() or "md"
    data = await ctx.store.knowledge.export(ctx.chat.community_id)
    if not data:
        return Reply(doc(_("The knowledge base is empty. Add the first entry with /kb add.")))
    stamp = ctx.now().strftime("%Y-%m-%d")
    if kind == "json":
        document = Document(f"knowledge-{stamp}.json", _json(ctx, data).encode(),
                            "application/json")
        count = len(data)
    else:
        document = Document(f"knowledge-{stamp}.md", _markdown(ctx, data).encode(),
                            "text/markdown")
        count = sum(1 for e, _revs in data if e.status == EntryStatus.PUBLISHED)
    return Reply(doc(ngettext("The knowledge base, {n} entry:", "The knowledge base, {n} "
                              "entries:", count)), document=document, private=kind == "json")


def _source(ctx: Context) -> bytes:
    attachment = getattr(ctx.event, "attachment", None)
    if attachment is not None:
        data: bytes = attachment.data
    elif ctx.args.strip().startswith(("{", "[")):
        data = ctx.args.strip().encode()
    elif ctx.args.strip() and ctx.chat.platform == Platform.CONSOLE:
        # Only the console reads paths: it runs on the operator's own machine.
        path = Path(ctx.args.strip()).expanduser()
        if not path.is_file():
            raise UserError(_("There is no file at {path}.", path=str(path)[:200]))
        if path.stat().st_size > IMPORT_MAX_BYTES:
            data = b"x" * (IMPORT_MAX_BYTES + 1)
        else:
            data = path.read_bytes()
    else:
        raise UserError(_("Send the file made by /kb export json with /kb import as its "
                          "caption, or reply to that file with /kb import."))
    if len(data) > IMPORT_MAX_BYTES:
        raise UserError(_("That file is too big to import ({limit} bytes at most).",
                          limit=number(IMPORT_MAX_BYTES)))
    return data


@feature.command(
    "kb import", N_("Add entries from a JSON export (entries already here are skipped)"),
    usage=N_("<JSON export>"), where=Where.GROUP,
    examples=("/kb import data/files/knowledge-2026-01-05.json",),
    args=(Arg("source", N_("The file, or on the console its path"), rest=True),),
    rule=MODERATORS,
)
async def import_(ctx: Context) -> Reply:
    """Import a JSON export into this community."""
    try:
        items = parse_export(_source(ctx))
    except BadExport as bad:
        raise UserError(_("This is not a knowledge base export I can read ({problem}). "
                          "Nothing was imported.", problem=str(bad)[:200])) from None
    report = await ctx.store.knowledge.import_entries(ctx.chat.community_id, items)
    planned: set[int] = set()
    for entry in report.created:
        if entry.kind == EntryKind.OPPORTUNITY and entry.group_id not in planned:
            planned.add(entry.group_id)
            await plan_deadline(ctx.services, entry)
    if report.created:
        await ctx.audit("kb import", entry=report.created[0].id, created=len(report.created),
                        skipped=report.skipped)
    lines = [ngettext("Imported {n} entry.", "Imported {n} entries.", len(report.created))]
    if report.skipped:
        lines.append(ngettext("{n} entry was already here and was left as it is.",
                              "{n} entries were already here and were left as they are.",
                              report.skipped))
    if any(e.status == EntryStatus.PENDING for e in report.created):
        lines.append(_("Some of them wait for review: see /kb queue."))
    return Reply(doc(" ".join(lines)))
