"""Durable delivery: a worker that claims queued messages, sends them paced, and records them.

A delivery is claimed (status `sending`), sent, then recorded with the
platform's message ids. If the process dies between send and record, the
claim goes stale and the delivery is sent again with the same key: Discord
drops the repeat (the key is the message nonce); on Telegram the window is
the time between the API's answer and the next commit, a few milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import timedelta

from bot.events import Platform
from bot.ports import Clock, DeliveryError, Messenger, Store
from bot.records import Chat, Delivery, DeliveryOp
from bot.replies import reply_from_json
from scheduling.pacing import Limits, Pacer

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=2)
POLL_SECONDS = 1.0
BATCH = 100
CONCURRENCY = 32


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1, 2, 4, ... up to 5 minutes)."""
    return min(300.0, 2.0 ** max(0, attempt - 1))


class OutboxWorker:
    """Sends what the outbox holds, within each platform's limits."""

    def __init__(self, store: Store, clock: Clock, *, owner: str | None = None) -> None:
        self.store = store
        self.clock = clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"
        self.messengers: dict[Platform, Messenger] = {}
        self.pacers: dict[Platform, Pacer] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self.sent = 0

    def add_messenger(self, messenger: Messenger, limits: Limits | None = None) -> None:
        """Send this platform's deliveries through `messenger`."""
        self.messengers[messenger.platform] = messenger
        self.pacers[messenger.platform] = Pacer(limits or getattr(messenger, "limits", Limits()))

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Recover stale claims and start the worker task."""
        stale = await self.store.outbox.recover_stale(self.clock.now() - STALE_CLAIM)
        if stale:
            log.warning("re-queued %d deliveries whose sender stopped mid-send", len(stale))
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        """Stop after the current batch."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def drain(self, within: float = 10.0) -> bool:
        """Wait until nothing due is left to send (for the console and tests)."""
        async def settled() -> None:
            while True:
                self._idle.clear()
                self.wake()
                await self._idle.wait()
                if not await self._due_left():
                    return

        try:
            await asyncio.wait_for(settled(), within)
        except TimeoutError:
            return False
        return True

    async def _due_left(self) -> bool:
        return bool(await self.store.outbox.peek_due(self.clock.now()))

    async def _run(self) -> None:
        while True:
            try:
                batch = await self.store.outbox.claim(self.clock.now(), BATCH, self.owner)
            except Exception:
                log.exception("outbox claim failed")
                batch = []
            if not batch:
                self._idle.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
                self._wake.clear()
                continue
            await self.process(batch)

    async def process(self, batch: list[Delivery]) -> None:
        """Send a claimed batch: chats in parallel, each chat's messages in order."""
        sem = asyncio.Semaphore(CONCURRENCY)
        by_chat: dict[int, list[Delivery]] = {}
        for delivery in batch:
            by_chat.setdefault(delivery.chat_id, []).append(delivery)

        async def one_chat(items: list[Delivery]) -> None:
            async with sem:
                for delivery in items:
                    await self.deliver(delivery)

        # return_exceptions: when the worker is stopped, gather waits for every chat's
        # task to finish cancelling (a plain gather returns at the first cancelled
        # child, leaving others mid-query while the engine is disposed).
        results = await asyncio.gather(*(one_chat(items) for items in by_chat.values()),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                log.error("delivery batch failed", exc_info=result)

    async def deliver(self, delivery: Delivery) -> None:
        """Send one delivery and record what happened."""
        chat = await self.store.chats.get(delivery.chat_id)
        if chat is None or not chat.active:
            await self.store.outbox.mark_failed(delivery.id, "chat inactive")
            return
        messenger = self.messengers.get(chat.platform)
        if messenger is None:
            # Another process may serve this platform; look again later.
            await self.store.outbox.mark_retry(delivery.id, "platform not connected here",
                                               self.clock.now() + timedelta(seconds=30))
            return
        pacer = self.pacers[chat.platform]
        try:
            if delivery.op == DeliveryOp.SEND:
                await pacer.wait(f"{chat.platform}:{chat.platform_id}", chat.is_private)
                sent = await messenger.send(chat.ref, reply_from_json(delivery.payload),
                                            key=f"d{delivery.id}")
                await self.store.outbox.mark_sent(delivery.id, sent.message_ids,
                                                  self.clock.now())
            else:
                await self._change(messenger, pacer, chat, delivery)
            self.sent += 1
        except DeliveryError as err:
            await self._failed(chat, delivery, err, pacer)
        except Exception as exc:
            log.exception("delivery %s to chat %s failed", delivery.id, chat.id)
            await self._failed(chat, delivery, DeliveryError(repr(exc), transient=True), pacer)

    async def _change(self, messenger: Messenger, pacer: Pacer, chat: Chat,
                      delivery: Delivery) -> None:
        target = (await self.store.outbox.get(delivery.target_delivery_id)
                  if delivery.target_delivery_id else None)
        ids = target.message_ids if target else tuple(delivery.payload.get("message_ids", ()))
        if not ids:
            await self.store.outbox.mark_failed(delivery.id, "nothing delivered to change")
            return
        await pacer.wait(f"{chat.platform}:{chat.platform_id}", chat.is_private)
        if delivery.op == DeliveryOp.EDIT:
            await messenger.edit(chat.ref, ids, reply_from_json(delivery.payload))
        elif delivery.op == DeliveryOp.DELETE:
            await messenger.delete(chat.ref, ids)
        elif delivery.op == DeliveryOp.UNPIN:
            await messenger.unpin(chat.ref, ids[0])
        await self.store.outbox.mark_sent(delivery.id, ids, self.clock.now())

    async def _failed(self, chat: Chat, delivery: Delivery, err: DeliveryError,
                      pacer: Pacer) -> None:
        if err.new_chat_id:
            await self.store.chats.migrate(chat.platform, chat.platform_id, err.new_chat_id)
            await self.store.outbox.mark_retry(delivery.id, err.reason, self.clock.now())
        elif err.chat_gone:
            log.info("chat %s is gone (%s); marking it inactive", chat.id, err.reason)
            await self.store.chats.set_active(chat.id, False)
            await self.store.outbox.mark_failed(delivery.id, err.reason)
        elif err.transient and delivery.attempts < MAX_ATTEMPTS:
            wait = max(err.retry_after or 0.0, backoff(delivery.attempts))
            if err.retry_after:
                pacer.back_off(err.retry_after)
                wait = err.retry_after
            await self.store.outbox.mark_retry(
                delivery.id, err.reason, self.clock.now() + timedelta(seconds=wait))
            self.wake()
        else:
            await self.store.outbox.mark_failed(delivery.id, err.reason)

