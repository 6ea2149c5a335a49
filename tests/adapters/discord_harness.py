"""The real core and the real Discord adapter against the fake Discord, one line per action.

    async with discord_harness(db_url) as dc:          # or the `dc` fixture
        answer = await dc.slash("help", locale="es-ES")  # in dc.world's channel, as its member
        assert "Esto es lo que puedes hacer" in answer.text
        answer = await dc.click(answer.messages[0].id, "lang:es", user=dc.world.mod)
        await dc.settle()                                 # deliver what the outbox holds
        await dc.restart()                                # a new adapter on the same store

`dc.fake` is the `FakeDiscord` (add guilds, channels, users; inspect messages,
commands and calls), `dc.app` the core, `dc.store` the store on the test
database, `dc.clock` the FakeClock the core runs on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from adapters.discord import DiscordAdapter
from bot.app import App
from bot.clock import FakeClock
from bot.feature import Feature
from scheduling.pacing import Limits
from storage.store import SqlStore
from tests.fakes.discord_api import FakeDiscord, InteractionCallback, InteractionHandle, Perm
from tests.fakes.discord_payloads import StoredMessage
from tests.support import open_store, settings_for_tests


@dataclass(frozen=True)
class World:
    """A Spanish-speaking server: a channel, a moderator (Manage Server) and a member."""

    guild: int
    channel: int
    mod: int
    member: int
    mod_role: int


@dataclass
class Answer:
    """What the bot did with one interaction."""

    handle: InteractionHandle
    callback: InteractionCallback
    messages: list[StoredMessage] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Every message's content (and embed text) the interaction produced, joined."""
        parts = []
        for message in self.messages:
            if message.content:
                parts.append(message.content)
            for embed in message.embeds:
                parts.extend(str(embed[k]) for k in ("title", "description") if embed.get(k))
        return "\n".join(parts)

    @property
    def ephemeral(self) -> bool:
        """Whether the response was visible only to the caller."""
        return self.callback.ephemeral

    @property
    def type(self) -> int:
        """The interaction response type (4 message, 5 deferred, 6/7 component, 9 modal)."""
        return self.callback.type


def make_world(fake: FakeDiscord, locale: str = "es-ES") -> World:
    """The default server of the harness."""
    guild = fake.add_guild("Diáspora", preferred_locale=locale)
    channel = fake.add_channel(guild, "general")
    mod_role = fake.add_role(guild, "Moderación", Perm.MANAGE_GUILD)
    mod = fake.add_user("ana", locale=locale)
    member = fake.add_user("ben", locale="en-US")
    fake.add_member(guild, mod, roles=[mod_role])
    fake.add_member(guild, member)
    return World(guild, channel, mod, member, mod_role)


class DiscordHarness:
    """The core and the adapter on a fake Discord."""

    def __init__(self, fake: FakeDiscord, store: SqlStore, clock: FakeClock,
                 features: Sequence[Feature] | None, settings: dict[str, Any]) -> None:
        self.fake = fake
        self.store = store
        self.clock = clock
        self.world = make_world(fake)
        self.settings = settings_for_tests(
            discord_bot_token=fake.token, discord_api_base_url=fake.api_base,
            discord_gateway_url=fake.gateway_url, **settings)
        self.app = App(self.settings, store, clock, features)
        self.adapter = self._adapter()

    def _adapter(self) -> DiscordAdapter:
        adapter = DiscordAdapter(self.app, self.settings)
        # Pacing runs on the real clock; tests of other things need not wait for it.
        self.app.add_messenger(adapter.messenger, Limits())
        return adapter

    async def start(self) -> None:
        """Start the core and connect the adapter."""
        await self.app.start()
        try:
            await self.adapter.start()
        except BaseException:
            await self.adapter.stop()
            await self.app.stop()
            raise

    async def stop(self) -> None:
        """Disconnect and stop the core."""
        await self.adapter.stop()
        await self.app.stop()

    async def restart(self) -> None:
        """A new process on the same store: a fresh App and adapter (nothing kept in memory)."""
        await self.stop()
        self.app = App(self.settings, self.store, self.clock, self.app.router.features)
        self.adapter = self._adapter()
        await self.start()

    async def _answer(self, handle: InteractionHandle) -> Answer:
        callback = await handle.response()
        await self.adapter.wait_idle(timeout=10)
        # Every interaction is acknowledged once, and every follow-up is accepted.
        refused = [c for c in self.fake.calls
                   if (str(handle.id) in c.path or handle.token in c.path) and c.status >= 400]
        assert refused == [], refused
        assert len(handle.callbacks) == 1
        return Answer(handle, callback, handle.sent_messages)

    async def slash(self, *where_and_name: Any, options: dict[str, Any] | None = None,
                    locale: str | None = None, user: int | None = None,
                    channel: int | None = None) -> Answer:
        """Run a slash command ("meeting new" for a subcommand) and wait for every answer.

        `slash("help")` or `slash("echo", {"text": "hi"})` runs it in the world's channel
        as its member (or `user=`, `channel=`); `slash(guild, channel, user, "help", {...})`
        says where and who explicitly (guild None for a private chat).
        """
        if isinstance(where_and_name[0], str):
            name, *rest = where_and_name
            guild = None
        else:
            guild, channel, user, name, *rest = where_and_name
        if rest:
            options = rest[0]
        channel = channel or self.world.channel
        user = user or self.world.member
        guild_id = guild if guild is not None else self.fake.state.channel(channel).guild_id
        handle = await self.fake.slash_command(guild_id, channel, user, name, options or {},
                                               locale=locale)
        return await self._answer(handle)

    async def click(self, message_id: int, custom_id: str, *, user: int | None = None,
                    channel: int | None = None, locale: str | None = None) -> Answer:
        """Click a button on a stored message and wait for every answer."""
        message = self.fake.message(message_id)
        handle = await self.fake.click_button(channel or message.channel_id, message_id,
                                              user or self.world.member, custom_id,
                                              locale=locale)
        return await self._answer(handle)

    async def submit(self, custom_id: str, values: dict[str, Any], *, user: int | None = None,
                     channel: int | None = None, locale: str | None = None) -> Answer:
        """Submit a modal the bot opened and wait for every answer."""
        handle = await self.fake.submit_modal(channel or self.world.channel,
                                              user or self.world.member, custom_id, values,
                                              locale=locale)
        return await self._answer(handle)

    async def settle(self) -> None:
        """Fire due timers and deliver everything the outbox holds."""
        await self.app.runner.resync()
        await self.app.runner.wait_idle()
        await self.app.worker.drain(within=10)

    async def advance(self, delta: timedelta) -> None:
        """Move the clock, then settle."""
        self.clock.advance(delta)
        await self.settle()

    def channel_texts(self, channel: int | None = None) -> list[str]:
        """Contents of the public messages in a channel, oldest first."""
        return [m.content for m in self.fake.messages(channel or self.world.channel,
                                                      ephemeral=False)]


@asynccontextmanager
async def discord_harness(db_url: str, *, clock: FakeClock | None = None,
                          features: Sequence[Feature] | None = None,
                          **settings: Any) -> AsyncIterator[DiscordHarness]:
    """A started core and Discord adapter on `db_url`, against a fresh fake Discord."""
    clock = clock or FakeClock()
    async with FakeDiscord() as fake, open_store(db_url, clock) as store:
        harness = DiscordHarness(fake, store, clock, features, settings)
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()
