"""Discord adapter throughput against the loopback fake: slash commands and outbox sends.

    .venv/bin/python bench/discord_throughput.py [--commands 300] [--sends 200] [--database URL]

Prints slash commands answered per second (one after another by one person
in one channel, and 20 at a time by 20 people in 20 channels), outbox messages delivered per second with the adapter's own pacing
and without it, and the memory the process grew by. SQLite in a temporary
directory unless `--database` names another (its schema public is reset);
the fake and the bot share one event loop (and one core), so the figures are
a floor for the bot alone.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)

from adapters.discord import DiscordAdapter  # noqa: E402
from bot.app import App  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import ChatKind, ChatRef, Platform  # noqa: E402
from bot.records import NewDelivery  # noqa: E402
from bot.replies import Reply, reply_to_json  # noqa: E402
from bot.richtext import doc  # noqa: E402
from scheduling.pacing import Limits  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.store import SqlStore  # noqa: E402
from tests.fakes.discord_api import FakeDiscord  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _slash(fake: FakeDiscord, adapter: DiscordAdapter, guild: int, channel: int,
                 user: int) -> None:
    handle = await fake.slash_command(guild, channel, user, "help", {})
    await handle.response(timeout=30)


async def _sends(app: App, fake: FakeDiscord, store: SqlStore, chats: list[int],
                 channels: list[int], count: int, tag: str) -> float:
    deliveries = [NewDelivery(chats[i % len(chats)], reply_to_json(Reply(doc(f"{tag} {i}"))),
                              key=f"{tag}:{i}") for i in range(count)]
    before = sum(len(fake.messages(c)) for c in channels)
    start = time.perf_counter()
    await app.services.outbox.enqueue(deliveries)
    await fake.wait_until(
        lambda: sum(len(fake.messages(c)) for c in channels) - before >= count, 600, "sends")
    return count / (time.perf_counter() - start)


async def main(commands: int, sends: int, database: str | None = None) -> None:
    """Run the measurements and print them."""
    rss_start = _rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        url = database or f"sqlite+aiosqlite:///{tmp}/b.db"
        if database:
            from tests.support import reset_postgres

            await reset_postgres(database)
        async with FakeDiscord() as fake:
            guild = fake.add_guild("Bench", preferred_locale="es-ES")
            channels = [fake.add_channel(guild, f"c{i}") for i in range(20)]
            users = [fake.add_user(f"bench{i}", locale="es-ES") for i in range(20)]
            for member in users:
                fake.add_member(guild, member)
            user = users[0]
            settings = Settings(_env_file=None, database_url=url,
                                discord_bot_token=fake.token, discord_api_base_url=fake.api_base,
                                discord_gateway_url=fake.gateway_url)
            store = SqlStore.from_url(settings.database_url, SystemClock())
            await upgrade(store.engine)
            app = App(settings, store, SystemClock())
            adapter = DiscordAdapter(app, settings)
            await app.start()
            await adapter.start()
            try:
                start = time.perf_counter()
                for _ in range(commands):
                    await _slash(fake, adapter, guild, channels[0], user)
                sequential = commands / (time.perf_counter() - start)
                start = time.perf_counter()
                for _ in range(commands // 20):
                    handles = [await fake.slash_command(guild, channels[i], users[i], "help", {})
                               for i in range(20)]
                    await fake.wait_until(lambda hs=handles: all(h.callback for h in hs), 30,
                                          "20 answers")
                concurrent = (commands // 20 * 20) / (time.perf_counter() - start)
                await adapter.wait_idle()
                chats = []
                for channel in channels:
                    chat = await store.chats.ensure(
                        ChatRef(Platform.DISCORD, str(channel), ChatKind.GROUP), "es")
                    chats.append(chat.id)
                paced = await _sends(app, fake, store, chats, channels, sends, "paced")
                app.add_messenger(adapter.messenger, Limits())
                unpaced = await _sends(app, fake, store, chats, channels, sends, "free")
            finally:
                await adapter.stop()
                await app.stop()
                await store.close()
    print(f"database: {url.split(':', 1)[0]}")
    print(f"slash /help answered, one at a time: {sequential:7.1f}/s ({commands} commands)")
    print(f"slash /help answered, 20 at a time:  {concurrent:7.1f}/s")
    print(f"outbox sends over 20 channels, paced (Limits {adapter.messenger.limits.per_second}/s"
          f"): {paced:7.1f}/s ({sends} messages)")
    print(f"outbox sends over 20 channels, unpaced: {unpaced:7.1f}/s")
    print(f"peak RSS grew by {(_rss_mb() - rss_start):.1f} MB (now {_rss_mb():.1f} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--sends", type=int, default=200)
    parser.add_argument("--database", help="a PostgreSQL URL to use instead of SQLite")
    args = parser.parse_args()
    asyncio.run(main(args.commands, args.sends, args.database))
