"""The notices feature object, its shared arguments, and who may act for which organisation.

Being a broadcaster is not a role: it is membership of a verified
organisation (the operator attaches platform accounts to it). Every action on
a notice checks, here in the core, that the person's account is attached to
the notice's organisation at that moment; anything else is refused and
written to the audit log.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from bot.context import Context, UserError
from bot.convert import ID, Kind
from bot.feature import Arg, Feature
from bot.features.notices.records import (
    EDITABLE,
    Category,
    Notice,
    NoticeStatus,
    Organisation,
    category_name,
)
from bot.fmt import joined
from bot.i18n import N_, _
from bot.jobs import ROW_ID, JobKind
from bot.permissions import Check

feature = Feature("notices", N_("Official notices"), order=40)

# Notices belong to the deployment: none of their items moves with a community.
PUBLISH_JOB = JobKind("notice.publish", "notices", ROW_ID, table="notices")
TICK_JOB = JobKind("notice.tick", "notices", ROW_ID, table="notices")
EXPIRE_JOB = JobKind("notice.expire", "notices", ROW_ID, table="notices")

MAX_TITLE = 200
# A notice must fit one message everywhere: Telegram holds 4,096 characters and a
# Discord embed description 4,096; the frame (header, title, marks) takes the rest.
MAX_BODY = 3500
MAX_REASON = 300


async def refuse(ctx: Context, action: str, message: str, **detail: Any) -> NoReturn:
    """Audit a refused action, then answer with `message`."""
    await ctx.audit(action, allowed=False, **detail)
    raise UserError(message)


async def _attached(ctx: Context) -> bool:
    return bool(await ctx.store.notices.orgs_of(ctx.person.platform, ctx.person.platform_id))


BROADCASTER = Check("verified broadcasters", _attached, lambda ctx: _(
    "Only verified broadcasters can publish notices. If you publish for a consulate or another "
    "official body, ask the bot's operator to attach your account ({account}) to it.",
    account=ctx.person.key))


async def broadcaster_orgs(ctx: Context) -> list[Organisation]:
    """The organisations the person may publish for; refused (and audited) when none."""
    orgs = await ctx.store.notices.orgs_of(ctx.person.platform, ctx.person.platform_id)
    if not orgs:
        await refuse(ctx, "notice.refused", _(
            "Only verified broadcasters can publish notices. If you publish for a consulate "
            "or another official body, ask the bot's operator to attach your account "
            "({account}) to it.", account=ctx.person.key), reason="not a broadcaster")
    return orgs


async def pick_org(ctx: Context, orgs: list[Organisation], named: str) -> Organisation:
    """The organisation named (by short name), which must be one of `orgs`."""
    if not named:
        if len(orgs) == 1:
            return orgs[0]
        raise UserError(_("You publish for several organisations. Name one of them: "
                          "{names}.", names=joined((o.short_name for o in orgs), "or")))
    for org in orgs:
        if org.short_name == named.strip().lower():
            return org
    return await refuse(ctx, "notice.refused", _(
        "You cannot publish as {name}: your account is attached to {names} only.",
        name=named.strip()[:32], names=joined(o.short_name for o in orgs)),
        reason="not attached", organisation=named.strip()[:32])


NOTICE = Arg("notice", N_("The notice's number"), required=True, kind=ID)


async def notice_for(ctx: Context, notice_id: int | None, *, editable: bool = False,
                     action: str = "notice.access") -> tuple[Notice, Organisation]:
    """A notice the person may act on for its organisation (refused and audited otherwise)."""
    notice = await ctx.store.notices.get(notice_id) if notice_id is not None else None
    orgs = await broadcaster_orgs(ctx)
    if notice is None or notice.status == NoticeStatus.CANCELLED:
        raise UserError(_("I don't know notice {id}.", id=f"#{notice_id or '?'}"))
    org = next((o for o in orgs if o.id == notice.org_id), None)
    if org is None:
        await refuse(ctx, action, _("Notice {id} belongs to an organisation you do not "
                                    "publish for.", id=f"#{notice.id}"),
                     reason="other organisation", notice=notice.id)
    if editable and notice.status not in EDITABLE:
        raise UserError(_("Notice {id} is already published. Use /notice correct or "
                          "/notice retract.", id=f"#{notice.id}"))
    return notice, org


def parse_categories(raw: str) -> list[str]:
    """Category codes (or their names in the chat's language) from a list typed by a person."""
    if not raw.strip():
        return []
    names: dict[str, str] = {}
    for c in Category:
        name = category_name(c).lower()
        # The full name, or its first word ("documentos" for "Documentos y pasaportes").
        names[name] = names.get(name, c.value)
        names.setdefault(name.split()[0], c.value)
    out: list[str] = []
    for word in (w.strip().lower() for w in re.split(r"[,;]+|\s+", raw) if w.strip()):
        code = word if word in {c.value for c in Category} else names.get(word)
        if code is None:
            raise UserError(_("{value} is not one of: {choices}.", value=word[:32],
                              choices=joined((c.value for c in Category), "or")))
        if code not in out:
            out.append(code)
    return out


def parse_category(raw: str) -> Category:
    """One category from its code or its name in the current language."""
    found = parse_categories(raw)
    if len(found) != 1:
        raise UserError(_("{value} is not one of: {choices}.", value=raw.strip()[:32],
                          choices=joined((c.value for c in Category), "or")))
    return Category(found[0])


def _read_category(raw: str, _ctx: Context | None = None) -> Category:
    return parse_category(raw)


def _read_categories(raw: str, _ctx: Context | None = None) -> list[str]:
    return parse_categories(raw)


# Categories by code or by their name in the chat's language ("documentos").
CATEGORY: Kind[Category] = Kind("category", N_("documents, elections, emergencies, events, services or other"),
                                "documents", _read_category)
CATEGORIES: Kind[list[str]] = Kind("categories", N_("Only these categories (all when empty)"),
                                   "documents elections", _read_categories)
