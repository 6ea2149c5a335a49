"""`diaspora-bot` (and `python -m bot`): run, console, migrate, backup, copy-db,
export-community, import-community, broadcaster."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine, Iterable, Sequence
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
    try:
        app = App(settings, store, store.chats.clock)
        runners: list[Any] = []
        if settings.telegram_bot_token:
            from adapters.telegram import TelegramAdapter

            runners.append(TelegramAdapter(app, settings))
        if settings.discord_bot_token:
            from adapters.discord import DiscordAdapter

            runners.append(DiscordAdapter(app, settings))
        await app.start()
        ops = None
        if settings.metrics_listen:
            from adapters.http import OpsServer

            ops = OpsServer(app, settings.metrics_listen)
            await ops.start()
        try:
            await _serve(r.run() for r in runners)
        finally:
            if ops is not None:
                await ops.stop()
            await app.stop()
    except ConfigError as err:  # e.g. a token the platform refuses
        print(f"diaspora-bot: {err}", file=sys.stderr)
        return 2
    finally:
        await store.close()
    return 0


async def _serve(runs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run the adapters until one ends or fails or SIGINT/SIGTERM asks us to stop; stop all."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        with contextlib.suppress(NotImplementedError):  # not on Windows
            loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.ensure_future(run) for run in runs]
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({*tasks, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            log.info("stopping")
    finally:
        for task in (*tasks, stopping):
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for sig in signals:
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)
    for result in results:
        if isinstance(result, Exception):
            raise result


async def backup(settings: Settings, path: str) -> int:
    """Write a consistent copy of a SQLite database; PostgreSQL has pg_dump."""
    from pathlib import Path

    from storage.backup import backup_sqlite
    from storage.db import is_sqlite

    if not is_sqlite(settings.database_url):
        print("For PostgreSQL use pg_dump, e.g. pg_dump -Fc -f backup.dump DBNAME "
              "(see README, Backups).", file=sys.stderr)
        return 2
    size = await backup_sqlite(settings.database_url, Path(path))
    print(f"backed up to {path} ({size:,} bytes)")
    return 0


async def copy_db(settings: Settings, target: str) -> int:
    """Copy everything from DATABASE_URL into another, empty database."""
    from storage.backup import copy_database, describe

    def progress(table: str, rows: int) -> None:
        print(f"  {table}: {rows:,} rows")

    print(f"copying {describe(settings.database_url)} -> {describe(target)}")
    try:
        counts = await copy_database(settings.database_url, target, progress)
    except ValueError as err:
        print(f"diaspora-bot: {err}", file=sys.stderr)
        return 2
    print(f"done: {sum(counts.values()):,} rows in {len(counts)} tables")
    return 0


async def export_community(settings: Settings, ref: str, out: str | None) -> int:
    """Write one community and everything it owns as JSON (to a file, or standard output)."""
    import json
    from pathlib import Path

    from storage.transfer import TransferError, export_community, resolve_community

    try:
        community_id = await resolve_community(settings.database_url, ref)
        document = await export_community(settings.database_url, community_id)
    except TransferError as err:
        print(f"diaspora-bot: {err}", file=sys.stderr)
        return 2
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        await asyncio.to_thread(Path(out).write_text, text, encoding="utf-8")
    except OSError as err:
        print(f"diaspora-bot: cannot write {out}: {err}", file=sys.stderr)
        return 2
    counted = 1 + sum(len(rows) for rows in document["tables"].values())
    print(f"exported community {community_id} ({counted:,} rows) to {out}")
    return 0


async def import_community(settings: Settings, source: str) -> int:
    """Add a community exported by `export-community` to DATABASE_URL, with new ids."""
    import json
    from pathlib import Path

    from storage.backup import describe
    from storage.transfer import TransferError, import_community

    try:
        if source == "-":
            text = await asyncio.to_thread(sys.stdin.read)
        else:
            text = await asyncio.to_thread(Path(source).read_text, encoding="utf-8")
        document = json.loads(text)
    except (OSError, UnicodeDecodeError) as err:
        print(f"diaspora-bot: cannot read {source}: {err}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as err:
        print(f"diaspora-bot: {source} is not JSON ({err})", file=sys.stderr)
        return 2
    try:
        summary = await import_community(settings.database_url, document)
    except TransferError as err:
        print(f"diaspora-bot: {err}", file=sys.stderr)
        return 2
    reused = ", ".join(f"{n:,} {table}" for table, n in summary.reused.items() if n)
    print(f"imported into {describe(settings.database_url)} as community "
          f"{summary.community_id}: {sum(summary.rows.values()):,} rows"
          + (f" (reused {reused})" if reused else ""))
    return 0


async def broadcaster(settings: Settings, args: argparse.Namespace) -> int:
    """The register of verified broadcasters: add, list, attach, detach, remove."""
    from bot.context import UserError
    from bot.features.notices import broadcasters as register
    from bot.i18n import use_locale

    store = await _open_store(settings)
    now = store.chats.clock.now()
    actor = register.Actor(via="cli")
    try:
        with use_locale(settings.default_language):
            if args.action == "add":
                org = await register.add(store, now, actor, args.short, args.name, args.country,
                                         args.language)
                out = register.describe(org).lines
                print("\n".join(line.plain() for line in out))
            elif args.action == "list":
                print((await register.listing(store)).plain())
            elif args.action == "remove":
                org = await register.remove(store, now, actor, args.short)
                print(f"removed {org.short_name}")
            else:
                change = register.attach if args.action == "attach" else register.detach
                org, changed = await change(store, now, actor, args.short, args.account)
                verb = "attached to" if args.action == "attach" else "detached from"
                state = "" if changed else " (no change)"
                print(f"{args.account} {verb} {org.short_name}{state}")
    except UserError as err:
        print(f"diaspora-bot: {err.message}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="diaspora-bot", description=__doc__)
    sub = p.add_subparsers(dest="command")
    sub.add_parser("run", help="run on the configured platforms (the console when none is)")
    sub.add_parser("console", help="run in this terminal: each line is a message")
    sub.add_parser("migrate", help="apply database migrations")
    b = sub.add_parser("backup", help="write a consistent copy of the SQLite database")
    b.add_argument("path")
    c = sub.add_parser("copy-db", help="copy every row into another (empty) database")
    c.add_argument("--to", required=True, metavar="URL",
                   help="e.g. postgresql+asyncpg://user@host/db")
    e = sub.add_parser("export-community", help="write one community as JSON")
    e.add_argument("community", metavar="ID",
                   help="the community's number, or one of its chats as platform:id")
    e.add_argument("--out", metavar="FILE", help="write here instead of standard output")
    i = sub.add_parser("import-community", help="add a community exported as JSON")
    i.add_argument("file", metavar="FILE", help="the exported file, or - for standard input")
    b = sub.add_parser("broadcaster", help="register verified broadcasters (consulates)")
    actions = b.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register an organisation")
    add.add_argument("short", help="short name, e.g. mx-madrid")
    add.add_argument("--name", required=True, help="full name shown on every notice")
    add.add_argument("--country", required=True, help="two-letter country code, e.g. MX")
    add.add_argument("--language", required=True, help="language its notices come in first")
    actions.add_parser("list", help="list organisations and their accounts")
    for name, text in (("attach", "let an account publish for it"),
                       ("detach", "stop an account publishing for it")):
        one = actions.add_parser(name, help=text)
        one.add_argument("short", help="the organisation's short name")
        one.add_argument("account", help="platform:id, e.g. telegram:123456789")
    remove = actions.add_parser("remove", help="take an organisation off the register")
    remove.add_argument("short", help="the organisation's short name")
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
        if command == "backup":
            return asyncio.run(backup(settings, args.path))
        if command == "copy-db":
            return asyncio.run(copy_db(settings, args.to))
        if command == "export-community":
            return asyncio.run(export_community(settings, args.community, args.out))
        if command == "import-community":
            return asyncio.run(import_community(settings, args.file))
        if command == "broadcaster":
            return asyncio.run(broadcaster(settings, args))
        return asyncio.run(handlers[command](settings))
    except KeyboardInterrupt:
        return 130
