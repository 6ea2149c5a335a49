"""A fake Discord (REST API v10 + gateway websocket) on loopback for offline discord.py tests.

Usage (see ``tests/adapters/test_fake_discord.py`` for a reusable ``running()`` helper)::

    async with FakeDiscord() as fake:
        guild_id = fake.add_guild("Diaspora ES", preferred_locale="es-ES")
        channel_id = fake.add_channel(guild_id, "general")
        user_id = fake.add_user("ana", locale="es-ES")
        fake.add_member(guild_id, user_id)
        with fake.point_discord_py_here():
            client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
            tree = app_commands.CommandTree(client)
            ...  # define commands
            async with client:                       # sets up the loop; closes on exit
                await client.login(fake.token)
                task = asyncio.create_task(client.connect())
                await client.wait_until_ready()      # only valid after login()
                await tree.sync()
                handle = await fake.slash_command(guild_id, channel_id, user_id, "echo", {"t": "x"})
                callback = await handle.response()   # InteractionCallback: type, data, ephemeral
                await client.close()
                await task

Main API: world setup ``add_user/add_guild/add_role/add_member/add_channel/set_overwrite/
forbid_bot/dm_channel_id``; inspection ``calls``, ``calls_to``, ``messages``, ``message``,
``commands``, ``command``, ``interactions``, ``identifies``, ``gateway_events``, ``stats``;
waiting ``wait_for_call``, ``wait_for_messages``, ``wait_until``, ``wait_ready`` (event
driven, plus a 50 ms re-check for predicates over client-side state); gateway
``dispatch``, ``send_to_shard``, ``disconnect_clients``, ``request_reconnect``,
``announce_guild``, ``post_user_message``; interactions ``slash_command``, ``autocomplete``,
``click_button``, ``select_menu``, ``submit_modal`` (each returns an InteractionHandle);
faults ``fail_next``, ``set_fault_rate``, ``set_global_rate_limit``, ``set_route_limit``.

Pointing discord.py here (done and undone by ``with fake.point_discord_py_here():``):

* ``discord.http.Route.BASE`` becomes ``fake.api_base`` (``http://127.0.0.1:PORT/api/v10``).
  Every ``Route`` – HTTPClient calls *and* the interaction/webhook adapter – computes its URL
  from ``Route.BASE`` when constructed, so patching the class attribute is enough.
* ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` becomes ``yarl.URL(fake.gateway_url)``.
  ``Client`` and ``AutoShardedClient(shard_count=N)`` connect there directly (no
  ``GET /gateway``); ``AutoShardedClient()`` without ``shard_count`` calls ``GET /gateway/bot``
  and uses the returned ``url`` (``fake.gateway_url``) and ``shards`` (``recommended_shards``).
  After READY, discord.py reconnects/RESUMEs to READY's ``resume_gateway_url`` (this fake
  again) and falls back to ``DEFAULT_GATEWAY`` after INVALID_SESSION.

Wire facts this fake relies on (discord.py 2.7.1):

* Login: ``GET /users/@me`` then ``GET /oauth2/applications/@me``; ``application_id`` comes from
  there, so interactions and command sync need no extra setup.
* discord.py requests ``?v=10&encoding=json&compress=zlib-stream`` (``zstd-stream`` when the
  ``zstandard`` package is importable, which it is not here); it also accepts plain text frames.
  This fake honours ``zlib-stream`` and answers other/no compression with text frames.
* JSON is parsed only if ``Content-Type`` is exactly ``application/json``; a 429 is treated as
  a Cloudflare ban (raised, not retried) unless the response carries a ``Via`` header, so every
  response has ``Via: 1.1 google``.  500/502/504 are retried after 1 s, 3 s, ...; 503 is raised
  as ``DiscordServerError`` at once; a dropped connection surfaces as ``aiohttp`` errors
  (discord.py only retries errno 54/10054, not Linux's ECONNRESET 104).
* ``before_identify_hook`` sleeps 5 s before every non-initial IDENTIFY (the second shard of an
  ``AutoShardedClient``, re-identify after INVALID_SESSION): override it in test clients.
* Interaction callbacks are ``POST /interactions/{id}/{token}/callback?with_response=1``;
  follow-ups ``POST /webhooks/{app_id}/{token}?wait=1&with_components=0``; both carry no
  ``Authorization`` header.  Pins use ``/channels/{id}/messages/pins/{message_id}``.
* ``channel.send(nonce=...)`` always adds ``enforce_nonce: true``.
* ``Client.close()`` reaches the gateway as close code 4000, not 1000 (aiohttp wakes the
  reading task, whose ``poll_event`` closes with 4000 first), so sessions stay resumable.
* ``import discord`` triggers Python 3.11's ``audioop`` DeprecationWarning (voice support);
  with ``filterwarnings = error`` import it inside ``warnings.catch_warnings()``.

Fake behaviour worth knowing: privileged intents not enabled via
``allowed_privileged_intents`` close the gateway with 4014; without MESSAGE_CONTENT other
users' guild messages arrive blanked; interactions must be acknowledged within
``interaction_ack_timeout`` (3 s) else 10062; after a type-5 defer the first follow-up fills
the original message (``handle.original``), later ones are ``handle.followups``; ephemeral
messages are in ``messages()`` (filter with ``ephemeral=``) but not fetchable via channel
routes; buckets default to 50 requests/s per route+major parameter (``set_route_limit``);
a bug inside the fake answers 500 and fails the ``async with`` block on exit.

Ids passed to and returned by this API are ``int``; the wire uses strings.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import re
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from tests.fakes.discord_gateway import DispatchRecord, FakeGateway, GatewaySession, Notifier
from tests.fakes.discord_payloads import (
    APP_FLAG_COMMAND_BADGE,
    APP_FLAG_MEMBERS_LIMITED,
    APP_FLAG_MESSAGE_CONTENT_LIMITED,
    APP_FLAG_PRESENCE_LIMITED,
    CHANNEL_DM,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_PRESENCES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    JSON,
    MESSAGE_FLAG_EPHEMERAL,
    MESSAGE_FLAG_IS_COMPONENTS_V2,
    MESSAGE_FLAG_LOADING,
    SENDABLE_MESSAGE_FLAGS,
    ApiError,
    FakeChannel,
    FakeState,
    Overwrite,
    Perm,
    StoredFile,
    StoredMessage,
    already_acknowledged,
    bucket_hash,
    cannot_dm_user,
    cannot_edit_others,
    error_body,
    field_error,
    interaction_token,
    invalid_form_body,
    iter_components,
    method_not_allowed,
    missing_access,
    missing_permissions,
    normalize_components,
    route_not_found,
    unauthorized,
    unknown_command,
    unknown_interaction,
    unknown_message,
    unknown_webhook,
    utcnow,
    validate_components,
    validate_message_body,
)

__all__ = [
    "MESSAGE_ROUTES",
    "Call",
    "FakeDiscord",
    "FaultKind",
    "InteractionCallback",
    "InteractionHandle",
    "Overwrite",
    "Perm",
    "StoredMessage",
]

FaultKind = int | str
"""429, 500, 502, 503, 504, 403, 404, or one of: "rate_limit", "global_rate_limit",
"missing_access", "missing_permissions", "unknown_channel", "unknown_message",
"drop" (connection closed before handling), "drop_after" (handled, response lost)."""

_log = logging.getLogger(__name__)

MESSAGE_ROUTES = (
    "POST /channels/*/messages",
    "POST /webhooks/*/*",
    "POST /interactions/*/*/callback",
)
"""Routes ``set_fault_rate`` applies to by default (everything that sends a message)."""


@dataclass
class Call:
    """One REST request the fake received, recorded once its response was decided."""

    method: str
    path: str
    route: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[StoredFile]
    headers: dict[str, str]
    time: float
    status: int = 0
    response: Any = None
    fault: str | None = None

    def __repr__(self) -> str:
        fault = f" {self.fault}" if self.fault else ""
        return f"<Call {self.method} {self.path} -> {self.status}{fault}>"


@dataclass
class InteractionCallback:
    """The bot's answer to ``POST /interactions/{id}/{token}/callback``."""

    type: int
    data: JSON | None
    files: list[StoredFile]
    time: float
    message_id: int | None = None

    @property
    def flags(self) -> int:
        """``data.flags`` (0 when absent)."""
        return int((self.data or {}).get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        """Whether the EPHEMERAL flag (64) was requested."""
        return bool(self.flags & MESSAGE_FLAG_EPHEMERAL)

    @property
    def content(self) -> str | None:
        """``data.content`` if any."""
        return (self.data or {}).get("content")


@dataclass
class _FaultRule:
    matcher: Callable[[str, str], bool]
    kind: str
    remaining: int
    retry_after: float


@dataclass
class _FaultRate:
    rate: float
    kinds: list[str]
    rng: random.Random
    matchers: list[Callable[[str, str], bool]]
    retry_after: float


@dataclass
class _Bucket:
    limit: int
    window: float
    reset_at: float = 0.0
    used: int = 0


@dataclass
class FakeStats:
    """Counters of what the fake did to clients."""

    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    global_rate_limited: int = 0

    @property
    def faults_injected(self) -> int:
        """Total faults injected via ``fail_next``/``set_fault_rate``."""
        return sum(self.faults.values())


def compile_route_pattern(pattern: str | re.Pattern[str]) -> Callable[[str, str], bool]:
    """``"POST /channels/{channel_id}/messages"``, ``"/channels/*/messages"`` or a regex.

    ``{name}`` and ``*`` match one path segment; a missing method matches any; regexes are
    searched in ``"METHOD /path"``.
    """
    if isinstance(pattern, re.Pattern):
        regex = pattern
        return lambda method, path: regex.search(f"{method} {path}") is not None
    method_part, _, path_part = pattern.strip().rpartition(" ")
    method_want = method_part.upper() or None
    parts = []
    for seg in path_part.strip("/").split("/"):
        if seg == "*" or (seg.startswith("{") and seg.endswith("}")):
            parts.append("[^/]+")
        else:
            parts.append(re.escape(seg))
    path_re = re.compile("^/" + "/".join(parts) + "/?$")

    def match(method: str, path: str) -> bool:
        if method_want not in (None, "*", method):
            return False
        return path_re.match(path) is not None

    return match


class InteractionHandle:
    """An INTERACTION_CREATE the fake sent; collects the bot's callback and follow-ups."""

    def __init__(self, fake: FakeDiscord, payload: JSON, created: float) -> None:
        self._fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.channel_id = int(payload["channel_id"])
        self.guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        user = payload["member"]["user"] if "member" in payload else payload["user"]
        self.user_id = int(user["id"])
        self.created = created
        self.callbacks: list[InteractionCallback] = []
        self.original_id: int | None = None
        self.followup_ids: list[int] = []
        self.delivered_to = 0

    def __repr__(self) -> str:
        return f"<InteractionHandle id={self.id} type={self.type} callbacks={len(self.callbacks)}>"

    @property
    def acknowledged(self) -> bool:
        """Whether a callback was accepted."""
        return bool(self.callbacks)

    @property
    def callback(self) -> InteractionCallback | None:
        """The accepted callback, if any."""
        return self.callbacks[0] if self.callbacks else None

    @property
    def original(self) -> StoredMessage | None:
        """The ``@original`` response message (type 4/5 callbacks), current state."""
        return None if self.original_id is None else self._fake.state.messages[self.original_id]

    @property
    def followups(self) -> list[StoredMessage]:
        """Follow-up messages (not the original), current state, deleted ones included."""
        return [self._fake.state.messages[i] for i in self.followup_ids]

    @property
    def sent_messages(self) -> list[StoredMessage]:
        """Original (once no longer loading; not a clicked message left as it was) followed by
        follow-ups, deleted ones excluded."""
        out = []
        original = self.original
        untouched = self.callback is not None and self.callback.type == 6
        if original is not None and not original.flags & MESSAGE_FLAG_LOADING and not untouched:
            out.append(original)
        out.extend(self.followups)
        return [m for m in out if not m.deleted]

    async def response(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
    ) -> InteractionCallback:
        """Wait for the bot's callback."""
        return await self._fake.wait_until(
            lambda: self.callback, timeout, f"a callback to interaction {self.id}"
        )

    async def wait_followups(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
    ) -> list[StoredMessage]:
        """Wait until at least ``count`` follow-up messages exist."""
        return await self._fake.wait_until(
            lambda: self.followups if len(self.followups) >= count else None,
            timeout,
            f"{count} follow-up(s) to interaction {self.id}",
        )

    async def wait_messages(
        self,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
    ) -> list[StoredMessage]:
        """Wait until ``sent_messages`` has ``count`` entries (a filled deferral counts)."""
        return await self._fake.wait_until(
            lambda: self.sent_messages if len(self.sent_messages) >= count else None,
            timeout,
            f"{count} message(s) from interaction {self.id}",
        )


@dataclass
class _Ctx:
    request: web.Request
    call: Call
    params: dict[str, str]
    body: Any
    files: list[StoredFile]


_Handler = Callable[["FakeDiscord", _Ctx], Any]


@dataclass
class _Reply:
    status: int
    body: Any


class FakeDiscord:
    """Fake Discord REST + gateway server; see the module docstring."""

    def __init__(
        self,
        *,
        token: str = "MTA-fake-bot-token.GfAkE0.not-a-real-token",
        bot_name: str = "diaspora-bot",
        application_name: str = "Diaspora Bot",
        host: str = "127.0.0.1",
        heartbeat_interval_ms: int = 41_250,
        recommended_shards: int = 1,
        allowed_privileged_intents: int = 0,
        bucket_limit: int = 50,
        bucket_window: float = 1.0,
        interaction_ack_timeout: float | None = 3.0,
    ) -> None:
        flags = APP_FLAG_COMMAND_BADGE
        for intent, flag in (
            (INTENT_GUILD_MEMBERS, APP_FLAG_MEMBERS_LIMITED),
            (INTENT_GUILD_PRESENCES, APP_FLAG_PRESENCE_LIMITED),
            (INTENT_MESSAGE_CONTENT, APP_FLAG_MESSAGE_CONTENT_LIMITED),
        ):
            if allowed_privileged_intents & intent:
                flags |= flag
        self.token = token
        self.host = host
        self.recommended_shards = recommended_shards
        self.interaction_ack_timeout = interaction_ack_timeout
        self.state = FakeState(
            bot_name=bot_name, application_name=application_name, application_flags=flags
        )
        self.notifier = Notifier()
        self.gateway = FakeGateway(
            self.state,
            self.notifier,
            token=token,
            heartbeat_interval_ms=heartbeat_interval_ms,
            allowed_privileged_intents=allowed_privileged_intents,
        )
        self.calls: list[Call] = []
        self.internal_errors: list[Exception] = []
        self.stats = FakeStats()
        self.interactions: dict[int, InteractionHandle] = {}
        self._by_token: dict[str, InteractionHandle] = {}
        self._faults: list[_FaultRule] = []
        self._fault_rate: _FaultRate | None = None
        self._global_limit: int | None = None
        self._global_hits: deque[float] = deque()
        self._bucket_limit = bucket_limit
        self._bucket_window = bucket_window
        self._route_limits: list[tuple[Callable[[str, str], bool], int, float]] = []
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        await self.close()
        if self.internal_errors and exc_type is None:
            raise AssertionError(f"fake Discord crashed handling requests: {self.internal_errors}")

    async def start(self) -> None:
        """Start the server on ``host`` with a random port."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle_rest)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.gateway.url = self.gateway_url

    async def close(self) -> None:
        """Close gateway connections and stop the server."""
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        """REST base, e.g. ``http://127.0.0.1:PORT/api/v10``."""
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        """Gateway websocket URL, e.g. ``ws://127.0.0.1:PORT/gateway``."""
        return f"ws://{self.host}:{self.port}/gateway"

    @property
    def application_id(self) -> int:
        """The application (= interaction webhook) id."""
        return self.state.application_id

    @property
    def bot_user_id(self) -> int:
        """The bot user's id."""
        return self.state.bot_user_id

    @contextmanager
    def point_discord_py_here(self) -> Iterator[None]:
        """Patch ``Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``; restore on exit."""
        import yarl

        with warnings.catch_warnings():  # discord.py imports the deprecated stdlib audioop
            warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
            import discord.gateway
            import discord.http

        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    # ------------------------------------------------------------------ world setup

    def add_user(self, name: str, locale: str = "en-US", *, accepts_dms: bool = True) -> int:
        """Create a user (``locale`` is what its interactions carry by default)."""
        return self.state.add_user(name, locale, accepts_dms=accepts_dms)

    def add_guild(
        self,
        name: str,
        preferred_locale: str = "en-US",
        owner_id: int | None = None,
        *,
        shard: tuple[int, int] | None = None,
        bot_permissions: int | None = None,
    ) -> int:
        """Create a guild the bot is in; ``shard=(i, n)`` picks an id that lands on shard i/n."""
        kwargs = {} if bot_permissions is None else {"bot_permissions": bot_permissions}
        return self.state.add_guild(name, preferred_locale, owner_id, shard=shard, **kwargs)

    def add_role(self, guild_id: int, name: str, permissions: int = 0) -> int:
        """Create a role; see :class:`Perm` for bits."""
        return self.state.add_role(guild_id, name, permissions)

    def add_member(self, guild_id: int, user_id: int, roles: Iterable[int] = ()) -> None:
        """Make a user a guild member with the given roles."""
        self.state.add_member(guild_id, user_id, roles)

    def add_channel(
        self,
        guild_id: int,
        name: str,
        *,
        overwrites: Iterable[Overwrite] = (),
        topic: str | None = None,
    ) -> int:
        """Create a guild text channel."""
        return self.state.add_channel(guild_id, name, overwrites=overwrites, topic=topic)

    def set_overwrite(
        self,
        channel_id: int,
        target_id: int,
        *,
        allow: int = 0,
        deny: int = 0,
        member: bool = False,
    ) -> None:
        """Set (replace) a role (``member=False``) or member permission overwrite."""
        ch = self.state.channel(channel_id)
        otype = 1 if member else 0
        ch.overwrites = [o for o in ch.overwrites if (o.type, o.id) != (otype, int(target_id))]
        ch.overwrites.append(Overwrite(int(target_id), otype, allow, deny))

    def forbid_bot(self, channel_id: int, *, hide: bool = False) -> None:
        """Deny the bot SEND_MESSAGES (403/50013) or, with ``hide``, VIEW_CHANNEL (403/50001)."""
        deny = Perm.VIEW_CHANNEL if hide else Perm.SEND_MESSAGES
        self.set_overwrite(channel_id, self.bot_user_id, deny=deny, member=True)

    def dm_channel_id(self, user_id: int) -> int:
        """The bot's DM channel with a user (created if needed)."""
        return self.state.dm_channel(user_id).id

    # ------------------------------------------------------------------ inspection

    def messages(self, channel_id: int, *, ephemeral: bool | None = None) -> list[StoredMessage]:
        """Current (edited, not deleted) messages of a channel, oldest first.

        ``ephemeral=None`` includes interaction-ephemeral ones, ``False``/``True`` filters.
        """
        out = self.state.channel_messages(channel_id)
        if ephemeral is not None:
            out = [m for m in out if m.ephemeral == ephemeral]
        return out

    def message(self, message_id: int) -> StoredMessage:
        """Any stored message by id (deleted ones too; check ``.deleted``)."""
        return self.state.messages[int(message_id)]

    @property
    def commands(self) -> dict[int | None, list[JSON]]:
        """Synced commands as Discord returns them, keyed by guild id (None = global)."""
        out: dict[int | None, list[JSON]] = {}
        for cmd in sorted(self.state.commands.values(), key=lambda c: c.id):
            out.setdefault(cmd.guild_id, []).append(cmd.payload)
        return out

    def command(self, name: str, guild_id: int | None = None, ctype: int = 1) -> JSON:
        """One synced command payload (guild scope, then global)."""
        return self.state.find_command(name, guild_id, ctype).payload

    def calls_to(self, method: str, path_pattern: str) -> list[Call]:
        """Recorded calls matching ``method`` and a path pattern (see ``compile_route_pattern``)."""
        match = compile_route_pattern(f"{method} {path_pattern}")
        return [c for c in self.calls if match(c.method, c.path)]

    @property
    def identifies(self) -> list[JSON]:
        """IDENTIFY payloads received (``intents``, ``shard``, ``token``, ...)."""
        return self.gateway.identifies

    def gateway_events(
        self, event: str | None = None, shard_id: int | None = None
    ) -> list[DispatchRecord]:
        """Dispatches sent over the gateway, optionally filtered."""
        return self.gateway.events(event, shard_id)

    # ------------------------------------------------------------------ waiting

    async def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
        what: str = "condition",
    ) -> Any:
        """Wait (event driven) until ``predicate()`` is truthy; return its value."""
        return await self.notifier.wait_until(predicate, timeout, what)

    async def wait_for_call(
        self,
        method: str,
        path_pattern: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
        *,
        start: int = 0,
    ) -> Call:
        """First recorded call (index >= ``start``) matching method, path and predicate."""
        match = compile_route_pattern(f"{method} {path_pattern}")

        def find() -> Call | None:
            for call in self.calls[start:]:
                if match(call.method, call.path) and (predicate is None or predicate(call)):
                    return call
            return None

        return await self.wait_until(find, timeout, f"call {method} {path_pattern}")

    async def wait_for_messages(
        self,
        channel_id: int,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
    ) -> list[StoredMessage]:
        """Wait until the channel holds at least ``count`` messages; return them."""
        return await self.wait_until(
            lambda: msgs if len(msgs := self.messages(channel_id)) >= count else None,
            timeout,
            f"{count} message(s) in channel {channel_id}",
        )

    async def wait_ready(
        self,
        shard_count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - documented API
    ) -> list[GatewaySession]:
        """Wait until every shard of ``shard_count`` has a connected session past READY."""
        return await self.wait_until(
            lambda: self.gateway.ready_sessions(shard_count),
            timeout,
            f"READY on {shard_count} shard(s)",
        )

    # ------------------------------------------------------------------ gateway helpers

    async def dispatch(
        self, event: str, data: JSON, *, guild_id: int | None = None, shard_id: int | None = None
    ) -> int:
        """DISPATCH to the sessions owning ``guild_id`` (or of ``shard_id``, default 0)."""
        return await self.gateway.dispatch(event, data, guild_id=guild_id, shard_id=shard_id)

    async def send_to_shard(self, shard_id: int, event: str, data: JSON) -> int:
        """Raw DISPATCH to every live session of a shard."""
        return await self.gateway.send_to_shard(shard_id, event, data)

    async def disconnect_clients(self, code: int = 4000, *, resumable: bool = True) -> int:
        """Drop all gateway connections (clients reconnect; RESUME works if ``resumable``)."""
        return await self.gateway.disconnect(code, resumable=resumable)

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every connection."""
        await self.gateway.request_reconnect()

    async def announce_guild(self, guild_id: int) -> int:
        """Send GUILD_CREATE for a guild added after clients connected (bot joined it)."""
        payload = self.state.guild_create_payload(guild_id)
        return await self.gateway.dispatch(
            "GUILD_CREATE", payload, guild_id=guild_id, intent=INTENT_GUILDS
        )

    async def post_user_message(self, channel_id: int, user_id: int, content: str) -> StoredMessage:
        """A user writes in a channel: store it and dispatch MESSAGE_CREATE."""
        channel = self.state.channel(channel_id)
        msg = self.state.new_message(channel, int(user_id), {"content": content}, [])
        await self._message_event("MESSAGE_CREATE", msg)
        return msg

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        route: str | re.Pattern[str],
        kind: FaultKind = 429,
        times: int = 1,
        retry_after: float = 0.3,
    ) -> None:
        """Answer the next ``times`` requests matching ``route`` with fault ``kind``."""
        self._faults.append(
            _FaultRule(compile_route_pattern(route), _fault_name(kind), times, retry_after)
        )

    def set_fault_rate(
        self,
        rate: float,
        kinds: Iterable[FaultKind] = (429, 500),
        seed: int = 0,
        routes: Iterable[str | re.Pattern[str]] = MESSAGE_ROUTES,
        retry_after: float = 0.05,
    ) -> None:
        """Randomly fault a fraction ``rate`` of message-sending requests (0 disables)."""
        if rate <= 0:
            self._fault_rate = None
            return
        self._fault_rate = _FaultRate(
            rate,
            [_fault_name(k) for k in kinds],
            random.Random(seed),
            [compile_route_pattern(r) for r in routes],
            retry_after,
        )

    def set_global_rate_limit(self, per_second: int | None) -> None:
        """Enable Discord's global limit (429 ``global: true``) at ``per_second``; None disables."""
        self._global_limit = per_second
        self._global_hits.clear()

    def set_route_limit(self, route: str | re.Pattern[str], limit: int, window: float) -> None:
        """Per-route bucket size (``X-RateLimit-Limit``) and window, e.g. 5 per 5 s."""
        self._route_limits.append((compile_route_pattern(route), limit, window))

    # ------------------------------------------------------------------ interactions

    async def slash_command(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a CHAT_INPUT interaction for a synced command.

        ``name`` may include a subcommand path (``"event create"``); ``options`` maps option
        names to values (users/channels/roles by id) and is checked against the synced schema.
        """
        parts = name.split()
        channel = self.state.channel(channel_id)
        if guild_id is not None and channel.guild_id != int(guild_id):
            raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
        cmd = self.state.find_command(parts[0], channel.guild_id)
        self._check_command_permissions(cmd.payload, channel.guild_id, int(user_id))
        resolved: JSON = {}
        opts = self._build_options(
            cmd.payload.get("options") or [], parts[1:], options or {}, resolved, channel.guild_id
        )
        data: JSON = {"id": str(cmd.id), "name": cmd.payload["name"], "type": 1}
        if opts:
            data["options"] = opts
        if resolved:
            data["resolved"] = resolved
        if cmd.guild_id is not None:
            data["guild_id"] = str(cmd.guild_id)
        return await self._send_interaction(2, channel_id, user_id, data, locale=locale)

    async def autocomplete(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch an APPLICATION_COMMAND_AUTOCOMPLETE interaction (answered with type 8)."""
        parts = name.split()
        channel = self.state.channel(channel_id)
        cmd = self.state.find_command(parts[0], channel.guild_id)
        opts = self._build_options(
            cmd.payload.get("options") or [],
            parts[1:],
            options,
            {},
            channel.guild_id,
            focused=focused,
        )
        data: JSON = {"id": str(cmd.id), "name": cmd.payload["name"], "type": 1, "options": opts}
        if cmd.guild_id is not None:
            data["guild_id"] = str(cmd.guild_id)
        return await self._send_interaction(4, channel_id, user_id, data, locale=locale)

    async def click_button(
        self,
        channel_id: int,
        message_id: int,
        user_id: int,
        custom_id: str,
        *,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a MESSAGE_COMPONENT interaction for a button present on a stored message."""
        msg, comp = self._find_component(channel_id, message_id, custom_id)
        if comp.get("type") != 2:
            raise ValueError(f"component {custom_id!r} is not a button")
        if comp.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        if "id" in comp:
            data["id"] = comp["id"]
        return await self._send_interaction(
            3, channel_id, user_id, data, locale=locale, message=msg
        )

    async def select_menu(
        self,
        channel_id: int,
        message_id: int,
        user_id: int,
        custom_id: str,
        values: list[str],
        *,
        locale: str | None = None,
    ) -> InteractionHandle:
        """Dispatch a MESSAGE_COMPONENT interaction choosing ``values`` in a select menu."""
        msg, comp = self._find_component(channel_id, message_id, custom_id)
        ctype = comp.get("type")
        if ctype not in (3, 5, 6, 7, 8):
            raise ValueError(f"component {custom_id!r} is not a select menu")
        if ctype == 3:
            allowed = {o["value"] for o in comp.get("options") or []}
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise ValueError(f"values {unknown} are not options of {custom_id!r}")
        lo, hi = comp.get("min_values", 1), comp.get("max_values", 1)
        if not lo <= len(values) <= hi:
            raise ValueError(f"select {custom_id!r} takes {lo}..{hi} values")
        data: JSON = {"custom_id": custom_id, "component_type": ctype, "values": list(values)}
        if "id" in comp:
            data["id"] = comp["id"]
        if ctype in (5, 6, 7, 8):
            data["resolved"] = self._resolve_ids(values, self.state.channel(channel_id).guild_id)
        return await self._send_interaction(
            3, channel_id, user_id, data, locale=locale, message=msg
        )

    async def submit_modal(
        self,
        channel_id: int,
        user_id: int,
        custom_id: str,
        values: dict[str, str | list[str]],
        *,
        locale: str | None = None,
        message_id: int | None = None,
    ) -> InteractionHandle:
        """Dispatch a MODAL_SUBMIT; mirrors the layout of the modal the bot sent, if recorded."""
        modal = self._find_modal(custom_id, int(user_id))
        if modal is not None:
            components = self._modal_submission(modal.get("components") or [], values)
        else:
            components = [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}
                for k, v in values.items()
            ]
        data: JSON = {"custom_id": custom_id, "components": components}
        message = None
        if message_id is not None:
            message = self.state.messages[int(message_id)]
        return await self._send_interaction(
            5, channel_id, user_id, data, locale=locale, message=message
        )

    # ------------------------------------------------------------------ interaction internals

    def _check_command_permissions(self, cmd: JSON, guild_id: int | None, user_id: int) -> None:
        if guild_id is None:
            if cmd.get("dm_permission") is False or (
                cmd.get("contexts") and 1 not in cmd["contexts"]
            ):
                raise PermissionError(f"command {cmd['name']!r} is not available in DMs")
            return
        if cmd.get("contexts") and 0 not in cmd["contexts"]:
            raise PermissionError(f"command {cmd['name']!r} is not available in guilds")
        required = cmd.get("default_member_permissions")
        if required is not None:
            perms = self.state.base_permissions(self.state.guild(guild_id), user_id)
            if perms & int(required) != int(required):
                raise PermissionError(f"user {user_id} may not use {cmd['name']!r}")

    def _build_options(
        self,
        schema: list[JSON],
        path: list[str],
        given: dict[str, Any],
        resolved: JSON,
        guild_id: int | None,
        *,
        focused: str | None = None,
    ) -> list[JSON]:
        if path:
            sub = next((o for o in schema if o["name"] == path[0] and o["type"] in (1, 2)), None)
            if sub is None:
                raise ValueError(f"no subcommand (group) {path[0]!r}")
            inner = self._build_options(
                sub.get("options") or [], path[1:], given, resolved, guild_id, focused=focused
            )
            node: JSON = {"name": sub["name"], "type": sub["type"]}
            if inner or sub["type"] == 1:
                node["options"] = inner
            return [node]
        if any(o["type"] in (1, 2) for o in schema):
            raise ValueError("this command needs a subcommand path in `name`")
        by_name = {o["name"]: o for o in schema}
        unknown = set(given) - set(by_name)
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}")
        out = []
        for opt in schema:
            name = opt["name"]
            if name not in given:
                if opt.get("required") and focused is None:
                    raise ValueError(f"required option {name!r} missing")
                continue
            value = given[name]
            if name == focused:
                out.append(
                    {"name": name, "type": opt["type"], "value": str(value), "focused": True}
                )
                continue
            out.append(
                {
                    "name": name,
                    "type": opt["type"],
                    "value": self._option_value(opt, value, resolved, guild_id),
                }
            )
        return out

    def _option_value(self, opt: JSON, value: Any, resolved: JSON, guild_id: int | None) -> Any:
        otype = opt["type"]
        if otype == 3:
            value = str(value)
            if not opt.get("min_length", 0) <= len(value) <= opt.get("max_length", 6000):
                raise ValueError(f"option {opt['name']!r} length out of range")
        elif otype == 4:
            value = int(value)
        elif otype == 5:
            value = bool(value)
        elif otype == 10:
            value = float(value)
        elif otype in (6, 7, 8, 9):
            extra = self._resolve_ids([str(value)], guild_id)
            for key, items in extra.items():
                resolved.setdefault(key, {}).update(items)
            return str(int(value))
        else:
            raise ValueError(f"option type {otype} is not supported by the fake")
        if otype in (4, 10):
            if "min_value" in opt and value < opt["min_value"]:
                raise ValueError(f"option {opt['name']!r} below min_value")
            if "max_value" in opt and value > opt["max_value"]:
                raise ValueError(f"option {opt['name']!r} above max_value")
        choices = opt.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"{value!r} is not a choice of option {opt['name']!r}")
        return value

    def _resolve_ids(self, ids: Iterable[str], guild_id: int | None) -> JSON:
        resolved: JSON = {}
        guild = self.state.guilds.get(guild_id) if guild_id is not None else None
        for raw in ids:
            ident = int(raw)
            if ident in self.state.users:
                resolved.setdefault("users", {})[raw] = self.state.user_payload(ident)
                if guild is not None and ident in guild.members:
                    member = self.state.member_payload(guild.id, ident, with_user=False)
                    resolved.setdefault("members", {})[raw] = member
            elif ident in self.state.channels:
                ch = self.state.channels[ident]
                resolved.setdefault("channels", {})[raw] = {
                    "id": raw,
                    "name": ch.name,
                    "type": ch.type,
                    "permissions": str(self.state.permissions_in(ch, self.bot_user_id)),
                    "guild_id": None if ch.guild_id is None else str(ch.guild_id),
                    "flags": 0,
                    "parent_id": None,
                }
            elif guild is not None and ident in guild.roles:
                resolved.setdefault("roles", {})[raw] = self.state.role_payload(guild.roles[ident])
            else:
                raise ValueError(f"cannot resolve id {raw}")
        return resolved

    def _find_component(
        self, channel_id: int, message_id: int, custom_id: str
    ) -> tuple[StoredMessage, JSON]:
        msg = self.state.messages.get(int(message_id))
        if msg is None or msg.deleted or msg.channel_id != int(channel_id):
            raise ValueError(f"message {message_id} does not exist in channel {channel_id}")
        for comp in iter_components(msg.components):
            if comp.get("custom_id") == custom_id:
                return msg, comp
        raise ValueError(
            f"message {message_id} has no component {custom_id!r} (has {msg.custom_ids()})"
        )

    def _find_modal(self, custom_id: str, user_id: int) -> JSON | None:
        for handle in reversed(self.interactions.values()):
            cb = handle.callback
            if (
                cb
                and cb.type == 9
                and handle.user_id == user_id
                and (cb.data or {}).get("custom_id") == custom_id
            ):
                return cb.data
        return None

    def _modal_submission(
        self, layout: list[JSON], values: dict[str, str | list[str]]
    ) -> list[JSON]:
        def field_value(comp: JSON) -> JSON:
            cid = comp.get("custom_id")
            out: JSON = {"type": comp["type"], "id": comp.get("id", 0)}
            if cid is None:
                return out
            out["custom_id"] = cid
            given = values.get(cid)
            if comp["type"] == 4:
                if given is None and comp.get("required", True):
                    raise ValueError(f"modal input {cid!r} is required")
                out["value"] = given or ""
            else:
                out["values"] = list(given or [])
            return out

        result = []
        for comp in layout:
            if comp["type"] == 1:
                result.append(
                    {
                        "type": 1,
                        "id": comp.get("id", 0),
                        "components": [field_value(c) for c in comp.get("components") or []],
                    }
                )
            elif comp["type"] == 18:
                result.append(
                    {
                        "type": 18,
                        "id": comp.get("id", 0),
                        "component": field_value(comp["component"]),
                    }
                )
            else:
                result.append({"type": comp["type"], "id": comp.get("id", 0)})
        return result

    async def _send_interaction(
        self,
        itype: int,
        channel_id: int,
        user_id: int,
        data: JSON,
        *,
        locale: str | None,
        message: StoredMessage | None = None,
    ) -> InteractionHandle:
        state = self.state
        channel = state.channel(channel_id)
        user = state.user(user_id)
        iid = state.ids.next()
        payload: JSON = {
            "id": str(iid),
            "application_id": str(state.application_id),
            "type": itype,
            "data": data,
            "token": interaction_token(iid),
            "version": 1,
            "locale": locale or user.locale,
            "app_permissions": str(state.permissions_in(channel, state.bot_user_id)),
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "channel_id": str(channel.id),
            "channel": state.channel_payload(channel.id),
        }
        if channel.guild_id is not None:
            guild = state.guild(channel.guild_id)
            if user.id not in guild.members:
                raise ValueError(f"user {user.id} is not a member of guild {guild.id}")
            perms = str(state.permissions_in(channel, user.id))
            member = state.member_payload(guild.id, user.id)
            member["permissions"] = perms
            payload["channel"]["permissions"] = perms
            payload.update(
                {
                    "guild_id": str(guild.id),
                    "guild_locale": guild.preferred_locale,
                    "guild": {
                        "id": str(guild.id),
                        "locale": guild.preferred_locale,
                        "features": list(guild.features),
                    },
                    "member": member,
                    "context": 0,
                    "authorizing_integration_owners": {"0": str(guild.id)},
                }
            )
        else:
            if channel.type != CHANNEL_DM or user.id not in channel.recipients:
                raise ValueError(f"channel {channel.id} is not the bot's DM with user {user.id}")
            payload.update(
                {
                    "user": state.user_payload(user.id),
                    "context": 1,
                    "authorizing_integration_owners": {"0": "0"},
                }
            )
        if message is not None:
            payload["message"] = state.message_payload(message)
        handle = InteractionHandle(self, payload, time.monotonic())
        self.interactions[iid] = handle
        self._by_token[handle.token] = handle
        handle.delivered_to = await self.gateway.dispatch(
            "INTERACTION_CREATE", payload, guild_id=channel.guild_id
        )
        if handle.delivered_to == 0:
            raise RuntimeError(
                "no live gateway session to deliver the interaction to (is the client READY?)"
            )
        return handle

    # ------------------------------------------------------------------ REST plumbing

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method
        route_name, handler, params, auth = _match_route(method, path)
        call = Call(
            method=method,
            path=path,
            route=route_name or f"{method} {path}",
            params=params,
            query=dict(request.query),
            json=None,
            files=[],
            headers={
                k: ("<redacted>" if k.lower() == "authorization" else v)
                for k, v in request.headers.items()
            },
            time=asyncio.get_running_loop().time(),
        )
        self.stats.requests += 1
        headers: dict[str, str] = {"Via": "1.1 google"}
        drop_after = False
        try:
            call.json, call.files = body, files = await _read_body(request)
            if handler is None:
                raise method_not_allowed() if route_name == "405" else route_not_found()
            _check_snowflakes(params)
            if auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise unauthorized()
            if auth and not path.startswith("/interactions/"):
                self._check_global_limit()
            fault = self._pick_fault(method, path)
            if fault is not None:
                call.fault = fault[0]
                self.stats.faults[fault[0]] += 1
                if fault[0] == "drop":
                    return await self._drop(request, call)
                drop_after = fault[0] == "drop_after"
                if not drop_after:
                    raise self._fault_error(route_name or path, fault[0], fault[1])
            bucket_headers = self._take_bucket(method, path, route_name or path, params)
            headers.update(bucket_headers)
            result = await handler(self, _Ctx(request, call, params, body, files))
            if drop_after:
                return await self._drop(request, call)
            if isinstance(result, _Reply):
                status, payload = result.status, result.body
            else:
                status, payload = (204, None) if result is None else (200, result)
        except ApiError as exc:
            status, payload = exc.status, exc.body
            headers.update(exc.headers)
            if status == 429:
                self.stats.rate_limited += 1
        except Exception as exc:  # a bug in the fake: answer 500 and fail the test on exit
            _log.exception("fake Discord failed on %s %s", method, path)
            self.internal_errors.append(exc)
            status, payload = 500, error_body(f"fake internal error: {exc!r}", 0)
        call.status = status
        call.response = payload
        self.calls.append(call)
        await self.notifier.changed()
        if payload is None:
            return web.Response(status=status, headers=headers)
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(payload).encode(), headers=headers)

    async def _drop(self, request: web.Request, call: Call) -> web.Response:
        call.status = 0
        self.calls.append(call)
        if request.transport is not None:
            request.transport.close()
        await self.notifier.changed()
        return web.Response(status=500)

    def _check_global_limit(self) -> None:
        if self._global_limit is None:
            return
        now = time.monotonic()
        while self._global_hits and now - self._global_hits[0] >= 1.0:
            self._global_hits.popleft()
        if len(self._global_hits) >= self._global_limit:
            retry = max(0.001, 1.0 - (now - self._global_hits[0]))
            self.stats.global_rate_limited += 1
            raise _rate_limited(retry, scope="global")
        self._global_hits.append(now)

    def _pick_fault(self, method: str, path: str) -> tuple[str, float] | None:
        for rule in self._faults:
            if rule.remaining > 0 and rule.matcher(method, path):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._faults.remove(rule)
                return rule.kind, rule.retry_after
        fr = self._fault_rate
        matched = fr is not None and any(m(method, path) for m in fr.matchers)
        if fr is not None and matched and fr.rng.random() < fr.rate:
            return fr.rng.choice(fr.kinds), fr.retry_after
        return None

    def _fault_error(self, route: str, kind: str, retry_after: float) -> ApiError:
        if kind in ("rate_limit", "global_rate_limit"):
            scope = "global" if kind == "global_rate_limit" else "user"
            err = _rate_limited(retry_after, scope=scope)
            if scope == "user":
                err.headers.update(_bucket_headers(route, 5, 0, retry_after))
            return err
        if kind in ("500", "502", "503", "504"):
            reason = {
                "500": "Internal Server Error",
                "502": "Bad Gateway",
                "503": "Service Unavailable",
                "504": "Gateway Timeout",
            }[kind]
            return ApiError(int(kind), error_body(f"{kind}: {reason}", 0))
        return {
            "missing_access": missing_access,
            "missing_permissions": missing_permissions,
            "unknown_channel": lambda: ApiError(404, error_body("Unknown Channel", 10003)),
            "unknown_message": unknown_message,
        }[kind]()

    def _take_bucket(
        self, method: str, path: str, route: str, params: dict[str, str]
    ) -> dict[str, str]:
        limit, window = self._bucket_limit, self._bucket_window
        for matcher, lim, win in self._route_limits:
            if matcher(method, path):
                limit, window = lim, win
                break
        major = "+".join(
            params[k]
            for k in ("channel_id", "guild_id", "webhook_id", "interaction_id")
            if k in params
        )
        key = (route, major)
        bucket = self._buckets.get(key)
        now = time.monotonic()
        if bucket is None or now >= bucket.reset_at:
            bucket = self._buckets[key] = _Bucket(limit, window, now + window, 0)
        reset_after = max(0.0, bucket.reset_at - now)
        if bucket.used >= bucket.limit:
            err = _rate_limited(reset_after, scope="user")
            err.headers.update(_bucket_headers(route, bucket.limit, 0, reset_after))
            raise err
        bucket.used += 1
        return _bucket_headers(route, bucket.limit, bucket.limit - bucket.used, reset_after)

    # ------------------------------------------------------------------ events

    async def _message_event(self, event: str, msg: StoredMessage) -> None:
        if msg.ephemeral:
            return
        intent = INTENT_GUILD_MESSAGES if msg.guild_id is not None else INTENT_DIRECT_MESSAGES
        if event == "MESSAGE_DELETE":
            data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
        else:
            data = self.state.message_payload(msg, gateway=True)
        hide = (
            msg.guild_id is not None
            and msg.author_id != self.bot_user_id
            and self.bot_user_id not in msg.mentions
        )

        def content_intent(session: GatewaySession, payload: JSON) -> JSON:
            # Without MESSAGE_CONTENT, Discord blanks other people's guild messages.
            if not hide or session.intents & INTENT_MESSAGE_CONTENT or "content" not in payload:
                return payload
            blank = {"content": "", "embeds": [], "attachments": [], "components": []}
            return {**payload, **blank}

        await self.gateway.dispatch(
            event, data, guild_id=msg.guild_id, intent=intent, per_session=content_intent
        )

    # ------------------------------------------------------------------ REST handlers: misc

    async def _h_gateway(self, ctx: _Ctx) -> JSON:
        return {"url": self.gateway_url}

    async def _h_gateway_bot(self, ctx: _Ctx) -> JSON:
        used = len(self.gateway.identifies)
        return {
            "url": self.gateway_url,
            "shards": self.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": max(0, 1000 - used),
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }

    async def _h_application(self, ctx: _Ctx) -> JSON:
        return self.state.application_payload()

    async def _h_me(self, ctx: _Ctx) -> JSON:
        return self.state.client_user_payload()

    async def _h_user(self, ctx: _Ctx) -> JSON:
        return self.state.user_payload(int(ctx.params["user_id"]))

    async def _h_my_guilds(self, ctx: _Ctx) -> list[JSON]:
        return [
            {
                "id": str(g.id),
                "name": g.name,
                "icon": None,
                "banner": None,
                "owner": False,
                "permissions": str(self.state.base_permissions(g, self.bot_user_id)),
                "features": list(g.features),
            }
            for g in self.state.guilds.values()
        ]

    async def _h_create_dm(self, ctx: _Ctx) -> JSON:
        recipient = (ctx.body or {}).get("recipient_id")
        if recipient is None:
            raise invalid_form_body(
                field_error(["recipient_id"], "BASE_TYPE_REQUIRED", "This field is required")
            )
        return self.state.channel_payload(self.state.dm_channel(int(recipient)).id)

    # ------------------------------------------------------------------ REST handlers: commands

    def _command_scope(self, ctx: _Ctx) -> int | None:
        if int(ctx.params["application_id"]) != self.application_id:
            raise missing_access()
        if "guild_id" in ctx.params:
            gid = int(ctx.params["guild_id"])
            if gid not in self.state.guilds:
                raise missing_access()
            return gid
        return None

    async def _h_commands_get(self, ctx: _Ctx) -> list[JSON]:
        return [c.payload for c in self.state.commands_in(self._command_scope(ctx))]

    async def _h_commands_put(self, ctx: _Ctx) -> list[JSON]:
        if not isinstance(ctx.body, list):
            raise invalid_form_body(field_error([], "BASE_TYPE_ARRAY", "Must be an array."))
        return self.state.overwrite_commands(self._command_scope(ctx), ctx.body)

    async def _h_commands_post(self, ctx: _Ctx) -> _Reply:
        scope = self._command_scope(ctx)
        existed = any(
            c.payload["name"] == (ctx.body or {}).get("name") for c in self.state.commands_in(scope)
        )
        return _Reply(200 if existed else 201, self.state.upsert_command(scope, ctx.body or {}))

    def _one_command(self, ctx: _Ctx) -> tuple[int | None, int, str]:
        scope = self._command_scope(ctx)
        cid = int(ctx.params["command_id"])
        for key, cmd in self.state.commands.items():
            if cmd.id == cid and cmd.guild_id == scope:
                return key
        raise unknown_command()

    async def _h_command_get(self, ctx: _Ctx) -> JSON:
        return self.state.commands[self._one_command(ctx)].payload

    async def _h_command_delete(self, ctx: _Ctx) -> None:
        del self.state.commands[self._one_command(ctx)]

    # ------------------------------------------------------------------ REST handlers: guilds

    async def _h_guild(self, ctx: _Ctx) -> JSON:
        payload = self.state.guild_payload(int(ctx.params["guild_id"]))
        if ctx.request.query.get("with_counts") in ("true", "1"):
            guild = self.state.guild(int(ctx.params["guild_id"]))
            payload["approximate_member_count"] = len(guild.members)
            payload["approximate_presence_count"] = 0
        return payload

    async def _h_guild_channels(self, ctx: _Ctx) -> list[JSON]:
        guild = self.state.guild(int(ctx.params["guild_id"]))
        return [self.state.channel_payload(c) for c in guild.channel_ids]

    async def _h_guild_roles(self, ctx: _Ctx) -> list[JSON]:
        guild = self.state.guild(int(ctx.params["guild_id"]))
        return [self.state.role_payload(r) for r in guild.roles.values()]

    async def _h_guild_member(self, ctx: _Ctx) -> JSON:
        return self.state.member_payload(int(ctx.params["guild_id"]), int(ctx.params["user_id"]))

    # ------------------------------------------------------------------ REST handlers: channels

    def _visible_channel(self, ctx: _Ctx) -> FakeChannel:
        channel = self.state.channel(ctx.params["channel_id"])
        self.state.require(channel, Perm.VIEW_CHANNEL)
        return channel

    async def _h_channel(self, ctx: _Ctx) -> JSON:
        return self.state.channel_payload(self._visible_channel(ctx).id)

    async def _h_typing(self, ctx: _Ctx) -> None:
        self.state.require(self._visible_channel(ctx), Perm.SEND_MESSAGES)

    async def _h_messages_get(self, ctx: _Ctx) -> list[JSON]:
        channel = self._visible_channel(ctx)
        self.state.require(channel, Perm.READ_MESSAGE_HISTORY)
        msgs = [m for m in self.state.channel_messages(channel.id) if not m.ephemeral]
        q = ctx.request.query
        if "before" in q:
            msgs = [m for m in msgs if m.id < int(q["before"])]
        if "after" in q:
            msgs = [m for m in msgs if m.id > int(q["after"])]
        limit = min(100, int(q.get("limit", 50)))
        msgs = msgs[:limit] if "after" in q else msgs[-limit:]
        return [self.state.message_payload(m) for m in reversed(msgs)]

    async def _h_message_create(self, ctx: _Ctx) -> JSON:
        channel = self.state.channel(ctx.params["channel_id"])
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if channel.type == CHANNEL_DM:
            recipient = self.state.users[channel.recipients[0]]
            if not recipient.accepts_dms:
                raise cannot_dm_user()
        else:
            needed = Perm.SEND_MESSAGES
            if ctx.files:
                needed |= Perm.ATTACH_FILES
            self.state.require(channel, needed)
        nonce = body.get("nonce")
        key = (channel.id, self.bot_user_id, str(nonce))
        if nonce is not None and body.get("enforce_nonce"):
            seen = self.state.nonces.get(key)
            if seen is not None and time.monotonic() - seen[1] < 300:
                existing = self.state.messages[seen[0]]
                if not existing.deleted:
                    return self.state.message_payload(existing)
        ref = body.get("message_reference")
        if ref and ref.get("message_id"):
            target = self.state.messages.get(int(ref["message_id"]))
            if (target is None or target.deleted) and ref.get("fail_if_not_exists", True):
                raise invalid_form_body(
                    field_error(
                        ["message_reference"],
                        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
                        "Unknown message",
                    )
                )
        if int(body.get("flags") or 0) & ~SENDABLE_MESSAGE_FLAGS:
            raise invalid_form_body(
                field_error(["flags"], "MESSAGE_FLAGS_INVALID", "Invalid flags")
            )
        msg = self.state.new_message(channel, self.bot_user_id, body, ctx.files)
        if ref and ref.get("message_id"):
            msg.type = 19
        if nonce is not None:
            self.state.nonces[key] = (msg.id, time.monotonic())
        await self._message_event("MESSAGE_CREATE", msg)
        return self.state.message_payload(msg)

    def _channel_message(self, ctx: _Ctx) -> StoredMessage:
        channel = self._visible_channel(ctx)
        msg = self.state.message(channel.id, ctx.params["message_id"])
        if msg.ephemeral:
            raise unknown_message()
        return msg

    async def _h_message_get(self, ctx: _Ctx) -> JSON:
        msg = self._channel_message(ctx)
        self.state.require(self.state.channel(msg.channel_id), Perm.READ_MESSAGE_HISTORY)
        return self.state.message_payload(msg)

    async def _h_message_edit(self, ctx: _Ctx) -> JSON:
        msg = self._channel_message(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if msg.author_id != self.bot_user_id:
            if set(body) - {"flags"}:
                raise cannot_edit_others()
            self.state.require(self.state.channel(msg.channel_id), Perm.MANAGE_MESSAGES)
        validate_message_body(body, ctx.files, creating=False)
        self._apply_edit(msg, body, ctx.files)
        await self._message_event("MESSAGE_UPDATE", msg)
        return self.state.message_payload(msg)

    def _apply_edit(self, msg: StoredMessage, body: JSON, files: list[StoredFile]) -> None:
        merged_flags = int(body.get("flags", msg.flags) or 0)
        components = body.get("components", msg.components) or []
        validate_components(components, v2=bool(merged_flags & MESSAGE_FLAG_IS_COMPONENTS_V2))
        content = body.get("content", msg.content)
        if not (
            content
            or body.get("embeds", msg.embeds)
            or components
            or msg.attachments
            or files
            or body.get("attachments")
        ):
            raise ApiError(400, error_body("Cannot send an empty message", 50006))
        self.state.apply_message_body(msg, body, files)
        msg.edited_at = utcnow()
        msg.edits += 1

    async def _h_message_delete(self, ctx: _Ctx) -> None:
        msg = self._channel_message(ctx)
        if msg.author_id != self.bot_user_id:
            self.state.require(self.state.channel(msg.channel_id), Perm.MANAGE_MESSAGES)
        msg.deleted = True
        await self._message_event("MESSAGE_DELETE", msg)

    async def _h_pin(self, ctx: _Ctx) -> None:
        await self._set_pin(ctx, pinned=True)

    async def _h_unpin(self, ctx: _Ctx) -> None:
        await self._set_pin(ctx, pinned=False)

    async def _set_pin(self, ctx: _Ctx, *, pinned: bool) -> None:
        msg = self._channel_message(ctx)
        channel = self.state.channel(msg.channel_id)
        perms = self.state.permissions_in(channel, self.bot_user_id)
        if not perms & Perm.VIEW_CHANNEL:
            raise missing_access()
        if channel.guild_id is not None and not perms & (Perm.PIN_MESSAGES | Perm.MANAGE_MESSAGES):
            raise missing_permissions()
        pins = sum(m.pinned for m in self.state.channel_messages(channel.id))
        if pinned and not msg.pinned and pins >= 50:
            raise ApiError(400, error_body("Maximum number of pins reached (50)", 30003))
        msg.pinned = pinned
        channel.last_pin_timestamp = utcnow()
        data: JSON = {
            "channel_id": str(channel.id),
            "last_pin_timestamp": channel.last_pin_timestamp.isoformat(),
        }
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        await self.gateway.dispatch(
            "CHANNEL_PINS_UPDATE", data, guild_id=channel.guild_id, intent=INTENT_GUILDS
        )

    def _pinned(self, ctx: _Ctx) -> list[StoredMessage]:
        channel = self._visible_channel(ctx)
        return [m for m in reversed(self.state.channel_messages(channel.id)) if m.pinned]

    async def _h_pins_get(self, ctx: _Ctx) -> JSON:
        items = [
            {
                "pinned_at": (m.edited_at or m.created_at).isoformat(),
                "message": self.state.message_payload(m),
            }
            for m in self._pinned(ctx)
        ]
        return {"items": items, "has_more": False}

    async def _h_pins_get_legacy(self, ctx: _Ctx) -> list[JSON]:
        return [self.state.message_payload(m) for m in self._pinned(ctx)]

    # ------------------------------------------------------------------ REST handlers: interactions

    async def _h_interaction_callback(self, ctx: _Ctx) -> Any:
        handle = self.interactions.get(int(ctx.params["interaction_id"]))
        if handle is None or handle.token != ctx.params["interaction_token"]:
            raise unknown_interaction()
        if handle.callbacks:
            raise already_acknowledged()
        deadline = self.interaction_ack_timeout
        if deadline is not None and time.monotonic() - handle.created > deadline:
            raise unknown_interaction()
        body = ctx.body if isinstance(ctx.body, dict) else {}
        ctype = body.get("type")
        data = body.get("data")
        allowed = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}[handle.type]
        if ctype not in allowed:
            raise invalid_form_body(
                field_error(
                    ["type"],
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    f"Interaction response type {ctype} is not valid here",
                )
            )
        if ctype == 7 and "message" not in handle.payload:
            raise invalid_form_body(
                field_error(
                    ["type"],
                    "INTERACTION_RESPONSE_TYPE_INVALID",
                    "This interaction has no message to update",
                )
            )
        message: StoredMessage | None = None
        channel = self.state.channel(handle.channel_id)
        if ctype == 4:
            data = data or {}
            validate_message_body(data, ctx.files, creating=True)
            message = self._interaction_message(handle, channel, data, ctx.files, loading=False)
            handle.original_id = message.id
        elif ctype == 5:
            message = self._interaction_message(handle, channel, data or {}, [], loading=True)
            handle.original_id = message.id
        elif ctype == 7:
            data = data or {}
            message = self.state.messages[int(handle.payload["message"]["id"])]
            validate_message_body(data, ctx.files, creating=False)
            self._apply_edit(message, data, ctx.files)
        elif ctype == 6 and "message" in handle.payload:
            message = self.state.messages[int(handle.payload["message"]["id"])]
        if ctype in (6, 7) and message is not None and handle.original_id is None:
            # For a component, the "original response" is the message it sits on.
            handle.original_id = message.id
        elif ctype == 9:
            data = data or {}
            title = data.get("title") or ""
            if (
                not data.get("custom_id")
                or not 1 <= len(title) <= 45
                or not 1 <= len(data.get("components") or []) <= 5
            ):
                raise invalid_form_body(field_error(["data"], "MODAL_INVALID", "Invalid modal"))
            data = {**data, "components": normalize_components(data["components"])}
        elif ctype == 8:
            choices = (data or {}).get("choices") or []
            if len(choices) > 25:
                raise invalid_form_body(
                    field_error(
                        ["data", "choices"],
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 25 or fewer in length.",
                    )
                )
        callback = InteractionCallback(
            ctype, data, ctx.files, time.monotonic(), None if message is None else message.id
        )
        handle.callbacks.append(callback)
        if message is not None and ctype in (4, 5, 7):
            event = "MESSAGE_UPDATE" if ctype == 7 else "MESSAGE_CREATE"
            await self._message_event(event, message)
        if ctx.request.query.get("with_response") not in ("1", "true", "True"):
            return None
        resp: JSON = {"interaction": {"id": str(handle.id), "type": handle.type}}
        resource: JSON = {"type": ctype}
        if message is not None:
            resp["interaction"].update(
                {
                    "response_message_id": str(message.id),
                    "response_message_loading": bool(message.flags & MESSAGE_FLAG_LOADING),
                    "response_message_ephemeral": message.ephemeral,
                }
            )
            if ctype != 6:
                resource["message"] = self.state.message_payload(message)
        resp["resource"] = resource
        return resp

    def _interaction_message(
        self,
        handle: InteractionHandle,
        channel: FakeChannel,
        data: JSON,
        files: list[StoredFile],
        *,
        loading: bool,
    ) -> StoredMessage:
        flags = int(data.get("flags") or 0)
        if loading:
            body: JSON = {}
            flags = MESSAGE_FLAG_LOADING | (flags & MESSAGE_FLAG_EPHEMERAL)
        else:
            body = data
        msg = StoredMessage(
            id=self.state.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=self.bot_user_id,
            tts=bool(body.get("tts", False)),
            type=20 if handle.type == 2 else 0,
            webhook_id=self.application_id,
            application_id=self.application_id,
            interaction_id=handle.id,
            interaction_metadata=self._interaction_metadata(handle),
        )
        self.state.apply_message_body(msg, body, files)
        msg.flags = (flags & (SENDABLE_MESSAGE_FLAGS | MESSAGE_FLAG_EPHEMERAL)) | (
            flags & MESSAGE_FLAG_LOADING
        )
        self.state.messages[msg.id] = msg
        if not msg.ephemeral:
            channel.last_message_id = msg.id
        return msg

    def _interaction_metadata(self, handle: InteractionHandle) -> JSON:
        meta: JSON = {
            "id": str(handle.id),
            "type": handle.type,
            "user": self.state.user_payload(handle.user_id),
            "authorizing_integration_owners": handle.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if handle.type == 2:
            meta["name"] = handle.payload["data"]["name"]
            meta["command_type"] = 1
        if "message" in handle.payload:
            meta["interacted_message_id"] = handle.payload["message"]["id"]
        return meta

    def _webhook_handle(self, ctx: _Ctx) -> InteractionHandle:
        handle = self._by_token.get(ctx.params["webhook_token"])
        if (
            handle is None
            or int(ctx.params["webhook_id"]) != self.application_id
            or not handle.callbacks
        ):
            raise unknown_webhook()
        return handle

    async def _h_webhook_execute(self, ctx: _Ctx) -> JSON | None:
        handle = self._webhook_handle(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        channel = self.state.channel(handle.channel_id)
        original = handle.original
        if original is not None and original.flags & MESSAGE_FLAG_LOADING and not original.deleted:
            validate_message_body(body, ctx.files, creating=True)
            original.flags &= ~MESSAGE_FLAG_LOADING
            keep = original.flags & MESSAGE_FLAG_EPHEMERAL
            self.state.apply_message_body(
                original, {k: v for k, v in body.items() if k != "flags"}, ctx.files
            )
            original.flags |= keep | (int(body.get("flags") or 0) & SENDABLE_MESSAGE_FLAGS)
            msg = original
            await self._message_event("MESSAGE_UPDATE", msg)
        else:
            validate_message_body(body, ctx.files, creating=True)
            msg = self._interaction_message(handle, channel, body, ctx.files, loading=False)
            if msg.interaction_metadata is not None and handle.original_id is not None:
                msg.interaction_metadata["original_response_message_id"] = str(handle.original_id)
            handle.followup_ids.append(msg.id)
            await self._message_event("MESSAGE_CREATE", msg)
        if ctx.request.query.get("wait") in ("1", "true", "True"):
            return self.state.message_payload(msg)
        return None

    def _webhook_message(self, ctx: _Ctx) -> tuple[InteractionHandle, StoredMessage]:
        handle = self._webhook_handle(ctx)
        mid = ctx.params["message_id"]
        if mid == "@original":
            msg = handle.original
        else:
            ident = int(mid) if mid.isdigit() else -1
            msg = (
                self.state.messages.get(ident)
                if ident in (handle.original_id, *handle.followup_ids)
                else None
            )
        if msg is None or msg.deleted:
            raise unknown_message()
        return handle, msg

    async def _h_webhook_message_get(self, ctx: _Ctx) -> JSON:
        return self.state.message_payload(self._webhook_message(ctx)[1])

    async def _h_webhook_message_edit(self, ctx: _Ctx) -> JSON:
        _, msg = self._webhook_message(ctx)
        body = ctx.body if isinstance(ctx.body, dict) else {}
        validate_message_body(body, ctx.files, creating=False)
        was_loading = bool(msg.flags & MESSAGE_FLAG_LOADING)
        msg.flags &= ~MESSAGE_FLAG_LOADING
        keep = msg.flags & MESSAGE_FLAG_EPHEMERAL
        self._apply_edit(msg, {k: v for k, v in body.items() if k != "flags"}, ctx.files)
        msg.flags |= keep
        if was_loading:
            msg.edited_at = None
            msg.edits = 0
        await self._message_event("MESSAGE_UPDATE", msg)
        return self.state.message_payload(msg)

    async def _h_webhook_message_delete(self, ctx: _Ctx) -> None:
        _, msg = self._webhook_message(ctx)
        msg.deleted = True
        await self._message_event("MESSAGE_DELETE", msg)


# ---------------------------------------------------------------------- routing tables

_ROUTES: list[tuple[str, str, _Handler, bool]] = [
    ("GET", "/gateway", FakeDiscord._h_gateway, False),
    ("GET", "/gateway/bot", FakeDiscord._h_gateway_bot, True),
    ("GET", "/oauth2/applications/@me", FakeDiscord._h_application, True),
    ("GET", "/applications/@me", FakeDiscord._h_application, True),
    ("GET", "/users/@me", FakeDiscord._h_me, True),
    ("GET", "/users/@me/guilds", FakeDiscord._h_my_guilds, True),
    ("POST", "/users/@me/channels", FakeDiscord._h_create_dm, True),
    ("GET", "/users/{user_id}", FakeDiscord._h_user, True),
    ("GET", "/applications/{application_id}/commands", FakeDiscord._h_commands_get, True),
    ("PUT", "/applications/{application_id}/commands", FakeDiscord._h_commands_put, True),
    ("POST", "/applications/{application_id}/commands", FakeDiscord._h_commands_post, True),
    (
        "GET",
        "/applications/{application_id}/commands/{command_id}",
        FakeDiscord._h_command_get,
        True,
    ),
    (
        "DELETE",
        "/applications/{application_id}/commands/{command_id}",
        FakeDiscord._h_command_delete,
        True,
    ),
    (
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        FakeDiscord._h_commands_get,
        True,
    ),
    (
        "PUT",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        FakeDiscord._h_commands_put,
        True,
    ),
    (
        "POST",
        "/applications/{application_id}/guilds/{guild_id}/commands",
        FakeDiscord._h_commands_post,
        True,
    ),
    (
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
        FakeDiscord._h_command_get,
        True,
    ),
    (
        "DELETE",
        "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}",
        FakeDiscord._h_command_delete,
        True,
    ),
    ("GET", "/channels/{channel_id}", FakeDiscord._h_channel, True),
    ("POST", "/channels/{channel_id}/typing", FakeDiscord._h_typing, True),
    ("GET", "/channels/{channel_id}/messages", FakeDiscord._h_messages_get, True),
    ("POST", "/channels/{channel_id}/messages", FakeDiscord._h_message_create, True),
    ("GET", "/channels/{channel_id}/messages/pins", FakeDiscord._h_pins_get, True),
    ("PUT", "/channels/{channel_id}/messages/pins/{message_id}", FakeDiscord._h_pin, True),
    ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}", FakeDiscord._h_unpin, True),
    ("GET", "/channels/{channel_id}/pins", FakeDiscord._h_pins_get_legacy, True),
    ("PUT", "/channels/{channel_id}/pins/{message_id}", FakeDiscord._h_pin, True),
    ("DELETE", "/channels/{channel_id}/pins/{message_id}", FakeDiscord._h_unpin, True),
    ("GET", "/channels/{channel_id}/messages/{message_id}", FakeDiscord._h_message_get, True),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}", FakeDiscord._h_message_edit, True),
    ("DELETE", "/channels/{channel_id}/messages/{message_id}", FakeDiscord._h_message_delete, True),
    ("GET", "/guilds/{guild_id}", FakeDiscord._h_guild, True),
    ("GET", "/guilds/{guild_id}/channels", FakeDiscord._h_guild_channels, True),
    ("GET", "/guilds/{guild_id}/roles", FakeDiscord._h_guild_roles, True),
    ("GET", "/guilds/{guild_id}/members/{user_id}", FakeDiscord._h_guild_member, True),
    (
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        FakeDiscord._h_interaction_callback,
        False,
    ),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}", FakeDiscord._h_webhook_execute, False),
    (
        "GET",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        FakeDiscord._h_webhook_message_get,
        False,
    ),
    (
        "PATCH",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        FakeDiscord._h_webhook_message_edit,
        False,
    ),
    (
        "DELETE",
        "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        FakeDiscord._h_webhook_message_delete,
        False,
    ),
]

_COMPILED = [
    (
        method,
        template,
        re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "/?$"),
        handler,
        auth,
    )
    for method, template, handler, auth in _ROUTES
]


def _match_route(
    method: str, path: str
) -> tuple[str | None, _Handler | None, dict[str, str], bool]:
    """Find the handler; ``("405", None, ...)`` when only the method is wrong."""
    path_known = False
    for want, template, regex, handler, auth in _COMPILED:
        m = regex.match(path)
        if m is None:
            continue
        if want != method:
            path_known = True
            continue
        return f"{method} {template}", handler, m.groupdict(), auth
    return ("405" if path_known else None), None, {}, True


async def _read_body(request: web.Request) -> tuple[Any, list[StoredFile]]:
    """JSON body, or multipart ``payload_json`` + ``files[n]`` parts."""
    if not request.body_exists:
        return None, []
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        body: Any = None
        files: list[StoredFile] = []
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: Discord does not use it
            data = bytes(await part.read(decode=False))
            name = part.name or ""
            if name == "payload_json":
                try:
                    body = json.loads(data.decode())
                except ValueError:
                    raise ApiError(400, error_body("Invalid payload_json", 50109)) from None
            else:
                content_type = part.headers.get("Content-Type")
                files.append(StoredFile(name, part.filename, content_type, data))
        return body, files
    raw = await request.read()
    if not raw:
        return None, []
    try:
        return json.loads(raw), []
    except ValueError:
        raise ApiError(400, error_body("The request body contains invalid JSON.", 50109)) from None


def _check_snowflakes(params: dict[str, str]) -> None:
    """Discord answers 400/50035 NUMBER_TYPE_COERCE for a non-numeric id in the path."""
    for name, value in params.items():
        if name.endswith("_id") and not value.isdigit() and value != "@original":
            raise invalid_form_body(
                field_error([name], "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.')
            )


def _fault_name(kind: FaultKind) -> str:
    aliases = {"429": "rate_limit", "403": "missing_access", "404": "unknown_channel"}
    name = aliases.get(str(kind), str(kind))
    valid = {
        "rate_limit",
        "global_rate_limit",
        "500",
        "502",
        "503",
        "504",
        "missing_access",
        "missing_permissions",
        "unknown_channel",
        "unknown_message",
        "drop",
        "drop_after",
    }
    if name not in valid:
        raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(valid)}")
    return name


def _rate_limited(retry_after: float, *, scope: str) -> ApiError:
    retry_after = round(retry_after, 3)
    headers = {"Retry-After": str(max(1, math.ceil(retry_after))), "X-RateLimit-Scope": scope}
    if scope == "global":
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": scope == "global",
    }
    return ApiError(429, body, headers)


def _bucket_headers(route: str, limit: int, remaining: int, reset_after: float) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket_hash(route),
    }
