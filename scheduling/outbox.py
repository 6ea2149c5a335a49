"""Durable delivery: a worker that claims queued messages, sends them paced, and records them.

A delivery is claimed (status `sending`, owner `host:pidns:pid`), the claim is
renewed just before the send, the message is sent, and the platform's message
ids are recorded. Sending and recording run shielded from cancellation, so
stopping the worker never splits them; claims not yet attempted when the
worker stops are handed back at once.

If the process dies between send and record, the claim is left behind. At
start (and every minute) the worker hands back claims of owners on this host
whose process is gone, and claims older than `STALE_CLAIM` of any other
owner. A handed-back delivery that was attempted before is checked first
where the messenger can look a send up by its key (`find_sent`), and sent
again with the same key otherwise: Discord drops the repeat (the key is the
message nonce). Telegram can neither check nor deduplicate, so there the
window in which a crash can double a message is the time between the Bot
API's answer and the commit that records it: a few milliseconds per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, runtime_checkable

from bot import metrics
from bot.events import ChatRef, Platform
from bot.ports import Clock, DeliveryError, Messenger, Store
from bot.records import Chat, Delivery, DeliveryOp
from bot.replies import SentMessage, reply_from_json
from scheduling.owners import ALIVE_FOR, default_owner, gone_owners
from scheduling.pacing import Limits, Pacer

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=2)
RECOVER_EVERY = 10.0
POLL_SECONDS = 1.0
BATCH = 100
# Processes beat this often and count each other: each paces its sends at 1/N of every
# platform's overall limit. One that stops beating stops counting after ALIVE_FOR.
BEAT_EVERY = 5.0
# A claim holds at most this many seconds of sending at the paced rate, so a broadcast is
# spread over every process instead of sitting in one process's batch.
CLAIM_SECONDS = 1.0
CONCURRENCY = 32
RECORD_TRIES = 5
T = TypeVar("T")


@runtime_checkable
class SendLookup(Protocol):
    """A messenger that can tell whether a send with this key already happened."""

    async def find_sent(self, chat: ChatRef, key: str) -> SentMessage | None:
        """The earlier send with `key`, or None."""
        ...


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1, 2, 4, ... up to 5 minutes)."""
    return min(300.0, 2.0 ** max(0, attempt - 1))


