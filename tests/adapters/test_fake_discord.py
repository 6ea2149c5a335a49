"""The fake Discord (tests/fakes/discord_api.py) driving the real discord.py client offline."""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest

from tests.fakes.discord_api import FakeDiscord, Perm

with warnings.catch_warnings():
    # discord.py's voice player imports the stdlib ``audioop`` (deprecated in 3.11); with
    # ``filterwarnings = error`` the first ``import discord`` would fail collection.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands
    from discord.app_commands import locale_str

INTENTS = discord.Intents.default()
READY_TIMEOUT = 0.05


class FastClient(discord.Client):
    """discord.Client without the 5 s pause before non-initial IDENTIFYs."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip the IDENTIFY rate-limit sleep (the fake has no such limit)."""


class FastShardedClient(discord.AutoShardedClient):
    """AutoShardedClient without the 5 s pause between shard IDENTIFYs."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Skip the IDENTIFY rate-limit sleep (the fake has no such limit)."""


def make_client(**kwargs: Any) -> FastClient:
    """A plain client with default intents and a short guild-ready wait."""
    return FastClient(intents=INTENTS, guild_ready_timeout=READY_TIMEOUT, **kwargs)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A running fake with discord.py pointed at it."""
    async with FakeDiscord() as server:
        with server.point_discord_py_here():
            yield server


@pytest.fixture
def world(fake: FakeDiscord) -> dict[str, int]:
    """One Spanish-speaking guild with a text channel and a member."""
    guild = fake.add_guild("Diaspora ES", preferred_locale="es-ES")
    channel = fake.add_channel(guild, "general")
    user = fake.add_user("ana", locale="es-ES")
    fake.add_member(guild, user)
    return {"guild": guild, "channel": channel, "user": user}


@asynccontextmanager
async def running(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[discord.Client]:
    """Login, connect and wait for on_ready; close cleanly afterwards."""
    async with client:
        await client.login(fake.token)
        connect = asyncio.create_task(client.connect())
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait(
            {connect, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED
        )
        try:
            if connect in done:
                connect.result()
                raise AssertionError("client.connect() returned before READY")
            assert ready in done, "client never became ready"
            yield client
        finally:
            ready.cancel()
            await client.close()
            await asyncio.wait_for(connect, 5)


def text_channel(client: discord.Client, channel_id: int) -> discord.TextChannel:
    """Cached text channel by id."""
    channel = client.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


# ------------------------------------------------------------------------------------ login


async def test_login_ready_and_guild_create(fake: FakeDiscord, world: dict[str, int]) -> None:
    """Login, IDENTIFY (zlib-stream), READY and GUILD_CREATE populate the client cache."""
    client = make_client()
    async with running(client, fake):
        guild = client.get_guild(world["guild"])
        assert guild is not None
        assert guild.name == "Diaspora ES"
        assert guild.preferred_locale is discord.Locale.spain_spanish
        assert text_channel(client, world["channel"]).name == "general"
        assert guild.me is not None and guild.me.id == fake.bot_user_id
        assert client.user is not None and client.user.id == fake.bot_user_id
        assert client.application_id == fake.application_id
    assert [c.route for c in fake.calls[:2]] == [
        "GET /users/@me",
        "GET /oauth2/applications/@me",
    ]
    assert fake.calls[0].headers["Authorization"] == "<redacted>"
    assert fake.identifies[0]["intents"] == INTENTS.value
    assert "shard" not in fake.identifies[0]
    assert fake.gateway.connections[0].compress == "zlib-stream"
    assert fake.gateway.connections[0].heartbeats >= 1
    # Client.close() ends up sending close code 4000 (aiohttp wakes the reader task, whose
    # poll_event closes with 4000 first), so the session stays resumable, as on Discord.
    await fake.wait_until(lambda: fake.gateway.close_codes, what="gateway close")
    assert fake.gateway.close_codes == [4000]
    assert not fake.gateway.sessions[0].connected


async def test_wrong_token_is_login_failure(fake: FakeDiscord) -> None:
    """A wrong token gets 401 and discord.py raises LoginFailure."""
    client = make_client()
    async with client:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    assert fake.calls[0].status == 401


class RecordingClient(FastClient):
    """Records the ids of messages it sees over the gateway."""

    def __init__(self) -> None:
        super().__init__(intents=INTENTS, guild_ready_timeout=READY_TIMEOUT)
        self.seen: list[int] = []

    async def on_message(self, message: discord.Message) -> None:
        """Remember every MESSAGE_CREATE."""
        self.seen.append(message.id)


async def test_resume_after_dropped_gateway(fake: FakeDiscord, world: dict[str, int]) -> None:
    """A dropped gateway is RESUMEd (no second IDENTIFY); missed events are replayed once."""
    client = RecordingClient()
    tree = app_commands.CommandTree(client)

    @tree.command(name="ping", description="Ping")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    async with running(client, fake):
        await tree.sync()
        session = fake.gateway.sessions[0]
        assert await fake.disconnect_clients() == 1
        missed = await fake.post_user_message(world["channel"], world["user"], "¿hola?")
        await fake.wait_until(lambda: session.resumes == 1 and session.connected, what="RESUME")
        await fake.wait_until(lambda: client.seen, what="the replayed MESSAGE_CREATE")
        handle = await fake.slash_command(world["guild"], world["channel"], world["user"], "ping")
        assert (await handle.response()).content == "pong"
    assert client.seen[0] == missed.id
    assert client.seen.count(missed.id) == 1
    assert len(fake.identifies) == 1
    assert fake.gateway.close_codes[0] == 4000


# ---------------------------------------------------------------------------- commands


SPANISH = {
    "remind": "recordar",
    "Set a reminder": "Crear un recordatorio",
    "text": "texto",
    "What to remember": "Qué recordar",
    "when": "cuando",
    "When to remind you": "Cuándo avisarte",
    "Tomorrow": "Mañana",
}


class SpanishTranslator(app_commands.Translator):
    """Translates the test strings to es-ES only."""

    async def translate(
        self,
        string: locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        """Return the Spanish string for es-ES, nothing for other locales."""
        if locale is discord.Locale.spain_spanish:
            return SPANISH.get(string.message)
        return None


async def test_sync_records_localized_commands(fake: FakeDiscord, world: dict[str, int]) -> None:
    """tree.sync() sends name/description localizations, options and choices."""
    client = make_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name=locale_str("remind"), description=locale_str("Set a reminder"))
    @app_commands.rename(text=locale_str("text"), when=locale_str("when"))
    @app_commands.describe(
        text=locale_str("What to remember"), when=locale_str("When to remind you")
    )
    @app_commands.choices(when=[app_commands.Choice(name=locale_str("Tomorrow"), value="tomorrow")])
    async def remind(interaction: discord.Interaction, text: str, when: str) -> None:
        await interaction.response.send_message(text)

    @tree.command(name="event", description="Guild event", guild=discord.Object(world["guild"]))
    async def event(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    async with running(client, fake):
        await tree.set_translator(SpanishTranslator())
        synced_global = await tree.sync()
        synced_guild = await tree.sync(guild=discord.Object(world["guild"]))

    [cmd] = fake.commands[None]
    assert cmd["name"] == "remind"
    assert cmd["name_localizations"] == {"es-ES": "recordar"}
    assert cmd["description_localizations"] == {"es-ES": "Crear un recordatorio"}
    text_opt, when_opt = cmd["options"]
    assert (text_opt["name"], text_opt["type"], text_opt["required"]) == ("text", 3, True)
    assert text_opt["name_localizations"] == {"es-ES": "texto"}
    assert text_opt["description_localizations"] == {"es-ES": "Qué recordar"}
    assert when_opt["choices"] == [
        {"name": "Tomorrow", "value": "tomorrow", "name_localizations": {"es-ES": "Mañana"}}
    ]
    assert [c["name"] for c in fake.commands[world["guild"]]] == ["event"]
    assert [c.id for c in synced_global] == [int(cmd["id"])]
    assert synced_guild[0].guild_id == world["guild"]
    assert fake.calls_to("PUT", "/applications/*/commands")[0].json[0]["name"] == "remind"


async def test_invalid_command_locale_is_rejected(fake: FakeDiscord) -> None:
    """Discord rejects unknown locale keys with 50035; so does the fake."""
    client = make_client()
    async with running(client, fake):
        with pytest.raises(discord.HTTPException) as info:
            await client.http.bulk_upsert_global_commands(
                fake.application_id,
                [{"name": "x", "description": "y", "name_localizations": {"es": "equis"}}],
            )
    assert info.value.status == 400
    assert info.value.code == 50035


async def test_localized_names_follow_discords_rules(fake: FakeDiscord) -> None:
    """Devanagari vowel signs are allowed; two siblings showing one name in a locale
    (localized, or the default where it has none) are refused."""
    client = make_client()
    fine = [{"name": "help", "description": "y", "name_localizations": {"hi": "मदद"}},
            {"name": "setup", "description": "y", "name_localizations": {"hi": "सेटअप"}}]
    clash = [{"name": "help", "description": "y", "name_localizations": {"fr": "setup"}},
             {"name": "setup", "description": "y"}]
    async with running(client, fake):
        await client.http.bulk_upsert_global_commands(fake.application_id, fine)
        with pytest.raises(discord.HTTPException) as info:
            await client.http.bulk_upsert_global_commands(fake.application_id, clash)
    assert info.value.code == 50035
    assert [c["name_localizations"] for c in fake.commands[None]] == [{"hi": "मदद"},
                                                                      {"hi": "सेटअप"}]


# ------------------------------------------------------------------------ interactions


async def test_slash_command_ephemeral_reply_and_locale(
    fake: FakeDiscord, world: dict[str, int]
) -> None:
    """A slash command with a string option is answered ephemerally; locales arrive."""
    client = make_client()
    tree = app_commands.CommandTree(client)
    seen: dict[str, Any] = {}

    @tree.command(name="echo", description="Echo text")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        seen.update(
            locale=interaction.locale,
            guild_locale=interaction.guild_locale,
            user=interaction.user.id,
            perms=interaction.app_permissions.send_messages,
        )
        await interaction.response.send_message(f"eco: {text}", ephemeral=True)

    async with running(client, fake):
        await tree.sync()
        handle = await fake.slash_command(
            world["guild"],
            world["channel"],
            world["user"],
            "echo",
            {"text": "hola"},
            locale="pt-BR",
        )
        callback = await handle.response()
    assert callback.type == 4
    assert callback.ephemeral
    assert callback.content == "eco: hola"
    assert seen == {
        "locale": discord.Locale.brazil_portuguese,
        "guild_locale": discord.Locale.spain_spanish,
        "user": world["user"],
        "perms": True,
    }
    [message] = fake.messages(world["channel"], ephemeral=True)
    assert message.content == "eco: hola" and message.interaction_id == handle.id
    assert fake.messages(world["channel"], ephemeral=False) == []


async def test_default_interaction_locale_is_the_users(
    fake: FakeDiscord, world: dict[str, int]
) -> None:
    """Without an explicit locale the interaction carries the user's locale."""
    client = make_client()
    tree = app_commands.CommandTree(client)
    locales: list[discord.Locale] = []

    @tree.command(name="where", description="Locale")
    async def where(interaction: discord.Interaction) -> None:
        locales.append(interaction.locale)
        await interaction.response.send_message("ok")

    async with running(client, fake):
        await tree.sync()
        handle = await fake.slash_command(world["guild"], world["channel"], world["user"], "where")
        await handle.response()
    assert locales == [discord.Locale.spain_spanish]


