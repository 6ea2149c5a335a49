"""The commands menu: setMyCommands, in every supported language.

Telegram names commands `[a-z0-9_]{1,32}`, so a command group such as
"meeting new" / "meeting list" is one entry, "meeting". Members see the
commands anyone may use; group administrators (moderators on Telegram) also
see the moderators' commands. Hidden and operator commands are left out.
"""

from __future__ import annotations

import logging
import re

from telegram import Bot, BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.feature import CommandSpec
from bot.i18n import SUPPORTED, use_locale
from bot.permissions import Role
from bot.router import Router

log = logging.getLogger(__name__)

MAX_COMMANDS = 100
MAX_DESCRIPTION = 256
_NAME = re.compile(r"[a-z0-9_]{1,32}")


def menu(router: Router, locale: str, up_to: Role = Role.MEMBER) -> list[BotCommand]:
    """The menu entries for people holding `up_to`, described in `locale`."""
    titles = {f.name: f.title for f in router.features}
    entries: list[BotCommand] = []
    with use_locale(locale):
        for feature in router.features:
            groups: dict[str, list[CommandSpec]] = {}
            for spec in feature.listed():
                if not spec.hidden and spec.rule.shown_to <= up_to:
                    groups.setdefault(spec.group, []).append(spec)
            for name, specs in groups.items():
                if not _NAME.fullmatch(name):
                    log.warning("command %r cannot be a Telegram menu entry", name)
                    continue
                exact = [s for s in specs if s.name == name]
                described = exact[0].summary if exact else titles[specs[0].feature]
                description = described.text().strip()[:MAX_DESCRIPTION] or name
                entries.append(BotCommand(name, description))
    return entries[:MAX_COMMANDS]


async def register_menu(bot: Bot, router: Router, default_language: str) -> int:
    """Set the menu for the default scope and each language; return how many lists were set."""
    scopes = ((BotCommandScopeDefault(), Role.MEMBER),
              (BotCommandScopeAllChatAdministrators(), Role.MODERATOR))
    done = 0
    for scope, role in scopes:
        for language in ("", *SUPPORTED):
            commands = menu(router, language or default_language, role)
            try:
                await bot.set_my_commands(commands, scope=scope, language_code=language or None)
                done += 1
            except TelegramError as exc:
                # The menu is a convenience: the bot works without it.
                log.warning("could not set the %s commands menu (%s): %s",
                            language or "default", scope.type, exc)
    return done
