"""Fake Discord gateway (v10, JSON encoding, optional ``zlib-stream`` transport compression).

Implements HELLO, HEARTBEAT/ACK, IDENTIFY → READY + GUILD_CREATE (per shard), RESUME with
replay of missed events, INVALID_SESSION, RECONNECT, REQUEST_GUILD_MEMBERS and the close
codes discord.py cares about (4001, 4002, 4003, 4004, 4005, 4010, 4014). Used through
:class:`tests.fakes.discord_api.FakeDiscord`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from tests.fakes.discord_payloads import (
    API_VERSION,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILDS,
    JSON,
    PRIVILEGED_INTENTS,
    FakeState,
    shard_for,
)

T = TypeVar("T")

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

_TRACE = ['["gateway-prd-fake-0",{"micros":0.0}]']


class Notifier:
    """One asyncio.Condition that every state change notifies; tests wait on predicates."""

    def __init__(self) -> None:
        self._cond = asyncio.Condition()

    async def changed(self) -> None:
        """Wake every waiter so it re-checks its predicate."""
        async with self._cond:
            self._cond.notify_all()

    async def wait_until(
        self,
        predicate: Callable[[], T],
        timeout: float,  # noqa: ASYNC109 - part of the documented API
        what: str,
        poll: float = 0.05,
    ) -> T:
        """Return the first truthy ``predicate()``, or raise TimeoutError naming ``what``.

        The predicate is re-checked on every fake state change and, for predicates over
        client-side state the fake cannot see change, every ``poll`` seconds.
        """
        try:
            async with asyncio.timeout(timeout), self._cond:
                while True:
                    result = predicate()
                    if result:
                        return result
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._cond.wait(), poll)
        except TimeoutError:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}") from None


@dataclass
class DispatchRecord:
    """One DISPATCH frame the fake sent (or buffered for a disconnected session)."""

    session_id: str
    shard_id: int
    seq: int
    event: str
    data: JSON
    time: float


class GatewayConnection:
    """One websocket connection (a session may span several after RESUMEs)."""

    def __init__(self, ws: web.WebSocketResponse, query: dict[str, str]) -> None:
        self.ws = ws
        self.query = query
        self.compress = query.get("compress")
        self._zlib = zlib.compressobj() if self.compress == "zlib-stream" else None
        self._lock = asyncio.Lock()
        self.session: GatewaySession | None = None
        self.heartbeats = 0
        self.received: list[JSON] = []
        self.server_close_code: int | None = None

    @property
    def open(self) -> bool:
        """Whether frames can still be sent."""
        return not self.ws.closed

    async def send(self, payload: JSON) -> bool:
        """Send one frame (zlib-stream: compressed, Z_SYNC_FLUSH-terminated binary frame)."""
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        async with self._lock:
            if self.ws.closed:
                return False
            try:
                if self._zlib is not None:
                    data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
        return True

    async def close(self, code: int, message: str = "") -> None:
        """Close from the server side with a gateway close code."""
        if self.server_close_code is None:
            self.server_close_code = code
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=code, message=message.encode())


@dataclass
class GatewaySession:
    """A gateway session created by IDENTIFY; survives reconnects until invalidated."""

    session_id: str
    shard_id: int
    shard_count: int
    intents: int
    identify: JSON
    seq: int = 0
    conn: GatewayConnection | None = None
    invalidated: bool = False
    ready: bool = False
    resumes: int = 0
    buffer: list[JSON] = field(default_factory=list)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def connected(self) -> bool:
        """Whether a live websocket currently carries this session."""
        return self.conn is not None and self.conn.open

    def owns_guild(self, guild_id: int) -> bool:
        """Whether the guild lives on this session's shard."""
        return shard_for(guild_id, self.shard_count) == self.shard_id