async def test_defer_then_followups(fake: FakeDiscord, world: dict[str, int]) -> None:
    """After a defer the first follow-up fills the original; the next is a new message."""
    client = make_client()
    tree = app_commands.CommandTree(client)
    sent: list[int] = []

    @tree.command(name="slow", description="Deferred")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        first = await interaction.followup.send("primero")
        second = await interaction.followup.send("segundo", ephemeral=True, wait=True)
        sent.extend([first.id, second.id])

    async with running(client, fake):
        await tree.sync()
        handle = await fake.slash_command(world["guild"], world["channel"], world["user"], "slow")
        assert (await handle.response()).type == 5
        messages = await handle.wait_messages(2)
        await fake.wait_until(lambda: sent, what="the command to finish")
    assert [m.content for m in messages] == ["primero", "segundo"]
    assert [m.ephemeral for m in messages] == [False, True]
    assert handle.original is not None and sent == [handle.original.id, messages[1].id]
    assert [m.id for m in handle.followups] == [messages[1].id]
    post = fake.calls_to("POST", "/webhooks/{app}/{token}")[0]
    assert post.query["wait"] == "1" and "Authorization" not in post.headers


async def test_second_callback_is_already_acknowledged(
    fake: FakeDiscord, world: dict[str, int]
) -> None:
    """A second callback for one interaction gets 400 / 40060 like Discord."""
    client = make_client()
    tree = app_commands.CommandTree(client)

    @tree.command(name="twice", description="Answer twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")

    async with running(client, fake):
        await tree.sync()
        handle = await fake.slash_command(world["guild"], world["channel"], world["user"], "twice")
        await handle.response()
        url = f"{fake.api_base}/interactions/{handle.id}/{handle.token}/callback"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json={"type": 4, "data": {"content": "two"}}) as resp,
        ):
            assert resp.status == 400
            assert resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["code"] == 40060
    assert len(handle.callbacks) == 1