class OutboxWorker:
    """Sends what the outbox holds, within each platform's limits."""

    def __init__(self, store: Store, clock: Clock, *, owner: str | None = None) -> None:
        self.store = store
        self.clock = clock
        self.owner = owner or default_owner()
        self.messengers: dict[Platform, Messenger] = {}
        self.pacers: dict[Platform, Pacer] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._idle = asyncio.Event()
        self._attempted: set[int] = set()
        self._inflight: set[asyncio.Future[Any]] = set()
        self._sending: set[int] = set()
        self._claimed_at = clock.now()
        self._recovered_at = 0.0
        self._beat_at = 0.0
        self.processes = 1
        self.sent = 0

    def add_messenger(self, messenger: Messenger, limits: Limits | None = None) -> None:
        """Send this platform's deliveries through `messenger`."""
        self.messengers[messenger.platform] = messenger
        if limits is None:
            limits = getattr(messenger, "limits", Limits())
        pacer = Pacer(limits)
        pacer.share(self.processes)
        self.pacers[messenger.platform] = pacer

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        """Hand back claims left by dead senders and start the worker task."""
        await self.recover(own=True)
        await self.beat()
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def beat(self) -> int:
        """Tell the other processes this one runs; share the send budget with them."""
        self._beat_at = time.monotonic()
        now = self.clock.now()
        self.processes = await self.store.workers.beat(self.owner, now,
                                                       alive_since=now - ALIVE_FOR)
        metrics.PROCESSES.set(self.processes)
        for pacer in self.pacers.values():
            pacer.share(self.processes)
        return self.processes

    def claim_size(self) -> int:
        """How many deliveries to claim at once: CLAIM_SECONDS of sending at this
        process's paced rate, summed over its platforms (BATCH when any is unlimited)."""
        rates = [pacer.rate for pacer in self.pacers.values()]
        if not rates or not all(rates):
            return BATCH
        return max(10, min(BATCH, round(sum(rates) * CLAIM_SECONDS)))

    async def recover(self, *, own: bool = False) -> int:
        """Hand back claims of dead owners on this host and stale claims of others.

        With `own`, also this worker's claims that no send is working on (left by
        a worker task that was cancelled before it could hand them back).
        """
        self._recovered_at = time.monotonic()
        now = self.clock.now()
        back = await self.store.outbox.recover_stale(now - STALE_CLAIM, exclude_owner=self.owner)
        claimants = await self.store.outbox.claimants()
        if own and self.owner in claimants:
            back += await self.store.outbox.recover_owner(self.owner, keep=sorted(self._sending))
        for owner in await gone_owners(self.store, claimants, self.owner, now):
            back += await self.store.outbox.recover_owner(owner)
        if back:
            log.warning("re-queued %d deliveries whose sender stopped mid-send", len(back))
        return len(back)

    async def stop(self) -> None:
        """Stop; sends already under way finish and are recorded first."""
        if self._task is not None:
            # The flag as well as the cancellation: on Python 3.11 `asyncio.wait_for` loses
            # a cancellation that arrives as the event it waits for is set (a wake-up at
            # the moment of stopping), and the loop would then run on forever.
            self._stopping = True
            self._wake.set()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=30)
        with contextlib.suppress(Exception):
            await self.store.workers.leave(self.owner)

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
        # Database calls are shielded: a cancellation (stop) must never land inside
        # one. A claim completed after a cancellation is handed back by the next start.
        while not self._stopping:
            try:
                if time.monotonic() - self._recovered_at >= RECOVER_EVERY:
                    await self._guarded(self.recover())
                if time.monotonic() - self._beat_at >= BEAT_EVERY:
                    await self._guarded(self.beat())
                # Only what this process can send: a process without Discord leaves Discord's
                # deliveries to the processes that have it.
                platforms = [p.value for p in self.messengers]
                batch = await self._guarded(self.store.outbox.claim(
                    self.clock.now(), self.claim_size(), self.owner, platforms))
            except Exception:
                log.exception("outbox claim failed")
                batch = []
            if not batch:
                with contextlib.suppress(Exception):
                    metrics.OUTBOX_DEPTH.set(await self._guarded(self.store.outbox.depth()))
                self._idle.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
                if self._stopping:
                    return
                self._wake.clear()
                continue
            await self.process(batch)

    async def process(self, batch: list[Delivery], claimed_at: datetime | None = None) -> None:
        """Send a batch claimed (at `claimed_at`, now by default): chats in parallel, each
        chat's messages in order."""
        sem = asyncio.Semaphore(CONCURRENCY)
        by_chat: dict[int, list[Delivery]] = {}
        for delivery in batch:
            by_chat.setdefault(delivery.chat_id, []).append(delivery)

        # One query for the batch's chats; a chat is read again after a delivery to it
        # failed (the failure may have marked it inactive).
        chats = await self._guarded(self.store.chats.get_many(list(by_chat)))

        async def one_chat(items: list[Delivery]) -> None:
            async with sem:
                for delivery in items:
                    if not await self.deliver(delivery, chats.get(delivery.chat_id)):
                        chats.pop(delivery.chat_id, None)

        claimed = {d.id for d in batch}
        self._claimed_at = claimed_at or self.clock.now()
        try:
            # return_exceptions: when the worker is stopped, gather waits for every chat's
            # task to finish cancelling (a plain gather returns at the first cancelled
            # child, leaving others mid-query while the engine is disposed).
            results = await asyncio.gather(*(one_chat(items) for items in by_chat.values()),
                                           return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    log.error("delivery batch failed", exc_info=result)
        except asyncio.CancelledError:
            # Stopped mid-batch: what was never attempted goes back to the queue now.
            untouched = sorted(claimed - self._attempted)
            if untouched:
                await self._guarded(self.store.outbox.release(untouched))
            raise
        finally:
            self._attempted -= claimed

    async def deliver(self, delivery: Delivery, chat: Chat | None = None) -> bool:
        """Send one delivery and record what happened; False unless it was sent. `chat`: the
        delivery's chat when the caller has just read it."""
        if chat is None:
            chat = await self._guarded(self.store.chats.get(delivery.chat_id))
        if chat is None or not chat.active:
            self._attempted.add(delivery.id)
            await self._guarded(self.store.outbox.mark_failed(delivery.id, "chat inactive"))
            return False
        messenger = self.messengers.get(chat.platform)
        if messenger is None:
            # Another process may serve this platform; look again later.
            self._attempted.add(delivery.id)
            await self._guarded(self.store.outbox.mark_retry(
                delivery.id, "platform not connected here",
                self.clock.now() + timedelta(seconds=30)))
            return False
        pacer = self.pacers[chat.platform]
        await pacer.wait(f"{chat.platform}:{chat.platform_id}", chat.is_private)
        self._attempted.add(delivery.id)
        self._sending.add(delivery.id)
        return await self._guarded(self._attempt(messenger, pacer, chat, delivery))

    async def _guarded(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` to its end even if the worker is cancelled meanwhile (stop waits)."""
        task = asyncio.ensure_future(work)
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        return await asyncio.shield(task)

    async def _attempt(self, messenger: Messenger, pacer: Pacer, chat: Chat,
                       delivery: Delivery) -> bool:
        """Send and record, as one step that cancellation cannot split; True once sent."""
        try:
            # A claim more than a few seconds old may have been handed to another sender
            # meanwhile (a long pacing wait, or this process stalled long enough to look
            # dead): renew it, or leave the delivery alone.
            young = self.clock.now() - self._claimed_at < ALIVE_FOR / 3
            if not young and not await self.store.outbox.confirm_claim(
                    delivery.id, self.owner, self.clock.now()):
                log.warning("delivery %s was handed to another sender; not sending", delivery.id)
                return False
            if delivery.op == DeliveryOp.SEND:
                sent = await self._send(messenger, chat, delivery)
                await self._record(delivery, sent.message_ids)
            else:
                await self._change(messenger, chat, delivery)
            self.sent += 1
            metrics.DELIVERIES.labels(chat.platform.value, "sent").inc()
            return True
        except DeliveryError as err:
            await self._failed(chat, delivery, err, pacer)
        except Exception as exc:
            log.exception("delivery %s to chat %s failed", delivery.id, chat.id)
            await self._failed(chat, delivery, DeliveryError(repr(exc), transient=True), pacer)
        finally:
            self._sending.discard(delivery.id)
        return False

    async def _send(self, messenger: Messenger, chat: Chat, delivery: Delivery) -> SentMessage:
        key = f"d{delivery.id}"
        if delivery.attempts > 1 and isinstance(messenger, SendLookup):
            earlier = await messenger.find_sent(chat.ref, key)
            if earlier is not None:
                log.info("delivery %s had already been sent; recording it", delivery.id)
                return earlier
        return await messenger.send(chat.ref, reply_from_json(delivery.payload), key=key)

    async def _record(self, delivery: Delivery, message_ids: tuple[str, ...]) -> None:
        """Record a send that happened; never let a failure here cause a second send."""
        for attempt in range(RECORD_TRIES):
            try:
                await self.store.outbox.mark_sent(delivery.id, message_ids, self.clock.now())
                return
            except Exception:
                log.exception("could not record delivery %s as sent (try %d)", delivery.id,
                              attempt + 1)
                await asyncio.sleep(0.05 * 2 ** attempt)
        # Left claimed: after STALE_CLAIM it is handed back and, unless the
        # messenger can look it up, sent again. Logged loudly for the operator.
        log.error("delivery %s was sent but could not be recorded", delivery.id)

    async def _change(self, messenger: Messenger, chat: Chat, delivery: Delivery) -> None:
        target = (await self.store.outbox.get(delivery.target_delivery_id)
                  if delivery.target_delivery_id else None)
        ids = target.message_ids if target else tuple(delivery.payload.get("message_ids", ()))
        if not ids:
            await self.store.outbox.mark_failed(delivery.id, "nothing delivered to change")
            return
        if delivery.op == DeliveryOp.EDIT:
            await messenger.edit(chat.ref, ids, reply_from_json(delivery.payload))
        elif delivery.op == DeliveryOp.DELETE:
            await messenger.delete(chat.ref, ids)
        elif delivery.op == DeliveryOp.UNPIN:
            await messenger.unpin(chat.ref, ids[0])
        await self._record(delivery, ids)

    async def _failed(self, chat: Chat, delivery: Delivery, err: DeliveryError,
                      pacer: Pacer) -> None:
        gave_up = err.chat_gone or not (err.transient and delivery.attempts < MAX_ATTEMPTS)
        status = "failed" if gave_up and not err.new_chat_id else "retried"
        metrics.DELIVERIES.labels(chat.platform.value, status).inc()
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
