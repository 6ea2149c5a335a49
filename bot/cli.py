"""`diaspora-bot` (and `python -m bot`): run, console, migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import Any

from bot import logs
from bot.config import ConfigError, Settings, load_settings

log = logging.getLogger("diaspora-bot")


def _secrets(settings: Settings) -> list[str]:
    values = [settings.telegram_bot_token, settings.discord_bot_token,
              settings.telegram_webhook_secret, settings.secret_key]
    return [v.get_secret_value() for v in values if v is not None]


async def _open_store(settings: Settings) -> Any:
    # Storage is imported here, not at module level: the core stays free of SQL.
    from bot.clock import SystemClock
    from storage.migrate import upgrade
    from storage.store import SqlStore

    store = SqlStore.from_url(settings.database_url, SystemClock())
    await upgrade(store.engine)
    return store


async def migrate(settings: Settings) -> int:
    """Apply every migration and print the revision."""
    from storage.migrate import current

    store = await _open_store(settings)
    revision = await current(store.engine)
    await store.close()
    print(f"database at revision {revision}")
    return 0


async def console(settings: Settings) -> int:
    """Run the console adapter on standard input and output."""
    from adapters.console import ConsoleAdapter
    from bot.app import App

    operator = f"console:{settings.console_user}"
    if operator not in settings.operator_ids:
        settings = settings.model_copy(update={"operator_ids": [*settings.operator_ids, operator]})
    store = await _open_store(settings)
    app = App(settings, store, store.chats.clock)
    adapter = ConsoleAdapter(app, sys.stdin, sys.stdout, user=settings.console_user)
    await app.start()
    try:
        await adapter.run()
    finally:
        await app.stop()
        await store.close()
    return 0


async def run(settings: Settings) -> int:
    """Run the platforms that have tokens; the console when none has."""
    if not settings.platforms_configured:
        return await console(settings)
    from bot.app import App

    store = await _open_store(settings)
    app = App(settings, store, store.chats.clock)
    runners = []
    if settings.telegram_bot_token:
        try:
            from adapters.telegram import TelegramAdapter  # type: ignore[import-not-found]
        except ImportError:
            print("This build has no Telegram adapter yet; unset TELEGRAM_BOT_TOKEN.",
                  file=sys.stderr)
            return 2
        runners.append(TelegramAdapter(app, settings))
    if settings.discord_bot_token:
        try:
            from adapters.discord import DiscordAdapter  # type: ignore[import-not-found]
        except ImportError:
            print("This build has no Discord adapter yet; unset DISCORD_BOT_TOKEN.",
                  file=sys.stderr)
            return 2
        runners.append(DiscordAdapter(app, settings))
    await app.start()
    try:
        await asyncio.gather(*(r.run() for r in runners))
    except ConfigError as err:  # e.g. a token the platform refuses
        print(f"diaspora-bot: {err}", file=sys.stderr)
        return 2
    finally:
        await app.stop()
        await store.close()
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="diaspora-bot", description=__doc__)
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="run on the configured platforms (the console when none is)")
    sub.add_parser("console", help="run in this terminal: each line is a message")
    sub.add_parser("migrate", help="apply database migrations")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except ConfigError as err:
        print(f"diaspora-bot: {err}", file=sys.stderr)
        return 2
    logs.setup(settings.log_level, settings.log_format, _secrets(settings))
    handlers = {"run": run, "console": console, "migrate": migrate}
    try:
        return asyncio.run(handlers[command](settings))
    except KeyboardInterrupt:
        return 130
