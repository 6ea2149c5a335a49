"""The outbox's Messenger for Discord: send, edit, delete and unpin over REST.

Every send carries `allowed_mentions` none (user text can never ping) and a
nonce derived from the delivery key, so a send repeated after a crash is
answered by Discord with the message it already created. Failures become
`DeliveryError`s the outbox understands: 429 and 5xx are transient, a channel
that is gone or forbids the bot marks the chat inactive.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord.compose import Part, compose
from bot.events import ChatKind, ChatRef, Platform
from bot.ports import DeliveryError
from bot.replies import Reply, SentMessage
from scheduling.pacing import Limits

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()
MAX_NONCE = 25
READY_WAIT = 15.0

# Discord's JSON error codes (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
UNKNOWN_CHANNEL = 10003
UNKNOWN_MESSAGE = 10008
UNKNOWN_USER = 10013
MISSING_ACCESS = 50001
CANNOT_DM = 50007
MISSING_PERMISSIONS = 50013
GONE_CODES = frozenset({UNKNOWN_CHANNEL, UNKNOWN_USER, MISSING_ACCESS, CANNOT_DM,
                        MISSING_PERMISSIONS})


def nonce_for(key: str | None, part: int) -> str | None:
    """A deterministic message nonce (≤ 25 characters) for part `part` of delivery `key`."""
    if not key:
        return None
    nonce = f"{key}.{part}"
    if len(nonce) > MAX_NONCE:
        nonce = f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.{part}"
    return nonce


def delivery_error(exc: BaseException) -> DeliveryError:
    """What a discord.py or network failure means for the outbox."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return DeliveryError(f"rate limited for {exc.retry_after:.1f}s", transient=True,
                             retry_after=exc.retry_after)
    if isinstance(exc, discord.HTTPException):
        reason = f"{exc.status} {exc.code}: {exc.text}"[:300]
        if exc.code in GONE_CODES or isinstance(exc, discord.Forbidden):
            return DeliveryError(reason, chat_gone=True)
        if exc.status == 429 or exc.status >= 500:
            return DeliveryError(reason, transient=True)
        return DeliveryError(reason)
    if isinstance(exc, aiohttp.ClientError | OSError | asyncio.TimeoutError):
        return DeliveryError(f"network: {exc!r}"[:300], transient=True)
    return DeliveryError(repr(exc)[:300], transient=True)


class DiscordMessenger:
    """Sends what the outbox holds for Discord chats."""

    platform = Platform.DISCORD
    # Discord allows 50 requests/s per bot and about 5 messages per 5 s per channel; stay under.
    limits = Limits(per_second=40, group_per_minute=50, private_per_second=1)

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self.ready = asyncio.Event()

    async def _channel(self, chat: ChatRef) -> discord.abc.Messageable:
        try:
            await asyncio.wait_for(self.ready.wait(), READY_WAIT)
        except TimeoutError:
            raise DeliveryError("not logged in to Discord yet", transient=True) from None
        if not chat.id.isdigit():
            raise DeliveryError(f"not a Discord id: {chat.id!r}")
        if chat.kind == ChatKind.PRIVATE:
            try:
                return await self.client.create_dm(discord.Object(int(chat.id)))
            except Exception as exc:
                raise delivery_error(exc) from exc
        return self.client.get_partial_messageable(int(chat.id))

    async def send(self, chat: ChatRef, reply: Reply, *, key: str | None = None) -> SentMessage:
        """Post a reply (split when long); pin its first part when asked and allowed."""
        channel = await self._channel(chat)
        ids: list[str] = []
        try:
            for index, part in enumerate(compose(reply)):
                message = await channel.send(**_send_kwargs(part, nonce_for(key, index)),
                                             silent=reply.silent)
                ids.append(str(message.id))
        except Exception as exc:
            raise delivery_error(exc) from exc
        if reply.pin and ids:
            await self._pin(channel, int(ids[0]))
        return SentMessage(chat, tuple(ids))

    async def _pin(self, channel: discord.abc.Messageable, message_id: int) -> None:
        # A pin the bot may not make is not worth a failed (and resent) delivery.
        try:
            await _partial(channel, message_id).pin()
        except discord.HTTPException as exc:
            log.info("could not pin message %s: %s %s", message_id, exc.status, exc.text)

    async def edit(self, chat: ChatRef, message_ids: Sequence[str], reply: Reply) -> None:
        """Replace the parts of an earlier message; surplus old parts are deleted."""
        if not message_ids:
            return
        ids = _message_ids(message_ids)
        channel = await self._channel(chat)
        parts = compose(reply, max_parts=len(ids), with_files=False)
        try:
            for index, message_id in enumerate(ids):
                target = _partial(channel, message_id)
                if index < len(parts):
                    await _edit(target, parts[index])
                else:
                    await _delete(target)
        except Exception as exc:
            raise delivery_error(exc) from exc

    async def delete(self, chat: ChatRef, message_ids: Sequence[str]) -> None:
        """Delete earlier messages (already deleted ones count as done)."""
        ids = _message_ids(message_ids)
        channel = await self._channel(chat)
        try:
            for message_id in ids:
                await _delete(_partial(channel, message_id))
        except Exception as exc:
            raise delivery_error(exc) from exc

    async def unpin(self, chat: ChatRef, message_id: str) -> None:
        """Unpin a message (a message that is gone counts as unpinned)."""
        [target] = _message_ids([message_id])
        channel = await self._channel(chat)
        try:
            await _partial(channel, target).unpin()
        except discord.NotFound:
            return
        except Exception as exc:
            raise delivery_error(exc) from exc


def _message_ids(message_ids: Sequence[str]) -> list[int]:
    if not all(str(m).isdigit() for m in message_ids):
        raise DeliveryError(f"not Discord message ids: {list(message_ids)!r}"[:300])
    return [int(m) for m in message_ids]


def _send_kwargs(part: Part, nonce: str | None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"content": part.content or None, "embeds": part.embeds,
                              "allowed_mentions": NO_MENTIONS}
    if part.view is not None:
        kwargs["view"] = part.view
    if part.files:
        kwargs["files"] = part.files
    if nonce is not None:
        kwargs["nonce"] = nonce
    return kwargs


def _partial(channel: discord.abc.Messageable, message_id: int) -> discord.PartialMessage:
    return channel.get_partial_message(message_id)  # type: ignore[attr-defined, no-any-return]


async def _edit(target: discord.PartialMessage, part: Part) -> None:
    await target.edit(content=part.content or None, embeds=part.embeds, view=part.view,
                      allowed_mentions=NO_MENTIONS)


async def _delete(target: discord.PartialMessage) -> None:
    try:
        await target.delete()
    except discord.NotFound as exc:
        if exc.code != UNKNOWN_MESSAGE:
            raise
