"""One core, both real adapters, both fakes: for features that span platforms.

    async with both_platforms(db_url) as both:
        group, channel = await both.linked_pair(tg_lang="es", dc_locale="en-US")
        await both.tg_command(group, both.tg_admin, "/poll new Lunch? | Pizza | Sushi")
        await both.settle()
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from adapters.discord import DiscordAdapter
from adapters.telegram import TelegramAdapter
from bot.app import App
from bot.clock import FakeClock
from scheduling.pacing import Limits
from storage.store import SqlStore
from tests.adapters.telegram_harness import TEST_RETRY
from tests.fakes.discord_api import FakeDiscord, InteractionCallback, Perm
from tests.fakes.telegram_api import FakeTelegram, MessageRecord
from tests.support import open_store, settings_for_tests

TG_ADMIN, TG_MEMBER = 9101, 9102


@dataclass
class Both:
    """The running pieces, and the people and places created so far."""

    tg: FakeTelegram
    dc: FakeDiscord
    app: App
    store: SqlStore
    clock: FakeClock
    telegram: TelegramAdapter
    discord: DiscordAdapter
    guild: int = 0
    dc_admin: int = 0
    dc_member: int = 0
    tg_admin: int = TG_ADMIN
    tg_member: int = TG_MEMBER
    extra: dict[str, Any] = field(default_factory=dict)

    async def tg_command(self, chat: int, user: int, text: str) -> list[MessageRecord]:
        """A Telegram command; the bot's new messages in that chat."""
        mark = len(self.tg.all_sent())
        pushed = self.tg.push_command(chat, user, text)
        await self.telegram.wait_handled(pushed.update_id, 10)
        return [m for m in self.tg.all_sent()[mark:] if m.chat_id == chat]

    async def tg_press(self, chat: int, user: int, message_id: int, data: str) -> dict[str, Any]:
        """Press a Telegram inline button; the callback answer."""
        query = self.tg.push_callback(chat, user, message_id, data)
        update_id = self.tg.last_update_id
        assert update_id is not None
        await self.telegram.wait_handled(update_id, 10)
        return await self.tg.wait_for_callback_answer(query)

    async def dc_slash(self, channel: int, user: int, name: str,
                       options: dict[str, Any] | None = None,
                       locale: str | None = None) -> InteractionCallback:
        """A Discord slash command in a channel; its response callback."""
        handle = await self.dc.slash_command(self.guild, channel, user, name, options or {},
                                             locale=locale)
        callback = await handle.response()
        await self.discord.wait_idle(timeout=10)
        return callback

    async def dc_click(self, channel: int, message_id: int, user: int,
                       custom_id: str) -> InteractionCallback:
        """Click a Discord button; its response callback."""
        handle = await self.dc.click_button(channel, message_id, user, custom_id)
        callback = await handle.response()
        await self.discord.wait_idle(timeout=10)
        return callback

    async def linked_pair(self, *, tg_lang: str = "es", dc_locale: str = "en-US",
                          tg_chat: int = -9100, name: str = "general") -> tuple[int, int]:
        """A Telegram group and a Discord channel, set up and linked into one community."""
        self.tg.add_chat(tg_chat, "supergroup", "Madrid", creator=TG_ADMIN,
                         members=[TG_MEMBER])
        await self.tg_command(tg_chat, TG_ADMIN, f"/language {tg_lang}")
        channel = self.dc.add_channel(self.guild, name)
        await self.dc_slash(channel, self.dc_admin, "setup", locale=dc_locale)
        [code_message] = [m for m in await self.tg_command(tg_chat, TG_ADMIN, "/link")
                          if "/link " in m.text]
        code = code_message.text.rsplit("/link ", 1)[1].split()[0]
        await self.dc_slash(channel, self.dc_admin, "link", {"code": code}, locale=dc_locale)
        return tg_chat, channel

    async def settle(self, rounds: int = 3) -> None:
        """Fire what is due and deliver what the outbox holds."""
        for _ in range(rounds):
            await self.app.runner.resync()
            await self.app.runner.wait_idle()
            await self.app.worker.drain(within=15)

    async def advance(self, delta: timedelta) -> None:
        """Move the clock, then settle."""
        self.clock.advance(delta)
        await self.settle()

    def tg_texts(self, chat: int) -> list[str]:
        """What a Telegram chat shows from the bot, oldest first."""
        return [m.text for m in self.tg.messages(chat)]

    def dc_texts(self, channel: int) -> list[str]:
        """What a Discord channel shows (content and embed text), oldest first."""
        return [m.content + "".join(str(e.get("title", "")) + "\n" + str(e.get("description", ""))
                                    for e in m.embeds) for m in self.dc.messages(channel)]


@asynccontextmanager
async def both_platforms(db_url: str, *, clock: FakeClock | None = None,
                         **settings: Any) -> AsyncIterator[Both]:
    """Start both fakes, the core on `db_url`, and both adapters."""
    clock = clock or FakeClock()
    async with FakeTelegram() as tg, FakeDiscord() as dc, open_store(db_url, clock) as store:
        config = settings_for_tests(
            telegram_bot_token=tg.token, telegram_api_base_url=tg.base_url,
            discord_bot_token=dc.token, discord_api_base_url=dc.api_base,
            discord_gateway_url=dc.gateway_url, **settings)
        app = App(config, store, clock)
        telegram = TelegramAdapter(app, config, retry=TEST_RETRY, poll_timeout=1)
        discord = DiscordAdapter(app, config)
        app.add_messenger(discord.messenger, Limits())
        tg.add_user(TG_ADMIN, "Ana", language_code="es")
        tg.add_user(TG_MEMBER, "Bruno", language_code="es")
        guild = dc.add_guild("Diáspora", preferred_locale="en-US")
        role = dc.add_role(guild, "Mods", Perm.MANAGE_GUILD)
        admin, member = dc.add_user("dee", locale="en-US"), dc.add_user("eli", locale="en-US")
        dc.add_member(guild, admin, roles=[role])
        dc.add_member(guild, member)
        await app.start()
        await telegram.start()
        await discord.start()
        try:
            yield Both(tg, dc, app, store, clock, telegram, discord, guild, admin, member)
        finally:
            await discord.stop()
            await telegram.stop()
            await app.stop()
