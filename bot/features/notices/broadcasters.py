"""The operator's register of verified broadcasters: organisations and their accounts.

The same functions serve the chat command (`/broadcaster ...`, operators only)
and the command line (`diaspora-bot broadcaster ...`); each change is audited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel import Locale

from bot.context import Context, UserError
from bot.events import Platform
from bot.feature import Arg
from bot.features.notices.common import feature
from bot.features.notices.records import Account, Organisation
from bot.fmt import joined
from bot.i18n import N_, SUPPORTED, _, current_locale, language_name
from bot.permissions import OPERATOR
from bot.ports import Store
from bot.records import AuditEntry
from bot.replies import Reply
from bot.richtext import Block, Code, RichText, block, bold, doc, line, text
from bot.trust import starts_with_seal

SHORT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,31}$")
# Region codes CLDR knows that are not countries (unknown, unions, pseudo-locales).
NOT_COUNTRIES = frozenset({"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"})
ACCOUNT = re.compile(r"^(telegram|discord|console):([A-Za-z0-9_-]{1,64})$")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changes the register: a person in a chat, or the command line."""

    person_id: int | None = None
    chat_id: int | None = None
    community_id: int | None = None
    via: str = "chat"


async def _audit(store: Store, now: datetime, actor: Actor, action: str,
                 **detail: Any) -> None:
    await store.audit.record(AuditEntry(now, action, actor.person_id, actor.chat_id,
                                        actor.community_id, True, {"via": actor.via, **detail}))


def country_name(code: str) -> str:
    """A country's name in the current language ("México" in Spanish)."""
    return Locale.parse(current_locale()).territories.get(code.upper(), code.upper())


def _org(found: Organisation | None, short: str) -> Organisation:
    if found is None:
        raise UserError(_("There is no verified broadcaster called {name}.", name=short[:32]))
    return found


def parse_account(raw: str) -> tuple[Platform, str]:
    """`telegram:123` → (platform, id); a UserError explains the form otherwise."""
    match = ACCOUNT.match(raw.strip())
    if not match:
        raise UserError(_("Give the account as platform:id, for example telegram:123456789 or "
                          "discord:987654321."))
    return Platform(match.group(1)), match.group(2)


async def add(store: Store, now: datetime, actor: Actor, short: str, name: str, country: str,
              language: str) -> Organisation:
    """Register a verified organisation."""
    short, name, country = short.strip().lower(), " ".join(name.split()), country.strip().upper()
    if not SHORT_NAME.match(short):
        raise UserError(_("A short name has 2 to 32 lowercase letters, digits or dashes, for "
                          "example mx-madrid."))
    if not 2 <= len(name) <= 200 or starts_with_seal(name):
        raise UserError(_("Give the organisation's full name (2 to 200 characters, not "
                          "starting with a shield mark)."))
    if (country not in Locale.parse("en").territories or not country.isalpha()
            or len(country) != 2 or country in NOT_COUNTRIES):
        raise UserError(_("{code} is not a country code. Use two letters, for example MX or IN.",
                          code=country[:8]))
    if language.strip().lower() not in SUPPORTED:
        raise UserError(_("I don't speak {code} yet. Choose one of: {choices}.",
                          code=language[:16], choices=joined(SUPPORTED, "or")))
    org = await store.notices.add_org(short, name, country, language.strip().lower())
    if org is None:
        raise UserError(_("The short name {name} is already taken.", name=short))
    await _audit(store, now, actor, "broadcaster.add", organisation=short, name=name)
    return org


async def remove(store: Store, now: datetime, actor: Actor, short: str) -> Organisation:
    """Take an organisation off the register (its published notices stay as they are)."""
    org = _org(await store.notices.find_org(short), short)
    await store.notices.remove_org(org.id)
    await _audit(store, now, actor, "broadcaster.remove", organisation=org.short_name)
    return org


async def attach(store: Store, now: datetime, actor: Actor, short: str,
                 account: str) -> tuple[Organisation, bool]:
    """Let an account publish for an organisation; False when it already could."""
    org = _org(await store.notices.find_org(short), short)
    platform, ident = parse_account(account)
    added = await store.notices.attach(org.id, platform, ident)
    await _audit(store, now, actor, "broadcaster.attach", organisation=org.short_name,
                 account=f"{platform}:{ident}", changed=added)
    return org, added


async def detach(store: Store, now: datetime, actor: Actor, short: str,
                 account: str) -> tuple[Organisation, bool]:
    """Stop an account publishing for an organisation; False when it could not anyway."""
    org = _org(await store.notices.find_org(short), short)
    platform, ident = parse_account(account)
    removed = await store.notices.detach(org.id, platform, ident)
    await _audit(store, now, actor, "broadcaster.detach", organisation=org.short_name,
                 account=f"{platform}:{ident}", changed=removed)
    return org, removed