async def test_late_ack_is_unknown_interaction(fake: FakeDiscord, world: dict[str, int]) -> None:
    """Answering after the acknowledgement window fails with 404 / 10062, as on Discord."""
    fake.interaction_ack_timeout = 0.1
    client = make_client()
    tree = app_commands.CommandTree(client)
    codes: list[int] = []

    @tree.command(name="slowpoke", description="Too slow")
    async def slowpoke(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.2)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as exc:
            codes.append(exc.code)

    async with running(client, fake):
        await tree.sync()
        with pytest.raises(LookupError):
            await fake.slash_command(world["guild"], world["channel"], world["user"], "nope")
        handle = await fake.slash_command(
            world["guild"], world["channel"], world["user"], "slowpoke"
        )
        await fake.wait_for_call("POST", "/interactions/{id}/{token}/callback")
        await fake.wait_until(lambda: codes, what="the bot to see the NotFound")
    assert codes == [10062]
    assert not handle.acknowledged


class Panel(discord.ui.View):
    """A persistent view with one button."""

    def __init__(self, clicks: list[int]) -> None:
        super().__init__(timeout=None)
        self.clicks = clicks

    @discord.ui.button(label="Unirme", custom_id="panel:join", style=discord.ButtonStyle.primary)
    async def join(
        self, interaction: discord.Interaction, button: discord.ui.Button[Panel]
    ) -> None:
        """Record the click and answer ephemerally."""
        self.clicks.append(interaction.user.id)
        await interaction.response.send_message("¡Dentro!", ephemeral=True)


