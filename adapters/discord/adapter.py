"""The Discord adapter: the gateway connection, slash commands, clicks, modals and the outbox.

Slash commands only (no message content), so the bot needs no privileged
intent: `guilds` is the only intent it asks for. Interactions are dispatched
from their raw payload; buttons by their `custom_id` (a packed action), which
keeps buttons on old messages working after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord import inbound
from adapters.discord.commands import CatalogTranslator, Route, build, parse
from adapters.discord.messenger import NO_MENTIONS, DiscordMessenger
from adapters.discord.respond import Responder
from adapters.discord.views import (
    FORM_PREFIX,
    MAX_MODAL_INPUTS,
    FormField,
    build_modal,
    modal_values,
)
from bot.app import App
from bot.config import ConfigError, Settings
from bot.events import Platform
from bot.i18n import use_locale
from bot.permissions import PermissionDenied

log = logging.getLogger(__name__)


class _Client(discord.AutoShardedClient):
    """discord.py's sharded client, handing every interaction to the adapter."""

    def __init__(self, adapter: DiscordAdapter, *, emulated: bool, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter
        self.emulated = emulated

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Discord wants 5 s between IDENTIFYs; a local emulator does not."""
        if not self.emulated:
            await super().before_identify_hook(shard_id, initial=initial)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Every interaction (discord.py runs each in a task of its own)."""
        await self.adapter.on_interaction(interaction)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Log where the bot was invited; a moderator runs /setup in the channel to use."""
        log.info("joined Discord server %s (%s)", guild.id, guild.name)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Kicked, banned or the server deleted: nothing more is sent to its channels."""
        log.info("left Discord server %s (%s)", guild.id, guild.name)
        await self.adapter.deactivate(space_id=str(guild.id))

    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A deleted channel is a chat that is gone."""
        await self.adapter.deactivate(channel_id=str(channel.id))


class _DeclarationTree(app_commands.CommandTree[_Client]):
    """Declares and syncs the slash commands; dispatch is the adapter's own."""

    async def interaction_check(self, interaction: discord.Interaction[_Client], /) -> bool:
        """Never run a command through the tree (see `DiscordAdapter.on_interaction`)."""
        return False


class DiscordAdapter:
    """Connects the core to Discord; `run()` serves until cancelled."""

    platform = Platform.DISCORD

    def __init__(self, app: App, settings: Settings) -> None:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        self.app = app
        self.settings = settings
        self.emulated = settings.discord_gateway_url is not None
        intents = discord.Intents.none()
        intents.guilds = True
        options: dict[str, Any] = {
            "intents": intents,
            "allowed_mentions": NO_MENTIONS,
            "max_ratelimit_timeout": 10.0,
            "guild_ready_timeout": 0.05 if self.emulated else 2.0,
        }
        if settings.discord_shard_count is not None:
            options["shard_count"] = settings.discord_shard_count
        if settings.discord_shard_ids and settings.discord_shard_count is not None:
            options["shard_ids"] = list(settings.discord_shard_ids)
        # The bot never joins voice: skip discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        self.client = _Client(self, emulated=self.emulated, **options)
        self.tree = _DeclarationTree(self.client)
        commands, self.routes = build(app.router.commands.values(), app.router.features)
        for command in commands:
            self.tree.add_command(command)
        self.by_spec: dict[str, Route] = {r.spec.name: r for r in self.routes.values()}
        self.messenger = DiscordMessenger(self.client)
        app.add_messenger(self.messenger)
        self._connect: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[Any]] = set()
        self._saved: tuple[str, yarl.URL] | None = None
        self._opened = False

    # -- lifecycle ----------------------------------------------------------------

    def _point_at_endpoints(self) -> None:
        """Use the configured REST base and gateway instead of Discord's (an emulator)."""
        base, gateway = self.settings.discord_api_base_url, self.settings.discord_gateway_url
        if base is None and gateway is None:
            return
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        if base is not None:
            discord.http.Route.BASE = base.rstrip("/")
        if gateway is not None:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)

    def _restore_endpoints(self) -> None:
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None

    def _check_shards(self) -> None:
        ids, count = self.settings.discord_shard_ids, self.settings.discord_shard_count
        if ids and count is None:
            raise ConfigError("setting DISCORD_SHARD_IDS: set DISCORD_SHARD_COUNT too")
        if count is not None and (count < 1 or any(not 0 <= i < count for i in ids)):
            raise ConfigError("setting DISCORD_SHARD_IDS: each id must be below "
                              "DISCORD_SHARD_COUNT")

    async def start(self) -> None:
        """Log in, sync the slash commands, connect and wait until the gateway is ready."""
        self._check_shards()
        self._point_at_endpoints()
        token = self.settings.discord_bot_token
        assert token is not None
        self._opened = True
        try:
            await self.client.login(token.get_secret_value())
        except discord.LoginFailure:
            raise ConfigError("setting DISCORD_BOT_TOKEN: Discord refused this token") from None
        self.messenger.ready.set()
        await self.sync_commands()
        self._connect = asyncio.create_task(self.client.connect(reconnect=True),
                                            name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        await asyncio.wait({self._connect, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not ready.done():
            ready.cancel()
            self._connect.result()  # raises what stopped the connection
            raise RuntimeError("the Discord gateway closed before it was ready")
        log.info("connected to Discord as %s on %s shard(s)", self.client.user,
                 self.client.shard_count)

    async def sync_commands(self) -> None:
        """Sync the slash commands (to DISCORD_DEV_GUILD_ID only, when set); shard 0 does it."""
        if self.settings.discord_shard_ids and 0 not in self.settings.discord_shard_ids:
            return
        await self.tree.set_translator(CatalogTranslator())
        guild_id = self.settings.discord_dev_guild_id
        try:
            if guild_id is not None:
                guild = discord.Object(guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
            else:
                synced = await self.tree.sync()
        except discord.HTTPException as exc:
            log.error("could not sync slash commands: %s %s", exc.status, exc.text)
            return
        log.info("synced %d slash commands %s", len(synced),
                 f"to server {guild_id}" if guild_id else "globally")

    async def stop(self) -> None:
        """Close the gateway and the HTTP session; let handlers in flight finish."""
        await self.wait_idle(timeout=5.0)
        if self._opened:
            await self.client.close()
            self._opened = False
        if self._connect is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._connect, 5.0)
            self._connect = None
        self.messenger.ready.clear()
        self._restore_endpoints()

    async def run(self) -> None:
        """Serve until cancelled (or until the connection fails for good), then shut down."""
        try:
            await self.start()
            assert self._connect is not None
            await self._connect
        finally:
            await self.stop()

    async def wait_idle(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until every interaction being handled is answered."""
        async def idle() -> None:
            while self._inflight:
                await asyncio.gather(*list(self._inflight), return_exceptions=True)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(idle(), timeout)

    async def deactivate(self, *, space_id: str | None = None,
                         channel_id: str | None = None) -> None:
        """Mark the chats of a server the bot left, or of a deleted channel, inactive."""
        store = self.app.store
        try:
            if space_id is not None:
                chats = await store.chats.in_space(Platform.DISCORD, space_id)
            else:
                found = await store.chats.find(Platform.DISCORD, channel_id or "")
                chats = [found] if found is not None and found.active else []
            for chat in chats:
                await store.chats.set_active(chat.id, False)
        except Exception:
            log.exception("could not mark Discord chats inactive")

    # -- interactions ----------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Hand a slash command, click or modal to the core and answer it."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            kind = interaction.type
            if kind is discord.InteractionType.application_command:
                await self._slash(interaction)
            elif kind is discord.InteractionType.component:
                await self._click(interaction)
            elif kind is discord.InteractionType.modal_submit:
                await self._submitted(interaction)
        except Exception:
            log.exception("failed to handle Discord interaction %s", interaction.id)
        finally:
            if task is not None:
                self._inflight.discard(task)

    def _responder(self, interaction: discord.Interaction) -> Responder:
        return Responder(interaction, inbound.chat_ref(interaction), self.messenger)

    async def _slash(self, interaction: discord.Interaction) -> None:
        name, values = parse(interaction.data or {})
        route = self.routes.get(name)
        if route is None:
            event = inbound.unknown_command_event(interaction, name)
            await self._responder(interaction).command(self.app.handle(event))
            return
        event = inbound.command_event(interaction, route, values)
        if route.wants_form and await self._ask_form(interaction, route, event.options):
            return
        await self._responder(interaction).command(self.app.handle(event))

    async def _ask_form(self, interaction: discord.Interaction, route: Route,
                        given: dict[str, str]) -> bool:
        """Open a modal for a multi-field command whose required fields are missing."""
        spec = route.spec
        if len(spec.args) > MAX_MODAL_INPUTS or all(
                given.get(a.name) for a in spec.args if a.required):
            return False
        router = self.app.router
        ctx = await router.context_for(inbound.command_event(interaction, route, {}))
        try:
            await router.permit(ctx, spec.rule, spec.rule.role)
        except PermissionDenied:
            return False  # the core refuses it, in the caller's language
        with use_locale(ctx.person_locale):
            fields = [FormField(a.name, a.summary.text(), long=a.rest, required=a.required,
                                default=given.get(a.name)) for a in spec.args]
            title = spec.summary.text()
        await interaction.response.send_modal(build_modal(title, FORM_PREFIX + spec.name,
                                                          fields))
        return True

    async def _click(self, interaction: discord.Interaction) -> None:
        data: Any = interaction.data or {}
        event = inbound.button_event(interaction, str(data.get("custom_id", "")))
        await self._responder(interaction).button(self.app.handle(event))

    async def _submitted(self, interaction: discord.Interaction) -> None:
        data: Any = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        route = self.by_spec.get(custom_id.removeprefix(FORM_PREFIX))
        if custom_id.startswith(FORM_PREFIX) and route is not None:
            event = inbound.command_event(interaction, route, modal_values(data))
            await self._responder(interaction).command(self.app.handle(event))
            return
        # A form the core asked for (`Form.id`); the core checks it is still wanted.
        submitted = inbound.form_event(interaction, custom_id, modal_values(data))
        await self._responder(interaction).button(self.app.handle(submitted))