class FakeGateway:
    """Websocket side of the fake; see module docstring."""

    def __init__(
        self,
        state: FakeState,
        notifier: Notifier,
        *,
        token: str,
        heartbeat_interval_ms: int,
        allowed_privileged_intents: int,
    ) -> None:
        self.state = state
        self.notifier = notifier
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.allowed_privileged_intents = allowed_privileged_intents
        self.url = ""
        self.connections: list[GatewayConnection] = []
        self.sessions: list[GatewaySession] = []
        self.identifies: list[JSON] = []
        self.dispatched: list[DispatchRecord] = []
        self.close_codes: list[int | None] = []
        """Per ended connection: server's close code if it closed first, else client's."""

    # -- queries -------------------------------------------------------------------------------

    def live_sessions(self, shard_id: int | None = None) -> list[GatewaySession]:
        """Sessions not invalidated (connected or resumable), optionally of one shard."""
        return [
            s
            for s in self.sessions
            if not s.invalidated and (shard_id is None or s.shard_id == shard_id)
        ]

    def ready_sessions(self, shard_count: int = 1) -> list[GatewaySession] | None:
        """One connected, READY session per shard of ``shard_count``, or None if incomplete."""
        found: dict[int, GatewaySession] = {}
        for s in self.live_sessions():
            if s.ready and s.connected and s.shard_count == shard_count:
                found[s.shard_id] = s
        if len(found) < shard_count:
            return None
        return [found[i] for i in range(shard_count)]

    def events(self, event: str | None = None, shard_id: int | None = None) -> list[DispatchRecord]:
        """Dispatches sent so far, filtered by event name and/or shard."""
        return [
            r
            for r in self.dispatched
            if (event is None or r.event == event) and (shard_id is None or r.shard_id == shard_id)
        ]

    # -- sending -------------------------------------------------------------------------------

    async def _send_dispatch(self, session: GatewaySession, event: str, data: JSON) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
            session.buffer.append(frame)
            del session.buffer[:-1000]
            self.dispatched.append(
                DispatchRecord(
                    session.session_id, session.shard_id, session.seq, event, data, time.monotonic()
                )
            )
            if session.conn is not None:
                await session.conn.send(frame)

    async def dispatch(
        self,
        event: str,
        data: JSON,
        *,
        guild_id: int | None = None,
        shard_id: int | None = None,
        intent: int | None = None,
        per_session: Callable[[GatewaySession, JSON], JSON] | None = None,
    ) -> int:
        """Send a DISPATCH to every live session owning ``guild_id`` (else shard ``shard_id``).

        With neither, the event goes to shard 0 (where Discord sends DM events). ``intent``
        skips sessions that did not IDENTIFY with that intent bit; ``per_session`` may adapt
        the payload per session. Returns the number of sessions the event was sent to
        (buffered events of disconnected sessions count).
        """
        sent = 0
        for session in self.live_sessions():
            if guild_id is not None:
                if not session.owns_guild(guild_id):
                    continue
            elif session.shard_id != (shard_id or 0):
                continue
            if intent is not None and not session.intents & intent:
                continue
            payload = data if per_session is None else per_session(session, data)
            await self._send_dispatch(session, event, payload)
            sent += 1
        await self.notifier.changed()
        return sent

    async def send_to_shard(self, shard_id: int, event: str, data: JSON) -> int:
        """Raw DISPATCH to every live session of one shard (no intent filtering)."""
        return await self.dispatch(event, data, shard_id=shard_id)

    async def disconnect(self, code: int = 4000, *, resumable: bool = True) -> int:
        """Drop every open connection; clients reconnect (and RESUME if ``resumable``)."""
        closed = 0
        for conn in list(self.connections):
            if not conn.open:
                continue
            if not resumable and conn.session is not None:
                conn.session.invalidated = True
            await conn.close(code, "fake disconnect")
            closed += 1
        await self.notifier.changed()
        return closed

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT to every open connection (clients close and RESUME)."""
        for conn in list(self.connections):
            if conn.open:
                await conn.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    async def close_all(self) -> None:
        """Close every connection (server shutdown)."""
        for conn in list(self.connections):
            if conn.open:
                await conn.close(1001, "fake discord shutting down")

    # -- websocket handler ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp handler for ``GET /gateway`` (websocket upgrade)."""
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        conn = GatewayConnection(ws, dict(request.query))
        self.connections.append(conn)
        if request.query.get("v", str(API_VERSION)) != str(API_VERSION):
            await conn.close(4012, "Invalid API version")
            return ws
        await conn.send(
            {
                "op": OP_HELLO,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": _TRACE},
                "s": None,
                "t": None,
            }
        )
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    await conn.close(4002, "Error while decoding payload.")
                    break
                await self._on_frame(conn, msg.data)
        finally:
            server_code = conn.server_close_code
            self.close_codes.append(server_code if server_code is not None else ws.close_code)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if server_code is None and ws.close_code in (1000, 1001):
                    session.invalidated = True
            await self.notifier.changed()
        return ws

    async def _on_frame(self, conn: GatewayConnection, raw: str) -> None:
        try:
            payload = json.loads(raw)
            op = payload["op"]
        except (ValueError, KeyError, TypeError):
            await conn.close(4002, "Error while decoding payload.")
            return
        conn.received.append(payload)
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            conn.heartbeats += 1
            await conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif conn.session is None:
            await conn.close(4003, "Not authenticated.")
        elif op == OP_REQUEST_GUILD_MEMBERS:
            await self._members_chunk(conn.session, data or {})
        elif op not in (OP_PRESENCE_UPDATE, OP_VOICE_STATE_UPDATE):
            await conn.close(4001, "Unknown opcode.")
        await self.notifier.changed()

    def _token_ok(self, token: Any) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ") == self.token

    async def _identify(self, conn: GatewayConnection, data: JSON) -> None:
        if conn.session is not None:
            await conn.close(4005, "Already authenticated.")
            return
        if not self._token_ok(data.get("token")):
            await conn.close(4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int):
            await conn.close(4013, "Invalid intent(s).")
            return
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.close(4014, "Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        shard_id, shard_count = int(shard[0]), int(shard[1])
        if shard_count < 1 or not 0 <= shard_id < shard_count:
            await conn.close(4010, "Invalid shard.")
            return
        self.identifies.append(data)
        session = GatewaySession(secrets.token_hex(16), shard_id, shard_count, intents, data)
        session.conn = conn
        conn.session = session
        self.sessions.append(session)
        guild_ids = [gid for gid in self.state.guilds if session.owns_guild(gid)]
        ready: JSON = {
            "v": API_VERSION,
            "user_settings": {},
            "user": self.state.client_user_payload(),
            "session_type": "normal",
            "session_id": session.session_id,
            "resume_gateway_url": self.url,
            "relationships": [],
            "private_channels": [],
            "presences": [],
            "guilds": [{"id": str(gid), "unavailable": True} for gid in guild_ids],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["rotterdam", "madrid"],
            "game_relationships": [],
            "auth": {},
            "application": {
                "id": str(self.state.application_id),
                "flags": self.state.application_flags,
            },
            "_trace": _TRACE,
        }
        if "shard" in data:
            ready["shard"] = [shard_id, shard_count]
        await self._send_dispatch(session, "READY", ready)
        if intents & INTENT_GUILDS:
            members = bool(intents & INTENT_GUILD_MEMBERS)
            for gid in guild_ids:
                payload = self.state.guild_create_payload(gid, all_members=members)
                await self._send_dispatch(session, "GUILD_CREATE", payload)
        session.ready = True

    async def _resume(self, conn: GatewayConnection, data: JSON) -> None:
        if not self._token_ok(data.get("token")):
            await conn.close(4004, "Authentication failed.")
            return
        session = next((s for s in self.sessions if s.session_id == data.get("session_id")), None)
        if session is None or session.invalidated:
            await asyncio.sleep(0.05)
            await conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return
        old = session.conn
        if old is not None and old is not conn and old.open:
            await old.close(4000, "Session resumed elsewhere")
        async with session.lock:
            session.conn = conn
            conn.session = session
            session.resumes += 1
            last = int(data.get("seq") or 0)
            for frame in session.buffer:
                if frame["s"] > last:
                    await conn.send(frame)
        await self._send_dispatch(session, "RESUMED", {"_trace": _TRACE})

    async def _members_chunk(self, session: GatewaySession, data: JSON) -> None:
        guild = self.state.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        user_ids = {int(u) for u in data.get("user_ids") or []}
        query = (data.get("query") or "").lower()
        members = [
            self.state.member_payload(guild.id, uid)
            for uid in guild.members
            if (not user_ids or uid in user_ids)
            and self.state.users[uid].name.lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(u) for u in user_ids if u not in guild.members],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send_dispatch(session, "GUILD_MEMBERS_CHUNK", chunk)