class PanelClient(FastClient):
    """Registers the persistent Panel view at startup, like a bot would."""

    def __init__(self, clicks: list[int]) -> None:
        super().__init__(intents=INTENTS, guild_ready_timeout=READY_TIMEOUT)
        self.clicks = clicks

    async def setup_hook(self) -> None:
        """Re-register the persistent view."""
        self.add_view(Panel(self.clicks))


async def test_persistent_button_survives_restart(fake: FakeDiscord, world: dict[str, int]) -> None:
    """A persistent button on an old message still dispatches after a client restart."""
    first_clicks: list[int] = []
    first = PanelClient(first_clicks)
    async with running(first, fake):
        message = await text_channel(first, world["channel"]).send(
            "Panel", view=Panel(first_clicks)
        )
        assert fake.messages(world["channel"])[0].custom_ids() == ["panel:join"]
        handle = await fake.click_button(world["channel"], message.id, world["user"], "panel:join")
        assert (await handle.response()).content == "¡Dentro!"
    assert first_clicks == [world["user"]]

    second_clicks: list[int] = []
    second = PanelClient(second_clicks)
    async with running(second, fake):
        handle = await fake.click_button(
            world["channel"], message.id, world["user"], "panel:join", locale="fr"
        )
        callback = await handle.response()
    assert callback.type == 4 and callback.ephemeral
    assert second_clicks == [world["user"]]
    assert first_clicks == [world["user"]]
    assert handle.payload["message"]["id"] == str(message.id)
    assert len(fake.identifies) == 2