def describe(org: Organisation, accounts: list[Account] | None = None) -> Block:
    """One organisation: name, short name, country, language (and accounts for operators)."""
    lines = [line(bold(org.name), " · ", Code(org.short_name)),
             line(_("{country} · notices in {language} first",
                    country=country_name(org.country), language=language_name(org.language)))]
    if accounts is not None:
        keys = joined(a.key for a in accounts) or "—"
        lines.append(line(_("Accounts: {accounts}", accounts=keys)))
    return block(*lines)


async def listing(store: Store) -> RichText:
    """Every registered organisation with its accounts."""
    orgs = await store.notices.orgs()
    if not orgs:
        return doc(_("No verified broadcaster is registered yet. Add one with /broadcaster add."))
    blocks = [block(bold(_("Verified broadcasters")))]
    for org in orgs:
        blocks.append(describe(org, await store.notices.accounts(org.id)))
    return RichText(tuple(blocks))


def _actor(ctx: Context) -> Actor:
    return Actor(ctx.person.id, ctx.chat.id, ctx.chat.community_id)


@feature.command(
    "broadcaster add", N_("Register a verified broadcaster (operator)"),
    usage=N_("<short name> | <full name> | <country> | <language>"), pipe_separated=True,
    examples=("/broadcaster add mx-madrid | Consulado General de México en Madrid | MX | es",),
    args=(Arg("short", N_("A short name such as mx-madrid"), required=True),
          Arg("name", N_("The organisation's full name"), required=True),
          Arg("country", N_("Two-letter country code"), required=True),
          Arg("language", N_("The language its notices are written in first"), required=True)),
    rule=OPERATOR,
)
async def add_command(ctx: Context) -> Reply:
    """Register an organisation."""
    org = await add(ctx.store, ctx.now(), _actor(ctx), ctx.arg("short"), ctx.arg("name"),
                    ctx.arg("country"), ctx.arg("language"))
    return Reply(doc(describe(org), _("Registered. Attach the accounts that publish for it "
                                      "with /broadcaster attach {short} telegram:ID.",
                                      short=org.short_name)))


@feature.command("broadcaster list", N_("List verified broadcasters and their accounts"), rule=OPERATOR)
async def list_command(ctx: Context) -> Reply:
    """Every organisation and its accounts."""
    return Reply(await listing(ctx.store))


async def _account_arg(ctx: Context) -> str:
    quoted = getattr(ctx.event, "reply_to", None)
    if not ctx.arg("account") and quoted is not None and quoted.author is not None:
        return quoted.author.key
    return ctx.arg("account")


@feature.command(
    "broadcaster attach", N_("Let an account publish for a broadcaster"),
    usage=N_("<short name> <platform:id>"),
    examples=("/broadcaster attach mx-madrid telegram:123456789",),
    args=(Arg("short", N_("The broadcaster's short name"), required=True),
          Arg("account", N_("The account, as platform:id (or reply to their message)"))),
    rule=OPERATOR,
)
async def attach_command(ctx: Context) -> Reply:
    """Attach an account (given, or the author of the message replied to)."""
    org, added = await attach(ctx.store, ctx.now(), _actor(ctx), ctx.arg("short"),
                              await _account_arg(ctx))
    if not added:
        return Reply(text(_("That account could already publish for {name}.", name=org.name)))
    return Reply(text(_("That account can now publish notices for {name}.", name=org.name)))


@feature.command(
    "broadcaster detach", N_("Stop an account publishing for a broadcaster"),
    usage=N_("<short name> <platform:id>"),
    examples=("/broadcaster detach mx-madrid telegram:123456789",),
    args=(Arg("short", N_("The broadcaster's short name"), required=True),
          Arg("account", N_("The account, as platform:id (or reply to their message)"))),
    rule=OPERATOR,
)
async def detach_command(ctx: Context) -> Reply:
    """Detach an account."""
    org, removed = await detach(ctx.store, ctx.now(), _actor(ctx), ctx.arg("short"),
                                await _account_arg(ctx))
    if not removed:
        return Reply(text(_("That account was not attached to {name}.", name=org.name)))
    return Reply(text(_("That account can no longer publish for {name}.", name=org.name)))


@feature.command(
    "broadcaster remove", N_("Take a broadcaster off the register"), usage=N_("<short name>"),
    examples=("/broadcaster remove mx-madrid",),
    args=(Arg("short", N_("The broadcaster's short name"), required=True),),
    rule=OPERATOR,
)
async def remove_command(ctx: Context) -> Reply:
    """Remove an organisation: its accounts and subscriptions end, its notices stay."""
    org = await remove(ctx.store, ctx.now(), _actor(ctx), ctx.arg("short"))
    return Reply(text(_("{name} is no longer a verified broadcaster. Its accounts and "
                        "subscriptions were removed; notices already published stay.",
                        name=org.name)))
