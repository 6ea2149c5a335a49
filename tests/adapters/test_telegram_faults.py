"""Telegram's failures: 429 and 5xx retried (bounded), gone chats marked inactive, never forever."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from adapters.telegram.messenger import delivery_error
from adapters.telegram.outbound import TELEGRAM_REPLY
from bot.events import ChatKind, ChatRef, Platform
from bot.ports import DeliveryError
from bot.records import DeliveryStatus, NewDelivery
from bot.replies import Reply, reply_to_json
from bot.richtext import text
from scheduling.pacing import Limits
from tests.adapters.probe import long_body
from tests.adapters.telegram_harness import TelegramHarness
from tests.fakes.telegram_api import FaultKind
from tests.fakes.telegram_updates import bad_request

ADA, BEA = 701, 702
GROUP, NEW_GROUP = -701, -1007010000001


@pytest.fixture(autouse=True)
def _people(tg: TelegramHarness) -> None:
    tg.fake.add_user(ADA, "Ada")
    tg.fake.add_user(BEA, "Bea")


def ref(chat_id: int) -> ChatRef:
    kind = ChatKind.PRIVATE if chat_id > 0 else ChatKind.GROUP
    return ChatRef(Platform.TELEGRAM, str(chat_id), kind, None if chat_id > 0 else "G")


async def queue(tg: TelegramHarness, chat_id: int, body: str, key: str) -> int:
    """Queue one outbox message to a Telegram chat; return the delivery id."""
    chat = await tg.store.chats.ensure(ref(chat_id), "en")
    [delivery_id] = await tg.app.services.outbox.enqueue(
        [NewDelivery(chat.id, reply_to_json(Reply(text(body))), key=key)])
    return delivery_id


async def status(tg: TelegramHarness, delivery_id: int) -> DeliveryStatus:
    delivery = await tg.store.outbox.get(delivery_id)
    assert delivery is not None
    return delivery.status


async def active(tg: TelegramHarness, chat_id: int) -> bool:
    chat = await tg.store.chats.find(Platform.TELEGRAM, str(chat_id))
    assert chat is not None
    return chat.active


# -- direct replies --------------------------------------------------------------------


async def test_a_429_is_waited_out_then_the_reply_is_sent(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, retry_after=1)
    [hello] = await tg.command(ADA, ADA, "/start")
    assert hello.text.startswith("Hello")
    first, second = tg.fake.calls_to("sendMessage")
    assert first.status == 429 and second.ok
    assert second.time - first.time >= 1.0


@pytest.mark.parametrize("kind", [FaultKind.SERVER_ERROR, FaultKind.BAD_GATEWAY,
                                  FaultKind.DROP_CONNECTION])
async def test_server_and_network_errors_are_retried(tg: TelegramHarness,
                                                     kind: FaultKind) -> None:
    tg.fake.fail_next("sendMessage", kind, times=2)
    [hello] = await tg.command(ADA, ADA, "/start")
    assert hello.text.startswith("Hello")
    assert len(tg.fake.calls_to("sendMessage")) == 3
    assert len(tg.fake.all_sent()) == 1


async def test_a_reply_that_keeps_failing_is_handed_to_the_outbox(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", FaultKind.SERVER_ERROR, times=4)
    await tg.push(tg.fake.push_command(ADA, ADA, "/start"))
    await tg.settle()
    calls = tg.fake.calls_to("sendMessage")
    assert [c.status for c in calls] == [500, 500, 500, 500, 200]  # 4 in place, then queued
    [hello] = tg.fake.messages(ADA)
    assert hello.text.startswith("Hello, Ada!")
    [queued] = await tg.store.outbox.by_source(TELEGRAM_REPLY)
    assert queued.status == DeliveryStatus.SENT
    [again] = await tg.command(ADA, ADA, "/start")  # and the bot carries on
    assert again.text.startswith("Hello")


async def test_a_long_flood_wait_moves_the_reply_to_the_outbox(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, retry_after=60)
    assert await tg.command(ADA, ADA, "/start") == []  # not waited for in place
    await tg.settle()
    assert tg.fake.messages(ADA) == []
    tg.clock.advance(timedelta(seconds=60))
    await tg.settle()
    [hello] = tg.fake.messages(ADA)
    assert hello.text.startswith("Hello, Ada!")


async def test_a_chat_waiting_out_a_429_does_not_hold_up_other_chats(
        tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, retry_after=1)
    first = tg.fake.push_command(ADA, ADA, "/start")
    second = tg.fake.push_command(BEA, BEA, "/start")
    await tg.push([first, second])
    [flooded] = [c for c in tg.fake.calls_to("sendMessage") if c.status == 429]
    waiting = flooded.params["chat_id"]
    other = ({ADA, BEA} - {waiting}).pop()
    # The other chat was answered at once, while the first one waited out its second.
    assert [m.chat_id for m in tg.fake.all_sent()] == [other, waiting]
    [answered] = [c for c in tg.fake.calls_to("sendMessage") if c.params["chat_id"] == other]
    assert answered.time - flooded.time < 0.5


async def test_a_user_who_blocked_the_bot_is_marked_inactive(tg: TelegramHarness) -> None:
    pushed = tg.fake.push_command(ADA, ADA, "/start")
    tg.fake.block_bot(ADA)  # after writing, before the answer
    await tg.push(pushed)
    assert tg.fake.all_sent() == []
    assert [c.status for c in tg.fake.calls_to("sendMessage")] == [403]  # not retried
    assert not await active(tg, ADA)
    # Nothing is sent there any more...
    delivery = await queue(tg, ADA, "news", "n1")
    await tg.settle()
    assert await status(tg, delivery) == DeliveryStatus.FAILED
    assert len(tg.fake.calls_to("sendMessage")) == 1
    # ...until they write again (which unblocks the bot).
    [hello] = await tg.command(ADA, ADA, "/start")
    assert hello.text.startswith("Hello") and await active(tg, ADA)


async def test_html_telegram_cannot_parse_is_sent_as_plain_text(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", FaultKind.API_ERROR,
                      error=bad_request("can't parse entities: unsupported start tag"))
    [hello] = await tg.command(ADA, ADA, "/start")
    assert hello.text.startswith("Hello, Ada!") and hello.parse_mode is None
    assert hello.entities == [] or {e["type"] for e in hello.entities} == {"bot_command"}


# -- the outbox ----------------------------------------------------------------------------


async def test_outbox_waits_out_a_429_then_delivers(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, retry_after=1)
    delivery = await queue(tg, ADA, "reminder", "r1")
    await tg.settle()
    assert await status(tg, delivery) == DeliveryStatus.PENDING
    tg.clock.advance(timedelta(seconds=1))
    await tg.settle()
    assert await status(tg, delivery) == DeliveryStatus.SENT
    assert [m.text for m in tg.fake.messages(ADA)] == ["reminder"]


async def test_outbox_retries_a_5xx_with_backoff(tg: TelegramHarness) -> None:
    tg.fake.add_chat(GROUP, "group", "G", members=[ADA])
    tg.fake.fail_next("sendMessage", FaultKind.SERVER_ERROR)
    delivery = await queue(tg, GROUP, "reminder", "r1")
    await tg.settle()
    assert await status(tg, delivery) == DeliveryStatus.PENDING
    tg.clock.advance(timedelta(seconds=2))
    await tg.settle()
    assert await status(tg, delivery) == DeliveryStatus.SENT
    assert [m.text for m in tg.fake.messages(GROUP)] == ["reminder"]


@pytest.mark.parametrize("gone", ["kicked", "left", "unknown"])
async def test_outbox_marks_a_group_it_cannot_reach_inactive(tg: TelegramHarness,
                                                            gone: str) -> None:
    chat_id = GROUP if gone != "unknown" else -999
    if gone != "unknown":
        tg.fake.add_chat(GROUP, "group", "G", members=[ADA])
        tg.fake.set_bot_membership(GROUP, gone)
    delivery = await queue(tg, chat_id, "notice", "x1")
    await tg.settle()
    assert await status(tg, delivery) == DeliveryStatus.FAILED
    assert not await active(tg, chat_id)
    assert len(tg.fake.calls_to("sendMessage")) == 1


async def test_outbox_follows_a_group_that_became_a_supergroup(tg: TelegramHarness) -> None:
    tg.fake.add_chat(GROUP, "group", "G", members=[ADA])
    tg.fake.add_chat(NEW_GROUP, "supergroup", "G", members=[ADA])
    tg.fake.chats[GROUP].migrated_to = NEW_GROUP  # the bot missed the service message
    delivery = await queue(tg, GROUP, "notice", "x1")
    await tg.settle()
    assert await status(tg, delivery) == DeliveryStatus.SENT
    assert [m.text for m in tg.fake.messages(NEW_GROUP)] == ["notice"]
    moved = await tg.store.chats.find(Platform.TELEGRAM, str(NEW_GROUP))
    assert moved is not None and await tg.store.chats.find(Platform.TELEGRAM, str(GROUP)) is None


async def test_outbox_fan_out_stays_under_telegrams_overall_limit(tg: TelegramHarness) -> None:
    assert tg.app.worker.pacers[Platform.TELEGRAM].limits == Limits(30, 20, 1)
    tg.fake.set_rate_limits(global_per_second=30, per_group_per_minute=20,
                            per_private_per_second=1)
    groups = [-7100 - i for i in range(36)]
    for group in groups:
        tg.fake.add_chat(group, "group", f"G{group}")
        await queue(tg, group, "notice", f"fan{group}")
    await tg.settle()
    assert tg.fake.rate_limited == 0
    assert all(len(tg.fake.messages(group)) == 1 for group in groups)
    times = [c.time for c in tg.fake.calls_to("sendMessage")]
    # Paced at 30/s: any 31 consecutive sends span a second (less a little network jitter).
    assert min(b - a for a, b in zip(times, times[30:], strict=False)) >= 0.95


# -- the messenger the outbox uses ---------------------------------------------------------


async def test_a_split_message_is_finished_not_repeated(tg: TelegramHarness) -> None:
    tg.fake.add_user(ADA, "Ada")
    tg.fake.fail_next("sendMessage", FaultKind.RETRY_AFTER, after=1, retry_after=1)
    sent = await tg.adapter.messenger.send(ref(ADA), Reply(long_body()))
    assert len(sent.message_ids) == 3 and len(tg.fake.all_sent()) == 3
    assert len(tg.fake.calls_to("sendMessage")) == 4


async def test_the_first_failure_goes_back_to_the_outbox(tg: TelegramHarness) -> None:
    tg.fake.fail_next("sendMessage", FaultKind.SERVER_ERROR)
    with pytest.raises(DeliveryError) as raised:
        await tg.adapter.messenger.send(ref(ADA), Reply(text("x")))
    assert raised.value.transient and len(tg.fake.calls_to("sendMessage")) == 1


async def test_edits_that_change_nothing_and_deletes_of_gone_messages_succeed(
        tg: TelegramHarness) -> None:
    messenger = tg.adapter.messenger
    reply = Reply(text("same"))
    sent = await messenger.send(ref(ADA), reply)
    await messenger.edit(ref(ADA), sent.message_ids, reply)
    assert "not modified" in (tg.fake.calls_to("editMessageText")[-1].description or "")
    await messenger.delete(ref(ADA), sent.message_ids)
    await messenger.delete(ref(ADA), sent.message_ids)
    assert tg.fake.messages(ADA) == []


def test_errors_map_to_what_the_outbox_needs() -> None:
    flood = delivery_error(RetryAfter(timedelta(seconds=7)))
    assert flood.transient and flood.retry_after == 7.0
    assert delivery_error(ChatMigrated(-1009)).new_chat_id == "-1009"
    assert delivery_error(Forbidden("Forbidden: bot was blocked by the user")).chat_gone
    assert delivery_error(BadRequest("Bad Request: chat not found")).chat_gone
    too_long = delivery_error(BadRequest("Bad Request: message is too long"))
    assert not (too_long.transient or too_long.chat_gone)
    assert delivery_error(TimedOut()).transient
    assert delivery_error(NetworkError("Internal Server Error")).transient
    bad_token = delivery_error(InvalidToken("Unauthorized"))
    assert not (bad_token.transient or bad_token.chat_gone)
