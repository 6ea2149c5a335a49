"""World state, wire payload builders, validation and error bodies for the fake Discord.

Everything here speaks Discord's v10 wire format: ids are snowflakes serialised as strings,
permissions are decimal strings, timestamps are ISO 8601 with an explicit UTC offset.
The REST side lives in :mod:`tests.fakes.discord_api`, the websocket in
:mod:`tests.fakes.discord_gateway`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000
API_VERSION = 10

# --------------------------------------------------------------------------- permissions


class Perm:
    """Permission bits (https://discord.com/developers/docs/topics/permissions)."""

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    CHANGE_NICKNAME = 1 << 26
    MANAGE_ROLES = 1 << 28
    USE_APPLICATION_COMMANDS = 1 << 31
    MANAGE_EVENTS = 1 << 33
    SEND_MESSAGES_IN_THREADS = 1 << 38
    PIN_MESSAGES = 1 << 51
    ALL = (1 << 52) - 1


DEFAULT_EVERYONE_PERMISSIONS = (
    Perm.CREATE_INSTANT_INVITE
    | Perm.ADD_REACTIONS
    | Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.SEND_TTS_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.MENTION_EVERYONE
    | Perm.USE_EXTERNAL_EMOJIS
    | Perm.CONNECT
    | Perm.SPEAK
    | Perm.CHANGE_NICKNAME
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.SEND_MESSAGES_IN_THREADS
)
DEFAULT_BOT_PERMISSIONS = (
    Perm.VIEW_CHANNEL
    | Perm.SEND_MESSAGES
    | Perm.EMBED_LINKS
    | Perm.ATTACH_FILES
    | Perm.READ_MESSAGE_HISTORY
    | Perm.ADD_REACTIONS
    | Perm.MANAGE_MESSAGES
    | Perm.PIN_MESSAGES
    | Perm.USE_APPLICATION_COMMANDS
    | Perm.SEND_MESSAGES_IN_THREADS
)

# Gateway intents that must be enabled in the developer portal (else close code 4014).
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

# Application flags announcing which privileged intents are enabled (the "_LIMITED" variants).
APP_FLAG_PRESENCE_LIMITED = 1 << 13
APP_FLAG_MEMBERS_LIMITED = 1 << 15
APP_FLAG_MESSAGE_CONTENT_LIMITED = 1 << 19
APP_FLAG_COMMAND_BADGE = 1 << 23

MESSAGE_FLAG_SUPPRESS_EMBEDS = 1 << 2
MESSAGE_FLAG_EPHEMERAL = 1 << 6
MESSAGE_FLAG_LOADING = 1 << 7
MESSAGE_FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
MESSAGE_FLAG_IS_COMPONENTS_V2 = 1 << 15
SENDABLE_MESSAGE_FLAGS = (
    MESSAGE_FLAG_SUPPRESS_EMBEDS
    | MESSAGE_FLAG_SUPPRESS_NOTIFICATIONS
    | MESSAGE_FLAG_IS_COMPONENTS_V2
)

CHANNEL_GUILD_TEXT = 0
CHANNEL_DM = 1

VALID_LOCALES = frozenset(
    {
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    }
)

# --------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An HTTP error answered in Discord's JSON error shape."""

    def __init__(self, status: int, body: JSON, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {body.get('code')}: {body.get('message')}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def error_body(message: str, code: int, errors: JSON | None = None) -> JSON:
    """Build Discord's error body ``{"message", "code"[, "errors"]}``."""
    body: JSON = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return body


def unauthorized() -> ApiError:
    """401 for a missing or wrong bot token."""
    return ApiError(401, error_body("401: Unauthorized", 0))


def route_not_found() -> ApiError:
    """404 for a path Discord does not serve."""
    return ApiError(404, error_body("404: Not Found", 0))


def method_not_allowed() -> ApiError:
    """405 for a known path with an unsupported method."""
    return ApiError(405, error_body("405: Method Not Allowed", 0))


def missing_access() -> ApiError:
    """403 code 50001: the bot cannot see the resource."""
    return ApiError(403, error_body("Missing Access", 50001))


def missing_permissions() -> ApiError:
    """403 code 50013: the bot sees the resource but lacks a permission."""
    return ApiError(403, error_body("Missing Permissions", 50013))


def cannot_edit_others() -> ApiError:
    """403 code 50005: editing another author's message."""
    return ApiError(403, error_body("Cannot edit a message authored by another user", 50005))


def cannot_dm_user() -> ApiError:
    """403 code 50007: the user does not accept DMs from the bot."""
    return ApiError(403, error_body("Cannot send messages to this user", 50007))


def unknown_channel() -> ApiError:
    """404 code 10003."""
    return ApiError(404, error_body("Unknown Channel", 10003))


def unknown_guild() -> ApiError:
    """404 code 10004."""
    return ApiError(404, error_body("Unknown Guild", 10004))


def unknown_member() -> ApiError:
    """404 code 10007."""
    return ApiError(404, error_body("Unknown Member", 10007))


def unknown_message() -> ApiError:
    """404 code 10008."""
    return ApiError(404, error_body("Unknown Message", 10008))


def unknown_user() -> ApiError:
    """404 code 10013."""
    return ApiError(404, error_body("Unknown User", 10013))


def unknown_webhook() -> ApiError:
    """404 code 10015 (also used for unacknowledged/expired interaction tokens)."""
    return ApiError(404, error_body("Unknown Webhook", 10015))


def unknown_command() -> ApiError:
    """404 code 10063."""
    return ApiError(404, error_body("Unknown application command", 10063))


def unknown_interaction() -> ApiError:
    """404 code 10062: interaction unknown or its 3 s acknowledgement window has passed."""
    return ApiError(404, error_body("Unknown interaction", 10062))


def already_acknowledged() -> ApiError:
    """400 code 40060."""
    return ApiError(400, error_body("Interaction has already been acknowledged.", 40060))


def empty_message() -> ApiError:
    """400 code 50006."""
    return ApiError(400, error_body("Cannot send an empty message", 50006))


def invalid_form_body(errors: JSON) -> ApiError:
    """400 code 50035 with Discord's nested ``errors`` tree."""
    return ApiError(400, error_body("Invalid Form Body", 50035, errors))


def field_error(path: Iterable[str | int], code: str, message: str) -> JSON:
    """Nest ``{"_errors": [...]}`` under ``path`` the way Discord reports form errors."""
    node: JSON = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(list(path)):
        node = {str(key): node}
    return node


def _too_long(path: list[str | int], limit: int) -> ApiError:
    return invalid_form_body(
        field_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    )


# --------------------------------------------------------------------------- ids & time


class SnowflakeGenerator:
    """Increasing, realistic snowflakes (19 digits today); each id advances the ms part."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._increment = 0

    def next(self, shard: tuple[int, int] | None = None) -> int:
        """Return a fresh id; ``shard=(i, n)`` forces ``(id >> 22) % n == i``."""
        ms = max(int(time.time() * 1000), self._last_ms + 1)
        if shard is not None:
            shard_id, count = shard
            while (ms - DISCORD_EPOCH_MS) % count != shard_id:
                ms += 1
        self._last_ms = ms
        self._increment = (self._increment + 1) & 0xFFF
        return ((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | self._increment


def snowflake_time(snowflake: int) -> dt.datetime:
    """Creation time encoded in a snowflake."""
    ms = (snowflake >> 22) + DISCORD_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def iso(moment: dt.datetime | None) -> str | None:
    """Discord's timestamp format, e.g. ``2025-01-01T12:00:00.123000+00:00``."""
    return None if moment is None else moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def utcnow() -> dt.datetime:
    """Timezone-aware now."""
    return dt.datetime.now(dt.UTC)


def shard_for(guild_id: int, shard_count: int) -> int:
    """Discord's sharding formula."""
    return (guild_id >> 22) % shard_count


def bucket_hash(route: str) -> str:
    """Stable opaque bucket id like the ones in ``X-RateLimit-Bucket``."""
    return hashlib.sha1(route.encode()).hexdigest()[:32]


def interaction_token(interaction_id: int) -> str:
    """An opaque interaction token shaped like Discord's (``aW50ZXJhY3Rpb246...``)."""
    return f"aW50ZXJhY3Rpb246{interaction_id}OnRva2Vu{secrets.token_urlsafe(48)}"


# --------------------------------------------------------------------------- world state


@dataclass
class FakeUser:
    """A Discord user (or the bot user)."""

    id: int
    name: str
    locale: str = "en-US"
    bot: bool = False
    global_name: str | None = None
    accepts_dms: bool = True
    discriminator: str = "0"


@dataclass
class FakeRole:
    """A guild role; the ``@everyone`` role shares the guild id."""

    id: int
    guild_id: int
    name: str
    permissions: int
    position: int = 0
    managed: bool = False
    bot_id: int | None = None
    color: int = 0


@dataclass
class FakeMember:
    """A guild member."""

    user_id: int
    guild_id: int
    roles: list[int] = field(default_factory=list)
    joined_at: dt.datetime = field(default_factory=utcnow)
    nick: str | None = None


@dataclass
class Overwrite:
    """A channel permission overwrite (type 0 = role, 1 = member)."""

    id: int
    type: int
    allow: int = 0
    deny: int = 0


@dataclass
class FakeChannel:
    """A guild text channel or a DM channel."""

    id: int
    type: int
    name: str | None = None
    guild_id: int | None = None
    position: int = 0
    overwrites: list[Overwrite] = field(default_factory=list)
    recipients: list[int] = field(default_factory=list)
    topic: str | None = None
    last_message_id: int | None = None
    last_pin_timestamp: dt.datetime | None = None


@dataclass
class FakeGuild:
    """A guild the bot is in."""

    id: int
    name: str
    owner_id: int
    preferred_locale: str = "en-US"
    roles: dict[int, FakeRole] = field(default_factory=dict)
    members: dict[int, FakeMember] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    features: list[str] = field(default_factory=list)
    joined_at: dt.datetime = field(default_factory=utcnow)


@dataclass
class StoredFile:
    """An uploaded file of a multipart request."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class StoredMessage:
    """A message as the fake Discord keeps it (current state after edits/deletes)."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    allowed_mentions: JSON | None = None
    flags: int = 0
    nonce: str | int | None = None
    pinned: bool = False
    tts: bool = False
    type: int = 0
    attachments: list[JSON] = field(default_factory=list)
    files: list[StoredFile] = field(default_factory=list)
    mentions: list[int] = field(default_factory=list)
    mention_roles: list[int] = field(default_factory=list)
    mention_everyone: bool = False
    webhook_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    interaction_metadata: JSON | None = None
    message_reference: JSON | None = None
    poll: JSON | None = None
    created_at: dt.datetime = field(default_factory=utcnow)
    edited_at: dt.datetime | None = None
    deleted: bool = False
    edits: int = 0

    @property
    def ephemeral(self) -> bool:
        """Whether the EPHEMERAL flag (64) is set."""
        return bool(self.flags & MESSAGE_FLAG_EPHEMERAL)

    def custom_ids(self) -> list[str]:
        """All component custom_ids of this message, in tree order."""
        return [c["custom_id"] for c in iter_components(self.components) if "custom_id" in c]


@dataclass
class StoredCommand:
    """A registered application command (global when ``guild_id`` is None)."""

    id: int
    guild_id: int | None
    payload: JSON


def iter_components(components: Iterable[JSON]) -> Iterator[JSON]:
    """Walk a component tree (action rows, sections, containers, labels) depth first."""
    for comp in components:
        yield comp
        children = list(comp.get("components") or [])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                children.append(comp[key])
        yield from iter_components(children)


class FakeState:
    """All mutable world state of the fake Discord (no I/O here)."""

    def __init__(self, *, bot_name: str, application_name: str, application_flags: int = 0) -> None:
        self.ids = SnowflakeGenerator()
        self.users: dict[int, FakeUser] = {}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, StoredMessage] = {}
        self.commands: dict[tuple[int | None, int, str], StoredCommand] = {}
        self.dm_channels: dict[int, int] = {}
        self.nonces: dict[tuple[int, int, str], tuple[int, float]] = {}
        self.application_id = self.ids.next()
        self.application_name = application_name
        self.application_flags = application_flags
        owner = self.add_user("app-owner")
        self.application_owner_id = owner
        self.bot_user_id = self.ids.next()
        self.users[self.bot_user_id] = FakeUser(
            self.bot_user_id, bot_name, bot=True, discriminator="4821"
        )

    # -- creation -------------------------------------------------------------------------

    def add_user(
        self, name: str, locale: str = "en-US", *, accepts_dms: bool = True, bot: bool = False
    ) -> int:
        """Create a user and return its id."""
        uid = self.ids.next()
        self.users[uid] = FakeUser(uid, name, locale, bot=bot, accepts_dms=accepts_dms)
        return uid

    def add_guild(
        self,
        name: str,
        preferred_locale: str = "en-US",
        owner_id: int | None = None,
        *,
        shard: tuple[int, int] | None = None,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
    ) -> int:
        """Create a guild with @everyone, the bot's managed role and the bot member."""
        gid = self.ids.next(shard)
        if owner_id is None:
            owner_id = self.add_user(f"{name}-owner")
        guild = FakeGuild(gid, name, int(owner_id), preferred_locale)
        guild.roles[gid] = FakeRole(gid, gid, "@everyone", everyone_permissions)
        bot_role = self.ids.next()
        bot_name = self.users[self.bot_user_id].name
        guild.roles[bot_role] = FakeRole(
            bot_role, gid, bot_name, bot_permissions, 1, managed=True, bot_id=self.bot_user_id
        )
        guild.members[int(owner_id)] = FakeMember(int(owner_id), gid)
        guild.members[self.bot_user_id] = FakeMember(self.bot_user_id, gid, [bot_role])
        self.guilds[gid] = guild
        return gid

    def add_role(self, guild_id: int, name: str, permissions: int = 0) -> int:
        """Create a role in a guild and return its id."""
        guild = self.guild(guild_id)
        rid = self.ids.next()
        guild.roles[rid] = FakeRole(rid, guild.id, name, permissions, len(guild.roles))
        return rid

    def add_member(self, guild_id: int, user_id: int, roles: Iterable[int] = ()) -> None:
        """Add a user to a guild (or replace its roles)."""
        guild = self.guild(guild_id)
        self.user(user_id)
        guild.members[int(user_id)] = FakeMember(int(user_id), guild.id, [int(r) for r in roles])

    def add_channel(
        self,
        guild_id: int,
        name: str,
        *,
        overwrites: Iterable[Overwrite] = (),
        topic: str | None = None,
    ) -> int:
        """Create a guild text channel and return its id."""
        guild = self.guild(guild_id)
        cid = self.ids.next()
        self.channels[cid] = FakeChannel(
            cid,
            CHANNEL_GUILD_TEXT,
            name,
            guild.id,
            len(guild.channel_ids),
            list(overwrites),
            topic=topic,
        )
        guild.channel_ids.append(cid)
        return cid

    def dm_channel(self, user_id: int) -> FakeChannel:
        """Get or create the bot's DM channel with a user."""
        user_id = int(user_id)
        self.user(user_id)
        if user_id not in self.dm_channels:
            cid = self.ids.next()
            self.channels[cid] = FakeChannel(cid, CHANNEL_DM, recipients=[user_id])
            self.dm_channels[user_id] = cid
        return self.channels[self.dm_channels[user_id]]

    # -- lookups ----------------------------------------------------------------------------

    def user(self, user_id: int | str) -> FakeUser:
        """Lookup a user or raise 404 Unknown User."""
        try:
            return self.users[int(user_id)]
        except (KeyError, ValueError):
            raise unknown_user() from None

    def guild(self, guild_id: int | str) -> FakeGuild:
        """Lookup a guild or raise 404 Unknown Guild."""
        try:
            return self.guilds[int(guild_id)]
        except (KeyError, ValueError):
            raise unknown_guild() from None

    def channel(self, channel_id: int | str) -> FakeChannel:
        """Lookup a channel or raise 404 Unknown Channel."""
        try:
            return self.channels[int(channel_id)]
        except (KeyError, ValueError):
            raise unknown_channel() from None

    def message(self, channel_id: int | str, message_id: int | str) -> StoredMessage:
        """Lookup a live message of a channel or raise 404 Unknown Message."""
        try:
            msg = self.messages[int(message_id)]
        except (KeyError, ValueError):
            raise unknown_message() from None
        if msg.deleted or msg.channel_id != int(channel_id):
            raise unknown_message()
        return msg

    def channel_messages(self, channel_id: int | str) -> list[StoredMessage]:
        """Live messages of a channel, oldest first."""
        cid = int(channel_id)
        return sorted(
            (m for m in self.messages.values() if m.channel_id == cid and not m.deleted),
            key=lambda m: m.id,
        )

    # -- permissions --------------------------------------------------------------------------

    def base_permissions(self, guild: FakeGuild, user_id: int) -> int:
        """Guild-level permissions of a member (owner and ADMINISTRATOR get everything)."""
        if user_id == guild.owner_id:
            return Perm.ALL
        member = guild.members.get(user_id)
        if member is None:
            return 0
        perms = guild.roles[guild.id].permissions
        for rid in member.roles:
            role = guild.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        return Perm.ALL if perms & Perm.ADMINISTRATOR else perms

    def permissions_in(self, channel: FakeChannel, user_id: int) -> int:
        """Channel permissions after overwrites, Discord's algorithm (DMs: send/read)."""
        user_id = int(user_id)
        if channel.guild_id is None:
            basic = Perm.VIEW_CHANNEL | Perm.SEND_MESSAGES | Perm.READ_MESSAGE_HISTORY
            return basic | Perm.EMBED_LINKS | Perm.ATTACH_FILES | Perm.ADD_REACTIONS
        guild = self.guilds[channel.guild_id]
        perms = self.base_permissions(guild, user_id)
        if perms & Perm.ADMINISTRATOR:
            return Perm.ALL
        member = guild.members.get(user_id)
        roles = set(member.roles) if member else set()
        by_id = {(o.type, o.id): o for o in channel.overwrites}
        everyone = by_id.get((0, guild.id))
        if everyone:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for ow in channel.overwrites:
            if ow.type == 0 and ow.id in roles:
                allow |= ow.allow
                deny |= ow.deny
        perms = (perms & ~deny) | allow
        own = by_id.get((1, user_id))
        if own:
            perms = (perms & ~own.deny) | own.allow
        if not perms & Perm.VIEW_CHANNEL:
            return 0
        if not perms & Perm.SEND_MESSAGES:
            perms &= ~(
                Perm.SEND_TTS_MESSAGES
                | Perm.MENTION_EVERYONE
                | Perm.EMBED_LINKS
                | Perm.ATTACH_FILES
            )
        return perms

    def require(self, channel: FakeChannel, permission: int, user_id: int | None = None) -> None:
        """Raise 50001 without VIEW_CHANNEL, 50013 without ``permission`` (default: the bot)."""
        perms = self.permissions_in(channel, self.bot_user_id if user_id is None else user_id)
        if not perms & Perm.VIEW_CHANNEL:
            raise missing_access()
        if perms & permission != permission:
            raise missing_permissions()

    # -- payloads -----------------------------------------------------------------------------

    def user_payload(self, user_id: int) -> JSON:
        """Public user object."""
        user = self.user(user_id)
        payload: JSON = {
            "id": str(user.id),
            "username": user.name,
            "discriminator": user.discriminator,
            "global_name": user.global_name,
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
            "flags": 0,
            "collectibles": None,
            "primary_guild": None,
        }
        if user.bot:
            payload["bot"] = True
        return payload

    def client_user_payload(self) -> JSON:
        """The bot user as returned by ``GET /users/@me`` and READY."""
        payload = self.user_payload(self.bot_user_id)
        payload.update(
            {
                "verified": True,
                "mfa_enabled": False,
                "email": None,
                "locale": "en-US",
                "premium_type": 0,
                "bio": "",
            }
        )
        return payload

    def application_payload(self) -> JSON:
        """``GET /oauth2/applications/@me``."""
        return {
            "id": str(self.application_id),
            "name": self.application_name,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "hook": True,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(str(self.application_id).encode()).hexdigest(),
            "flags": self.application_flags,
            "owner": self.user_payload(self.application_owner_id),
            "team": None,
            "bot": self.user_payload(self.bot_user_id),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "role_connections_verification_url": None,
            "tags": [],
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
            "integration_types_config": {"0": {}, "1": {}},
            "approximate_guild_count": len(self.guilds),
            "approximate_user_install_count": 0,
            "rpc_origins": [],
        }

    def role_payload(self, role: FakeRole) -> JSON:
        """Role object."""
        payload: JSON = {
            "id": str(role.id),
            "name": role.name,
            "description": None,
            "color": role.color,
            "colors": {
                "primary_color": role.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": role.position,
            "permissions": str(role.permissions),
            "managed": role.managed,
            "mentionable": False,
            "flags": 0,
        }
        if role.bot_id is not None:
            payload["tags"] = {"bot_id": str(role.bot_id)}
        return payload

    def member_payload(self, guild_id: int, user_id: int, *, with_user: bool = True) -> JSON:
        """Guild member object (``roles`` never lists @everyone)."""
        guild = self.guild(guild_id)
        member = guild.members.get(int(user_id))
        if member is None:
            raise unknown_member()
        payload: JSON = {
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in member.roles],
            "joined_at": iso(member.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
            "unusual_dm_activity_until": None,
        }
        if with_user:
            payload["user"] = self.user_payload(member.user_id)
        return payload

    def channel_payload(self, channel_id: int) -> JSON:
        """Channel object (guild text or DM)."""
        ch = self.channel(channel_id)
        last = None if ch.last_message_id is None else str(ch.last_message_id)
        if ch.type == CHANNEL_DM:
            return {
                "id": str(ch.id),
                "type": CHANNEL_DM,
                "last_message_id": last,
                "flags": 0,
                "recipients": [self.user_payload(u) for u in ch.recipients],
            }
        return {
            "id": str(ch.id),
            "type": ch.type,
            "guild_id": str(ch.guild_id),
            "name": ch.name,
            "position": ch.position,
            "permission_overwrites": [
                {"id": str(o.id), "type": o.type, "allow": str(o.allow), "deny": str(o.deny)}
                for o in ch.overwrites
            ],
            "topic": ch.topic,
            "nsfw": False,
            "last_message_id": last,
            "last_pin_timestamp": iso(ch.last_pin_timestamp),
            "rate_limit_per_user": 0,
            "parent_id": None,
            "flags": 0,
            "icon_emoji": None,
            "theme_color": None,
        }

    def guild_payload(self, guild_id: int) -> JSON:
        """Guild object as returned by ``GET /guilds/{id}``."""
        g = self.guild(guild_id)
        return {
            "id": str(g.id),
            "name": g.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(g.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "widget_enabled": False,
            "widget_channel_id": None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [self.role_payload(r) for r in g.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": list(g.features),
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "max_presences": None,
            "max_members": 500000,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": g.preferred_locale,
            "public_updates_channel_id": None,
            "max_video_channel_users": 25,
            "max_stage_video_channel_users": 50,
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
            "incidents_data": None,
        }

    def guild_create_payload(self, guild_id: int, *, all_members: bool = False) -> JSON:
        """GUILD_CREATE ``d``: the guild plus channels, members (bot only unless asked), etc."""
        g = self.guild(guild_id)
        payload = self.guild_payload(guild_id)
        member_ids = list(g.members) if all_members else [self.bot_user_id]
        payload.update(
            {
                "joined_at": iso(g.joined_at),
                "large": len(g.members) >= 250,
                "unavailable": False,
                "member_count": len(g.members),
                "lazy": True,
                "voice_states": [],
                "members": [self.member_payload(g.id, uid) for uid in member_ids],
                "channels": [self.channel_payload(cid) for cid in g.channel_ids],
                "threads": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
                "soundboard_sounds": [],
                "embedded_activities": [],
                "version": int(time.time() * 1000),
            }
        )
        return payload

    def message_payload(self, msg: StoredMessage, *, gateway: bool = False) -> JSON:
        """Message object; gateway events additionally carry ``guild_id`` and ``member``."""
        payload: JSON = {
            "id": str(msg.id),
            "type": msg.type,
            "channel_id": str(msg.channel_id),
            "author": self.user_payload(msg.author_id),
            "content": msg.content,
            "timestamp": iso(msg.created_at),
            "edited_timestamp": iso(msg.edited_at),
            "tts": msg.tts,
            "mention_everyone": msg.mention_everyone,
            "mentions": [self.user_payload(u) for u in msg.mentions if u in self.users],
            "mention_roles": [str(r) for r in msg.mention_roles],
            "attachments": list(msg.attachments),
            "embeds": list(msg.embeds),
            "pinned": msg.pinned,
            "flags": msg.flags,
            "components": list(msg.components),
        }
        if msg.nonce is not None:
            payload["nonce"] = msg.nonce
        if msg.webhook_id is not None:
            payload["webhook_id"] = str(msg.webhook_id)
        if msg.application_id is not None:
            payload["application_id"] = str(msg.application_id)
        if msg.interaction_metadata is not None:
            payload["interaction_metadata"] = msg.interaction_metadata
        if msg.message_reference is not None:
            payload["message_reference"] = msg.message_reference
        if msg.poll is not None:
            payload["poll"] = msg.poll
        if gateway and msg.guild_id is not None:
            payload["guild_id"] = str(msg.guild_id)
            if msg.author_id in self.guilds[msg.guild_id].members:
                payload["member"] = self.member_payload(
                    msg.guild_id, msg.author_id, with_user=False
                )
        return payload

    # -- messages -----------------------------------------------------------------------------

    def new_message(
        self, channel: FakeChannel, author_id: int, body: JSON, files: list[StoredFile]
    ) -> StoredMessage:
        """Validate a create-message body and store the new message."""
        validate_message_body(body, files, creating=True)
        msg = StoredMessage(
            id=self.ids.next(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author_id,
            tts=bool(body.get("tts", False)),
            nonce=body.get("nonce"),
            message_reference=body.get("message_reference"),
            poll=body.get("poll"),
        )
        self.apply_message_body(msg, body, files)
        self.messages[msg.id] = msg
        channel.last_message_id = msg.id
        return msg

    def apply_message_body(self, msg: StoredMessage, body: JSON, files: list[StoredFile]) -> None:
        """Apply the content/embeds/components/flags/attachments fields of a body."""
        if "content" in body:
            msg.content = body["content"] or ""
        if "embeds" in body:
            msg.embeds = [{"type": "rich", **e} for e in body["embeds"] or []]
        if "components" in body:
            msg.components = normalize_components(body["components"] or [])
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]
        if "flags" in body and body["flags"] is not None:
            keep = msg.flags & (MESSAGE_FLAG_EPHEMERAL | MESSAGE_FLAG_LOADING)
            msg.flags = keep | (
                int(body["flags"]) & (SENDABLE_MESSAGE_FLAGS | MESSAGE_FLAG_EPHEMERAL)
            )
        if "attachments" in body or files:
            msg.attachments, kept = self._attachments(msg, body.get("attachments"), files)
            msg.files = kept
        self._resolve_mentions(msg)

    def _attachments(
        self, msg: StoredMessage, declared: list[JSON] | None, files: list[StoredFile]
    ) -> tuple[list[JSON], list[StoredFile]]:
        by_field = {f.field_name: f for f in files}
        existing = {a["id"]: (a, f) for a, f in zip(msg.attachments, msg.files, strict=False)}
        out: list[JSON] = []
        kept: list[StoredFile] = []
        if declared is None:
            declared = [{"id": i} for i in range(len(files))]
        for item in declared:
            key = str(item.get("id"))
            if key in existing:
                out.append(existing[key][0])
                kept.append(existing[key][1])
                continue
            upload = by_field.get(f"files[{key}]")
            if upload is None:
                continue
            aid = self.ids.next()
            filename = item.get("filename") or upload.filename or f"file{key}"
            url = f"https://cdn.discordapp.com/attachments/{msg.channel_id}/{aid}/{filename}"
            att: JSON = {
                "id": str(aid),
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
                "content_type": upload.content_type,
            }
            if item.get("description"):
                att["description"] = item["description"]
            out.append(att)
            kept.append(upload)
        return out, kept

    def _resolve_mentions(self, msg: StoredMessage) -> None:
        """Compute who would actually be pinged, honouring ``allowed_mentions``."""
        users = [int(u) for u in re.findall(r"<@!?(\d+)>", msg.content)]
        roles = [int(r) for r in re.findall(r"<@&(\d+)>", msg.content)]
        everyone = "@everyone" in msg.content or "@here" in msg.content
        am = msg.allowed_mentions
        if am is not None:
            parse = set(am.get("parse") or [])
            allowed_users = {int(u) for u in am.get("users") or []}
            allowed_roles = {int(r) for r in am.get("roles") or []}
            users = [u for u in users if "users" in parse or u in allowed_users]
            roles = [r for r in roles if "roles" in parse or r in allowed_roles]
            everyone = everyone and "everyone" in parse
        msg.mentions = list(dict.fromkeys(users))
        msg.mention_roles = list(dict.fromkeys(roles))
        msg.mention_everyone = everyone

    # -- commands -----------------------------------------------------------------------------

    def commands_in(self, guild_id: int | None) -> list[StoredCommand]:
        """Registered commands of one scope (None = global), in id order."""
        return sorted(
            (c for c in self.commands.values() if c.guild_id == guild_id), key=lambda c: c.id
        )

    def overwrite_commands(self, guild_id: int | None, bodies: list[JSON]) -> list[JSON]:
        """Bulk overwrite: validate, keep ids of same (type, name), drop the rest."""
        validate_commands(bodies)
        previous = {(c.payload["type"], c.payload["name"]): c for c in self.commands_in(guild_id)}
        for key in [k for k in self.commands if k[0] == guild_id]:
            del self.commands[key]
        out = []
        for body in bodies:
            out.append(self._store_command(guild_id, body, previous))
        return out

    def upsert_command(self, guild_id: int | None, body: JSON) -> JSON:
        """POST one command (create or replace by name)."""
        validate_commands([body])
        previous = {(c.payload["type"], c.payload["name"]): c for c in self.commands_in(guild_id)}
        return self._store_command(guild_id, body, previous)

    def _store_command(
        self, guild_id: int | None, body: JSON, previous: dict[tuple[int, str], StoredCommand]
    ) -> JSON:
        ctype = int(body.get("type", 1))
        old = previous.get((ctype, body["name"]))
        cid = old.id if old else self.ids.next()
        payload: JSON = {
            "id": str(cid),
            "application_id": str(self.application_id),
            "version": str(self.ids.next()),
            "default_member_permissions": body.get("default_member_permissions"),
            "type": ctype,
            "name": body["name"],
            "name_localizations": body.get("name_localizations"),
            "description": body.get("description", ""),
            "description_localizations": body.get("description_localizations"),
            "dm_permission": body.get("dm_permission", True) if guild_id is None else None,
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types") or [0],
            "nsfw": bool(body.get("nsfw", False)),
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            del payload["dm_permission"]
        if body.get("options"):
            payload["options"] = body["options"]
        self.commands[(guild_id, ctype, body["name"])] = StoredCommand(cid, guild_id, payload)
        return payload

    def find_command(self, name: str, guild_id: int | None, ctype: int = 1) -> StoredCommand:
        """Resolve a command as the Discord client would (guild scope first, then global)."""
        if guild_id is not None and (guild_id, ctype, name) in self.commands:
            return self.commands[(guild_id, ctype, name)]
        if (None, ctype, name) in self.commands:
            return self.commands[(None, ctype, name)]
        raise LookupError(
            f"command {name!r} (type {ctype}) is not synced globally or to guild {guild_id}"
        )


# --------------------------------------------------------------------------- validation


def normalize_components(components: list[JSON]) -> list[JSON]:
    """Return a copy where every component has a numeric ``id`` (as Discord assigns them)."""
    counter = 0

    def visit(comp: JSON) -> JSON:
        nonlocal counter
        counter += 1
        out = dict(comp)
        out.setdefault("id", counter)
        if isinstance(out.get("components"), list):
            out["components"] = [visit(c) for c in out["components"]]
        for key in ("accessory", "component"):
            if isinstance(out.get(key), dict):
                out[key] = visit(out[key])
        return out

    return [visit(c) for c in components]


def validate_message_body(body: JSON, files: list[StoredFile], *, creating: bool) -> None:
    """Apply Discord's limits to a create/edit message body; raise ApiError on violation."""
    content = body.get("content")
    if content is not None and not isinstance(content, str):
        raise invalid_form_body(field_error(["content"], "BASE_TYPE_STRING", "Must be a string."))
    if content is not None and len(content) > 2000:
        raise _too_long(["content"], 2000)
    nonce = body.get("nonce")
    if nonce is not None and isinstance(nonce, str) and len(nonce) > 25:
        raise _too_long(["nonce"], 25)
    embeds = body.get("embeds") or []
    validate_embeds(embeds)
    components = body.get("components") or []
    flags = int(body.get("flags") or 0)
    validate_components(components, v2=bool(flags & MESSAGE_FLAG_IS_COMPONENTS_V2))
    am = body.get("allowed_mentions")
    if am:
        parse = am.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and am.get(kind):
                raise invalid_form_body(
                    field_error(
                        ["allowed_mentions"],
                        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                        f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                    )
                )
    if creating and not (
        content or embeds or components or files or body.get("sticker_ids") or body.get("poll")
    ):
        raise empty_message()
    if flags & MESSAGE_FLAG_IS_COMPONENTS_V2 and (content or embeds):
        raise invalid_form_body(
            field_error(
                ["content"],
                "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
                "The 'content' and 'embeds' fields cannot be used when using MessageFlags."
                "IS_COMPONENTS_V2",
            )
        )


_EMBED_LIMITS: tuple[tuple[tuple[str, ...], int], ...] = (
    (("title",), 256),
    (("description",), 4096),
    (("footer", "text"), 2048),
    (("author", "name"), 256),
)


def validate_embeds(embeds: list[JSON]) -> None:
    """Discord embed limits (10 embeds, per-field lengths, 6000 characters in total)."""
    if len(embeds) > 10:
        raise invalid_form_body(
            field_error(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
        )
    total = 0
    for i, embed in enumerate(embeds):
        for path, limit in _EMBED_LIMITS:
            value: Any = embed
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, str):
                total += len(value)
                if len(value) > limit:
                    raise _too_long(["embeds", i, *path], limit)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise _too_long(["embeds", i, "fields"], 25)
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                text = fld.get(key)
                if not text:
                    raise invalid_form_body(
                        field_error(
                            ["embeds", i, "fields", j, key],
                            "BASE_TYPE_REQUIRED",
                            "This field is required",
                        )
                    )
                if len(text) > limit:
                    raise _too_long(["embeds", i, "fields", j, key], limit)
                total += len(text)
    if total > 6000:
        raise invalid_form_body(
            field_error(
                ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        )


def validate_components(components: list[JSON], *, v2: bool) -> None:
    """Legacy layout rules (≤5 action rows, ≤5 buttons or 1 select per row) and custom_ids."""
    if not v2:
        if len(components) > 5:
            raise _too_long(["components"], 5)
        for i, row in enumerate(components):
            if row.get("type") != 1:
                raise invalid_form_body(
                    field_error(
                        ["components", i, "type"],
                        "UNION_TYPE_CHOICES",
                        'Value of field "type" must be one of (1,).',
                    )
                )
            children = row.get("components") or []
            selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
            if not children or len(children) > 5 or (selects and len(children) > 1):
                raise invalid_form_body(
                    field_error(
                        ["components", i, "components"],
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 5 in length.",
                    )
                )
    seen: set[str] = set()
    for comp in iter_components(components):
        custom_id = comp.get("custom_id")
        if comp.get("type") == 2:
            style = comp.get("style")
            if style == 5 and not comp.get("url"):
                raise invalid_form_body(
                    field_error(
                        ["components"], "BUTTON_URL_REQUIRED", "A url is required for link buttons"
                    )
                )
            if style in (1, 2, 3, 4) and not custom_id:
                raise invalid_form_body(
                    field_error(["components"], "BUTTON_CUSTOM_ID_REQUIRED", "A custom id required")
                )
            if len(comp.get("label") or "") > 80:
                raise _too_long(["components", "label"], 80)
        if custom_id is not None:
            if len(custom_id) > 100:
                raise _too_long(["components", "custom_id"], 100)
            if custom_id in seen:
                raise invalid_form_body(
                    field_error(
                        ["components"],
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    )
                )
            seen.add(custom_id)


# Discord: ^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$ (Python's \w lacks the combining marks).
_NAME_RE = re.compile(r"^[-_'\w\u0900-\u097F\u0E00-\u0E7F]{1,32}$", re.UNICODE)


def _check_unique_per_locale(bodies: list[JSON], path: list[str | int]) -> None:
    """Sibling names must differ in every locale too (a missing localization shows the
    default name)."""
    locales = {loc for b in bodies for loc in (b.get("name_localizations") or {})}
    for locale in sorted(locales):
        shown: dict[str, int] = {}
        for i, body in enumerate(bodies):
            name = (body.get("name_localizations") or {}).get(locale) or body.get("name")
            if name in shown:
                raise invalid_form_body(field_error(
                    [*path, i, "name_localizations", locale],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique"))
            shown[name] = i


def _check_name(name: Any, path: list[str | int], *, chat_input: bool) -> None:
    bad = not isinstance(name, str) or not name
    if not bad and chat_input:
        bad = _NAME_RE.match(name) is None or name != name.lower()
    if not bad and not chat_input:
        bad = len(name) > 32
    if bad:
        raise invalid_form_body(
            field_error(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        )


def _check_description(text: Any, path: list[str | int]) -> None:
    if not isinstance(text, str) or not 1 <= len(text) <= 100:
        raise invalid_form_body(
            field_error(path, "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        )


def _check_localizations(locs: Any, path: list[str | int], check: Any) -> None:
    if not locs:
        return
    for locale, value in locs.items():
        if locale not in VALID_LOCALES:
            raise invalid_form_body(
                field_error(
                    [*path, locale],
                    "ENUM_TYPE_COERCE",
                    f'Value "{locale}" is not a valid enum value.',
                )
            )
        check(value, [*path, locale])


def _validate_options(options: list[JSON], path: list[str | int]) -> None:
    if len(options) > 25:
        raise _too_long(path, 25)
    _check_unique_per_locale(options, path)
    seen_optional = False
    names: set[str] = set()
    for i, opt in enumerate(options):
        here = [*path, i]
        _check_name(opt.get("name"), [*here, "name"], chat_input=True)
        _check_description(opt.get("description"), [*here, "description"])
        _check_localizations(
            opt.get("name_localizations"),
            [*here, "name_localizations"],
            lambda v, p: _check_name(v, p, chat_input=True),
        )
        _check_localizations(
            opt.get("description_localizations"),
            [*here, "description_localizations"],
            _check_description,
        )
        if opt["name"] in names:
            raise invalid_form_body(
                field_error(
                    [*here, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            )
        names.add(opt["name"])
        otype = opt.get("type")
        if otype not in range(1, 12):
            raise invalid_form_body(
                field_error([*here, "type"], "BASE_TYPE_CHOICES", "Value must be one of 1..11.")
            )
        if otype in (1, 2):
            _validate_options(opt.get("options") or [], [*here, "options"])
            continue
        if opt.get("required"):
            if seen_optional:
                raise invalid_form_body(
                    field_error(
                        [*here, "required"],
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
                )
        else:
            seen_optional = True
        choices = opt.get("choices") or []
        if len(choices) > 25:
            raise _too_long([*here, "choices"], 25)
        for j, choice in enumerate(choices):
            name = choice.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                raise invalid_form_body(
                    field_error(
                        [*here, "choices", j, "name"],
                        "BASE_TYPE_BAD_LENGTH",
                        "Must be between 1 and 100 in length.",
                    )
                )
            _check_localizations(
                choice.get("name_localizations"),
                [*here, "choices", j, "name_localizations"],
                lambda v, p: None,
            )


def validate_commands(bodies: list[JSON]) -> None:
    """Discord's application command rules (names, descriptions, locales, options)."""
    if len([b for b in bodies if b.get("type", 1) == 1]) > 100:
        raise _too_long([], 100)
    _check_unique_per_locale([b for b in bodies if b.get("type", 1) == 1], [])
    seen: set[tuple[int, str]] = set()
    for i, body in enumerate(bodies):
        ctype = int(body.get("type", 1))
        chat_input = ctype == 1
        _check_name(body.get("name"), [i, "name"], chat_input=chat_input)
        _check_localizations(
            body.get("name_localizations"),
            [i, "name_localizations"],
            lambda v, p, c=chat_input: _check_name(v, p, chat_input=c),
        )
        if chat_input:
            _check_description(body.get("description"), [i, "description"])
            _check_localizations(
                body.get("description_localizations"),
                [i, "description_localizations"],
                _check_description,
            )
            _validate_options(body.get("options") or [], [i, "options"])
        elif body.get("description"):
            raise invalid_form_body(
                field_error(
                    [i, "description"],
                    "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                    "Context menu commands cannot have description",
                )
            )
        key = (ctype, body["name"])
        if key in seen:
            raise invalid_form_body(
                field_error(
                    [i, "name"],
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                )
            )
        seen.add(key)