async def test_button_update_message_and_modal(fake: FakeDiscord, world: dict[str, int]) -> None:
    """Component callbacks: type 7 edits the message; a modal round-trips its inputs."""
    client = make_client()
    tree = app_commands.CommandTree(client)
    answers: list[str] = []

    class Feedback(discord.ui.Modal, title="Opinión"):
        """A one-field modal."""

        text: discord.ui.TextInput[Feedback] = discord.ui.TextInput(
            label="Texto", custom_id="fb:text"
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            answers.append(self.text.value)
            await interaction.response.send_message("gracias", ephemeral=True)

    class Counter(discord.ui.View):
        """A view whose button edits its own message."""

        @discord.ui.button(label="+1", custom_id="count:inc")
        async def inc(
            self, interaction: discord.Interaction, button: discord.ui.Button[Any]
        ) -> None:
            await interaction.response.edit_message(content="1", view=self)

    @tree.command(name="feedback", description="Feedback")
    async def feedback(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Feedback())

    async with running(client, fake):
        await tree.sync()
        message = await text_channel(client, world["channel"]).send("0", view=Counter())
        click = await fake.click_button(world["channel"], message.id, world["user"], "count:inc")
        assert (await click.response()).type == 7
        assert fake.messages(world["channel"])[0].content == "1"

        handle = await fake.slash_command(
            world["guild"], world["channel"], world["user"], "feedback"
        )
        modal = await handle.response()
        assert modal.type == 9 and modal.data is not None
        assert modal.data["title"] == "Opinión"
        submit = await fake.submit_modal(
            world["channel"], world["user"], modal.data["custom_id"], {"fb:text": "genial"}
        )
        assert (await submit.response()).content == "gracias"
    assert answers == ["genial"]


# ---------------------------------------------------------------------------- messages


async def test_allowed_mentions_none_is_recorded(fake: FakeDiscord, world: dict[str, int]) -> None:
    """AllowedMentions.none() is sent as {"parse": []} and suppresses the ping."""
    client = make_client()
    async with running(client, fake):
        channel = text_channel(client, world["channel"])
        await channel.send(
            f"hola <@{world['user']}>", allowed_mentions=discord.AllowedMentions.none()
        )
        await channel.send(f"hola <@{world['user']}>")
    quiet, loud = fake.messages(world["channel"])
    assert quiet.allowed_mentions == {"parse": []}
    assert quiet.mentions == []
    assert loud.allowed_mentions is None
    assert loud.mentions == [world["user"]]


async def test_forbidden_channel_raises(fake: FakeDiscord, world: dict[str, int]) -> None:
    """Overwrites denying the bot produce Discord's 403 codes, raised as discord.Forbidden."""
    read_only = fake.add_channel(world["guild"], "anuncios")
    hidden = fake.add_channel(world["guild"], "staff")
    fake.forbid_bot(read_only)
    fake.forbid_bot(hidden, hide=True)
    client = make_client()
    async with running(client, fake):
        with pytest.raises(discord.Forbidden) as denied:
            await text_channel(client, read_only).send("hola")
        with pytest.raises(discord.Forbidden) as invisible:
            await text_channel(client, hidden).send("hola")
        assert (
            text_channel(client, read_only)
            .permissions_for(text_channel(client, read_only).guild.me)
            .send_messages
            is False
        )
    assert (denied.value.status, denied.value.code) == (403, 50013)
    assert (invisible.value.status, invisible.value.code) == (403, 50001)
    assert fake.messages(read_only) == []


async def test_message_limits(fake: FakeDiscord, world: dict[str, int]) -> None:
    """Over-long content is 50035, an empty message 50006, an unknown channel 10003."""
    client = make_client()
    async with running(client, fake):
        channel = text_channel(client, world["channel"])
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        with pytest.raises(discord.HTTPException) as empty:
            await channel.send()
        with pytest.raises(discord.NotFound) as unknown:
            await client.fetch_channel(123456789012345678)
    assert (too_long.value.status, too_long.value.code) == (400, 50035)
    assert "2000" in str(too_long.value)
    assert empty.value.code == 50006
    assert unknown.value.code == 10003
    assert fake.messages(world["channel"]) == []


async def test_429_is_retried_and_lands_once(fake: FakeDiscord, world: dict[str, int]) -> None:
    """An injected 429 is honoured by discord.py (sleep retry_after, retry) and counted."""
    fake.fail_next("POST /channels/{channel_id}/messages", 429, retry_after=0.2)
    client = make_client()
    async with running(client, fake):
        started = time.monotonic()
        sent = await text_channel(client, world["channel"]).send("hola")
        elapsed = time.monotonic() - started
    [stored] = fake.messages(world["channel"])
    assert stored.id == sent.id
    statuses = [c.status for c in fake.calls_to("POST", "/channels/*/messages")]
    assert statuses == [429, 200]
    assert fake.stats.rate_limited == 1 and fake.stats.faults_injected == 1
    assert elapsed >= 0.2


async def test_nonce_is_enforced(fake: FakeDiscord, world: dict[str, int]) -> None:
    """enforce_nonce returns the earlier message, also after a lost response."""
    client = make_client()
    async with running(client, fake):
        channel = text_channel(client, world["channel"])
        first = await channel.send("hola", nonce="reminder-42")
        again = await channel.send("hola", nonce="reminder-42")
        fake.fail_next("POST /channels/*/messages", "drop_after")
        with pytest.raises(aiohttp.ClientError):
            await channel.send("adiós", nonce="reminder-43")
        retried = await channel.send("adiós", nonce="reminder-43")
    assert again.id == first.id
    assert [m.content for m in fake.messages(world["channel"])] == ["hola", "adiós"]
    assert retried.id == fake.messages(world["channel"])[1].id
    assert fake.calls_to("POST", "/channels/*/messages")[0].json["enforce_nonce"] is True


async def test_global_rate_limit(fake: FakeDiscord, world: dict[str, int]) -> None:
    """A global 429 blocks all requests until retry_after, then everything lands."""
    client = make_client()
    async with running(client, fake):
        fake.set_global_rate_limit(4)
        channel = text_channel(client, world["channel"])
        await asyncio.gather(*(channel.send(f"m{i}") for i in range(8)))
        fake.set_global_rate_limit(None)
    assert sorted(m.content for m in fake.messages(world["channel"])) == [f"m{i}" for i in range(8)]
    assert fake.stats.global_rate_limited >= 1


async def test_edit_pin_delete_and_dm(fake: FakeDiscord, world: dict[str, int]) -> None:
    """Edits, pins (new /messages/pins route), deletes and DMs reach the fake's state."""
    shy = fake.add_user("luis", accepts_dms=False)
    client = make_client()
    async with running(client, fake):
        channel = text_channel(client, world["channel"])
        message = await channel.send("borrador", embed=discord.Embed(title="Evento"))
        await message.edit(content="final")
        await message.pin()
        pins = [m async for m in channel.pins()]
        doomed = await channel.send("temporal")
        await doomed.delete()
        user = await client.fetch_user(world["user"])
        await user.send("¡Hola!")
        with pytest.raises(discord.Forbidden) as blocked:
            await (await client.fetch_user(shy)).send("hola")
    [stored] = fake.messages(world["channel"])
    assert (stored.content, stored.pinned, stored.edits) == ("final", True, 1)
    assert stored.embeds[0]["title"] == "Evento"
    assert [p.id for p in pins] == [stored.id]
    assert fake.calls_to("PUT", "/channels/*/messages/pins/*")
    assert fake.message(doomed.id).deleted
    assert [m.content for m in fake.messages(fake.dm_channel_id(world["user"]))] == ["¡Hola!"]
    assert blocked.value.code == 50007


# ----------------------------------------------------------------------------- sharding


async def test_autosharded_client_two_shards(fake: FakeDiscord) -> None:
    """AutoShardedClient(shard_count=2) identifies both shards; guilds land on their shard."""
    guild_a = fake.add_guild("Shard cero", shard=(0, 2))
    guild_b = fake.add_guild("Shard uno", preferred_locale="fr", shard=(1, 2))
    channel_b = fake.add_channel(guild_b, "général")
    user = fake.add_user("marie", locale="fr")
    fake.add_member(guild_b, user)
    client = FastShardedClient(intents=INTENTS, shard_count=2, guild_ready_timeout=READY_TIMEOUT)
    tree = app_commands.CommandTree(client)
    shards: list[int | None] = []

    @tree.command(name="shard", description="Which shard")
    async def shard(interaction: discord.Interaction) -> None:
        shards.append(interaction.guild.shard_id if interaction.guild else None)
        await interaction.response.send_message("ok")

    async with running(client, fake):
        await fake.wait_ready(shard_count=2)
        await tree.sync()
        a, b = client.get_guild(guild_a), client.get_guild(guild_b)
        assert a is not None and b is not None
        assert (a.shard_id, b.shard_id) == (0, 1)
        assert b.preferred_locale is discord.Locale.french
        handle = await fake.slash_command(guild_b, channel_b, user, "shard")
        await handle.response()
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (1, 2)]
    assert [e.data["id"] for e in fake.gateway_events("GUILD_CREATE", shard_id=0)] == [str(guild_a)]
    assert [e.data["id"] for e in fake.gateway_events("GUILD_CREATE", shard_id=1)] == [str(guild_b)]
    assert [e.shard_id for e in fake.gateway_events("INTERACTION_CREATE")] == [1]
    assert shards == [1]
    assert not fake.calls_to("GET", "/gateway/bot")


async def test_autosharded_client_asks_gateway_bot() -> None:
    """Without shard_count, AutoShardedClient uses GET /gateway/bot's url and shard count."""
    async with FakeDiscord(recommended_shards=2) as fake:
        fake.add_guild("A", shard=(0, 2))
        fake.add_guild("B", shard=(1, 2))
        with fake.point_discord_py_here():
            client = FastShardedClient(intents=INTENTS, guild_ready_timeout=READY_TIMEOUT)
            async with running(client, fake):
                assert client.shard_count == 2
                assert len(client.guilds) == 2
        assert fake.calls_to("GET", "/gateway/bot")[0].status == 200
        assert sorted(i["shard"][0] for i in fake.identifies) == [0, 1]


async def test_privileged_intents_need_enabling(fake: FakeDiscord) -> None:
    """Asking for a privileged intent that is not enabled closes with 4014."""
    client = FastClient(intents=discord.Intents.all(), guild_ready_timeout=READY_TIMEOUT)
    async with client:
        await client.login(fake.token)
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(client.connect(), 5)
    assert 4014 in fake.gateway.close_codes
    assert discord.Permissions(send_messages=True).value == Perm.SEND_MESSAGES
